/**
 * Runs plugin hooks. Every call is isolated: a handler that throws, rejects
 * or outlives its deadline is logged with its plugin and hook and skipped, and
 * the result made before it stands. PID 1 never dies for a plugin.
 *
 * Handlers that return plainly (not a promise) run synchronously, so signals
 * whose chain does no async work are forwarded in arrival order without a
 * single timer.
 *
 * @module
 */

import { DenitError, describeError, describeValue } from "../errors.ts";
import { isExitCode } from "../exit_code.ts";
import { applyLaunchPatch } from "./launch.ts";
import type { Logger } from "../log.ts";
import type { ExitStatus } from "../reaper.ts";
import { parseSignal, signalName } from "../signals.ts";
import type { SignalName } from "../signals.ts";
import { validatePlugin } from "./define.ts";
import type { RegisteredHook } from "./define.ts";
import { HOOK_NAMES } from "./types.ts";
import type {
  ChildExit,
  ExitInfo,
  HookName,
  HookOrder,
  LaunchSpec,
  PluginContext,
  RunOptions,
  SignalDecision,
  SignalEvent,
  SignalTarget,
  SignalVerdict,
} from "./types.ts";

/** What the supervisor lends to plugin contexts. */
export interface PluginServices {
  childPid(): number | null;
  run(argv: readonly string[], options: RunOptions, hookSignal: AbortSignal): Promise<ExitStatus>;
  kill(signal: SignalName, target: SignalTarget): boolean;
}

const TARGETS: readonly SignalTarget[] = ["child", "group", "all"];
/** `service:NAME`, a target with `--services`. */
function isServiceTarget(target: unknown): boolean {
  return typeof target === "string" && /^service:[A-Za-z0-9][A-Za-z0-9._-]*$/.test(target);
}
const ORDER_RANK: Record<HookOrder, number> = { pre: 0, normal: 1, post: 2 };

/** Whether `value` is a promise-like. Reads `then`, which a plugin's value may make throw. */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null &&
    typeof (value as { then?: unknown }).then === "function";
}

/**
 * The context of one hook call. A class, so that a call costs one small object
 * (signal storms allocate little); the deadline signal is made only if read.
 */
class HookContext implements PluginContext {
  readonly log: Logger;
  #services: PluginServices | null;
  #deadline: () => AbortSignal;
  #shutdown: AbortSignal;
  #signal: AbortSignal | null = null;

  constructor(
    services: PluginServices | null,
    log: Logger,
    deadline: () => AbortSignal,
    shutdown: AbortSignal,
  ) {
    this.#services = services;
    this.log = log;
    this.#deadline = deadline;
    this.#shutdown = shutdown;
  }

  get childPid(): number | null {
    return this.#services?.childPid() ?? null;
  }

  get signal(): AbortSignal {
    this.#signal ??= AbortSignal.any([this.#deadline(), this.#shutdown]);
    return this.#signal;
  }

  run(argv: readonly string[], options: RunOptions = {}): Promise<ExitStatus> {
    if (this.#services === null) return Promise.reject(new Error("Cannot run helpers yet"));
    return this.#services.run(argv, options, options.signal ?? this.signal);
  }

  kill(name: SignalName, target: SignalTarget = "child"): boolean {
    return this.#services?.kill(name, target) ?? false;
  }
}

/** Passed where a handler declared no context parameter; never read. */
const NO_CONTEXT = undefined as unknown as PluginContext;

/** Holds the registered plugins and runs their hooks. */
export class PluginHost {
  #log: Logger;
  #names: string[] = [];
  #hooks = new Map<HookName, RegisteredHook[]>();
  #services: PluginServices | null = null;
  #shutdown = new AbortController();
  /** One tagged logger per hook registration, made on first use. */
  #loggers = new Map<RegisteredHook, Logger>();

  constructor(log: Logger) {
    this.#log = log;
    for (const hook of HOOK_NAMES) this.#hooks.set(hook, []);
  }

  /** Register a plugin. Throws `TypeError` for a bad shape or a duplicate name. */
  register(candidate: unknown): void {
    const hooks = validatePlugin(candidate);
    const name = (candidate as { name: string }).name;
    if (this.#names.includes(name)) {
      throw new TypeError(
        `Plugin ${JSON.stringify(name)}: a plugin with this name is already registered`,
      );
    }
    this.#names.push(name);
    for (const entry of hooks) {
      const list = this.#hooks.get(entry.hook)!;
      list.push(entry);
      // Stable sort: pre, normal, post; registration order inside each bucket.
      list.sort((a, b) => ORDER_RANK[a.order] - ORDER_RANK[b.order]);
    }
  }

  /** The registered plugin names, in registration order. */
  get names(): readonly string[] {
    return this.#names;
  }

  /** Whether any plugin implements `hook`. */
  has(hook: HookName): boolean {
    return this.#hooks.get(hook)!.length > 0;
  }

