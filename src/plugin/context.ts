/**
 * The context a hook handler gets (`ctx`), built lazily: a call costs one
 * small object, and its logger, deadline and abort signal are made only when
 * the handler reads them (signal storms allocate little). Every handler gets a
 * real context, whatever its parameter list says (a default or rest parameter
 * included).
 *
 * @module
 */

import type { Logger } from "../log.ts";
import type { ExitStatus } from "../reaper.ts";
import type { SignalName } from "../signals.ts";
import type { RegisteredHook } from "./define.ts";
import type { PluginContext, RunOptions, SignalTarget } from "./types.ts";

/** What the supervisor lends to plugin contexts. */
export interface PluginServices {
  childPid(): number | null;
  run(argv: readonly string[], options: RunOptions, hookSignal: AbortSignal): Promise<ExitStatus>;
  kill(signal: SignalName, target: SignalTarget): boolean;
}

/** What a context takes from the plugin host, looked up when used. */
export interface ContextSource {
  /** Null until the supervisor has started. */
  readonly services: PluginServices | null;
  /** Aborted when denit shuts down. */
  readonly shutdown: AbortSignal;
  /** The logger tagged with the hook's plugin and name. */
  logger(entry: RegisteredHook): Logger;
}

/** The context of one hook call. */
export class HookContext implements PluginContext {
  #source: ContextSource;
  #entry: RegisteredHook;
  #deadline: AbortController | null = null;
  #timedOut = false;
  #signal: AbortSignal | null = null;

  constructor(source: ContextSource, entry: RegisteredHook) {
    this.#source = source;
    this.#entry = entry;
  }

  get log(): Logger {
    return this.#source.logger(this.#entry);
  }

  get childPid(): number | null {
    return this.#source.services?.childPid() ?? null;
  }

  get signal(): AbortSignal {
    this.#signal ??= AbortSignal.any([this.#deadlineSignal(), this.#source.shutdown]);
    return this.#signal;
  }

  run(argv: readonly string[], options: RunOptions = {}): Promise<ExitStatus> {
    const services = this.#source.services;
    if (services === null) return Promise.reject(new Error("Cannot run helpers yet"));
    return services.run(argv, options, options.signal ?? this.signal);
  }

  kill(name: SignalName, target: SignalTarget = "child"): boolean {
    return this.#source.services?.kill(name, target) ?? false;
  }

  /** The hook's deadline passed: abort its signal (made now if nobody read it yet). */
  timeOut(): void {
    this.#timedOut = true;
    this.#deadlineSignal();
  }

  #deadlineSignal(): AbortSignal {
    this.#deadline ??= new AbortController();
    if (this.#timedOut) {
      this.#deadline.abort(new DOMException("Hook deadline passed", "TimeoutError"));
    }
    return this.#deadline.signal;
  }
}
