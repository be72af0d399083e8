/**
 * Warm-up while the child starts. V8 compiles a function the first time it
 * runs, so a cold SIGTERM waited for the plugin chain, the forwarder, the
 * reaper, the exit hooks and the shutdown to be compiled: about 1.5 ms of the
 * 2.4 ms between reading a SIGTERM and `_exit` (performance.now() marks; with
 * V8's `--no-lazy` the same path took 1.0–1.5 ms). Right after the spawn denit
 * is idle; here it walks those paths once with events that change nothing:
 *
 * - a SIGCHLD to itself goes through the real signalfd read, the batch loop
 *   and the reaper, and a DOMException aborts a controller (Deno's abort code);
 * - a rehearsal (`Supervisor.#rehearse`) plays one child's whole end, a SIGTERM
 *   then its exit, on inert doubles made here: a libc whose calls reach nobody,
 *   a logger that writes nowhere and a plugin host holding one plugin that
 *   returns the decision it was given. The code is the supervisor's own (V8
 *   keeps compiled code per function, not per object); no process, log line
 *   or plugin of the user's is touched.
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
 * Walk the real signal and reap path, and Deno's abort, once. Call it right after the
 * child is spawned. Changes nothing: an extra SIGCHLD makes the reaper look for exited
 * children once more (it does on every SIGCHLD; the kernel merges them anyway), and the
 * aborted controller is nobody's.
 */
export function warmUp(libc: Libc, source: SignalSource): void {
  // A SIGCHLD to itself goes through the signalfd like any other: read, batch, reap.
  if (source.mode === "signalfd") libc.kill(libc.pid(), SIGCHLD);
  // The shutdown at exit aborts a controller with a DOMException: Deno's own code, 0.5–0.7
  // ms cold. Warmed at once, not only in the rehearsal: a child that ends at once takes
  // that path too.
  new AbortController().abort(new DOMException("denit warm-up", "AbortError"));
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
