/**
 * The one-child supervisor on the fake libc facade that src/ffi/libc.ts
 * promises: the life of one child, step by step, per compatibility mode
 * (placement, default target, what follows the child's exit, exit code).
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { parseCommandLine } from "../src/cli.ts";
import type { Config } from "../src/cli.ts";
import type { Libc, SignalInfo, SpawnRequest, WaitResult } from "../src/ffi/libc.ts";
import { createLogger } from "../src/log.ts";
import { PluginHost } from "../src/plugin/host.ts";
import type { SignalSource } from "../src/signal_source.ts";
import { signalNumber } from "../src/signals.ts";
import { Supervisor } from "../src/supervisor.ts";
import { REHEARSAL_PID } from "../src/warm_up.ts";
import { remapExitPlugin } from "../plugins/exit_code.ts";

const CHILD = 100;

/**
 * A libc facade that records spawns and kills; waitpid answers from `waits`. The warm-up's
 * SIGCHLD to denit itself (src/warm_up.ts) is counted apart: it is not a forwarded signal.
 */
class FakeLibc {
  spawns: SpawnRequest[] = [];
  kills: Array<[number, number]> = [];
  warmUps = 0;
  /** Kills, the warm-up's checks and its SIGCHLD, in the order they happened. */
  order: string[] = [];
  waits: WaitResult[] = [];
  /** What sigpending() says: a signal waits (denit then skips its warm-up). */
  pending = false;

  constructor(readonly self = 4242) {}

  facade(): Libc {
    return {
      pid: () => this.self,
      foregroundGroup: () => null,
      signalsPending: () => {
        this.order.push("idle?");
        return this.pending;
      },
      bindHotCalls: () => {},
      spawn: (request: SpawnRequest) => {
        this.spawns.push(request);
        return CHILD;
      },
      waitAny: () => this.waits.shift() ?? { kind: "no-children" },
      kill: (pid: number, signo: number) => {
        if (pid === this.self && signo === signalNumber("SIGCHLD")) {
          this.warmUps++;
          this.order.push("warm-up");
        } else {
          this.kills.push([pid, signo]);
          this.order.push(`kill ${pid} ${signo}`);
        }
        return 0;
      },
    } as unknown as Libc;
  }
}

/** A signal source the test feeds. */
class FakeSource implements SignalSource {
  readonly mode = "signalfd" as const;
  #batches: SignalInfo[][] = [];
  #waiting: ((batch: SignalInfo[]) => void) | null = null;

  send(name: Parameters<typeof signalNumber>[0], pid = 0): void {
    const batch = [{ signo: signalNumber(name), pid, uid: 0, code: 0 }];
    if (this.#waiting === null) {
      this.#batches.push(batch);
      return;
    }
    const wake = this.#waiting;
    this.#waiting = null;
    wake(batch);
  }

