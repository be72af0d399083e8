/**
 * Servers on loopback: free ports, readiness by connecting, a slow upstream on
 * the host side, and plain HTTP requests.
 *
 * @module
 */

import { waitFor } from "./async.ts";

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Resolves once something accepts connections on the port. */
export async function portOpen(port: number, what: string, timeoutMs = 15_000): Promise<void> {
  await waitFor(
    async () => {
      try {
        (await Deno.connect({ hostname: "127.0.0.1", port })).close();
        return true as const;
      } catch {
        return false;
      }
    },
    `${what} to listen on ${port}`,
    timeoutMs,
  );
}

/** GET a URL; resolves with status and the whole body, or rejects when the connection is cut. */
export async function get(url: string): Promise<{ status: number; body: string }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.text() };
}

/** An HTTP upstream that answers after `delayMs`; `requested` resolves when a request arrives. */
export function slowUpstream(delayMs: number): {
  port: number;
  requested: Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
} {
  let markRequested = () => {};
  const requested = new Promise<void>((resolve) => markRequested = resolve);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async () => {
    markRequested();
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    return new Response("slow-body-".padEnd(4096, "x") + "-complete\n");
  });
  return {
    port: server.addr.port,
    requested,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

/**
 * A php-fpm configuration for tests, in `dir` (log and pid there too): two static workers
 * run as root, listening on `listen` (a port on 127.0.0.1 or a socket path). Returns its path.
 */
export async function writePhpFpmConfig(dir: string, listen: string): Promise<string> {
  const path = `${dir}/php-fpm.conf`;
  await Deno.writeTextFile(
    path,
    `[global]
error_log = ${dir}/fpm.log
pid = ${dir}/fpm.pid
process_control_timeout = 10s
daemonize = no

[www]
user = root
group = root
listen = ${listen}
pm = static
pm.max_children = 2
`,
  );
  return path;
}

/** The stop signals a server image gets, by who sends them (the official nginx and php images). */
export const STOP_SENDERS = {
  SIGQUIT: "the image's STOPSIGNAL, which Docker, containerd and CRI-O send",
  SIGTERM: "docker stop without STOPSIGNAL",
} as const;
