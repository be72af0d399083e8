/**
 * Rewrite or drop signals by table, like dumb-init's `-r FROM:TO` (`TO` 0 drops).
 *
 * @module
 */

import { definePlugin } from "../src/api.ts";
import type { Plugin, SignalName } from "../src/api.ts";

/** A rewrite table: signal → replacement, `null` to drop. Later entries win. */
export type RewriteTable = ReadonlyArray<readonly [SignalName, SignalName | null]>;

/** The plugin behind `-r/--rewrite`. It runs first (`pre`), so other plugins see the result. */
export function rewritePlugin(table: RewriteTable): Plugin {
  const map = new Map<SignalName, SignalName | null>(table);
  return definePlugin({
    name: "rewrite",
    order: "pre",
    onSignal(_event, decision) {
      if (decision.signal === null) return;
      const to = map.get(decision.signal);
      if (to === undefined) return;
      return { signal: to };
    },
  });
}
