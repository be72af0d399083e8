/**
 * Drain, then quit: on SIGTERM, hold the signal until the child's listening
 * port has no established connection left (or the hook's deadline passes),
 * then send SIGQUIT instead — a graceful stop for servers that finish
 * in-flight work on QUIT but not on TERM.
 *
 * The port comes from `DRAIN_PORT` (default 8080); the wait is bounded by
 * the hook's timeout (`DRAIN_TIMEOUT_MS`, default 20 000), after which the
 * SIGQUIT goes anyway. Other signals are forwarded meanwhile.
 *
 * ```sh
 * DRAIN_PORT=8080 denit --plugin examples/plugins/drain_then_quit.ts -- my-server
 * ```
 *
 * @module
 */

import { definePlugin } from "../../mod.ts";

const port = Number(Deno.env.get("DRAIN_PORT") ?? "8080");
const timeoutMs = Number(Deno.env.get("DRAIN_TIMEOUT_MS") ?? "20000");

/** Established TCP connections whose local port is `port` (IPv4 and IPv6). */
async function establishedConnections(port: number): Promise<number> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  let count = 0;
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    const text = await Deno.readTextFile(table).catch(() => "");
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is "ADDR:PORT"; state 01 is ESTABLISHED.
      if (fields[1]?.endsWith(`:${hexPort}`) && fields[3] === "01") count++;
    }
  }
  return count;
}

export default definePlugin({
  name: "drain-then-quit",
  onSignal: {
    timeoutMs: timeoutMs + 1000,
    async handler(event, _decision, ctx) {
      if (event.signal !== "SIGTERM") return;
      const deadline = AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutMs)]);
      let open = await establishedConnections(port);
      ctx.log.info(`Draining port ${port}: ${open} connection(s) open`, { event: "drain.wait" });
      while (open > 0 && !deadline.aborted) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        open = await establishedConnections(port);
      }
      ctx.log.info(`Drained port ${port} (${open} left); sending SIGQUIT`, { event: "drain.done" });
      return { signal: "SIGQUIT" };
    },
  },
});
