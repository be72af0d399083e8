/**
 * `deno task bench`: denit against tini, dumb-init and catatonit, and two Deno
 * floors (the smallest two-stage init with denit's signal design, and the
 * smallest one-stage one with Deno's listeners), each as PID 1 of its own PID
 * namespace, runs interleaved so machine drift hits all alike.
 *
 *   deno task bench [--quick] [--json FILE]
 *
 * Needs root (PID namespaces) and gcc. Prints Markdown tables and, for each
 * target of the benchmark issue, whether this run met it. It asserts nothing.
 *
 * @module
 */
// deno-lint-ignore-file no-console -- a benchmark reports on the terminal

import { parseArgs } from "node:util";
import { buildAll } from "./build.ts";
import { inits } from "./inits.ts";
import type { Init } from "./inits.ts";
import { forwarding, idle, reaping, startUp, termToExit, wallTrue } from "./metrics.ts";
import { floorTable, tables, verdicts } from "./report.ts";
import type { Results } from "./report.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { quick: { type: "boolean", default: false }, json: { type: "string" } },
});
const quick = values.quick;
const plan = quick
  ? {
    runs: 10,
    signals: 300,
    signalRounds: 3,
    idleMs: 100,
    gapUs: 1000,
    reapRuns: 1,
    zombies: 2000,
    windows: [[2, 10]],
  }
  : {
    runs: 40,
    signals: 1000,
    signalRounds: 4,
    idleMs: 100,
    gapUs: 1000,
    reapRuns: 5,
    zombies: 10000,
    windows: [[2, 10], [30, 10]],
  };

const all = inits();
const results: Results = {};
const lost: Record<string, number> = {};
const merged: Record<string, number> = {};
const units: Record<string, string> = {
  "start-up": "ms, exec of the init → first instruction of the child",
  "true-wall": "ms, `init -- /bin/true`, fork → reaped",
  "term-exit": "ms, SIGTERM to the init → init reaped",
  "term-exit-idle": "ms, the same, SIGTERM sent 100 ms after the child is ready",
  "forwarding": "ms, kill(init) → child's handler (SIGUSR2, 1 ms apart)",
  "reaping": "zombies/s, 10,000 (quick: 2,000) handed to PID 1 at once",
  "rss-hwm": "KiB, VmHWM",
  "rss-steady": "KiB, VmRSS after 2 s idle",
  "rss-anon": "KiB, RssAnon after 2 s",
  "rss-file": "KiB, RssFile after 2 s",
  "wakeups-2s": "context switches of all threads, 10 s window from 2 s",
  "wakeups-30s": "context switches of all threads, 10 s window from 30 s",
  "idle-cpu-2s": "ms CPU in the 2 s window",
  "threads": "threads after the window",
};
function record(metric: string, init: string, value: number) {
  ((results[metric] ??= {})[init] ??= []).push(value);
}
/** The inits in rotated order for round `round`: A B C…, then B C … A. */
function rotation(round: number): Init[] {
  const shift = round % all.length;
  return [...all.slice(shift), ...all.slice(0, shift)];
}

console.error(`bench: building helpers; ${quick ? "quick" : "full"} run of ${all.length} inits`);
await buildAll();
const started = performance.now();

for (let round = 0; round < plan.runs; round++) {
  for (const init of rotation(round)) {
    record("start-up", init.name, await startUp(init));
    record("true-wall", init.name, await wallTrue(init));
    record("term-exit", init.name, await termToExit(init));
    record("term-exit-idle", init.name, await termToExit(init, plan.idleMs));
  }
}
console.error(
  `bench: start-up, /bin/true and SIGTERM done (${
    ((performance.now() - started) / 1000).toFixed(0)
  } s)`,
);

// Forwarding in rounds too, so a burst of load does not land on one init's whole sample.
for (let round = 0; round < plan.signalRounds; round++) {
  for (const init of rotation(round)) {
    const result = await forwarding(init, plan.signals / plan.signalRounds, plan.gapUs);
    for (const latency of result.latencies) record("forwarding", init.name, latency);
    lost[init.name] = (lost[init.name] ?? 0) + result.lost;
    merged[init.name] = (merged[init.name] ?? 0) + result.merged;
  }
}
console.error(`bench: forwarding done; lost: ${JSON.stringify(lost)}`);
console.error(`bench: merged by the kernel (not lost): ${JSON.stringify(merged)}`);

for (let round = 0; round < plan.reapRuns; round++) {
  for (const init of rotation(round)) {
    if (init.name === "denit+plugins") continue;
    record("reaping", init.name, (await reaping(init, plan.zombies)).perSecond);
  }
}
console.error("bench: reaping done; idle windows next (all inits at once, they only sleep)");

const idleRuns = await Promise.all(
  all.map(async (init) =>
    [init.name, await idle(init, plan.windows as Array<[number, number]>)] as const
  ),
);
for (const [name, run] of idleRuns) {
  record("rss-hwm", name, run.memory.hwmKb);
  record("rss-steady", name, run.memory.rssKb);
  record("rss-anon", name, run.memory.anonKb);
  record("rss-file", name, run.memory.fileKb);
  for (const window of run.windows) {
    record(`wakeups-${window.start}s`, name, window.wakeups);
    if (window.start === 2) {
      record("idle-cpu-2s", name, window.cpuMs);
      record("threads", name, window.threads);
    }
  }
}

const machine = {
  date: new Date().toISOString(),
  cpus: navigator.hardwareConcurrency,
  kernel: Deno.osRelease(),
  cpu: (Deno.readTextFileSync("/proc/cpuinfo").match(/^model name\s*:\s*(.*)$/m) ?? [])[1] ?? "?",
  deno: Deno.version.deno,
  mode: quick ? "quick" : "full",
};
console.log(`## denit benchmark (${machine.mode}, ${machine.date})\n`);
console.log(`${machine.cpus} CPUs, ${machine.cpu}, Linux ${machine.kernel}, Deno ${machine.deno}`);
console.log(tables(results, units));
console.log(
  "### Against the two-stage floor\n\n" +
    "denit ÷ `bench/floors/two_stage.ts` (denit's design and nothing else), medians.\n",
);
console.log(floorTable(results));
console.log("### Targets\n\n| target | this run | met |\n|---|---|---|");
for (const verdict of verdicts(results, lost)) {
  console.log(`| ${verdict.target} | ${verdict.value} | ${verdict.met ? "yes" : "**no**"} |`);
}
console.log(
  "\n### Forwarding: sends lost and merged\n\n" +
    "A SIGUSR2 sent while one is still pending (at the init or at the child) is merged\n" +
    "by the kernel; only a send that no delivery follows is lost.\n\n" +
    "| init | sent | lost | merged |\n|---|---|---|---|",
);
for (const name of Object.keys(lost)) {
  console.log(`| ${name} | ${plan.signals} | ${lost[name]} | ${merged[name]} |`);
}
if (values.json !== undefined) {
  await Deno.writeTextFile(
    values.json,
    JSON.stringify({ machine, plan, lost, merged, results }, null, 2),
  );
}
console.error(`bench: finished in ${((performance.now() - started) / 1000).toFixed(0)} s`);
