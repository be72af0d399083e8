/**
 * Signals with several services: one loop reads them, SIGCHLD goes to the
 * reaper, plugins see each other signal once, a stop signal starts the stop
 * sequence, and every other signal goes to each running service through that
 * service's own policy (or to one service a plugin named).
 *
 * @module
 */

import type { SignalInfo } from "../ffi/libc.ts";
import type { SignalDecision, SignalEvent } from "../plugin/types.ts";
import { signalEveryone } from "../processes.ts";
import { decideSignal, logReceived, readSignals } from "../signal_intake.ts";
import type { SignalSource } from "../signal_source.ts";
import { signalName, signalNumber } from "../signals.ts";
import type { SignalName } from "../signals.ts";
import type { ServicesSupervisor } from "./supervisor.ts";

const SIGCHLD = signalNumber("SIGCHLD");
/** The prefix of a plugin target that names one service: `service:nginx`. */
export const SERVICE_TARGET = "service:";

/** Reads and routes signals for the services supervisor. */
export class SignalRouter {
  #s: ServicesSupervisor;
  #source: SignalSource;
  /** Signals that start the stop sequence. */
  #stopSignals: Set<SignalName>;

  /** `extraStopSignals`: `--stop-signal`, added to TERM, INT and QUIT. */
  constructor(
    supervisor: ServicesSupervisor,
    source: SignalSource,
    extraStopSignals: readonly SignalName[],
  ) {
    this.#s = supervisor;
    this.#source = source;
    this.#stopSignals = new Set([
      "SIGTERM",
      "SIGINT",
      "SIGQUIT",
      ...extraStopSignals,
    ]);
  }

  /** The one loop: read signals forever. */
  pump(): Promise<never> {
    return readSignals(this.#source, this.#s.log, this.#s.libc.pid(), (info) => this.#handle(info));
  }

  #handle(info: SignalInfo): void {
    if (info.signo === SIGCHLD) {
      this.#s.reaper.reap();
      return;
    }
    const name = signalName(info.signo);
    logReceived(this.#s.log, name, info);
    decideSignal(
      this.#s.host,
      this.#s.log,
      info,
      name,
      "group",
      (event, decision) => this.#carryOut(event, decision),
    );
  }

  #carryOut(event: SignalEvent, decision: SignalDecision): void {
    let delivered = false;
    if (decision.signal === null) {
      this.#s.log.info(`Dropped ${event.signal}`, {
        event: "signal.dropped",
        signal: event.signal,
      });
    } else if (
      this.#stopSignals.has(decision.signal) &&
      !decision.target.startsWith(SERVICE_TARGET)
    ) {
      delivered = true;
      if (this.#s.stopping) {
        this.#s.log.info(`Already stopping; ${event.signal} changes nothing`, {
          event: "signal.dropped",
          signal: event.signal,
        });
      } else {
        this.#s.beginStop({ kind: "signal", signal: decision.signal });
      }
    } else {
      delivered = this.deliver(decision.signal, decision.target);
    }
    this.#s.host.afterSignal(event, decision, delivered);
  }

  /** Send a decided signal: to one service by name, to everyone, or to each through its policy. */
  deliver(name: SignalName, target: string): boolean {
    const signo = signalNumber(name);
    if (target === "all") return signalEveryone(this.#s.libc, signo).count > 0;
    if (target.startsWith(SERVICE_TARGET)) {
      const unit = this.#s.byName.get(target.slice(SERVICE_TARGET.length));
      if (unit === undefined) {
        this.#s.log.warn(`Cannot forward signal "${name}": no service named ${target}`);
        return false;
      }
      return this.#s.signalUnit(unit, name);
    }
    let delivered = false;
    for (const unit of this.#s.units) {
      if (unit.process === null) continue;
      const forwarded = unit.policy.forward(name);
      if (forwarded === null) {
        unit.log.info(`Dropped ${name} for service "${unit.name}"`, {
          event: "signal.dropped",
          signal: name,
        });
        continue;
      }
      if (this.#s.signalUnit(unit, forwarded)) delivered = true;
    }
    return delivered;
  }
}
