/**
 * Signal intake, shared by the one-child supervisor and the services
 * supervisor: the one loop that reads the signal source forever, and the one
 * wording of "a signal arrived" in the log.
 *
 * @module
 */

import { describeError } from "./errors.ts";
import type { SignalInfo } from "./ffi/libc.ts";
import type { Logger } from "./log.ts";
import type { SignalSource } from "./signal_source.ts";
import type { SignalName } from "./signals.ts";

/** How long to wait before reading again after the source failed. */
const RETRY_MS = 100;

/**
 * Read signals forever and hand each to `handle`, in arrival order. Whatever
 * goes wrong (reading, handling) is logged, never thrown: the children run.
 */
export async function readSignals(
  source: SignalSource,
  log: Logger,
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
    for (const info of batch) handleSafely(log, handle, info);
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
