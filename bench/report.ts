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

/** One figure of the benchmark issue, against the two-stage floor. */
export interface FloorFigure {
  figure: string;
  floor: string;
  source: string;
  bundle: string;
  /** denit ÷ floor, from source and as the bundle. */
  ratio: string;
  target: string;
  met: string;
}

/**
 * The figures of the performance issue, each denit ÷ the two-stage floor (the smallest init
 * with denit's design on the same Deno), from source (`mod.ts`) and as the bundle.
 * For reaping a higher ratio is better; "keep" (forwarding) is read as within 10 %.
 */
export function floorFigures(results: Results): FloorFigure[] {
  const value = (metric: string, init: string, pick: (s: Summary) => number | null) =>
    pick(summarize(results[metric]?.[init] ?? [])) ?? NaN;
  const rows: FloorFigure[] = [];
  const add = (
    figure: string,
    metric: string,
    unit: (v: number) => string,
    limits: { source: number; bundle: number; text: string },
    pick: (s: Summary) => number | null = (s) => s.median,
    higherIsBetter = false,
  ) => {
    const floor = value(metric, "floor-2stage", pick);
    const source = value(metric, "denit", pick);
    const bundle = value(metric, "denit-bundle", pick);
    const ok = (ratio: number, limit: number) =>
      Number.isFinite(ratio) && (higherIsBetter ? ratio >= limit : ratio <= limit);
    const sourceRatio = source / floor;
    const bundleRatio = bundle / floor;
    rows.push({
      figure,
      floor: unit(floor),
      source: unit(source),
      bundle: unit(bundle),
      ratio: `${fmt(sourceRatio)}× / ${fmt(bundleRatio)}×`,
      target: limits.text,
      met: `${ok(sourceRatio, limits.source) ? "yes" : "**no**"} / ${
        ok(bundleRatio, limits.bundle) ? "yes" : "**no**"
      }`,
    });
  };
  const ms = (v: number) => `${fmt(v)} ms`;
  const us = (v: number) => `${fmt(v * 1000, 0)} µs`;
  add("exec → child's first instruction", "start-up", ms, {
    source: 1.1,
    bundle: 1.05,
    text: "≤ 1.10× (source), ≤ 1.05× (bundle)",
  });
  add("`denit -- /bin/true`, exit included", "true-wall", ms, {
    source: 1.1,
    bundle: 1.1,
    text: "≤ 1.10×",
  });
  add("SIGTERM → denit reaped", "term-exit", ms, { source: 1.2, bundle: 1.2, text: "≤ 1.20×" });
  add("the same, SIGTERM 100 ms after start", "term-exit-idle", ms, {
    source: 1.2,
    bundle: 1.2,
    text: "≤ 1.20×",
  });
  add(
    "burst reaping (zombies handed over at once)",
    "reaping",
    (v) => `${fmt(v / 1000, 0)}k/s`,
    { source: 0.95, bundle: 0.95, text: "≥ 0.95×" },
    (s) => s.median,
    true,
  );
  add(
    "steady RSS",
    "rss-steady",
    (v) => `${fmt(v / 1024, 1)} MiB`,
    { source: 1.05, bundle: 1.05, text: "≤ 1.05×" },
  );
  const keep = { source: 1.1, bundle: 1.1, text: "keep (≤ 1.10×)" };
  add("forwarding median", "forwarding", us, keep);
  add("forwarding p99", "forwarding", us, keep, (s) => s.p99);
  return rows;
}

/** The floor figures as a Markdown table. */
export function floorTable(results: Results): string {
  let text = "| figure | floor | denit (source) | denit (bundle) | ratio source / bundle | " +
    "target | met source / bundle |\n|---|---|---|---|---|---|---|\n";
  for (const row of floorFigures(results)) {
    text += `| ${row.figure} | ${row.floor} | ${row.source} | ${row.bundle} | ${row.ratio} | ` +
      `${row.target} | ${row.met} |\n`;
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
