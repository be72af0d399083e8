/**
 * `deno run -A bench/levers.ts [--runs N]`: measures the start-up levers of
 * the benchmark issue on patched copies of denit, without editing src/.
 *
 * Variants (each as PID 1, runs interleaved like bench.ts):
 * - denit: /work/main/mod.ts as it is;
 * - bundle: `deno bundle mod.ts` (one file, no module graph to load);
 * - lazy: a copy whose main.ts imports supervise.ts through a computed
 *   specifier, so stage one does not load the supervisor's modules;
 * - exitnow: a copy in a temp dir whose runCli() ends with libc `_exit`
 *   (`openLibc().exitNow(code)`) instead of `Deno.exit(code)`;
 * - bundle+exitnow: both;
 * - floor-2stage: the two-stage floor, for the ratios.
 *
 * Prints, per metric, the median and the ratio to denit and to the floor.
 *
 * @module
 */
// deno-lint-ignore-file no-console -- a benchmark reports on the terminal

import { parseArgs } from "node:util";
import { BENCH, BUILD, buildAll, REPO } from "./build.ts";
import type { Init } from "./inits.ts";
import { startUp, termToExit, wallTrue } from "./metrics.ts";
import { summarize } from "./stats.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { runs: { type: "string", default: "20" } },
});
const runs = Number(values.runs);
const DENO = Deno.execPath();

/** A copy of denit in `dir` with src/main.ts patched; returns its mod.ts. */
async function patchedCopy(dir: string, from: RegExp, to: string): Promise<string> {
  await Deno.mkdir(dir);
  for (const part of ["mod.ts", "deno.json", "deno.lock", "src", "plugins"]) {
    await new Deno.Command("cp", { args: ["-r", `${REPO}/${part}`, `${dir}/`] }).output();
  }
  const main = `${dir}/src/main.ts`;
  const text = await Deno.readTextFile(main);
  const patched = text.replace(from, to);
  if (patched === text) throw new Error(`levers: ${from} no longer matches src/main.ts`);
  await Deno.writeTextFile(main, patched);
  return `${dir}/mod.ts`;
}

/** runCli() ends with libc _exit instead of Deno.exit. */
const exitNow = [
  /const code = await main\(Deno\.args\);\n\s*Deno\.exit\(code\);/,
  "const code = await main(Deno.args);\n  openLibc().exitNow(code);",
] as const;
/**
 * The supervisor is imported through a specifier Deno cannot see ahead of
 * time: a string-literal import() is part of the module graph Deno loads (and
 * strips types of) at start-up, so stage one pays for modules only stage two runs.
 */
const lazy = [
  /await import\("\.\/supervise\.ts"\)/,
  'await import(new URL("./supervise.ts", import.meta.url).href)',
] as const;

await buildAll();
const dir = await Deno.makeTempDir({ prefix: "denit-levers-" });
try {
  const exitNowMod = await patchedCopy(`${dir}/exitnow`, ...exitNow);
  const lazyMod = await patchedCopy(`${dir}/lazy`, ...lazy);
  await new Deno.Command(DENO, {
    args: ["bundle", "--quiet", "-o", `${BUILD}/denit-exitnow.js`, exitNowMod],
  }).output();
  const run = [DENO, "run", "-A", "--no-lock"];
  const variants: Init[] = [
    { name: "floor-2stage", argv: [...run, `${BENCH}/floors/two_stage.ts`] },
    { name: "denit", argv: [...run, `${REPO}/mod.ts`, "--"] },
    { name: "bundle", argv: [...run, "--no-config", `${BUILD}/denit.js`, "--"] },
    { name: "lazy", argv: [...run, lazyMod, "--"] },
    { name: "exitnow", argv: [...run, exitNowMod, "--"] },
    { name: "bundle+exitnow", argv: [...run, "--no-config", `${BUILD}/denit-exitnow.js`, "--"] },
  ];
  const metrics = { "start-up": startUp, "true-wall": wallTrue, "term-exit": termToExit };
  const samples: Record<string, Record<string, number[]>> = {};
  for (let round = 0; round < runs; round++) {
    const shift = round % variants.length;
    for (const variant of [...variants.slice(shift), ...variants.slice(0, shift)]) {
      for (const [metric, measure] of Object.entries(metrics)) {
        ((samples[metric] ??= {})[variant.name] ??= []).push(await measure(variant));
      }
    }
  }
  console.log(`## levers (${runs} interleaved runs, ${new Date().toISOString()})\n`);
  for (const [metric, byVariant] of Object.entries(samples)) {
    console.log(`### ${metric} (ms)\n`);
    console.log("| variant | median | × denit | × 2-stage floor |\n|---|---|---|---|");
    const median = (list: number[]) => summarize(list).median;
    const denit = median(byVariant["denit"]!);
    const floor = median(byVariant["floor-2stage"]!);
    for (const [name, list] of Object.entries(byVariant)) {
      const m = median(list);
      console.log(
        `| ${name} | ${m.toFixed(2)} | ${(m / denit).toFixed(2)} | ${(m / floor).toFixed(2)} |`,
      );
    }
    console.log();
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
