/**
 * One service's run-time state, and the restart decision made when it exits.
 *
 * @module
 */

import type { Logger } from "../log.ts";
import type { StartedProcess } from "../spawner.ts";
import type { SignalPolicy } from "./policy.ts";
import type { ServiceSpec } from "./types.ts";

/** A service with its policy, as handed to the supervisor. */
export interface ServiceEntry {
  spec: ServiceSpec;
  policy: SignalPolicy;
}

/** What happens after a service exited. */
export type ExitVerdict =
  /** Start it again after `delayMs`. */
  | { kind: "restart"; delayMs: number; attempt: number }
  /** It wanted a restart but used up its limit. */
  | { kind: "give-up" }
  /** It exited non-zero and is not restarted. */
  | { kind: "failed" }
  /** It finished and stays down (exit 0 without `restart: "always"`). */
  | { kind: "done" };

/** One service while denit runs. */
export class Unit {
  readonly spec: ServiceSpec;
  readonly policy: SignalPolicy;
  readonly log: Logger;
  /** Services that depend on this one: they stop before it. */
  readonly dependents: Unit[] = [];
  /** Services this one depends on. */
  readonly dependencies: Unit[] = [];
  /** The running process of this service, if any. */
  process: StartedProcess | null = null;
  /** The process group of its last attempt (the leader's pid): it may outlive its leader. */
  pgid: number | null = null;
  /** Aborted when the current attempt ends (its readiness wait stops). */
  attempt: AbortController | null = null;
  /** When the current attempt was spawned (`performance.now()`). */
  startedAt = 0;
  /** When the first attempt was spawned: `readyTimeout` runs from there until it is ready. */
  firstStartedAt: number | null = null;
  /** Whether it was ever ready. */
  wasReady = false;
  /** A pending restart. */
  restartTimer: ReturnType<typeof setTimeout> | null = null;
  /** It has ended for good: finished, left down, or never started (blocked). */
  ended = false;
  /** The memoized stop of this service (see the supervisor's stop sequence). */
  stopping: Promise<void> | null = null;
  /** Restart times within the window, for the limit and the backoff. */
  #restarts: number[] = [];
  #firstReady = Promise.withResolvers<boolean>();

  constructor(entry: ServiceEntry, log: Logger) {
    this.spec = entry.spec;
    this.policy = entry.policy;
    this.log = log.with({ service: entry.spec.name });
  }

  get name(): string {
    return this.spec.name;
  }

  /** Resolves true when first ready, false when it never will be. */
  get firstReady(): Promise<boolean> {
    return this.#firstReady.promise;
  }

  /** Mark it ready; returns whether this was the first time. */
  markReady(): boolean {
    if (this.wasReady) return false;
    this.wasReady = true;
    this.#firstReady.resolve(true);
    return true;
  }

  /** It will never be ready (gave up, or denit is stopping). No effect once ready. */
  neverReady(): void {
    this.#firstReady.resolve(false);
  }

  /** Decide what follows an exit with `exitCode`, at time `now` (ms). Records a restart. */
  decide(exitCode: number, now: number): ExitVerdict {
    const { restart, restartLimit, backoff } = this.spec;
    const wanted = restart === "always" || (restart === "on-failure" && exitCode !== 0);
    if (!wanted) return exitCode === 0 ? { kind: "done" } : { kind: "failed" };
    this.#restarts = this.#restarts.filter((at) => now - at < restartLimit.windowMs);
    if (this.#restarts.length >= restartLimit.count) return { kind: "give-up" };
    const delayMs = Math.min(
      backoff.maxMs,
      backoff.initialMs * 2 ** Math.min(30, this.#restarts.length),
    );
    this.#restarts.push(now);
    return { kind: "restart", delayMs, attempt: this.#restarts.length };
  }
}
