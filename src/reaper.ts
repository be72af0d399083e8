/**
 * The one owner of `waitpid`. On every SIGCHLD it collects every exited child
 * (SIGCHLD coalesces, so it loops until nothing is left) and hands each status
 * to whoever waits for that pid; the rest are orphans adopted by denit.
 *
 * @module
 */

import { shellExitCode } from "./exit_code.ts";
import type { Libc } from "./ffi/libc.ts";
import { describeSignal } from "./signals.ts";
import { after } from "./timer.ts";
import type { ExitStatus } from "./plugin/types.ts";

/** How a process ended: the plugin API's type, one definition. */
export type { ExitStatus };

/**
 * Decode a `waitpid` status word. Total: every word decodes (a child killed by
 * signal 32 or 33, which have no name in `kill -l`, gives 160 or 161), so no
 * status is ever lost to a decoding error.
 */
export function decodeWaitStatus(pid: number, status: number): ExitStatus {
  const termination = status & 0x7f;
  if (termination === 0) {
    const code = (status >> 8) & 0xff;
    return { pid, code, signal: null, exitCode: shellExitCode(code, 0) };
  }
  return {
    pid,
    code: null,
    signal: describeSignal(termination),
    exitCode: shellExitCode(null, termination),
  };
}

/** Collects exit statuses and routes them to waiters by pid. */
export class Reaper {
  #libc: Libc;
  #waiters = new Map<number, (status: ExitStatus) => void>();
  /** Gets the raw status word: decoding costs time in a storm of 10,000 zombies nobody watches. */
  #onOrphan: (pid: number, status: number) => void;
  #childrenLeft = true;
  /** Woken by the first pass that finds no child left. */
  #noChildrenWaiters: Array<() => void> = [];

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

  /**
   * Reap every exited child. Returns how many were reaped. If handing a status
   * on failed (an orphan callback threw), every other child is still reaped and
   * its status delivered, and then the first failure is thrown.
   */
  reap(): number {
    try {
      return this.#reapAll();
    } finally {
      if (!this.#childrenLeft && this.#noChildrenWaiters.length > 0) {
        for (const wake of this.#noChildrenWaiters.splice(0)) wake();
      }
    }
  }

  /**
   * Resolves true once a pass finds no child left (SIGCHLD drives the passes),
   * false after `ms`. Reaps once first: there may be nothing to wait for.
   */
  whenNoChildren(ms: number): Promise<boolean> {
    this.reap();
    if (!this.#childrenLeft) return Promise.resolve(true);
    return new Promise((resolve) => {
      let settled = false;
      const done = () => {
        settled = true;
        resolve(true);
      };
      // Often denit's first timer, at the very end: not setTimeout (src/timer.ts). A wait
      // that ended early ignores it.
      after(ms, () => {
        if (settled) return;
        this.#noChildrenWaiters = this.#noChildrenWaiters.filter((wake) => wake !== done);
        resolve(false);
      });
      this.#noChildrenWaiters.push(done);
    });
  }

  #reapAll(): number {
    let count = 0;
    const failures: unknown[] = [];
    for (;;) {
      const result = this.#libc.waitAny();
      if (result.kind === "exited") {
        count++;
        try {
          this.#deliver(result.pid, result.status);
        } catch (error) {
          // Keep reaping: SIGCHLD coalesces, so a zombie left now might wait for ever. The
          // first failure is reported once the pass is over.
          failures.push(error);
        }
        continue;
      }
      this.#childrenLeft = result.kind === "running";
      if (failures.length > 0) throw failures[0];
      return count;
    }
  }

  #deliver(pid: number, status: number): void {
    const waiter = this.#waiters.get(pid);
    if (waiter === undefined) {
      this.#onOrphan(pid, status);
      return;
    }
    // Decode before dropping the waiter: whoever waits for this pid gets its status.
    const decoded = decodeWaitStatus(pid, status);
    this.#waiters.delete(pid);
    waiter(decoded);
  }
}
