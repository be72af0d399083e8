/**
 * The one owner of `waitpid`. On every SIGCHLD it collects every exited child
 * (SIGCHLD coalesces, so it loops until nothing is left) and hands each status
 * to whoever waits for that pid; the rest are orphans adopted by denit.
 *
 * @module
 */

import type { Libc } from "./ffi/libc.ts";
import { signalName } from "./signals.ts";
import type { SignalName } from "./signals.ts";

/** How a process ended. */
export interface ExitStatus {
  pid: number;
  /** Its exit code, when it exited. */
  code: number | null;
  /** The signal that killed it, when it was killed. */
  signal: SignalName | null;
  /** As a shell reports it: the code, or 128 + the signal number. */
  exitCode: number;
}

/** Decode a `waitpid` status word. */
export function decodeWaitStatus(pid: number, status: number): ExitStatus {
  const termination = status & 0x7f;
  if (termination === 0) {
    const code = (status >> 8) & 0xff;
    return { pid, code, signal: null, exitCode: code };
  }
  return { pid, code: null, signal: signalName(termination), exitCode: 128 + termination };
}

/** Collects exit statuses and routes them to waiters by pid. */
export class Reaper {
  #libc: Libc;
  #waiters = new Map<number, (status: ExitStatus) => void>();
  /** Gets the raw status word: decoding costs time in a storm of 10,000 zombies nobody watches. */
  #onOrphan: (pid: number, status: number) => void;
  #childrenLeft = true;

  constructor(libc: Libc, onOrphan: (pid: number, status: number) => void) {
    this.#libc = libc;
    this.#onOrphan = onOrphan;
  }

  /**
   * Resolves when `pid` is reaped. Call it right after spawning, in the same
   * synchronous step, so the status cannot be collected before anyone waits.
   */
  watch(pid: number): Promise<ExitStatus> {
    this.#childrenLeft = true;
    return new Promise((resolve) => this.#waiters.set(pid, resolve));
  }

  /** Whether the last pass saw children still running (or has not run yet). */
  get childrenLeft(): boolean {
    return this.#childrenLeft;
  }

  /** Reap every exited child. Returns how many were reaped. */
  reap(): number {
    let count = 0;
    for (;;) {
      const result = this.#libc.waitAny();
      if (result.kind === "running") {
        this.#childrenLeft = true;
        return count;
      }
      if (result.kind === "no-children") {
        this.#childrenLeft = false;
        return count;
      }
      count++;
      const waiter = this.#waiters.get(result.pid);
      if (waiter === undefined) {
        this.#onOrphan(result.pid, result.status);
      } else {
        this.#waiters.delete(result.pid);
        waiter(decodeWaitStatus(result.pid, result.status));
      }
    }
  }
}
