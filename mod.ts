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

export { definePlugin } from "./src/plugin/define.ts";
export type { OnlyPluginKeys } from "./src/plugin/define.ts";
export type { LogFields, LogLevel } from "./src/log.ts";
export type { StandardSignal } from "./src/signals.ts";
export type {
  ChildExit,
  ExitInfo,
  ExitStatus,
  HookName,
  HookOrder,
  HookSpec,
  LaunchSpec,
  Logger,
  Plugin,
  PluginContext,
  PluginFactory,
  PluginHooks,
  RunOptions,
  SignalDecision,
  SignalEvent,
  SignalName,
  SignalTarget,
  SignalVerdict,
} from "./src/plugin/types.ts";
export { HOOK_NAMES } from "./src/plugin/types.ts";
import type { ServicesFile } from "./src/services/types.ts";
export { parseSignal, signalName, signalNumber, STANDARD_SIGNALS } from "./src/signals.ts";
export { VERSION } from "./src/about.ts";
export type { Duration, ReadyCheck, Service, ServicesFile } from "./src/services/types.ts";

/**
 * Type a services file (`--services FILE`): returns its argument unchanged. Defined here, not
 * imported, so that the single-child path loads no services module.
 */
export function defineServices(file: ServicesFile): ServicesFile {
  return file;
}

if (import.meta.main) {
  // No top-level await: plugins import this module while the CLI is starting.
  import("./src/main.ts").then((cli) => cli.runCli());
}
