/**
 * `--preset nginx|php-fpm` as plugins: the rules are in src/presets.ts (shared
 * with the services' signal policy), these apply them to the decision chain.
 *
 * @module
 */

import { definePlugin } from "../src/api.ts";
import type { Plugin, SignalName } from "../src/api.ts";
import { isPresetName, PRESETS, presetSignal } from "../src/presets.ts";
import type { PresetName } from "../src/presets.ts";

/** The stop signals of the presets together, or null without a preset. */
export function presetStopSignals(names: readonly string[]): SignalName[] | null {
  if (names.length === 0) return null;
  return [
    ...new Set(names.flatMap((name) => isPresetName(name) ? PRESETS[name].stopSignals : [])),
  ];
}

function preset(name: PresetName): Plugin {
  return definePlugin({
    name: `preset-${name}`,
    order: "pre",
    onSignal(event, decision, ctx) {
      if (decision.signal === null) return;
      const signal = presetSignal(name, decision.signal);
      if (signal === null) {
        ctx.log.info(`Dropped ${event.signal}: unsafe for ${name} in the foreground`, {
          event: "signal.dropped",
        });
        return { signal: null };
      }
      // The master only: workers die on signals meant for it.
      return signal === decision.signal ? { target: "child" } : { signal, target: "child" };
    },
  });
}

/** The preset plugin for a name. */
export function presetPlugin(name: string): Plugin {
  if (!isPresetName(name)) throw new TypeError(`Cannot find preset "${name}"`);
  return preset(name);
}
