/**
 * Readiness checks: polled until they pass, the service exits, the stop
 * sequence starts, or the timeout passes. Connecting is done by Deno itself;
 * a readiness command goes through denit's spawner like every process.
 *
 * @module
 */

import type { ReadySpec } from "./types.ts";

/** How often a check is repeated. */
const POLL_MS = 100;

/** What a readiness check may use. */
export interface ReadinessContext {
  /** Run a command to its end; resolves with its exit code. Killed when `signal` aborts. */
  runCommand(argv: string[], signal: AbortSignal): Promise<number>;
  /** Resolves when a newline arrived on the notification fd (notifyFd checks only). */
  notified?: Promise<void>;
}

/** How a wait for readiness ended. */
export type ReadyOutcome = "ready" | "timeout" | "aborted";

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * Whether a connection is accepted before `signal` aborts. `Deno.connect` takes no signal, and
 * against a full accept queue it waits out the kernel's SYN retries (about 2 minutes): the
 * wait ends at the abort instead, and a connection that still comes is closed.
 */
async function accepts(
  options: Deno.ConnectOptions | Deno.UnixConnectOptions,
  signal: AbortSignal,
): Promise<boolean> {
  const connecting = Deno.connect(options as Deno.ConnectOptions);
  let stop = () => {};
  const aborted = new Promise<null>((resolve) => {
    stop = () => resolve(null);
    if (signal.aborted) stop();
    signal.addEventListener("abort", stop, { once: true });
  });
  try {
    const connection = await Promise.race([connecting, aborted]);
    if (connection === null) {
      connecting.then((late) => late.close(), () => {});
      return false;
    }
    connection.close();
    return true;
  } catch {
    return false;
  } finally {
    signal.removeEventListener("abort", stop);
  }
}

async function passes(
  spec: ReadySpec,
  context: ReadinessContext,
  signal: AbortSignal,
): Promise<boolean> {
  switch (spec.kind) {
    case "tcp":
      return await accepts({ hostname: spec.hostname, port: spec.port }, signal);
    case "unix":
      return await accepts({ transport: "unix", path: spec.path }, signal);
    case "file":
      return await Deno.stat(spec.path).then(() => true, () => false);
    case "command":
      try {
        return (await context.runCommand(spec.argv, signal)) === 0;
      } catch {
        return false;
      }
    case "notifyFd":
      return false; // answered by `notified`
  }
}

/** Wait until `spec` passes. `abort` ends the wait (the service exited, or denit is stopping). */
export async function waitUntilReady(
  spec: ReadySpec,
  timeoutMs: number,
  context: ReadinessContext,
  abort: AbortSignal,
): Promise<ReadyOutcome> {
  const deadline = AbortSignal.timeout(Math.max(1, timeoutMs));
  const signal = AbortSignal.any([abort, deadline]);
  if (spec.kind === "notifyFd") {
    const stopped = new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      signal.addEventListener("abort", () => resolve(), { once: true });
    });
    await Promise.race([context.notified ?? new Promise<never>(() => {}), stopped]);
    if (abort.aborted) return "aborted";
    return deadline.aborted ? "timeout" : "ready";
  }
  for (;;) {
    if (abort.aborted) return "aborted";
    if (deadline.aborted) return "timeout";
    if (await passes(spec, context, signal)) return abort.aborted ? "aborted" : "ready";
    await sleep(POLL_MS, signal);
  }
}
