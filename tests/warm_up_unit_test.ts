import { deepEqual, equal, throws } from "node:assert/strict";
import type { Libc } from "../src/ffi/libc.ts";
import type { SignalSource } from "../src/signal_source.ts";
import { parseCommandLine } from "../src/cli.ts";
import { createLogger } from "../src/log.ts";
import { REHEARSAL_PID, rehearsalWorld, warmUp } from "../src/warm_up.ts";

/** A libc facade that records every kill() and has pid 1. */
function recordingLibc(sent: Array<[number, number]>): Libc {
  return {
    pid: () => 1,
    kill: (pid: number, signo: number) => {
      sent.push([pid, signo]);
      return 0;
    },
  } as unknown as Libc;
}

const source = (mode: SignalSource["mode"]): SignalSource => ({
  mode,
  next: () => new Promise(() => {}),
});

Deno.test("warmUp() sends one SIGCHLD to denit itself, nothing to anyone else", () => {
  const sent: Array<[number, number]> = [];
  warmUp(recordingLibc(sent), source("signalfd"));
  deepEqual(sent, [[1, 17]]);
});

Deno.test("warmUp() sends no signal when Deno's listeners collect them (the fallback)", () => {
  const sent: Array<[number, number]> = [];
  warmUp(recordingLibc(sent), source("listeners"));
  deepEqual(sent, []);
});

Deno.test("rehearsalWorld(): a libc that reaches nobody, a log that writes nowhere", async () => {
  const invocation = parseCommandLine(["--log-format", "json", "-vvvv", "true"], {});
  if (invocation.kind !== "run") throw new Error("not a run");
  const written: string[] = [];
  const log = createLogger({ level: "trace", format: "json", sink: (line) => written.push(line) });
  const world = rehearsalWorld(invocation.config, log, 15);

  // The rehearsed child is reaped once, killed by SIGTERM; then there is no child at all.
  deepEqual(world.libc.waitAny(), { kind: "exited", pid: REHEARSAL_PID, status: 15 });
  deepEqual(world.libc.waitAny(), { kind: "no-children" });
  equal(world.libc.kill(REHEARSAL_PID, 15), 0);
  equal(world.libc.pid(), 0);
  throws(() => world.libc.spawn({ argv: ["true"], env: [], isolation: "session" }));

  // Same level as the real logger, so the same formatting code runs; nothing reaches the sink.
  equal(world.log.enabled("trace"), true);
  world.log.info("rehearsed", { event: "test" });
  deepEqual(written, []);

  // The rehearsal plugin hands back the decision it was given.
  const decision = { signal: "SIGTERM", target: "group" } as const;
  const event = { signal: "SIGTERM", senderPid: 0, senderUid: 0, receivedAt: 0 } as const;
  deepEqual(await world.host.decide(event, decision), decision);
});
