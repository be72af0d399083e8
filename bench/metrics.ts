/**
 * One function per metric. Every interval is taken by the C helpers (or, for
 * reaping, by CLOCK_MONOTONIC read here through FFI) so the harness's own
 * overhead stays outside it. Times are returned in milliseconds.
 *
 * @module
 */

import { BUILD } from "./build.ts";
import type { Init } from "./inits.ts";

const PID1RUN = `${BUILD}/pid1run`;
const CHILD = `${BUILD}/stamp_child`;
const libc = Deno.dlopen("libc.so.6", {
  clock_gettime: { parameters: ["i32", "buffer"], result: "i32" },
}).symbols;

/** CLOCK_MONOTONIC in nanoseconds, the clock the C helpers use. */
function monotonicNs(): bigint {
  const time = new BigInt64Array(2);
  libc.clock_gettime(1, time);
  return time[0]! * 1_000_000_000n + time[1]!;
}

async function withStampFile<T>(use: (path: string) => Promise<T>): Promise<T> {
  const path = await Deno.makeTempFile({ prefix: "denit-bench-" });
  try {
    return await use(path);
  } finally {
    await Deno.remove(path).catch(() => {});
  }
}

async function run(
  args: string[],
  stampFile: string,
  env: Record<string, string> = {},
): Promise<string> {
  const output = await new Deno.Command(PID1RUN, {
    args,
    env: { ...env, STAMP_FILE: stampFile },
    stdout: "piped",
    stderr: "null",
  }).output();
  return new TextDecoder().decode(output.stdout);
}

function valuesOf(text: string, key: string): bigint[] {
  return text.split("\n").filter((l) => l.startsWith(`${key} `)).map((l) =>
    BigInt(l.split(" ")[1]!)
  );
}

const ms = (ns: bigint) => Number(ns) / 1e6;

/** 1. Exec of the init → first instruction of the child. */
export function startUp(init: Init): Promise<number> {
  return withStampFile(async (file) => {
    const out = await run(["start", ...init.argv, CHILD], file);
    const [launch] = valuesOf(out, "launch");
    const [child] = valuesOf(await Deno.readTextFile(file), "child");
    if (launch === undefined || child === undefined) throw new Error(`${init.name}: no stamps`);
    return ms(child - launch);
  });
}

/** 2. `init -- /bin/true`, fork to reaped. */
export function wallTrue(init: Init): Promise<number> {
  return withStampFile(async (file) => {
    const [wall] = valuesOf(await run(["wall", ...init.argv, "/bin/true"], file), "wall");
    if (wall === undefined) throw new Error(`${init.name}: no wall time`);
    return ms(wall);
  });
}

/**
 * 7. SIGTERM to the init → the init reaped (the child exits on SIGTERM at once). SIGTERM goes
 * as soon as the child is ready, or `idleMs` later (a stop request usually finds the init idle).
 */
export function termToExit(init: Init, idleMs = 0): Promise<number> {
  return withStampFile(async (file) => {
    const env: Record<string, string> = idleMs > 0 ? { TERM_DELAY_MS: String(idleMs) } : {};
    const [term] = valuesOf(await run(["term", ...init.argv, CHILD, "wait"], file, env), "term");
    if (term === undefined) throw new Error(`${init.name}: no term time`);
    return ms(term);
  });
}

/** 4. kill(init, SIGUSR2) → first statement of the child's handler; and how many were lost. */
export function forwarding(
  init: Init,
  count: number,
  gapUs: number,
): Promise<{ latencies: number[]; merged: number; lost: number }> {
  return withStampFile(async (file) => {
    const out = await run(
      ["signals", String(count), String(gapUs), ...init.argv, CHILD, "wait"],
      file,
    );
    const sent = valuesOf(out, "sent");
    const got = valuesOf(await Deno.readTextFile(file), "got");
    // Each delivery answers the oldest send still pending before it; the other
    // sends it covers were merged (a standard signal pends only once, at the
    // init or at the child). A send that no delivery follows is lost.
    const latencies: number[] = [];
    let s = 0;
    let merged = 0;
    for (const delivery of got) {
      if (s >= sent.length || sent[s]! > delivery) continue;
      latencies.push(ms(delivery - sent[s]!));
      s++;
      while (s < sent.length && sent[s]! <= delivery) s++, merged++;
    }
    return { latencies, merged, lost: sent.length - s };
  });
}

/** A held init: its host pid, and a way to end it. */
interface Held {
  pid: number;
  stampFile: string;
  stop(): Promise<void>;
}

