/**
 * A signal audit log: every signal denit receives, who sent it (pid and uid,
 * from the signalfd) and what was done with it, one line each. Run denit with
 * `-v` (text) or `--log-format json` to see the lines.
 *
 * ```sh
 * denit --log-format json --plugin examples/plugins/signal_audit.ts -- my-server
 * ```
 *
 * @module
 */

import { definePlugin } from "../../mod.ts";

/** Names the sender of a signal from /proc, when it is still there. */
function senderName(pid: number): string {
  if (pid === 0) return "kernel or outside this PID namespace";
  try {
    return Deno.readTextFileSync(`/proc/${pid}/comm`).trim();
  } catch {
    return "gone";
  }
}

export default definePlugin({
  name: "signal-audit",
  // First to see each signal as received, last to see what became of it.
  onSignal: {
    order: "pre",
    handler(event, _decision, ctx) {
      ctx.log.info(
        `${event.signal} from pid ${event.senderPid} (${
          senderName(event.senderPid)
        }), uid ${event.senderUid}`,
        {
          event: "audit.received",
          signal: event.signal,
          sender: event.senderPid,
          uid: event.senderUid,
        },
      );
    },
  },
  afterSignal: {
    order: "post",
    handler(event, decision, delivered, ctx) {
      const outcome = decision.signal === null
        ? "dropped"
        : `${delivered ? "sent" : "not delivered"} as ${decision.signal} to the ${decision.target}`;
      ctx.log.info(`${event.signal} ${outcome}`, {
        event: "audit.outcome",
        signal: event.signal,
        sent: decision.signal,
        target: decision.target,
        delivered,
      });
    },
  },
});
