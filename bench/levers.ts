/**
 * `deno run -A bench/levers.ts [--runs N] [--only a,b]`: measures levers of the
 * performance issue one at a time, on patched copies of this checkout (src/ is
 * left as it is), each against denit as it is and the two-stage floor.
 *
 * Each variant is a copy with one patch (a list of file, pattern, replacement);
 * a pattern that no longer matches fails the run, so a lever is never measured
 * on code that silently stayed the same. Runs are interleaved (the order rotates
 * every round) so machine drift hits every variant alike.
 *
 * Prints, per metric, the median and the ratio to denit and to the floor.
 * `--metrics term-exit` measures only that; `--callgrind` instead counts the
 * instructions (valgrind, every thread, both stages, load-independent) of
 * `init -- /bin/true` for each variant, for levers too small for wall time on a
 * loaded machine.
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
  allowNegative: true,
  options: {
    runs: { type: "string", default: "20" },
    only: { type: "string" },
    metrics: { type: "string", default: "start-up,true-wall,term-exit" },
    callgrind: { type: "boolean", default: false },
    build: { type: "boolean", default: true }, // --no-build: another run is using bench/.build
    // --bundle: each lever is bundled (deno bundle) and run as the shipped bundle is
    bundle: { type: "boolean", default: false },
  },
});
const runs = Number(values.runs);
const DENO = Deno.execPath();

/** One edit: in `file`, replace `from` with `to`. */
type Patch = [file: string, from: RegExp, to: string];

/**
 * The levers, each as the patch that turns it on in a copy of denit as it was before the lever
 * was kept (a kept lever is measured the other way round: its patch takes it out).
 */
