/**
 * What follows a service's exit: restart with backoff, give up (stopping
 * everything if it is critical), end the container (main), abort start-up
 * (a failed oneshot), or, once every service has ended for good, exit.
 *
 * @module
 */

import { signalNumber } from "../signals.ts";
import { finishedExitCode } from "../exit_code.ts";
import type { ExitStatus } from "../reaper.ts";
import type { ServicesSupervisor } from "./supervisor.ts";
import type { Unit } from "./unit.ts";

const SIGKILL = signalNumber("SIGKILL");

/** Handles the exits of the services of one supervisor. */
export class ExitHandler {
  #s: ServicesSupervisor;
  /** The first non-zero code of a service that ended for good. */
  #firstFailure: number | null = null;
  /** Exits whose handling (plugins' `onChildExit` included) has not finished yet. */
  #inFlight = new Set<Promise<void>>();

  constructor(supervisor: ServicesSupervisor) {
    this.#s = supervisor;
  }

  /** A service's process ended (or could not be spawned: pid 0). */
  onExit(unit: Unit, status: ExitStatus): Promise<void> {
    const handling: Promise<void> = this.#handle(unit, status).finally(() =>
      this.#inFlight.delete(handling)
    );
    this.#inFlight.add(handling);
    return handling;
  }

  /**
   * Resolves once every exit seen so far is handled. The stop sequence waits for it before it
   * takes the main service's code: an async `onChildExit` may still be mapping it.
   */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  async #handle(unit: Unit, status: ExitStatus): Promise<void> {
    const s = this.#s;
    const spec = unit.spec;
    unit.log.info(
      status.signal === null
        ? `Service "${unit.name}" (pid ${status.pid}) exited with code ${status.code}`
        : `Service "${unit.name}" (pid ${status.pid}) was killed by ${status.signal}`,
      {
        event: "service.exited",
        pid: status.pid,
        code: status.code,
        signal: status.signal,
        exitCode: status.exitCode,
      },
    );
    const stopping = s.stopping;
    // What the service left in its own group (php-fpm workers of a killed master) would hold
    // its socket and outlive it: it goes before any restart. The stop's drain handles the rest.
    if (!stopping && !spec.oneshot && status.pid > 0) {
      s.libc.kill(-status.pid, SIGKILL);
      unit.pgid = null; // its group is gone: the number may name another one later
    }
    const verdict = stopping || spec.oneshot || spec.main
      ? null
      : unit.decide(status.exitCode, performance.now());
    const willRestart = verdict?.kind === "restart";
    const seen = { ...status, service: unit.name, willRestart };
    const exitCode = await s.host.childExit(seen);
    if (spec.main) s.mainExited({ ...status, exitCode });
    if (stopping || s.stopping) {
      unit.neverReady();
      return;
    }
    if (spec.oneshot) {
      if (exitCode === 0) {
        s.ready(unit);
        this.ended(unit, 0);
        return;
      }
      unit.neverReady();
      s.beginStop({ kind: "failure", service: unit.name, exitCode });
      return;
    }
    if (spec.main) {
      s.beginStop({ kind: "main", service: unit.name, exitCode });
      return;
    }
    if (verdict === null) return;
    if (verdict.kind === "restart") {
      unit.log.info(
        `Service "${unit.name}" restarts in ${verdict.delayMs} ms (restart ${verdict.attempt})`,
        { event: "service.restarting", delayMs: verdict.delayMs, attempt: verdict.attempt },
      );
      unit.restartTimer = setTimeout(() => s.launch(unit), verdict.delayMs);
      return;
    }
    if (verdict.kind === "done") {
      unit.log.info(`Service "${unit.name}" finished; not restarted`, { event: "service.done" });
      unit.neverReady();
      this.ended(unit, exitCode);
      return;
    }
    unit.neverReady();
    const why = verdict.kind === "give-up"
      ? `restarted ${spec.restartLimit.count} times within ${spec.restartLimit.windowMs} ms`
      : `exited with code ${exitCode} and is not restarted`;
    if (spec.critical) {
      unit.log.error(`Critical service "${unit.name}" ${why}: stopping everything`, {
        event: "service.gave_up",
        critical: true,
        exitCode,
      });
      s.beginStop({ kind: "failure", service: unit.name, exitCode });
    } else {
      unit.log.error(`Service "${unit.name}" ${why}: left down`, {
        event: "service.gave_up",
        critical: false,
        exitCode,
      });
      this.ended(unit, exitCode);
    }
  }

  /**
   * A service ended for good. Once every service has (only oneshots, or everything left down),
   * nothing is left to supervise: denit exits with the first non-zero code, or 0.
   */
  ended(unit: Unit, exitCode: number): void {
    const s = this.#s;
    unit.ended = true;
    if (exitCode !== 0) this.#firstFailure ??= exitCode;
    if (s.units.every((other) => other.ended)) {
      s.beginStop({ kind: "finished", exitCode: finishedExitCode(this.#firstFailure) });
    }
  }
}
