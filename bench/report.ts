/**
 * The benchmark's tables (Markdown, so they can go into the README as they
 * are) and the verdict on each target.
 *
 * @module
 */

import { summarize } from "./stats.ts";
import type { Summary } from "./stats.ts";

/** Samples per metric per init. */
export type Results = Record<string, Record<string, number[]>>;

const fmt = (value: number | null, digits = 2) =>
  value === null || !Number.isFinite(value) ? "–" : value.toFixed(digits);

/** One Markdown table per metric: median, p90, p99 and ratios to tini and the two-stage floor. */
export function tables(results: Results, units: Record<string, string>): string {
  let text = "";
  for (const [metric, byInit] of Object.entries(results)) {
    const summaries: Record<string, Summary> = {};
    for (const [init, samples] of Object.entries(byInit)) summaries[init] = summarize(samples);
    const tini = summaries["tini"]?.median ?? NaN;
    const floor = summaries["floor-2stage"]?.median ?? NaN;
    text += `\n### ${metric} (${units[metric] ?? ""})\n\n`;
    text +=
      "| init | n | median | p90 | p99 | × tini | × 2-stage floor |\n|---|---|---|---|---|---|---|\n";
    for (const [init, s] of Object.entries(summaries)) {
      text += `| ${init} | ${s.n} | ${fmt(s.median)} | ${fmt(s.p90)} | ${fmt(s.p99)} | ` +
        `${fmt(s.median / tini)} | ${fmt(s.median / floor)} |\n`;
    }
  }
  return text;
}

/** A target and whether this run met it. */
export interface Verdict {
  target: string;
  value: string;
  met: boolean;
}

const median = (results: Results, metric: string, init: string) =>
  summarize(results[metric]?.[init] ?? []).median;

/** Check every target of the benchmark issue against this run. */
export function verdicts(results: Results, lost: Record<string, number>): Verdict[] {
  const list: Verdict[] = [];
  const ratio = (metric: string, init: string, base: string) =>
    median(results, metric, init) / median(results, metric, base);
  const add = (target: string, value: number, limit: number, higherIsBetter = false) =>
    list.push({
      target,
      value: value.toFixed(2),
      met: higherIsBetter ? value >= limit : value <= limit,
    });
  add("start-up ≤ 1.1× two-stage floor", ratio("start-up", "denit", "floor-2stage"), 1.1);
  add(
    "start-up (bundle) ≤ 1.1× two-stage floor",
    ratio("start-up", "denit-bundle", "floor-2stage"),
    1.1,
  );
  add("/bin/true wall ≤ 1.1× two-stage floor", ratio("true-wall", "denit", "floor-2stage"), 1.1);
  add("RSS steady ≤ 1.1× two-stage floor", ratio("rss-steady", "denit", "floor-2stage"), 1.1);
  add("forwarding median ≤ 3× tini", ratio("forwarding", "denit", "tini"), 3);
  const p99 = (init: string) => summarize(results["forwarding"]?.[init] ?? []).p99 ?? NaN;
  add("forwarding p99 ≤ 2× tini", p99("denit") / p99("tini"), 2);
  list.push({
    target: "no forwarded signal lost",
    value: String(lost["denit"] ?? NaN),
    met: lost["denit"] === 0,
  });
  add("reaping ≥ 0.9× tini zombies/s", ratio("reaping", "denit", "tini"), 0.9, true);
  const wake = (init: string, window: string) => median(results, window, init);
  list.push({
    target: "idle wake-ups (2–12 s) fewer than tini",
    value: `${wake("denit", "wakeups-2s")} vs ${wake("tini", "wakeups-2s")}`,
    met: wake("denit", "wakeups-2s") < wake("tini", "wakeups-2s"),
  });
  if (results["wakeups-30s"]) {
    list.push({
      target: "idle wake-ups (30–40 s) = 0",
      value: String(wake("denit", "wakeups-30s")),
      met: wake("denit", "wakeups-30s") === 0,
    });
  }
  add("SIGTERM → exit ≤ 5× tini", ratio("term-exit", "denit", "tini"), 5);
  for (const metric of ["start-up", "forwarding", "term-exit"]) {
    add(`plugins ≤ 1.1× denit on ${metric}`, ratio(metric, "denit+plugins", "denit"), 1.1);
  }
  return list;
}
