/**
 * The stop sequence: pre-stop command, then every service in reverse
 * dependency order (a service gets its stop signal only once everything that
 * depends on it has exited), each with its own grace before SIGKILL, the
 * global `--stop-timeout` over all of it, then the drain of whatever is left.
 *
 * @module
 */

import { describeError } from "../errors.ts";
import { EXIT_SERVICE_FAILED, servicesExitCode } from "../exit_code.ts";
import { drainLeftovers, KILL_REAP_WAIT_MS, signalEveryone } from "../processes.ts";
import type { ExitStatus } from "../reaper.ts";
import { signalNumber } from "../signals.ts";
import type { SignalName } from "../signals.ts";
import { environmentWith } from "./supervisor.ts";
import type { ServicesSupervisor } from "./supervisor.ts";
import { within } from "./timing.ts";
import type { Unit } from "./unit.ts";

const SIGKILL = signalNumber("SIGKILL");
/** How long prefixed output may take to reach its end once every process is gone. */
const OUTPUT_DRAIN_MS = 1000;

/** Why the services stop. */
export type StopReason =
  /** denit received a stop signal. */
  | { kind: "signal"; signal: SignalName }
  /** A main service exited. */
  | { kind: "main"; service: string; exitCode: number }
  /** A oneshot failed, a critical service gave up, or start-up could not go on. */
  | { kind: "failure"; service: string; exitCode: number }
  /** Every service has ended for good; nothing is left to supervise. */
  | { kind: "finished"; exitCode: number };

/** Runs the stop sequence once, and holds the exit code. */
export class StopSequence {
  #supervisor: ServicesSupervisor;
  #started = false;
  #finished = Promise.withResolvers<number>();
  /** Set by the reason that started the stop (main exit, failure). */
  #exitCode: number | null = null;
  /** The main service's exit, when it ended. */
  #mainStatus: ExitStatus | null = null;

  constructor(supervisor: ServicesSupervisor) {
    this.#supervisor = supervisor;
  }

  get started(): boolean {
    return this.#started;
  }

  /** Resolves with denit's exit code once everything has stopped. */
  get finished(): Promise<number> {
    return this.#finished.promise;
  }

  /** A main service ended (before or during the stop); its code is the exit code unless set. */
  mainExited(status: ExitStatus): void {
    this.#mainStatus ??= status;
  }

