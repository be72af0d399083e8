/**
 * A service's signal policy: its own rewrite table first, then its preset,
 * the same rules as `--rewrite` and `--preset` for a single child (see
 * plugins/presets.ts for why nginx and php-fpm need them).
 *
 * @module
 */

import { presetSignal } from "../presets.ts";
import type { PresetName } from "../presets.ts";
import type { SignalName } from "../signals.ts";

/** What a service does with signals. */
export class SignalPolicy {
  #table: ReadonlyMap<SignalName, SignalName | null>;
  #presets: readonly PresetName[];
  #stopSignal: SignalName | null;

  /**
   * `table`: signal → replacement (`null` drops), applied first. `presets`:
   * "nginx", "php-fpm". `stopSignal`: sent as is to stop the service, or null
   * for SIGTERM through the policy.
   */
  constructor(
    table: ReadonlyMap<SignalName, SignalName | null>,
    presets: readonly PresetName[],
    stopSignal: SignalName | null,
  ) {
    this.#table = table;
    this.#presets = presets;
    this.#stopSignal = stopSignal;
  }

  /** The signal to send for a received one; `null` drops it. */
  forward(signal: SignalName): SignalName | null {
    let result: SignalName | null = this.#table.has(signal) ? this.#table.get(signal)! : signal;
    for (const preset of this.#presets) {
      if (result === null) return null;
      result = presetSignal(preset, result);
    }
    return result;
  }

  /** The signal that stops the service. A table that drops SIGTERM still stops it with SIGTERM. */
  get stopSignal(): SignalName {
    if (this.#stopSignal !== null) return this.#stopSignal;
    return this.forward("SIGTERM") ?? "SIGTERM";
  }

  /** Whether signals go to the service's own pid only (its master, as under every preset). */
  get masterOnly(): boolean {
    return this.#presets.length > 0;
  }
}
