import { deepEqual, equal, throws } from "node:assert/strict";
import type { Libc } from "../src/ffi/libc.ts";
import type { SignalSource } from "../src/signal_source.ts";
import { parseCommandLine } from "../src/cli.ts";
import { createLogger } from "../src/log.ts";
import { REHEARSAL_PID, rehearsalWorld, warmUp } from "../src/warm_up.ts";

/** A libc facade that records every kill() (and the fast-call binding as [0, 0]); pid 1. */
function recordingLibc(sent: Array<[number, number]>): Libc {
  return {
    pid: () => 1,
    bindHotCalls: () => sent.push([0, 0]),
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

/** A rehearsal of three acts that records which ones ran. */
function* actsRecordedIn(played: string[]): Generator<Promise<unknown> | undefined> {
  played.push("SIGTERM");
  yield;
  played.push("SIGCHLD");
  yield;
  yield Promise.resolve().then(() => played.push("finish"));
}

/** An idle() that says yes `times` times, then no. */
const idleFor = (times: number) => () => times-- > 0;

Deno.test("warmUp() plays every act, binds the fast calls, then sends one SIGCHLD to denit itself", async () => {
  const sent: Array<[number, number]> = [];
  const played: string[] = [];
  await warmUp(recordingLibc(sent), source("signalfd"), () => true, actsRecordedIn(played));
  deepEqual(played, ["SIGTERM", "SIGCHLD", "finish"]);
  deepEqual(sent, [[0, 0], [1, 17]]);
});

Deno.test("warmUp() sends no signal when Deno's listeners collect them (the fallback)", async () => {
  const sent: Array<[number, number]> = [];
  const played: string[] = [];
  await warmUp(recordingLibc(sent), source("listeners"), () => true, actsRecordedIn(played));
  deepEqual(played, ["SIGTERM", "SIGCHLD", "finish"]);
  deepEqual(sent, [[0, 0]]);
});

Deno.test("warmUp() stops at the first step a signal waits for: the signal goes first", async () => {
  // Checks: before each act, once more before the rehearsal says it is done, before the
  // abort, before the fast calls ([0, 0]), before the SIGCHLD to itself.
  const ALL = ["SIGTERM", "SIGCHLD", "finish"];
  const cases: Array<[number, string[], Array<[number, number]>]> = [
    [0, [], []],
    [1, ["SIGTERM"], []],
    [2, ["SIGTERM", "SIGCHLD"], []],
    [3, ALL, []],
    [5, ALL, []],
    [6, ALL, [[0, 0]]],
    [7, ALL, [[0, 0], [1, 17]]],
  ];
  for (const [idleChecks, expectedActs, expectedSent] of cases) {
    const sent: Array<[number, number]> = [];
    const played: string[] = [];
    await warmUp(
      recordingLibc(sent),
      source("signalfd"),
      idleFor(idleChecks),
      actsRecordedIn(played),
    );
    deepEqual(played, expectedActs, `idle for ${idleChecks} checks`);
    deepEqual(sent, expectedSent, `idle for ${idleChecks} checks: its own SIGCHLD comes last`);
  }
});

Deno.test("warmUp() swallows a failing act and goes on with its other steps", async () => {
  const sent: Array<[number, number]> = [];
  // deno-lint-ignore require-yield
  function* failing(): Generator<Promise<unknown> | undefined> {
    throw new Error("a double was asked for more than it answers");
  }
  await warmUp(recordingLibc(sent), source("signalfd"), () => true, failing());
  // The other steps still run: the fast calls, then the SIGCHLD to itself.
  deepEqual(sent, [[0, 0], [1, 17]]);
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
