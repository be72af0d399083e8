/**
 * Warm-up while the child starts. V8 compiles a function the first time it
 * runs, so the first SIGTERM used to wait for the signalfd read, the batch loop
 * and the reaper to be compiled, and the exit for Deno's abort machinery (the
 * plugin host's shutdown): about 1 ms in all, measured with performance.now()
 * marks. Right after the spawn denit is idle; here it walks those paths once with
 * events that change nothing.
 *
 * @module
 */

import type { Libc } from "./ffi/libc.ts";
import type { SignalSource } from "./signal_source.ts";
import { signalNumber } from "./signals.ts";

const SIGCHLD = signalNumber("SIGCHLD");

/**
 * Walk the signal, reap and exit paths once. Call it right after the child is
 * spawned. Changes nothing: an extra SIGCHLD makes the reaper look for exited
 * children once more (it does on every SIGCHLD; the kernel merges them anyway),
 * and the aborted controller is nobody's.
 */
export function warmUp(libc: Libc, source: SignalSource): void {
  // A SIGCHLD to itself goes through the signalfd like any other: read, batch, reap.
  if (source.mode === "signalfd") libc.kill(libc.pid(), SIGCHLD);
  // The shutdown at exit aborts a controller with a DOMException: Deno's own code, cold.
  new AbortController().abort(new DOMException("denit warm-up", "AbortError"));
}
