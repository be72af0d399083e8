/**
 * Rewrite or drop signals by table, like dumb-init's `-r FROM:TO` (`TO` 0 drops).
 *
 * @module
 */

import { definePlugin, signalName, signalNumber } from "../src/api.ts";
import type { Plugin } from "../src/api.ts";

/** A rewrite table: signal number → replacement number, 0 to drop. Later entries win. */
export type RewriteTable = ReadonlyArray<readonly [number, number]>;

/** The plugin behind `-r/--rewrite`. It runs first (`pre`), so other plugins see the result. */
export function rewritePlugin(table: RewriteTable): Plugin {
  const map = new Map<number, number>(table);
  return definePlugin({
    name: "rewrite",
    order: "pre",
    onSignal(_event, decision) {
      if (decision.signal === null) return;
      const to = map.get(signalNumber(decision.signal));
      if (to === undefined) return;
      return { signal: to === 0 ? null : signalName(to) };
    },
  });
}
