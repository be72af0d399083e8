/**
 * Which built-in plugins the command line asks for, in chain order; the user's
 * `--plugin` modules come after them.
 *
 * @module
 */

import type { Config } from "../src/cli.ts";
import { COMPAT } from "../src/compat.ts";
import { rewritePlugin } from "./rewrite.ts";
import { remapExitPlugin } from "./exit_code.ts";
import { preStopPlugin } from "./pre_stop.ts";
import { stopTimeoutPlugin } from "./stop_timeout.ts";
import { presetPlugin, presetStopSignals } from "./presets.ts";

/** The built-in plugins for one child, in chain order. */
export function builtinPlugins(config: Config): unknown[] {
  const plugins: unknown[] = [];
  // The mode's own rewrites first, then -r: a later entry wins.
  const table = [
    ...COMPAT[config.compat].builtinRewrites(config.singleChild),
    ...config.rewrites,
  ];
  plugins.push(rewritePlugin(table));
  for (const preset of config.presets) plugins.push(presetPlugin(preset));
  // An explicit --stop-signal decides; else the presets' stop signals; else SIGTERM.
  const stopSignals = config.stopSignals ?? presetStopSignals(config.presets) ??
    ["SIGTERM"];
  if (config.preStop !== null) {
    plugins.push(preStopPlugin({
      argv: config.preStop.argv,
      timeoutMs: config.preStopTimeoutMs,
      stopSignals,
    }));
  }
  if (config.stopTimeoutMs !== null) {
    plugins.push(stopTimeoutPlugin({ timeoutMs: config.stopTimeoutMs, stopSignals }));
  }
  if (config.remapExitCodes.length > 0) plugins.push(remapExitPlugin(config.remapExitCodes));
  return plugins;
}

/**
 * The built-in plugins with `--services`: only `-e` (signal rewrites, presets, pre-stop and
 * the stop timeout are each service's policy and the stop sequence there).
 */
export function builtinServicePlugins(config: Config): unknown[] {
  return config.remapExitCodes.length > 0 ? [remapExitPlugin(config.remapExitCodes)] : [];
}