  /** Start the stop sequence (only the first call counts). */
  begin(reason: StopReason): void {
    if (this.#started) return;
    this.#started = true;
    if (reason.kind !== "signal") this.#exitCode = reason.exitCode;
    this.#run(reason).catch((error) => {
      // Never reached in practice; PID 1 must still leave with a code.
      this.#supervisor.log.error(`Cannot stop cleanly: ${describeError(error)}`);
      this.#finished.resolve(this.#exitCode ?? EXIT_SERVICE_FAILED);
    });
  }

  async #run(reason: StopReason): Promise<void> {
    const s = this.#supervisor;
    const { config, log, host } = s;
    log.info(
      reason.kind === "signal"
        ? `Stopping services on ${reason.signal}`
        : reason.kind === "main"
        ? `Stopping services: main service "${reason.service}" exited`
        : reason.kind === "finished"
        ? `Every service has ended; exiting with code ${reason.exitCode}`
        : `Stopping services: "${reason.service}" failed with code ${reason.exitCode}`,
      { event: "services.stopping", reason: reason.kind, ...reason },
    );
    for (const unit of s.units) {
      if (unit.restartTimer !== null) clearTimeout(unit.restartTimer);
      unit.restartTimer = null;
      unit.attempt?.abort();
      unit.neverReady();
    }
    if (reason.kind === "signal" && config.preStop !== null) await this.#preStop();
    let timer: ReturnType<typeof setTimeout> | undefined;
    if (config.stopTimeoutMs !== null) {
      const ms = config.stopTimeoutMs;
      timer = setTimeout(() => {
        log.warn(`Stop timeout of ${ms} ms passed; sending SIGKILL`, { event: "stop.timeout" });
        for (const unit of s.units) s.signalUnit(unit, "SIGKILL");
        signalEveryone(s.libc, SIGKILL);
      }, ms);
    }
    await Promise.all(s.units.map((unit) => this.#stopUnit(unit)));
    clearTimeout(timer);
    log.info(`Every service has stopped`, { event: "services.stopped" });
    try {
      await this.#drain();
    } catch (error) {
      log.error(`Cannot clean up: ${describeError(error)}`);
    }
    // Lines still in the services' pipes go out before denit does.
    await s.output.drain(OUTPUT_DRAIN_MS);
    // The main service's code is known once its exit is handled: an async `onChildExit` may
    // still be mapping it (each hook has its deadline).
    await s.exitsSettled();
    const exitCode = servicesExitCode(this.#exitCode, this.#mainStatus);
    await host.beforeExit({ exitCode, child: this.#mainStatus });
    host.shutdown();
    log.info(`Exiting with code ${exitCode}`, { event: "exit", exitCode });
    this.#finished.resolve(exitCode);
  }

  async #preStop(): Promise<void> {
    const s = this.#supervisor;
    const preStop = s.config.preStop!;
    s.log.info(`Pre-stop started: ${preStop.text}`, { event: "prestop.started" });
    try {
      const status = await s.runHelper(
        preStop.argv,
        environmentWith({}),
        undefined,
        AbortSignal.timeout(s.config.preStopTimeoutMs),
      );
      s.log.info(`Pre-stop finished with code ${status.exitCode}`, {
        event: "prestop.finished",
        exitCode: status.exitCode,
      });
    } catch (error) {
      s.log.error(`Pre-stop could not run: ${describeError(error)}`, { event: "prestop.failed" });
    }
  }

  /** Stop one service once every service that depends on it is down (memoized). */
  #stopUnit(unit: Unit): Promise<void> {
    unit.stopping ??= (async () => {
      await Promise.all(unit.dependents.map((dependent) => this.#stopUnit(dependent)));
      const s = this.#supervisor;
      const graceMs = unit.spec.stopGraceMs;
      const deadline = performance.now() + graceMs;
      const process = unit.process;
      // Stopped once its whole process group is gone, not only its leader: a wrapper that
      // exits at once would leave its workers running while what it depends on is stopped.
      let pgid: number;
      if (process !== null) {
        const signal = unit.policy.stopSignal;
        unit.log.info(
          `Stopping service "${unit.name}" (pid ${process.pid}) with ${signal}`,
          { event: "service.stopping", signal, pid: process.pid, graceMs },
        );
        s.signalUnit(unit, signal);
        pgid = process.pid;
        const exited = await within(process.exited, graceMs);
        if (exited && await this.#groupGone(pgid, deadline - performance.now())) return;
      } else {
        // Its leader is gone already (a pre-stop asked it to stop, or a oneshot left something
        // behind): what is left of its group must go before what it depends on.
        // A live process with the leader's pid is not ours (the leader was reaped, and Linux
        // reuses no pid while it names a live group): the number names another group now.
        if (unit.pgid === null || s.libc.kill(-unit.pgid, 0) !== 0) return;
        if (s.libc.kill(unit.pgid, 0) === 0) return;
        pgid = unit.pgid;
        const signal = unit.policy.stopSignal;
        unit.log.info(
          `Stopping what is left of service "${unit.name}" (process group ${pgid}) with ${signal}`,
          { event: "service.stopping", signal, pgid, graceMs },
        );
        s.libc.kill(-pgid, signalNumber(signal));
        if (await this.#groupGone(pgid, graceMs)) return;
      }
      unit.log.warn(
        `Service "${unit.name}" (its process group) did not exit within ${graceMs} ms; ` +
          "sending SIGKILL to its group",
        { event: "service.killed", pid: pgid, graceMs },
      );
      s.libc.kill(-pgid, SIGKILL); // its own session: the group holds the leader too
      if (process !== null) await within(process.exited, KILL_REAP_WAIT_MS);
      await this.#groupGone(pgid, KILL_REAP_WAIT_MS);
    })();
    return unit.stopping;
  }

  /**
   * Whether the group `pgid` has no member left within `ms` (the reaper collects them on
   * SIGCHLD meanwhile). After its leader, the rest of a service's group: workers still
   * finishing, or, once SIGKILLed, members that die a moment after the leader (a shell's
   * `sleep`); the drain that follows should find only what the service really left behind.
   */
  async #groupGone(pgid: number, ms: number): Promise<boolean> {
    const s = this.#supervisor;
    const deadline = performance.now() + ms;
    for (;;) {
      if (s.libc.kill(-pgid, 0) !== 0) return true;
      if (performance.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Whatever the services left behind: SIGTERM, the drain timeout, then SIGKILL. */
  #drain(): Promise<void> {
    const s = this.#supervisor;
    return drainLeftovers({
      reaper: s.reaper,
      log: s.log,
      timeoutMs: s.config.drainTimeoutMs,
      signalAll: (signo) => signalEveryone(s.libc, signo),
      startMessage: "Sending SIGTERM to the processes left",
    });
  }
}
