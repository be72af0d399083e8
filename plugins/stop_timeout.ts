/**
 * Finish before the runtime's own SIGKILL: once the stop signal was forwarded,
 * give the child a deadline, then SIGKILL its group and everything else left.
 *
 * @module
 */

import { definePlugin } from "../src/api.ts";
import type { Plugin, SignalName } from "../src/api.ts";
import { after } from "../src/timer.ts";

/** Options of {@link stopTimeoutPlugin}. */
export interface StopTimeoutOptions {
  /** Time after the stop signal was forwarded. */
  timeoutMs: number;
  /** The received signals that start a stop (SIGTERM as `docker stop` sends by default). */
  stopSignals: readonly SignalName[];
}

/** The plugin behind `--stop-timeout`. */
export function stopTimeoutPlugin(options: StopTimeoutOptions): Plugin {
  let armed = false;
  return definePlugin({
    name: "stop-timeout",
    order: "post",
    afterSignal(event, decision, delivered, ctx) {
      if (armed || !delivered || !options.stopSignals.includes(event.signal)) return;
      armed = true;
      ctx.log.info(`Stop timeout armed: SIGKILL in ${options.timeoutMs} ms`, {
        event: "stop.armed",
        forwarded: decision.signal,
        timeoutMs: options.timeoutMs,
      });
      // Right after the stop signal went out, while the child may already be exiting: not
      // setTimeout, whose first call costs 8–10 ms (src/timer.ts). Never cancelled.
      after(options.timeoutMs, () => {
        ctx.log.warn(`Stop timeout of ${options.timeoutMs} ms passed; sending SIGKILL`, {
          event: "stop.timeout",
        });
        ctx.kill("SIGKILL", "group");
        ctx.kill("SIGKILL", "all");
      });
    },
  });
}
