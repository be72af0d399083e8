/**
 * Forwarding a decided signal to its target: the child, the child's process
 * group, or everyone denit is responsible for. Failures are logged with the
 * errno, never thrown.
 *
 * @module
 */

import { ErrnoError } from "./errors.ts";
import type { Libc } from "./ffi/libc.ts";
import type { Logger } from "./log.ts";
import type { SignalTarget } from "./plugin/types.ts";
import { signalEveryone } from "./processes.ts";
import { signalNumber } from "./signals.ts";
import type { SignalName } from "./signals.ts";

/** Sends signals to one child and what surrounds it. */
export class Forwarder {
  #libc: Libc;
  #log: Logger;
  #pid: number;
  #ownGroup: boolean;
  #warnedGroupOnly = false;
  /** Set once the child has ended: nobody being there is then expected. */
  childExited = false;

  /** `ownGroup`: the child leads its own process group (denit is not in it). */
  constructor(libc: Libc, log: Logger, pid: number, ownGroup: boolean) {
    this.#libc = libc;
    this.#log = log;
    this.#pid = pid;
    this.#ownGroup = ownGroup;
  }

  /** Send a signal to a target. Returns whether it was delivered. */
  send(name: SignalName, target: SignalTarget): boolean {
    const signo = signalNumber(name);
    if (target === "all") return this.everyone(signo) > 0;
    // A child that shares denit's group must never be signalled through it: denit is in it.
    const pid = target === "group" && this.#ownGroup ? -this.#pid : this.#pid;
    const errno = this.#libc.kill(pid, signo);
    if (errno === 0) return true;
    const who = pid < 0 ? `process group ${-pid}` : `pid ${pid}`;
    const error = new ErrnoError(`Cannot forward signal "${name}" to ${who}`, errno);
    if (this.childExited) this.#log.debug(error.message, { event: "signal.failed" });
    else this.#log.warn(error.message, { event: "signal.failed" });
    return false;
  }

  /** Signal the child's process group, if it has its own; quietly. */
  group(signo: number): void {
    if (this.#ownGroup) this.#libc.kill(-this.#pid, signo);
  }

  /**
   * {@link signalEveryone}, saying once, plainly, when only the child's process group
   * could be reached (not PID 1 and no /proc to list the descendants). Returns how many.
   */
  everyone(signo: number): number {
    const group = this.#ownGroup ? this.#pid : null;
    const { count, groupOnly } = signalEveryone(this.#libc, signo, group);
    if (groupOnly && !this.#warnedGroupOnly) {
      this.#warnedGroupOnly = true;
      this.#log.warn(
        group === null
          ? "Cannot list the processes left without /proc: none was signalled"
          : `Cannot list the processes left without /proc: signalling process group ${group} only`,
        { event: "drain.blind" },
      );
    }
    return count;
  }
}
