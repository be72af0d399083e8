/**
 * denit: a container init (PID 1) for Deno. It starts one child, forwards
 * signals to it, reaps every zombie and exits with the child's code, and lets
 * TypeScript plugins see each signal first.
 *
 * Run it: `deno run -A mod.ts [OPTIONS] [--] PROGRAM [ARGS...]`.
 *
 * Write a plugin: a module whose default export (or export named `plugin`) is
 * made with {@link definePlugin}, loaded with `--plugin PATH`.
 *
 * @example A plugin that makes nginx stop gracefully
 * ```ts
 * import { definePlugin } from "./mod.ts";
 *
 * export default definePlugin({
 *   name: "nginx-graceful",
 *   onSignal(event) {
 *     if (event.signal === "SIGTERM") return { signal: "SIGQUIT", target: "child" };
 *   },
 * });
 * ```
 *
 * @module
 */

export * from "./src/api.ts";

if (import.meta.main) {
  // No top-level await: plugins import this module while the CLI is starting.
  import("./src/main.ts").then((cli) => cli.runCli());
}
