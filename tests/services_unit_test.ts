/** Unit tests: a service's signal policy, and the restart decision with its limit and backoff. */
import { deepEqual, equal } from "node:assert/strict";
import { createLogger } from "../src/log.ts";
import { SignalPolicy } from "../src/services/policy.ts";
import { Unit } from "../src/services/unit.ts";
import { waitUntilReady } from "../src/services/readiness.ts";
import { fixture } from "./_helpers/fixtures.ts";
import { validateServices } from "../src/services/validate.ts";

const [HUP, QUIT, USR1, USR2, TERM, WINCH] = [
  "SIGHUP",
  "SIGQUIT",
  "SIGUSR1",
  "SIGUSR2",
  "SIGTERM",
  "SIGWINCH",
] as const;

Deno.test("SignalPolicy: the table first, then the preset; the stop signal follows", () => {
  const plain = new SignalPolicy(new Map(), [], null);
  equal(plain.forward(TERM), TERM);
  equal(plain.stopSignal, TERM);
  equal(plain.masterOnly, false);

  const nginx = new SignalPolicy(new Map(), ["nginx"], null);
  deepEqual([TERM, WINCH, USR2, HUP].map((s) => nginx.forward(s)), [QUIT, null, null, HUP]);
  equal(nginx.stopSignal, QUIT);
  equal(nginx.masterOnly, true);

  const fpm = new SignalPolicy(new Map([[HUP, USR2]]), ["php-fpm"], null);
  deepEqual([TERM, HUP, USR1, WINCH].map((s) => fpm.forward(s)), [QUIT, USR2, USR1, WINCH]);

  // A table entry that makes SIGTERM something the preset rewrites, or drops it.
  equal(new SignalPolicy(new Map([[USR1, TERM]]), ["nginx"], null).forward(USR1), QUIT);
  equal(new SignalPolicy(new Map([[TERM, null]]), [], null).stopSignal, TERM);
  equal(new SignalPolicy(new Map([[TERM, USR1]]), [], null).stopSignal, USR1);
  equal(new SignalPolicy(new Map(), ["nginx"], USR2).stopSignal, USR2);
});

function unit(fields: Record<string, unknown>): Unit {
  const [spec] = validateServices({ services: [{ name: "u", command: ["x"], ...fields }] });
  return new Unit(
    { spec: spec!, policy: new SignalPolicy(new Map(), [], null) },
    createLogger({ level: "error", format: "text", sink: () => {} }),
  );
}

Deno.test("Unit.decide: restart policies", () => {
  equal(unit({ restart: "no" }).decide(1, 0).kind, "failed");
  equal(unit({ restart: "no" }).decide(0, 0).kind, "done");
  equal(unit({ restart: "on-failure" }).decide(0, 0).kind, "done");
  equal(unit({ restart: "on-failure" }).decide(2, 0).kind, "restart");
  equal(unit({ restart: "always" }).decide(0, 0).kind, "restart");
});

Deno.test("Unit.decide: exponential backoff up to max, limit within the window, then a fresh window", () => {
  const u = unit({
    restart: "always",
    restartLimit: { count: 4, window: 10 },
    backoff: { initial: 1, max: 5 },
  });
  const delays = [0, 1, 2, 3].map((t) => {
    const verdict = u.decide(1, t * 1000);
    return verdict.kind === "restart" ? verdict.delayMs : verdict.kind;
  });
  deepEqual(delays, [1000, 2000, 4000, 5000]);
  equal(u.decide(1, 4000).kind, "give-up");
  // Ten seconds after the first restart it has left the window: one more is allowed.
  const later = u.decide(1, 10_500);
  equal(later.kind, "restart");
  equal(later.kind === "restart" ? later.delayMs : 0, 5000);
});

Deno.test({
  name:
    "a TCP readiness check ends at its deadline even when connect() hangs (a full accept queue)",
  // The abandoned connect() ends at the kernel's next SYN retry once the listener is gone,
  // after the test: its op outlives the test on purpose.
  sanitizeOps: false,
  fn: async () => {
    const listener = new Deno.Command(await fixture("full_backlog"), { stdout: "piped" }).spawn();
    try {
      const reader = listener.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let text = "";
      while (!/port \d+\n/.test(text)) text += (await reader.read()).value ?? "";
      reader.releaseLock();
      const port = Number(/port (\d+)/.exec(text)![1]);
      let guard: ReturnType<typeof setTimeout> | undefined;
      const outcome = await Promise.race([
        waitUntilReady(
          { kind: "tcp", hostname: "127.0.0.1", port },
          300,
          { runCommand: () => Promise.resolve(1) },
          new AbortController().signal,
        ),
        // Only to stop a hung test: connect() alone would wait for minutes.
        new Promise((resolve) =>
          guard = setTimeout(() => resolve("still waiting after 10 s"), 10_000)
        ),
      ]);
      clearTimeout(guard);
      equal(outcome, "timeout");
    } finally {
      listener.kill("SIGKILL");
      await listener.status;
      await listener.stdout.cancel().catch(() => {});
    }
  },
});
