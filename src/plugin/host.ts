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

import { DenitError, describeError } from "../errors.ts";
import { isExitCode } from "../exit_code.ts";
import { applyLaunchPatch } from "./launch.ts";
import type { Logger } from "../log.ts";
import type { ExitStatus } from "../reaper.ts";
import { HookContext } from "./context.ts";
import type { ContextSource, PluginServices } from "./context.ts";
import { validatePlugin } from "./define.ts";
import { applyVerdict } from "./verdict.ts";
import type { RegisteredHook } from "./define.ts";
import { HOOK_NAMES } from "./types.ts";
import type {
  ChildExit,
  ExitInfo,
  HookName,
  HookOrder,
  LaunchSpec,
  PluginContext,
  SignalDecision,
  SignalEvent,
  SignalVerdict,
} from "./types.ts";

const ORDER_RANK: Record<HookOrder, number> = { pre: 0, normal: 1, post: 2 };

/** Whether `value` is a promise-like. Reads `then`, which a plugin's value may make throw. */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null &&
    typeof (value as { then?: unknown }).then === "function";
}

const shutdownReason = () => new DOMException("denit is shutting down", "AbortError");

/** Holds the registered plugins and runs their hooks. */
export class PluginHost {
  #log: Logger;
  #names: string[] = [];
  #hooks = new Map<HookName, RegisteredHook[]>();
  /**
   * Made when a context's `signal` is first read: most runs never read one, and aborting
   * (an `abort` event through Deno's EventTarget) costs 0.3–0.7 ms on a cold exit path.
   */
  #shutdownController: AbortController | null = null;
  #isShutDown = false;
  /** One tagged logger per hook registration, made on first use. */
  #loggers = new Map<RegisteredHook, Logger>();
  /** What every hook context reads from the host. */
  #contexts: { services: PluginServices | null } & ContextSource;

  constructor(log: Logger) {
    this.#log = log;
    for (const hook of HOOK_NAMES) this.#hooks.set(hook, []);
    const loggers = this.#loggers;
    const shutdownSignal = () => this.#shutdownSignal();
    this.#contexts = {
      services: null,
      get shutdown() {
        return shutdownSignal();
      },
      logger(entry) {
        let tagged = loggers.get(entry);
        if (tagged === undefined) {
          tagged = log.with({ plugin: entry.plugin, hook: entry.hook });
          loggers.set(entry, tagged);
        }
        return tagged;
      },
    };
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

  /** Whether any plugin implements `hook`. */
  has(hook: HookName): boolean {
    return this.#hooks.get(hook)!.length > 0;
  }

  /** Connect the supervisor's services and log the final order. */
  start(services: PluginServices): void {
    this.#contexts.services = services;
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
    this.#isShutDown = true;
    this.#shutdownController?.abort(shutdownReason());
  }

  /** The signal aborted at shutdown; read after it, already aborted. */
  #shutdownSignal(): AbortSignal {
    if (this.#shutdownController === null) {
      this.#shutdownController = new AbortController();
      if (this.#isShutDown) this.#shutdownController.abort(shutdownReason());
    }
    return this.#shutdownController.signal;
  }

  #fail(entry: RegisteredHook, error: unknown): void {
    this.#log.error(
      `Plugin "${entry.plugin}" failed in ${entry.hook}: ${describeError(error)}; skipped`,
      { event: "plugin.error", plugin: entry.plugin, hook: entry.hook },
    );
  }

  /** Call one handler. Returns its value, or a promise of it; undefined when it failed. */
  #call<T>(
    entry: RegisteredHook,
    invoke: (ctx: PluginContext) => T | Promise<T>,
  ): T | undefined | Promise<T | undefined> {
    // One small object; its logger and signals are made only if the handler reads them.
    const ctx = new HookContext(this.#contexts, entry);
    let result: T | Promise<T>;
    try {
      result = invoke(ctx);
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
        ctx.timeOut();
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

  #apply(
    entry: RegisteredHook,
    event: SignalEvent,
    decision: SignalDecision,
    verdict: SignalVerdict,
  ): SignalDecision {
    return applyVerdict(
      entry,
      event,
      decision,
      verdict,
      this.#log,
      (e, error) => this.#fail(e, error),
    );
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
      const verdict = this.#call(entry, (ctx) => handler(event, current, ctx));
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
      let code: unknown;
      try {
        code = (result as { exitCode?: unknown }).exitCode;
      } catch (error) {
        // A getter that throws: a failed hook, and the code before it stands.
        this.#fail(entry, error);
        continue;
      }
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
