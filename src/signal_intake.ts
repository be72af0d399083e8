/**
 * Signal intake, shared by the one-child supervisor and the services
 * supervisor: the one loop that reads the signal source forever, the one
 * wording of "a signal arrived" in the log, and the way a received signal goes
 * through the plugin chain to whoever carries the decision out.
 *
 * @module
 */

import { describeError } from "./errors.ts";
import type { SignalInfo } from "./ffi/libc.ts";
import type { Logger } from "./log.ts";
import type { SignalSource } from "./signal_source.ts";
import type { PluginHost } from "./plugin/host.ts";
import type { SignalDecision, SignalEvent, SignalTarget } from "./plugin/types.ts";
import { signalNumber } from "./signals.ts";
import type { SignalName } from "./signals.ts";

/** How long to wait before reading again after the source failed. */
const RETRY_MS = 100;
const SIGCHLD = signalNumber("SIGCHLD");

/**
 * Whether denit sent this signal to itself. A write to a closed pipe (SIGPIPE: a log reader
 * that went away) or past a file-size limit (SIGXFSZ) signals the writing thread, and a
 * signal to a process group denit shares reaches denit too: nobody asked for any of them to
 * be forwarded. SIGCHLD is not one: the warm-up sends it on purpose, and it only reaps.
 */
export function sentByDenit(info: SignalInfo, selfPid: number): boolean {
  return info.pid === selfPid && info.signo !== SIGCHLD;
}

/**
 * Read signals forever and hand each to `handle`, in arrival order, except those denit sent
 * itself ({@link sentByDenit}). Whatever goes wrong (reading, handling) is logged, never
 * thrown: the children run.
 */
export async function readSignals(
  source: SignalSource,
  log: Logger,
  selfPid: number,
  handle: (info: SignalInfo) => void,
): Promise<never> {
  for (;;) {
    let batch: SignalInfo[];
    try {
      batch = await source.next();
    } catch (error) {
      log.error(`Cannot read signals: ${describeError(error)}`, { event: "signal.error" });
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      continue;
    }
    for (const info of batch) {
      // Dropped without a log line: the log may be the closed pipe that raised it, and a
      // line about it would raise the next one.
      if (sentByDenit(info, selfPid)) continue;
      handleSafely(log, handle, info);
    }
  }
}

/** Handle one signal; whatever goes wrong is logged, never thrown. */
export function handleSafely(
  log: Logger,
  handle: (info: SignalInfo) => void,
  info: SignalInfo,
): void {
  try {
    handle(info);
  } catch (error) {
    log.error(`Cannot handle signal ${info.signo}: ${describeError(error)}`, {
      event: "signal.error",
    });
  }
}

/** Log a received signal, saying plainly when it came from outside the container (pid 0). */
export function logReceived(log: Logger, name: SignalName, info: SignalInfo): void {
  if (!log.enabled("info")) return;
  log.info(
    info.pid === 0
      ? `Received ${name} from outside the container (sender pid 0: the runtime, another PID namespace or the kernel)`
      : `Received ${name} from pid ${info.pid}`,
    { event: "signal.received", signal: name, sender: info.pid, uid: info.uid },
  );
}

/**
 * Put a received signal through the plugin chain (aimed at `target` until a plugin
 * says otherwise) and hand the final decision to `carryOut`: at once, or when an async
 * handler has settled; a chain that fails is logged and nothing is sent.
 */
export function decideSignal(
  host: PluginHost,
  log: Logger,
  info: SignalInfo,
  name: SignalName,
  target: SignalTarget,
  carryOut: (event: SignalEvent, decision: SignalDecision) => void,
): void {
  const event: SignalEvent = {
    signal: name,
    senderPid: info.pid,
    senderUid: info.uid,
    receivedAt: performance.now(),
  };
  const decision = host.decide(event, { signal: name, target });
  if (decision instanceof Promise) {
    decision.then(
      (final) => carryOut(event, final),
      (error) => log.error(`Cannot decide ${name}: ${describeError(error)}`),
    );
  } else {
    carryOut(event, decision);
  }
}