async function hold(init: Init, childArgs: string[]): Promise<Held> {
  const stampFile = await Deno.makeTempFile({ prefix: "denit-bench-" });
  const process = new Deno.Command(PID1RUN, {
    args: ["hold", ...init.argv, CHILD, ...childArgs],
    env: { STAMP_FILE: stampFile },
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = process.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!/^pid \d+$/m.test(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${init.name}: ended before it was ready`);
    text += value;
  }
  reader.releaseLock();
  const pid = Number(/^pid (\d+)$/m.exec(text)![1]);
  return {
    pid,
    stampFile,
    async stop() {
      const writer = process.stdin.getWriter();
      await writer.write(new TextEncoder().encode("\n"));
      await writer.close();
      await process.status;
      await process.stdout.cancel().catch(() => {});
      await Deno.remove(stampFile).catch(() => {});
    },
  };
}

function children(pid: number): number {
  const text = Deno.readTextFileSync(`/proc/${pid}/task/${pid}/children`).trim();
  return text === "" ? 0 : text.split(" ").length;
}

/** 5. N zombies handed to PID 1 at once → none left. Returns ms and zombies/s. */
export async function reaping(
  init: Init,
  zombies: number,
): Promise<{ ms: number; perSecond: number }> {
  const held = await hold(init, ["zombies", String(zombies)]);
  try {
    let handed: bigint | undefined;
    const deadline = Date.now() + 60_000;
    for (;;) {
      // A tight synchronous poll: the end of reaping is timed here, to the microsecond.
      // deno-lint-ignore no-sync-fn-in-async-fn
      handed ??= valuesOf(Deno.readTextFileSync(held.stampFile), "handed")[0];
      if (handed !== undefined && children(held.pid) <= 1) break;
      if (Date.now() > deadline) throw new Error(`${init.name}: zombies left after 60 s`);
    }
    const elapsed = ms(monotonicNs() - handed);
    return { ms: elapsed, perSecond: zombies / (elapsed / 1000) };
  } finally {
    await held.stop();
  }
}

/** Memory and activity of every thread of a process. */
export interface ProcessSample {
  hwmKb: number;
  rssKb: number;
  anonKb: number;
  fileKb: number;
  /** Context switches and CPU time per thread id. */
  tasks: Map<string, { switches: number; cpuNs: number }>;
}

function sample(pid: number): ProcessSample {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const field = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? NaN);
  const tasks = new Map<string, { switches: number; cpuNs: number }>();
  for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
    try {
      const taskStatus = Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/status`);
      let switches = 0;
      for (const m of taskStatus.matchAll(/^(?:non)?voluntary_ctxt_switches:\s+(\d+)/gm)) {
        switches += Number(m[1]);
      }
      const cpuNs = Number(
        Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/schedstat`).split(" ")[0],
      );
      tasks.set(task.name, { switches, cpuNs });
    } catch {
      // the thread ended while we looked
    }
  }
  return {
    hwmKb: field("VmHWM"),
    rssKb: field("VmRSS"),
    anonKb: field("RssAnon"),
    fileKb: field("RssFile"),
    tasks,
  };
}

/** Activity between two samples: threads that ended count up to their last sample. */
function activity(before: ProcessSample, after: ProcessSample): { wakeups: number; cpuMs: number } {
  let wakeups = 0;
  let cpuNs = 0;
  for (const [tid, end] of after.tasks) {
    const start = before.tasks.get(tid) ?? { switches: 0, cpuNs: 0 };
    wakeups += end.switches - start.switches;
    cpuNs += end.cpuNs - start.cpuNs;
  }
  return { wakeups, cpuMs: cpuNs / 1e6 };
}

/** 3 and 6. RSS after 2 s, then wake-ups and CPU over `windows` ([start s, length s]). */
export async function idle(init: Init, windows: Array<[number, number]>): Promise<{
  memory: ProcessSample;
  windows: Array<{ start: number; wakeups: number; cpuMs: number; threads: number }>;
}> {
  const held = await hold(init, ["wait"]);
  const started = Date.now();
  const sleepUntil = (seconds: number) =>
    new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, started + seconds * 1000 - Date.now()))
    );
  try {
    await sleepUntil(2);
    const memory = sample(held.pid);
    const results = [];
    for (const [start, length] of windows) {
      await sleepUntil(start);
      const before = sample(held.pid);
      await sleepUntil(start + length);
      const after = sample(held.pid);
      results.push({ start, ...activity(before, after), threads: after.tasks.size });
    }
    return { memory, windows: results };
  } finally {
    await held.stop();
  }
}
