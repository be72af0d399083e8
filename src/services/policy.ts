/**
 * A service's signal policy: its own rewrite table first, then its preset,
 * the same rules as `--rewrite` and `--preset` for a single child (see
 * plugins/presets.ts for why nginx and php-fpm need them).
 *
 * @module
 */

import { signalNumber } from "../signals.ts";

const SIGQUIT = signalNumber("SIGQUIT");
const SIGUSR2 = signalNumber("SIGUSR2");
const SIGTERM = signalNumber("SIGTERM");
const SIGWINCH = signalNumber("SIGWINCH");

/** What a service does with signals. */
export class SignalPolicy {
  #table: ReadonlyMap<number, number>;
  #presets: readonly string[];
  #stopSignal: number | null;

  /**
   * `table`: signal → replacement (0 drops), applied first. `presets`: "nginx",
   * "php-fpm". `stopSignal`: sent as is to stop the service, or null for
   * SIGTERM through the policy.
   */
  constructor(
    table: ReadonlyMap<number, number>,
    presets: readonly string[],
    stopSignal: number | null,
  ) {
    this.#table = table;
    this.#presets = presets;
    this.#stopSignal = stopSignal;
  }

  /** The signal to send for a received one; 0 drops it. */
  forward(signo: number): number {
    let result = this.#table.get(signo) ?? signo;
    for (const preset of this.#presets) {
      if (result === 0) return 0;
      if (result === SIGTERM) result = SIGQUIT;
      else if (preset === "nginx" && (result === SIGWINCH || result === SIGUSR2)) result = 0;
    }
    return result;
  }

  /** The signal that stops the service. A table that drops SIGTERM still stops it with SIGTERM. */
  get stopSignal(): number {
    if (this.#stopSignal !== null) return this.#stopSignal;
    const forwarded = this.forward(SIGTERM);
    return forwarded === 0 ? SIGTERM : forwarded;
  }

  /** Whether signals go to the service's own pid only (its master), not its process group. */
  get masterOnly(): boolean {
    return this.#presets.length > 0;
  }
}
