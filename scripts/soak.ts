/**
 * `deno task soak [--short] [--json FILE]`: one denit process, as PID 1,
 * forwards 1,000,000 real-time signals (they queue: none may be lost) and
 * reaps 100,000 orphans; then checks that its RSS grew by at most 2 MiB after
 * warm-up (3 MiB in the short run), its open fd count is unchanged, no zombie
 * is left, every signal reached the child and the child's exit status came
 * through. `--short` does
 * 50,000 signals and 5,000 orphans (it is part of the test suite).
 *
 * Exits 0 when every property holds, 1 otherwise, and prints the figures.
 *
 * @module
 */
// deno-lint-ignore-file no-console -- a soak run reports on the terminal

import { parseArgs } from "node:util";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const { values } = parseArgs({
  args: Deno.args,
  options: { short: { type: "boolean", default: false }, json: { type: "string" } },
});
const signals = values.short ? 50_000 : 1_000_000;
const orphans = values.short ? 5_000 : 100_000;
/**
 * RSS growth allowed after warm-up. The short run's warm-up (10,000 signals, no orphans yet)
 * ends before the reaping path and V8's optimized code have settled: it grew 1.5–2.3 MiB
 * whatever the build (5 runs of 73701f7 and of 91c20e3), against 0.4 MiB over the whole full
 * run, so its limit is higher. A per-signal leak still shows in the full run.
 */
const RSS_GROWTH_LIMIT_KIB = values.short ? 3072 : 2048;

const build = await Deno.makeTempDir({ prefix: "denit-soak-" });
await Deno.chmod(build, 0o755); // the child runs as uid 65534
async function compile(name: string): Promise<string> {
  const output = `${build}/${name}`;
  const gcc = await new Deno.Command("gcc", {
    args: ["-O2", "-o", output, `${ROOT}/scripts/soak/${name}.c`],
  }).output();
  if (!gcc.success) throw new Error(`gcc ${name} failed`);
  return output;
}

function memory(pid: number): { rssKib: number; fds: number } {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return {
    rssKib: Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1]),
    fds: [...Deno.readDirSync(`/proc/${pid}/fd`)].length,
  };
}

function childrenOf(pid: number): number[] {
  const text = Deno.readTextFileSync(`/proc/${pid}/task/${pid}/children`).trim();
  return text === "" ? [] : text.split(" ").map(Number);
}

async function until(check: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function send(sender: string, pid: number, count: number, offset = 1): Promise<void> {
  const output = await new Deno.Command(sender, {
    args: [String(pid), String(count), String(offset)],
  }).output();
  if (!output.success) throw new Error("the sender failed");
}

const child = await compile("soak_child");
const sender = await compile("rt_sender");
const started = performance.now();
const denit = new Deno.Command("unshare", {
  args: [
    "--pid",
    "--fork",
    "--mount-proc",
    "--kill-child",
    Deno.execPath(),
    "run",
    "-q",
    "-A",
    "--no-lock",
    `${ROOT}/mod.ts`,
    // The child runs as another user: real-time signals queued for one uid share one limit
    // (RLIMIT_SIGPENDING), and the flood queued for denit (root) must not starve the child's
    // queue, where the kernel would merge what kill() sends once the limit is reached.
    "setpriv",
    "--reuid=65534",
    "--regid=65534",
    "--clear-groups",
    child,
    String(orphans),
  ],
  stdout: "piped",
  stderr: "inherit",
}).spawn();
let output = "";
const reading = (async () => {
  for await (const chunk of denit.stdout.pipeThrough(new TextDecoderStream())) output += chunk;
})();

let ok = false;
try {
  await until(() => output.includes("ready"), "the child", 30_000);
  const [denitPid] = childrenOf(denit.pid);
  if (denitPid === undefined) throw new Error("denit is not running");
  const warmUp = Math.round(signals / 5);
  await send(sender, denitPid, warmUp);
  // Deno finishes its own start-up work (code cache, worker threads) in the first seconds.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const afterWarmUp = memory(denitPid);
  await send(sender, denitPid, signals - warmUp);
  await until(() => output.includes("orphans done"), "the orphans to be made", 600_000);
  // Every orphan reaped: denit's only child left is the main one.
  await until(() => childrenOf(denitPid).length === 1, "the last zombie to be reaped", 60_000);
  const atEnd = memory(denitPid);
  // The end marker, SIGRTMIN+2, queues behind every SIGRTMIN+1 sent before it.
  await send(sender, denitPid, 1, 2);
  const status = await denit.status;
  await reading;
  const received = Number(/received (\d+)/.exec(output)?.[1] ?? NaN);
  const figures = {
    signals,
    received,
    orphans,
    exitCode: status.code,
    rssAfterWarmUpKib: afterWarmUp.rssKib,
    rssAtEndKib: atEnd.rssKib,
    rssGrowthKib: atEnd.rssKib - afterWarmUp.rssKib,
    fdsAfterWarmUp: afterWarmUp.fds,
    fdsAtEnd: atEnd.fds,
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
  const checks: Array<[string, boolean]> = [
    [`every signal reached the child (${received} of ${signals})`, received === signals],
    [`the child's exit code came through (${status.code}, expected 42)`, status.code === 42],
    [
      `RSS grew ${figures.rssGrowthKib} KiB after warm-up (limit ${RSS_GROWTH_LIMIT_KIB})`,
      figures.rssGrowthKib <= RSS_GROWTH_LIMIT_KIB,
    ],
    [`open fds unchanged (${afterWarmUp.fds} → ${atEnd.fds})`, afterWarmUp.fds === atEnd.fds],
    ["no zombie left", true],
  ];
  console.log(`soak (${values.short ? "short" : "full"}): ${JSON.stringify(figures)}`);
  for (const [label, passed] of checks) console.log(`${passed ? "ok  " : "FAIL"} ${label}`);
  ok = checks.every(([, passed]) => passed);
  if (values.json) await Deno.writeTextFile(values.json, JSON.stringify(figures, null, 2));
} finally {
  try {
    denit.kill("SIGKILL");
  } catch {
    // already gone
  }
  await denit.status;
  await Deno.remove(build, { recursive: true });
}
Deno.exit(ok ? 0 : 1);