  /** Connect the supervisor's services and log the final order. */
  start(services: PluginServices): void {
    this.#services = services;
    for (const hook of HOOK_NAMES) {
      const list = this.#hooks.get(hook)!;
      if (list.length === 0) continue;
      this.#log.debug(
        `Hook ${hook} runs ${list.map((e) => `${e.plugin}(${e.order})`).join(", ")}`,
        {
          event: "plugin.order",
        },
      );
    }
  }

  /** Abort every context's signal: denit is exiting. */
  shutdown(): void {
    this.#shutdown.abort(new DOMException("denit is shutting down", "AbortError"));
  }

  #context(entry: RegisteredHook, deadline: () => AbortSignal): PluginContext {
    let log = this.#loggers.get(entry);
    if (log === undefined) {
      log = this.#log.with({ plugin: entry.plugin, hook: entry.hook });
      this.#loggers.set(entry, log);
    }
    return new HookContext(this.#services, log, deadline, this.#shutdown.signal);
  }

  #fail(entry: RegisteredHook, error: unknown): void {
    this.#log.error(
      `Plugin "${entry.plugin}" failed in ${entry.hook}: ${describeError(error)}; skipped`,
      { event: "plugin.error", plugin: entry.plugin, hook: entry.hook },
    );
  }

  /** {@link #call} for a handler that takes no context: synchronous results need no set-up. */
  #callPlain<T>(
    entry: RegisteredHook,
    invoke: () => T | Promise<T>,
  ): T | undefined | Promise<T | undefined> {
    let result: T | Promise<T>;
    let thenable: boolean;
    try {
      result = invoke();
      thenable = isThenable(result);
    } catch (error) {
      this.#fail(entry, error);
      return undefined;
    }
    return thenable ? this.#call(entry, () => result) : result;
  }

  /** Call one handler. Returns its value, or a promise of it; undefined when it failed. */
  #call<T>(
    entry: RegisteredHook,
    invoke: (ctx: PluginContext) => T | Promise<T>,
  ): T | undefined | Promise<T | undefined> {
    // Made only when a handler asks for ctx.signal: most calls never do.
    let deadline: AbortController | null = null;
    let timedOut = false;
    const deadlineSignal = () => {
      deadline ??= new AbortController();
      if (timedOut) deadline.abort(new DOMException("Hook deadline passed", "TimeoutError"));
      return deadline.signal;
    };
    let result: T | Promise<T>;
    try {
      result = invoke(this.#context(entry, deadlineSignal));
      if (!isThenable(result)) return result;
    } catch (error) {
      this.#fail(entry, error);
      return undefined;
    }
    return new Promise<T | undefined>((resolve) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        this.#log.error(
          `Plugin "${entry.plugin}" timed out in ${entry.hook} after ${entry.timeoutMs} ms; skipped`,
          { event: "plugin.timeout", plugin: entry.plugin, hook: entry.hook },
        );
        timedOut = true;
        deadlineSignal();
        resolve(undefined);
      }, entry.timeoutMs);
      Promise.resolve(result).then(
        (value) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve(value);
        },
        (error) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          this.#fail(entry, error);
          resolve(undefined);
        },
      );
    });
  }

  /** Run `setup` handlers in order; each may replace argv, env or cwd. */
  async setup(launch: LaunchSpec): Promise<LaunchSpec> {
    let current = launch;
    for (const entry of this.#hooks.get("setup")!) {
      const handler = entry.handler as RegisteredHook<"setup">["handler"];
      const patch = await this.#call(entry, (ctx) => handler(Object.freeze({ ...current }), ctx));
      if (patch === undefined || patch === null) continue;
      if (typeof patch !== "object") {
        this.#fail(entry, new TypeError("setup must return nothing or { argv, env, cwd }"));
        continue;
      }
      let checked: LaunchSpec;
      try {
        checked = applyLaunchPatch(entry.plugin, patch, current);
      } catch (error) {
        if (error instanceof DenitError) throw error;
        // A getter that throws, a value whose toString throws: a failed hook.
        this.#fail(entry, error);
        continue;
      }
      current = checked;
    }
    return current;
  }

  /**
   * Apply one verdict. Whatever the plugin returned (a symbol, a proxy, an
   * object whose getters throw), a bad verdict is logged and the decision made
   * before it stands.
   */
  #apply(
    entry: RegisteredHook,
    event: SignalEvent,
    decision: SignalDecision,
    verdict: SignalVerdict,
  ): SignalDecision {
    try {
      return this.#applyVerdict(entry, event, decision, verdict);
    } catch (error) {
      this.#fail(entry, error);
      return decision;
    }
  }

  #applyVerdict(
    entry: RegisteredHook,
    event: SignalEvent,
    decision: SignalDecision,
    verdict: SignalVerdict,
  ): SignalDecision {
    if (verdict === undefined || verdict === null) return decision;
    if (typeof verdict !== "object") {
      this.#fail(entry, new TypeError("onSignal must return nothing or { signal, target }"));
      return decision;
    }
    // Each field is read once: a getter could answer differently the second time.
    const verdictSignal: unknown = verdict.signal;
    const verdictTarget: unknown = verdict.target;
    let signal = decision.signal;
    if (verdictSignal !== undefined) {
      if (verdictSignal === null) {
        signal = null;
      } else {
        const number = typeof verdictSignal === "string" && !/^\s*\d/.test(verdictSignal)
          ? parseSignal(verdictSignal)
          : null;
        if (number === null) {
          const shown = describeValue(verdictSignal);
          this.#fail(entry, new TypeError(`onSignal returned an unknown signal ${shown}`));
          return decision;
        }
        signal = signalName(number);
      }
    }
    let target = decision.target;
    if (verdictTarget !== undefined) {
      if (!TARGETS.includes(verdictTarget as SignalTarget) && !isServiceTarget(verdictTarget)) {
        const shown = describeValue(verdictTarget);
        this.#fail(entry, new TypeError(`onSignal returned an unknown target ${shown}`));
        return decision;
      }
      target = verdictTarget as SignalTarget;
    }
    if (signal !== decision.signal || target !== decision.target) {
      const what = signal === null
        ? `dropped ${event.signal}`
        : signal !== decision.signal
        ? `rewrote ${decision.signal ?? "nothing"} to ${signal}`
        : `sent ${signal} to the ${target}`;
      this.#log.info(`Plugin "${entry.plugin}" ${what}`, {
        event: "signal.decided",
        plugin: entry.plugin,
        received: event.signal,
        signal,
        target,
      });
    }
    return { signal, target };
  }

  /**
   * Run the `onSignal` chain. Returns the final decision synchronously when no
   * handler returned a promise.
   */
  decide(event: SignalEvent, initial: SignalDecision): SignalDecision | Promise<SignalDecision> {
    return this.#decideFrom(0, event, initial);
  }

  #decideFrom(
    start: number,
    event: SignalEvent,
    initial: SignalDecision,
  ): SignalDecision | Promise<SignalDecision> {
    const chain = this.#hooks.get("onSignal")!;
    let decision = initial;
    for (let index = start; index < chain.length; index++) {
      const entry = chain[index]!;
      const handler = entry.handler as RegisteredHook<"onSignal">["handler"];
      const current = decision;
      // A handler that declares no ctx parameter gets none built: signal storms stay cheap.
      const verdict = handler.length < 3
        ? this.#callPlain(entry, () => handler(event, current, NO_CONTEXT))
        : this.#call(entry, (ctx) => handler(event, current, ctx));
      if (isThenable(verdict)) {
        return verdict.then((value) =>
          this.#decideFrom(index + 1, event, this.#apply(entry, event, current, value))
        );
      }
      decision = this.#apply(entry, event, current, verdict);
    }
    return decision;
  }

  /** Tell `afterSignal` handlers what was done. Never waits. */
  afterSignal(event: SignalEvent, decision: SignalDecision, delivered: boolean): void {
    for (const entry of this.#hooks.get("afterSignal")!) {
      const handler = entry.handler as RegisteredHook<"afterSignal">["handler"];
      void this.#call(entry, (ctx) => handler(event, decision, delivered, ctx));
    }
  }

  /** Run `onChildExit` handlers in order; each may map the exit code. */
  async childExit(status: ChildExit): Promise<number> {
    let exitCode = status.exitCode;
    for (const entry of this.#hooks.get("onChildExit")!) {
      const handler = entry.handler as RegisteredHook<"onChildExit">["handler"];
      const seen = { ...status, exitCode };
      const result = await this.#call(entry, (ctx) => handler(seen, ctx));
      if (result === undefined || result === null) continue;
      const code = (result as { exitCode?: unknown }).exitCode;
      if (!isExitCode(code)) {
        this.#fail(entry, new TypeError("onChildExit must return nothing or { exitCode: 0..255 }"));
        continue;
      }
      if (code !== exitCode) {
        this.#log.info(`Plugin "${entry.plugin}" mapped exit code ${exitCode} to ${code}`, {
          event: "exit.mapped",
          plugin: entry.plugin,
          from: exitCode,
          to: code,
        });
      }
      exitCode = code;
    }
    return exitCode;
  }

  /** Tell `onOrphanReaped` handlers. Never waits. */
  orphanReaped(status: ExitStatus): void {
    for (const entry of this.#hooks.get("onOrphanReaped")!) {
      const handler = entry.handler as RegisteredHook<"onOrphanReaped">["handler"];
      void this.#call(entry, (ctx) => handler(status, ctx));
    }
  }

  /** Run every `beforeExit` handler, together, each within its deadline. */
  async beforeExit(info: ExitInfo): Promise<void> {
    const calls = this.#hooks.get("beforeExit")!.map((entry) => {
      const handler = entry.handler as RegisteredHook<"beforeExit">["handler"];
      return this.#call(entry, (ctx) => handler(info, ctx));
    });
    await Promise.all(calls);
  }
}
