/**
 * Plugin hooks as real PID 1: chain order, retargeting, delays, failure
 * isolation in every hook (logged as JSON with the plugin and hook), afterSignal's
 * `delivered`, helpers run through denit's spawner.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { ROOT, runDenit, startDenit } from "./_helpers/denit.ts";
import { sleep } from "./_helpers/async.ts";
import { fixture } from "./_helpers/fixtures.ts";
import { jsonLines } from "./_helpers/logs.ts";
import { plugins } from "./_helpers/plugins.ts";
import { HOOK_NAMES } from "../src/plugin/types.ts";

const FIXTURES = `${ROOT}/tests/fixtures/plugins`;

Deno.test("onSignal handlers run pre, normal, post and the child gets the final signal", async () => {
  await using loaded = await plugins({
    last:
      `{ name: "last", order: "post", onSignal: (e, d) => d.signal === "SIGINT" ? { signal: "SIGUSR2" } : undefined }`,
    middle:
      `{ name: "middle", onSignal: (e, d) => d.signal === "SIGQUIT" ? { signal: "SIGINT" } : undefined }`,
    first:
      `{ name: "first", order: "pre", onSignal: (e) => e.signal === "SIGHUP" ? { signal: "SIGQUIT" } : undefined }`,
  });
  const printSignals = await fixture("print_signals");
  await using denit = startDenit([...loaded.args, printSignals, "15"]);
  await denit.stdout.waitForLine(/^ready/);
  await denit.signal("SIGHUP");
  await denit.stdout.waitForLine("12");
  await denit.signal("SIGTERM");
  equal((await denit.exit()).code, 0);
  deepEqual(denit.stdout.lines.slice(1), ["12", "15"]);
});

Deno.test("onSignal retargets: the group reaches the grandchild, the child does not", async () => {
  await using loaded = await plugins({
    target:
      `{ name: "target", onSignal: (e) => e.signal === "SIGUSR1" ? { target: "child" } : undefined }`,
  });
  const family = await fixture("signal_family");
  await using denit = startDenit([...loaded.args, family]);
  await denit.stdout.waitForLine(/^ready/);
  await denit.signal("SIGUSR1");
  await denit.stdout.waitForLine("child 10");
  await denit.signal("SIGUSR2");
  await denit.stdout.waitForLine("grandchild 12");
  await denit.signal("SIGTERM");
  await denit.exit();
  ok(!denit.stdout.lines.includes("grandchild 10"), denit.stdout.text);
});

Deno.test("an async onSignal delays only its signal; others are forwarded meanwhile", async () => {
  await using loaded = await plugins({
    slow: `{ name: "slow", onSignal: async (e) => {
      if (e.signal === "SIGTERM") await new Promise((r) => setTimeout(r, 600));
    } }`,
  });
  const printSignals = await fixture("print_signals");
  await using denit = startDenit([...loaded.args, printSignals, "15"]);
  await denit.stdout.waitForLine(/^ready/);
  await denit.signal("SIGTERM");
  await sleep(50);
  await denit.signal("SIGUSR2");
  equal((await denit.exit()).code, 0);
  deepEqual(denit.stdout.lines.slice(1), ["12", "15"]);
});

const HOOK_FAILURES: Record<string, string> = {
  throws: `() => { throw new Error("planned failure"); }`,
  rejects: `async () => { throw new Error("planned failure"); }`,
  hangs: `{ timeoutMs: 150, handler: () => new Promise(() => {}) }`,
};

for (const [how, handler] of Object.entries(HOOK_FAILURES)) {
  Deno.test(`a plugin that ${how} in every hook leaves PID 1 running and signals forwarded`, async () => {
    await using loaded = await plugins({
      bad: `{ name: "bad", ${HOOK_NAMES.map((hook) => `${hook}: ${handler}`).join(", ")} }`,
      good:
        `{ name: "good", order: "pre", onSignal: (e) => e.signal === "SIGHUP" ? { signal: "SIGUSR2" } : undefined }`,
    });
    const printSignals = await fixture("print_signals");
    await using denit = startDenit([
      ...loaded.args,
      "sh",
      "-c",
      `(true &); exec ${printSignals} 15`,
    ]);
    await denit.stdout.waitForLine(/^ready/);
    await denit.signal("SIGHUP");
    await denit.stdout.waitForLine("12");
    await denit.signal("SIGTERM");
    const result = await denit.exit();
    equal(result.code, 0, result.stderr);
    deepEqual(denit.stdout.lines.slice(1), ["12", "15"]);
    for (const hook of HOOK_NAMES) {
      match(result.stderr, new RegExp(`plugin=bad hook=${hook}`), `${hook}: ${result.stderr}`);
    }
  });
}

Deno.test("setup, onChildExit, onOrphanReaped and beforeExit see and change what they should", async () => {
  const marker = await Deno.makeTempFile();
  await using loaded = await plugins({
    life: `{ name: "life",
      setup: (launch) => ({ argv: ["sh", "-c", "(true &); sleep 0.2; echo $GREETING; exit 3"],
                            env: { ...launch.env, GREETING: "hi" } }),
      onOrphanReaped: (orphan, ctx) => ctx.log.warn("orphan " + orphan.exitCode),
      onChildExit: (exit) => ({ exitCode: exit.exitCode + 40 }),
      beforeExit: (info) => Deno.writeTextFile("${marker}", String(info.exitCode)),
    }`,
  });
  try {
    const result = await runDenit([...loaded.args, "false"]);
    equal(result.stdout, "hi\n");
    equal(result.code, 43);
    match(result.stderr, /orphan 0 plugin=life hook=onOrphanReaped/);
    equal(await Deno.readTextFile(marker), "43");
  } finally {
    await Deno.remove(marker);
  }
});

Deno.test("ctx.run() gets each helper's own exit status while orphans are reaped in a storm", async () => {
  await using loaded = await plugins({
    runner: `{ name: "runner", onSignal: { timeoutMs: 60000, handler: async (e, d, ctx) => {
      if (e.signal !== "SIGUSR2") return;
      const codes = [];
      for (let i = 0; i < 40; i++) codes.push((await ctx.run(["sh", "-c", "exit " + (i % 7 + 1)])).exitCode);
      ctx.log.warn("codes " + codes.join(","));
      return { signal: "SIGTERM" };
    } } }`,
  });
  const script = "for i in $(seq 2000); do (true &); done; wait";
  const printSignals = await fixture("print_signals");
  await using denit = startDenit([
    ...loaded.args,
    "sh",
    "-c",
    `${script} & exec ${printSignals} 15`,
  ], {});
  await denit.stdout.waitForLine(/^ready/);
  await denit.signal("SIGUSR2");
  const result = await denit.exit(60_000);
  equal(result.code, 0, result.stderr);
  const expected = Array.from({ length: 40 }, (_, i) => i % 7 + 1).join(",");
  match(result.stderr, new RegExp(`codes ${expected}`));
});

Deno.test("afterSignal sees delivered false for a dropped signal and true for a forwarded one", async () => {
  const printSignals = await fixture("print_signals");
  await using denit = startDenit([
    "--log-format",
    "json",
    "--plugin",
    `${FIXTURES}/after_audit.ts`,
    printSignals,
    "15",
  ]);
  await denit.stdout.waitForLine(/^ready/);
  await denit.signal("SIGUSR1");
  await denit.stderr.waitForLine(/"test\.after".*"SIGUSR1"/);
  await denit.signal("SIGTERM");
  const result = await denit.exit(10_000);
  equal(result.code, 0, result.stderr);
  const after = jsonLines(result.stderr).filter((r) => r.event === "test.after");
  deepEqual(
    after.map((r) => [r.received, r.sent, r.delivered]),
    [["SIGUSR1", null, false], ["SIGTERM", "SIGTERM", true]],
  );
  deepEqual(denit.stdout.lines.slice(1), ["15"]);
});

Deno.test("a throwing and a hanging plugin are logged as JSON with plugin and hook; the earlier decision is still forwarded", async () => {
  const printSignals = await fixture("print_signals");
  await using denit = startDenit([
    "--log-format",
    "json",
    "--plugin",
    `${FIXTURES}/rewrite_hup_pre.ts`,
    "--plugin",
    `${FIXTURES}/throw_on_signal.ts`,
    "--plugin",
    `${FIXTURES}/hang_on_signal.ts`,
    printSignals,
    "15",
  ]);
  await denit.stdout.waitForLine(/^ready/);
  await denit.signal("SIGHUP");
  await denit.stdout.waitForLine("12"); // HUP→USR2 by the pre plugin, kept despite the failures
  await denit.signal("SIGTERM");
  const result = await denit.exit(10_000);
  equal(result.code, 0, result.stderr);
  deepEqual(denit.stdout.lines.slice(1), ["12", "15"]);
  const failures = jsonLines(result.stderr)
    .filter((r) => r.event === "plugin.error" || r.event === "plugin.timeout")
    .map((r) => `${r.event} ${r.plugin} ${r.hook}`);
  for (
    const expected of [
      "plugin.error thrower onSignal",
      "plugin.error thrower afterSignal",
      "plugin.timeout hanger onSignal",
    ]
  ) ok(failures.includes(expected), `${expected} missing: ${failures.join(", ")}`);
});