  next(): Promise<SignalInfo[]> {
    const batch = this.#batches.shift();
    if (batch !== undefined) return Promise.resolve(batch);
    return new Promise((resolve) => this.#waiting = resolve);
  }
}

function configFor(args: string[]): Config {
  const invocation = parseCommandLine(args, {});
  if (invocation.kind !== "run") throw new Error(`not a run: ${args.join(" ")}`);
  return invocation.config;
}

/** Until the child is spawned (setup hooks are awaited first). */
async function spawned(libc: FakeLibc): Promise<void> {
  while (libc.spawns.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
}

/** Run one child's life: spawn, `during`, then the child exits with `status`. */
async function lifeOfOneChild(
  args: string[],
  status: number,
  during: (source: FakeSource) => void,
  plugins: unknown[] = [],
  before: (libc: FakeLibc, source: FakeSource) => void = () => {},
) {
  const libc = new FakeLibc();
  const source = new FakeSource();
  before(libc, source);
  const lines: string[] = [];
  const log = createLogger({ level: "debug", format: "text", sink: (line) => lines.push(line) });
  const host = new PluginHost(log);
  for (const plugin of plugins) host.register(plugin);
  const cwd = Deno.cwd(); // the supervisor moves to / as an init does
  try {
    const supervisor = new Supervisor({
      libc: libc.facade(),
      log,
      config: configFor(args),
      host,
      source,
    });
    const running = supervisor.run();
    await spawned(libc);
    during(source);
    await new Promise((resolve) => setTimeout(resolve, 1));
    libc.waits.push({ kind: "exited", pid: CHILD, status }, { kind: "no-children" });
    source.send("SIGCHLD", CHILD);
    const exitCode = await running;
    return { exitCode, libc, lines };
  } finally {
    Deno.chdir(cwd);
  }
}

const TERM = signalNumber("SIGTERM");

Deno.test("denit mode: the child gets its own session, SIGTERM goes to its group, its code is denit's", async () => {
  const { exitCode, libc, lines } = await lifeOfOneChild(["true"], 3 << 8, (source) => {
    source.send("SIGTERM");
  });
  equal(exitCode, 3);
  equal(libc.spawns[0]!.isolation, "session");
  deepEqual(libc.kills, [[-CHILD, TERM]]);
  equal(libc.warmUps, 1, "the signal path is walked once after the spawn");
  // The rehearsal of the child's end (src/warm_up.ts), right after the spawn, runs on its
  // own doubles: it sent nothing above (no kill of its pid) and wrote nothing here.
  equal(
    lines.filter((line) => line.includes("Received SIGTERM from outside the container")).length,
    1,
    lines.join("\n"),
  );
  ok(!lines.some((line) => line.includes("rehearsal") || line.includes(String(REHEARSAL_PID))));
  ok(lines.some((line) => line.includes("Spawned child")), lines.join("\n"));
  ok(lines.some((line) => line.includes("Exiting with code 3: the child exited with code 3")));
});

Deno.test("a signal that waits as the child starts goes first: no warm-up", async () => {
  const { exitCode, libc } = await lifeOfOneChild(
    ["true"],
    TERM,
    (source) => source.send("SIGTERM"),
    [],
    (libc) => libc.pending = true,
  );
  equal(exitCode, 143);
  deepEqual(libc.kills, [[-CHILD, TERM]]);
  equal(libc.warmUps, 0, "the warm-up waits for no signal to pass");
});

Deno.test("a signal read before the child existed is handled once it runs, before the warm-up", async () => {
  const { exitCode, libc, lines } = await lifeOfOneChild(
    ["true"],
    TERM,
    () => {},
    [],
    (_libc, source) => source.send("SIGTERM"),
  );
  equal(exitCode, 143);
  // The early SIGTERM is forwarded before the warm-up's first check.
  equal(libc.order[0], `kill ${-CHILD} ${TERM}`, libc.order.join(", "));
  ok(libc.order.includes("warm-up"), libc.order.join(", "));
  equal(lines.filter((line) => line.includes("Forwarded SIGTERM")).length, 1, lines.join("\n"));
});

Deno.test("denit mode -c: the child shares denit's group and gets signals itself", async () => {
  const { libc } = await lifeOfOneChild(["-c", "true"], 0, (source) => source.send("SIGTERM"));
  equal(libc.spawns[0]!.isolation, "none");
  deepEqual(libc.kills, [[CHILD, TERM]]);
});

Deno.test("tini mode: own group, signals to the child only, nothing sent after it exits", async () => {
  const { exitCode, libc } = await lifeOfOneChild(
    ["--compat", "tini", "true"],
    signalNumber("SIGKILL"),
    (source) => source.send("SIGTERM"),
  );
  equal(exitCode, 137);
  equal(libc.spawns[0]!.isolation, "group");
  deepEqual(libc.kills, [[CHILD, TERM]]);
});

Deno.test("dumb-init mode: SIGTERM goes to the child's group once more after the child exits", async () => {
  const { libc } = await lifeOfOneChild(["--compat", "dumb-init", "true"], 0, () => {});
  equal(libc.spawns[0]!.isolation, "session");
  deepEqual(libc.kills, [[-CHILD, TERM]]);
});

Deno.test("dumb-init mode with -r 15:0: nothing is sent after the child exits", async () => {
  const { libc } = await lifeOfOneChild(
    ["--compat", "dumb-init", "-r", "15:0", "true"],
    0,
    () => {},
  );
  deepEqual(libc.kills, []);
});

Deno.test("a TTY stop request stops denit too outside tini mode (not as PID 1)", async () => {
  const { libc } = await lifeOfOneChild(["true"], 0, (source) => source.send("SIGTSTP"));
  // The rewrite plugin is not registered here: SIGTSTP itself goes to the group, then denit stops.
  deepEqual(libc.kills, [[-CHILD, signalNumber("SIGTSTP")], [4242, signalNumber("SIGSTOP")]]);
});

Deno.test("-e remaps the child's code, and the exit line says so", async () => {
  const { exitCode, lines } = await lifeOfOneChild(["true"], 3 << 8, () => {}, [
    remapExitPlugin([3]),
  ]);
  equal(exitCode, 0);
  ok(lines.some((line) => line.includes("-e or a plugin mapped 3 to 0")), lines.join("\n"));
});
