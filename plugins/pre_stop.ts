/**
 * Run a command before the stop signal is forwarded: the child keeps serving
 * while it runs (a drain, a deregistration, a plain sleep). It replaces a
 * Kubernetes `preStop: sleep` hook and works in plain Docker too.
 *
 * A second stop signal while the command runs cuts it short: the command is
 * killed and the first stop signal is forwarded at once.
 *
 * @module
 */

import { definePlugin } from "../src/api.ts";
import type { Plugin, SignalName } from "../src/api.ts";

/** Options of {@link preStopPlugin}. */
export interface PreStopOptions {
  /** The command, as argv (`["/bin/sh", "-c", "sleep 5"]` for the shell form). */
  argv: readonly string[];
  /** Longest wait for the command; it is killed after that. */
  timeoutMs: number;
  /** The received signals that start a stop. */
  stopSignals: readonly SignalName[];
}

/** The plugin behind `--pre-stop`. */
export function preStopPlugin(options: PreStopOptions): Plugin {
  let state: "idle" | "running" | "done" = "idle";
  const hurry = new AbortController();
  return definePlugin({
    name: "pre-stop",
    onSignal: {
      // The hook's own deadline must outlast the command's.
      timeoutMs: options.timeoutMs + 5000,
      async handler(event, _decision, ctx) {
        if (!options.stopSignals.includes(event.signal) || state === "done") return;
        if (state === "running") {
          ctx.log.info(`Second ${event.signal}: cutting the pre-stop command short`, {
            event: "prestop.cut",
          });
          hurry.abort();
          return { signal: null };
        }
        state = "running";
        const started = performance.now();
        ctx.log.info(`Pre-stop started: ${options.argv.join(" ")}`, { event: "prestop.started" });
        const stop = AbortSignal.any([
          ctx.signal,
          hurry.signal,
          AbortSignal.timeout(options.timeoutMs),
        ]);
        try {
          const status = await ctx.run(options.argv, { signal: stop });
          ctx.log.info(`Pre-stop finished with code ${status.exitCode}`, {
            event: "prestop.finished",
            exitCode: status.exitCode,
            durationMs: Math.round(performance.now() - started),
            cut: stop.aborted,
          });
        } catch (error) {
          ctx.log.error(`Pre-stop could not run: ${(error as Error).message}`, {
            event: "prestop.failed",
          });
        } finally {
          state = "done";
        }
      },
    },
  });
}
