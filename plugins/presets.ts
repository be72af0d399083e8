/**
 * Signal policies for servers whose stop signal is not SIGTERM.
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

import { definePlugin } from "../src/api.ts";
import type { Plugin, SignalName } from "../src/api.ts";

/**
 * The received signals each preset treats as "stop": they start the stop sequence (pre-stop,
 * stop timeout). The official nginx and php images set `STOPSIGNAL SIGQUIT`, so Docker,
 * containerd and CRI-O send QUIT; `docker stop` without it and Ctrl-C send TERM and INT.
 */
export const PRESET_STOP_SIGNALS: Readonly<Record<string, readonly SignalName[]>> = {
  nginx: ["SIGTERM", "SIGINT", "SIGQUIT"],
  "php-fpm": ["SIGTERM", "SIGINT", "SIGQUIT"],
};

/** The stop signals of the presets together, or null without a preset. */
export function presetStopSignals(names: readonly string[]): SignalName[] | null {
  if (names.length === 0) return null;
  return [...new Set(names.flatMap((name) => PRESET_STOP_SIGNALS[name] ?? []))];
}

/** `--preset nginx`. */
export function nginxPreset(): Plugin {
  return definePlugin({
    name: "preset-nginx",
    order: "pre",
    onSignal(event, decision, ctx) {
      if (decision.signal === "SIGTERM") return { signal: "SIGQUIT", target: "child" };
      if (decision.signal === "SIGWINCH" || decision.signal === "SIGUSR2") {
        ctx.log.info(`Dropped ${event.signal}: unsafe for nginx in the foreground`, {
          event: "signal.dropped",
        });
        return { signal: null };
      }
      return { target: "child" };
    },
  });
}

/** `--preset php-fpm`. */
export function phpFpmPreset(): Plugin {
  return definePlugin({
    name: "preset-php-fpm",
    order: "pre",
    onSignal(_event, decision) {
      if (decision.signal === "SIGTERM") return { signal: "SIGQUIT", target: "child" };
      return { target: "child" };
    },
  });
}

/** The preset plugin for a name. */
export function presetPlugin(name: string): Plugin {
  if (name === "nginx") return nginxPreset();
  if (name === "php-fpm") return phpFpmPreset();
  throw new TypeError(`Cannot find preset "${name}"`);
}
