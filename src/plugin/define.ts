/**
 * `definePlugin()` and the validation every plugin goes through at start-up.
 * Bad registrations throw a `TypeError` naming the plugin; nothing is ignored.
 *
 * @module
 */

import { HOOK_NAMES } from "./types.ts";
import type { HookName, HookOrder, Plugin, PluginHooks } from "./types.ts";

/** Default time a hook may take before it is skipped. */
export const DEFAULT_HOOK_TIMEOUT_MS = 10_000;
/** The longest hook timeout: what a JavaScript timer can hold. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

const ORDERS: readonly HookOrder[] = ["pre", "normal", "post"];
const PLUGIN_KEYS = new Set<string>(["name", "order", "timeoutMs", ...HOOK_NAMES]);
const HOOK_KEYS = new Set(["handler", "order", "timeoutMs"]);

/**
 * Every key of `P` that is not one of {@link Plugin}'s must be `never`: `definePlugin` then
 * refuses a misspelled hook at `deno check` time, as `satisfies Plugin` does.
 */
export type OnlyPluginKeys<P> = { [K in Exclude<keyof P, keyof Plugin>]: never };

/** A validated hook, ready to run. */
export interface RegisteredHook<K extends HookName = HookName> {
  plugin: string;
  hook: K;
  handler: PluginHooks[K];
  order: HookOrder;
  timeoutMs: number;
}

function checkOrder(where: string, order: unknown): HookOrder {
  if (order === undefined) return "normal";
  if (!ORDERS.includes(order as HookOrder)) {
    throw new TypeError(`${where}: order must be "pre", "normal" or "post", not ${show(order)}`);
  }
  return order as HookOrder;
}

function checkTimeout(where: string, timeout: unknown, fallback: number): number {
  if (timeout === undefined) return fallback;
  if (typeof timeout !== "number" || !Number.isFinite(timeout) || timeout <= 0) {
    throw new TypeError(`${where}: timeoutMs must be a positive number, not ${show(timeout)}`);
  }
  // Timers hold at most 2^31-1 ms; a larger delay would fire at once, not never.
  if (timeout > MAX_TIMEOUT_MS) {
    throw new TypeError(`${where}: timeoutMs must be at most ${MAX_TIMEOUT_MS} (24.8 days)`);
  }
  return timeout;
}

function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return "a function";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : String(value);
}

/**
 * Check a plugin's shape and return its hooks. Throws `TypeError` with a
 * message that names the plugin and what is wrong.
 */
export function validatePlugin(candidate: unknown): RegisteredHook[] {
  if (typeof candidate !== "object" || candidate === null || Array.isArray(candidate)) {
    throw new TypeError(`A plugin must be an object with a name, not ${show(candidate)}`);
  }
  const plugin = candidate as Record<string, unknown>;
  const name = plugin["name"];
  if (typeof name !== "string" || name.trim() === "") {
    throw new TypeError(`A plugin needs a non-empty string name, not ${show(name)}`);
  }
  // Names go into one-line log messages: no control characters.
  if ([...name].some((char) => char < " " || char === "\u007f")) {
    throw new TypeError(`A plugin name must not hold control characters: ${JSON.stringify(name)}`);
  }
  const where = `Plugin ${JSON.stringify(name)}`;
  for (const key of Object.keys(plugin)) {
    if (!PLUGIN_KEYS.has(key)) {
      throw new TypeError(
        `${where}: unknown hook ${JSON.stringify(key)} (hooks: ${HOOK_NAMES.join(", ")})`,
      );
    }
  }
  const order = checkOrder(where, plugin["order"]);
  const timeoutMs = checkTimeout(where, plugin["timeoutMs"], DEFAULT_HOOK_TIMEOUT_MS);
  const hooks: RegisteredHook[] = [];
  for (const hook of HOOK_NAMES) {
    const spec = plugin[hook];
    if (spec === undefined) continue;
    const hookWhere = `${where} hook ${JSON.stringify(hook)}`;
    if (typeof spec === "function") {
      hooks.push({
        plugin: name,
        hook,
        handler: spec as PluginHooks[typeof hook],
        order,
        timeoutMs,
      });
      continue;
    }
    if (typeof spec !== "object" || spec === null) {
      throw new TypeError(`${hookWhere}: must be a function or { handler }, not ${show(spec)}`);
    }
    const fields = spec as Record<string, unknown>;
    for (const key of Object.keys(fields)) {
      if (!HOOK_KEYS.has(key)) {
        throw new TypeError(`${hookWhere}: unknown field ${JSON.stringify(key)}`);
      }
    }
    if (typeof fields["handler"] !== "function") {
      throw new TypeError(
        `${hookWhere}: handler must be a function, not ${show(fields["handler"])}`,
      );
    }
    hooks.push({
      plugin: name,
      hook,
      handler: fields["handler"] as PluginHooks[typeof hook],
      order: checkOrder(hookWhere, fields["order"] ?? order),
      timeoutMs: checkTimeout(hookWhere, fields["timeoutMs"], timeoutMs),
    });
  }
  return hooks;
}

/**
 * Declare a plugin. Returns it unchanged (frozen) after checking its shape, so
 * mistakes surface where the plugin is written: a key that is not a hook
 * (`onSignals`) fails `deno check` already, and the same check runs again at
 * start-up for plain JavaScript.
 *
 * @example Rewrite SIGTERM to SIGQUIT
 * ```ts
 * import { definePlugin } from "./mod.ts";
 *
 * export default definePlugin({
 *   name: "graceful-quit",
 *   onSignal(event) {
 *     if (event.signal === "SIGTERM") return { signal: "SIGQUIT" };
 *   },
 * });
 * ```
 */
export function definePlugin<const P extends Plugin>(plugin: P & OnlyPluginKeys<P>): Readonly<P> {
  validatePlugin(plugin);
  return Object.freeze(plugin);
}
