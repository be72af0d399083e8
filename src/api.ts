/**
 * The API plugins and services files are written against: {@link definePlugin},
 * {@link defineServices}, the hook types and the signal names. Built-in plugins
 * import it from here; users import it from `mod.ts`, which re-exports it.
 *
 * @module
 */

export { definePlugin } from "./plugin/define.ts";
export type { OnlyPluginKeys } from "./plugin/define.ts";
export type { LogFields, LogLevel } from "./log.ts";
export type { StandardSignal } from "./signals.ts";
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
} from "./plugin/types.ts";
export { HOOK_NAMES } from "./plugin/types.ts";
export { parseSignal, signalName, signalNumber, STANDARD_SIGNALS } from "./signals.ts";
import type { ServicesFile } from "./services/types.ts";
export { VERSION } from "./version.ts";
export type { Duration, ReadyCheck, Service, ServicesFile } from "./services/types.ts";
export type { PresetName } from "./presets.ts";

/**
 * Type a services file (`--services FILE`): returns its argument unchanged. Defined here, not
 * imported, so that the single-child path loads no services module.
 */
export function defineServices(file: ServicesFile): ServicesFile {
  return file;
}