const LEVERS: Record<string, Patch[]> = {
  /**
   * Stage one imports the supervisor through a specifier Deno cannot see ahead
   * of time, so it neither reads nor type-strips modules only stage two runs.
   */
  "stage1-lazy": [[
    "src/main.ts",
    /await import\("\.\/stage_two\.ts"\)/,
    'await import(new URL("./stage_two.ts", import.meta.url).href)',
  ]],
  /** The services modules leave the single-child start-up graph (both stages). */
  "services-lazy": [[
    "src/stage_two.ts",
    /await import\("\.\/services\/run\.ts"\)/,
    'await import(new URL("./services/run.ts", import.meta.url).href)',
  ]],
  /** Kept (src/ffi/spawn.ts): `_exit` bound at the spawn. Taken out here. */
  "no-bind-exit": [["src/ffi/spawn.ts", /\n\s*void c\._exit;[^\n]*/, ""]],
  /** Kept (src/warm_up.ts): the SIGCHLD denit sends itself after the spawn. Taken out here. */
  "no-warm-sigchld": [["src/warm_up.ts", /\n\s*if \(source\.mode === "signalfd"[^\n]*/, ""]],
  /** Kept (src/warm_up.ts): the DOMException abort after the spawn. Taken out here. */
  "no-warm-abort": [["src/warm_up.ts", /\n\s*new AbortController\(\)[^\n]*/, ""]],
  /** Kept (src/supervisor.ts, src/warm_up.ts): the rehearsal of the child's end. Taken out here. */
  "no-rehearsal": [[
    "src/supervisor.ts",
    /Supervisor\.#rehearsal\(this\.#config, this\.#log\)/,
    "[].values()",
  ]],
  /**
   * Kept (src/supervisor.ts, src/warm_up.ts): the warm-up takes each step only while no signal
   * waits. Taken out here: it walks every step whatever waits, as it did in stop 10.
   */
  "warm-up-ignores-pending": [[
    "src/supervisor.ts",
    /const idle = \(\) => !this\.#libc\.signalsPending\(\);/,
    "const idle = () => true;",
  ]],
  /**
   * Kept (src/supervisor.ts): making the rehearsal's doubles is an act of its own, so a signal
   * that comes meanwhile waits ~0.6 ms less. Taken out here: one act with the SIGTERM.
   */
  "rehearsal-setup-act": [[
    "src/supervisor.ts",
    /\n\s*\/\/ An act of its own \(~0\.6 ms\)[^\n]*\n[^\n]*\n\s*yield;/,
    "",
  ]],
  /** Kept (src/os_bytes.ts): NULs found with indexOf. Put back here: the byte loop. */
  "byte-loop": [[
    "src/os_bytes.ts",
    /for \(let end = bytes\.indexOf\(0\); end >= 0; end = bytes\.indexOf\(0, start\)\) \{\n(\s*)items\.push\(bytes\.subarray\(start, end\)\);\n\s*start = end \+ 1;/,
    "for (let end = 0; end < bytes.length; end++) {\n$1if (bytes[end] !== 0) continue;\n" +
    "$1items.push(bytes.subarray(start, end));\n$1start = end + 1;",
  ]],
  /**
   * The signalfd read before 18deb58: one pending `read` on the blocking pool on a blocking
   * signalfd, instead of `poll` on the pool and a `read` on the main thread (errno is then out
   * of reach). Measured to find what 18deb58 cost at start-up; not a behaviour to ship.
   */
  "read-on-pool": [
    ["src/ffi/libc.ts", /if \(await c\.poll\(pollPointer, 1n, -1\) < 0\)/, "if (false)"],
    [
      "src/ffi/libc.ts",
      /Number\(c\.read\(fd, signalPointer/,
      "Number(await c.readOnPool(fd, signalPointer",
    ],
    ["src/ffi/libc.ts", /SFD_CLOEXEC \| SFD_NONBLOCK/, "SFD_CLOEXEC"],
  ],
  /**
   * The fault signals (ILL, TRAP, ABRT, BUS, FPE, SEGV, SYS) left unblocked, as before 18deb58
   * (and as the floor does). Measured to find what 18deb58 cost; not a behaviour to ship.
   */
  "faults-unblocked": [[
    "src/signals.ts",
    /if \(!isSignalNumber\(signo\)\) continue;/,
    "if (!isSignalNumber(signo) || [4, 5, 6, 7, 8, 11, 31].includes(signo)) continue;",
  ]],
  /**
   * Kept (src/ffi/libc.ts): symbols called a few times (start-up, spawn, exit) bound as a
   * plain address and called through `Deno.UnsafeFnPointer`, with no fast-call trampoline
   * compiled at bind time (~0.2 ms each; ~0.04 ms as an address). Taken out here: every
   * symbol its own `Deno.dlopen` again.
   */
  "no-bind-by-address": [[
    "src/ffi/libc.ts",
    /const call = bindByAddress\(path, name, definition\)/,
    "return Deno.dlopen(path, { [name]: SYMBOLS[name] }).symbols[name];\n      const call = bindByAddress(path, name, definition)",
  ]],
  /**
   * Kept (src/ffi/libc.ts): read, kill and waitpid start bound by address too, and get their
   * fast calls in the warm-up while idle (or after 64 calls). Taken out here: fast calls
   * compiled at their first use, on the first signal's path (1.1–1.6 ms).
   */
  "hot-calls-at-first-use": [[
    "src/ffi/libc.ts",
    /const call = bindByAddress\(path, name, definition\)/,
    "if (HOT.has(name)) return (bindFast(name), bound[name]);\n      const call = bindByAddress(path, name, definition)",
  ]],
  /**
   * Kept (src/plugin/host.ts): the plugins' shutdown controller is made when a context's
   * `signal` is first read, so a run where none is read aborts nothing at exit. Taken out
   * here: made with the host, aborted at every exit.
   */
  "eager-shutdown-abort": [[
    "src/plugin/host.ts",
    /#shutdownController: AbortController \| null = null;/,
    "#shutdownController: AbortController | null = new AbortController();",
  ]],
  /** Both of the above: the signal handling as it was before 18deb58. */
  get "before-18deb58"(): Patch[] {
    return [...LEVERS["read-on-pool"]!, ...LEVERS["faults-unblocked"]!];
  },
  /** Kept: all of src/warm_up.ts and the bindings. Taken out here. */
  "no-warm-up": [
    ["src/supervisor.ts", /\n\s*void warmUp\(this[^\n]*/, ""],
    ["src/ffi/spawn.ts", /\n\s*void c\._exit;[^\n]*/, ""],
  ],
};

/** A copy of this checkout in `dir` with `patches` applied; returns its mod.ts. */
async function patchedCopy(dir: string, patches: Patch[]): Promise<string> {
  await Deno.mkdir(dir);
  for (const part of ["mod.ts", "deno.json", "deno.lock", "src", "plugins", "tools"]) {
    await new Deno.Command("cp", { args: ["-r", `${REPO}/${part}`, `${dir}/`] }).output();
  }
  for (const [file, from, to] of patches) {
    const path = `${dir}/${file}`;
    const text = await Deno.readTextFile(path);
    const patched = text.replace(from, to);
    if (patched === text) throw new Error(`levers: ${from} no longer matches ${file}`);
    await Deno.writeTextFile(path, patched);
  }
  return `${dir}/mod.ts`;
}

/** Millions of instructions `variant -- /bin/true` runs, both stages and every thread. */
async function instructions(variant: Init, outDir: string): Promise<number> {
  for await (const entry of Deno.readDir(outDir)) await Deno.remove(`${outDir}/${entry.name}`);
  const output = await new Deno.Command("valgrind", {
    args: [
      "--tool=callgrind",
      "--trace-children=yes",
      "--dump-before=execve", // stage one re-executes itself: count it before it does
      "--trace-children-skip=/bin/true,/usr/bin/true",
      `--callgrind-out-file=${outDir}/cg.%p`,
      ...variant.argv,
      "/bin/true",
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!output.success) throw new Error(`${variant.name}: valgrind failed`);
  let total = 0;
  for await (const entry of Deno.readDir(outDir)) {
    const text = await Deno.readTextFile(`${outDir}/${entry.name}`);
    total += Number(/^summary: (\d+)/m.exec(text)?.[1] ?? 0);
  }
  return total / 1e6;
}

if (values.build) await buildAll();
const dir = await Deno.makeTempDir({ prefix: "denit-levers-" });
try {
  const run = [DENO, "run", "-A", "--no-lock"];
  const variants: Init[] = [
    { name: "floor-2stage", argv: [...run, `${BENCH}/floors/two_stage.ts`] },
    { name: "denit", argv: [...run, `${REPO}/mod.ts`, "--"] },
    { name: "bundle", argv: [...run, "--no-config", `${BUILD}/denit.js`, "--"] },
  ];
  const only = values.only?.split(",");
  for (const [name, patches] of Object.entries(LEVERS)) {
    if (only !== undefined && !only.includes(name)) continue;
    const mod = await patchedCopy(`${dir}/${name}`, patches);
    if (!values.bundle) {
      variants.push({ name, argv: [...run, mod, "--"] });
      continue;
    }
    const bundle = `${dir}/${name}.js`;
    const built = await new Deno.Command(DENO, {
      args: ["bundle", "--quiet", "--minify", "-o", bundle, mod],
    })
      .output();
    if (!built.success) throw new Error(`levers: cannot bundle ${name}`);
    variants.push({ name, argv: [...run, "--no-config", bundle, "--"] });
  }
  const wanted = values.metrics.split(",");
  const metrics = Object.fromEntries(
    Object.entries({
      "start-up": startUp,
      "true-wall": wallTrue,
      "term-exit": (init: Init) => termToExit(init),
      "term-exit-idle": (init: Init) => termToExit(init, 200),
    })
      .filter(([name]) => wanted.includes(name)),
  );
  if (values.callgrind) {
    // Instructions, not time: the same for a run on a quiet or a loaded machine.
    metrics["instructions"] = (variant: Init) => instructions(variant, `${dir}/callgrind`);
    for (const name of wanted) delete metrics[name];
    await Deno.mkdir(`${dir}/callgrind`);
  }
  // One run of each first: a new copy's first run fills Deno's emit and V8 code caches
  // (+25 % of the instructions of a bundle), which no measured run may pay.
  for (const variant of variants) {
    await new Deno.Command(variant.argv[0]!, {
      args: [...variant.argv.slice(1), "/bin/true"],
      stdout: "null",
      stderr: "null",
    }).output();
  }
  const samples: Record<string, Record<string, number[]>> = {};
  for (let round = 0; round < runs; round++) {
    const shift = round % variants.length;
    for (const variant of [...variants.slice(shift), ...variants.slice(0, shift)]) {
      for (const [metric, measure] of Object.entries(metrics)) {
        ((samples[metric] ??= {})[variant.name] ??= []).push(await measure(variant));
      }
    }
  }
  const load = Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  console.log(
    `## levers (${runs} interleaved runs, ${new Date().toISOString()}, load ${load})\n`,
  );
  for (const [metric, byVariant] of Object.entries(samples)) {
    console.log(`### ${metric} (${metric === "instructions" ? "millions" : "ms"})\n`);
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
