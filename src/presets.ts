/**
 * Signal policies for servers whose stop signal is not SIGTERM: one table, read
 * by the `--preset` plugins (plugins/presets.ts), the services' signal policy
 * (src/services/policy.ts) and the command line's name check. Plain data, so
 * stage one may import it.
 *
 * nginx (nginx.org/en/docs/control.html): TERM and INT stop fast, QUIT stops
 * gracefully (in-flight requests finish), HUP reloads the configuration, USR1
 * reopens log files, USR2 starts a binary upgrade, WINCH gracefully shuts the
 * workers down. In a container nginx runs with `daemon off`, so:
 * TERM → QUIT; WINCH is dropped (a terminal resize would stop every worker and
 * leave nginx serving nothing); USR2 is dropped (the upgraded master would be
 * orphaned and killed when the old one quits). Signals go to the master only.
 *
 * php-fpm (php-fpm(8), fpm_signals.c): TERM and INT stop at once, QUIT stops
 * gracefully (bounded by `process_control_timeout`), USR1 reopens logs, USR2
 * reloads. Workers die on USR1/USR2 sent to them directly, so every signal goes
 * to the master only, and TERM → QUIT.
 *
 * @module
 */

import type { SignalName } from "./signals.ts";

/** A preset's name, as `--preset` and a service's `preset` take it. */
export type PresetName = "nginx" | "php-fpm";

/** Every preset's name. */
export const PRESET_NAMES: readonly PresetName[] = ["nginx", "php-fpm"];

/** What a preset does with signals. Under every preset signals go to the master only. */
export interface PresetRules {
  /**
   * The received signals that start the stop sequence. The official nginx and php images set
   * `STOPSIGNAL SIGQUIT`, so Docker, containerd and CRI-O send QUIT; `docker stop` without it
   * and Ctrl-C send TERM and INT.
   */
  readonly stopSignals: readonly SignalName[];
  /** Signal → what the server gets instead; `null` drops it. */
  readonly rewrites: Readonly<Partial<Record<SignalName, SignalName | null>>>;
}

/** Every preset, by name. */
export const PRESETS: Readonly<Record<PresetName, PresetRules>> = {
  nginx: {
    stopSignals: ["SIGTERM", "SIGINT", "SIGQUIT"],
    rewrites: { SIGTERM: "SIGQUIT", SIGWINCH: null, SIGUSR2: null },
  },
  "php-fpm": {
    stopSignals: ["SIGTERM", "SIGINT", "SIGQUIT"],
    rewrites: { SIGTERM: "SIGQUIT" },
  },
};

/** Whether `name` is a preset. */
export function isPresetName(name: string): name is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(name);
}

/** What `preset` sends for `signal`: its replacement, `null` to drop it, or the signal itself. */
export function presetSignal(preset: PresetName, signal: SignalName): SignalName | null {
  const replacement = PRESETS[preset].rewrites[signal];
  return replacement === undefined ? signal : replacement;
}
