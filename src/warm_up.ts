/**
 * Warm-up while the child starts. V8 compiles a function the first time it
 * runs, so a cold SIGTERM waited for the plugin chain, the forwarder, the
 * reaper, the exit hooks and the shutdown to be compiled: about 1.5 ms of the
 * 2.4 ms between reading a SIGTERM and `_exit` (performance.now() marks; with
 * V8's `--no-lazy` the same path took 1.0–1.5 ms). Right after the spawn denit
 * is usually idle; then it walks those paths once with events that change nothing:
 *
 * - a rehearsal (`Supervisor.#rehearsal`) plays one child's whole end, a SIGTERM
 *   then its exit, on inert doubles made here: a libc whose calls reach nobody,
 *   a logger that writes nowhere and a plugin host holding one plugin that
 *   returns the decision it was given. The code is the supervisor's own (V8
 *   keeps compiled code per function, not per object); no process, log line
 *   or plugin of the user's is touched;
 * - Deno's abort code (the shutdown at exit aborts the plugins' signal with a DOMException);
 * - the fast calls of the libc functions called on every signal and reap;
 * - a SIGCHLD to itself goes through the real signalfd read, the batch loop and the reaper.
 *
 * The whole walk takes 2–3 ms. A signal that waits meanwhile would wait for all of it,
 * so each step starts only if none does: a SIGTERM sent as soon as the child is up, or
 * the SIGCHLD of a child that ended at once, is handled at the next step's boundary,
 * on paths compiled as it goes (measured in bench/RESULTS.md, lever `warm-up-ignores-pending`).
 * In the listener fallback nothing is blocked, so nothing is seen waiting: the walk runs
 * whole, as it always did there.
 *
 * @module
 */

import type { Config } from "./cli.ts";
import type { Libc, WaitResult } from "./ffi/libc.ts";
import { createLogger } from "./log.ts";
import type { Logger, LogLevel } from "./log.ts";
import { definePlugin } from "./plugin/define.ts";
import { PluginHost } from "./plugin/host.ts";
import type { SignalSource } from "./signal_source.ts";
import { signalNumber } from "./signals.ts";

const SIGCHLD = signalNumber("SIGCHLD");

/**
 * Walk the paths above while `idle()` says no signal waits; call it right after the child
 * is spawned. `rehearsal` yields after each act (a promise it yields is awaited). Changes
 * nothing: the extra SIGCHLD makes the reaper look for exited children once more (it does
 * on every SIGCHLD; the kernel merges them anyway), and the aborted controller is nobody's.
 */
export async function warmUp(
  libc: Libc,
  source: SignalSource,
  idle: () => boolean,
  rehearsal: Iterator<unknown>,
): Promise<void> {
  try {
    for (;;) {
      if (!idle()) return;
      const act = rehearsal.next();
      if (act.done === true) break;
      await act.value;
    }
  } catch {
    // A double was asked for more than it answers: the rest of the end compiles later.
  }
  try {
    // Deno's abort, 0.3–0.7 ms cold: taken at exit once a plugin has read its `ctx.signal`.
    if (!idle()) return;
    new AbortController().abort(new DOMException("denit warm-up", "AbortError"));
    // The fast calls for read, kill and waitpid: 1.1–1.6 ms of compiling (src/ffi/libc.ts).
    if (!idle()) return;
    libc.bindHotCalls();
    // Last: once sent, this SIGCHLD waits itself, and `idle()` would say no.
    if (source.mode === "signalfd" && idle()) libc.kill(libc.pid(), SIGCHLD);
  } catch {
    // Only compilation was at stake: the real paths are merely compiled later.
  }
}

/** The pid the rehearsed child has: above any pid_max, so it can never name a process. */
export const REHEARSAL_PID = 2 ** 22 + 1;

/** What a rehearsal runs on: nothing in it reaches a process, the log or a user's plugin. */
export interface RehearsalWorld {
  libc: Libc;
  log: Logger;
  host: PluginHost;
  source: SignalSource;
}

const LEVELS_MOST_FIRST: readonly LogLevel[] = ["trace", "debug", "info", "warn", "error"];

/**
 * Inert doubles for a rehearsal of one child's end with this configuration. The logger
 * has the real one's level and format (the same formatting code runs) and no output. The
 * libc answers the only calls those paths make: `pid` (0), `kill` (nobody is signalled)
 * and `waitAny` (the rehearsed child, killed by `status`, then no child at all); any
 * other call throws, and the rehearsal with it, harmlessly.
 */
export function rehearsalWorld(config: Config, log: Logger, status: number): RehearsalWorld {
  const level = LEVELS_MOST_FIRST.find((candidate) => log.enabled(candidate)) ?? "error";
  const quiet = createLogger({ level, format: config.logFormat, sink: () => {} });
  const waits: WaitResult[] = [{ kind: "exited", pid: REHEARSAL_PID, status }];
  const libc = {
    pid: () => 0,
    kill: () => 0,
    waitAny: (): WaitResult => waits.shift() ?? { kind: "no-children" },
  } as Partial<Libc> as Libc;
  const host = new PluginHost(quiet);
  host.register(definePlugin({
    name: "denit-rehearsal",
    onSignal: (_event, decision) => ({ signal: decision.signal, target: decision.target }),
    afterSignal: () => {},
    onChildExit: () => {},
    beforeExit: () => {},
  }));
  host.start({
    childPid: () => REHEARSAL_PID,
    run: () => Promise.reject(new Error("a rehearsal runs nothing")),
    kill: () => false,
  });
  return {
    libc,
    log: quiet,
    host,
    source: { mode: "signalfd", next: () => new Promise(() => {}) },
  };
}
