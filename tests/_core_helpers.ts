/**
 * Helpers for the core behaviour tests (tests/core_*_test.ts): bounded
 * concurrency, JSON log events, process state from /proc, signals by number,
 * and running a command under a fresh pseudo-terminal.
 *
 * @module
 */

import { equal, ok } from "node:assert/strict";
import { fixture, startDenit, waitFor } from "./_helpers.ts";

/** Run `job` over `items`, at most `width` at a time; results keep the items' order. */
export async function pool<T, R>(
  items: readonly T[],
  width: number,
  job: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      const index = next++;
      results[index] = await job(items[index]!);
    }
  }
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return results;
}

/** Both ways denit runs: as PID 1 of a new PID namespace, and as a plain subreaper. */
export const MODES = [
  { pid1: true, label: "as PID 1" },
  { pid1: false, label: "not as PID 1" },
] as const;

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One parsed `--log-format json` line. */
export interface LogEvent {
  event?: string;
  level: string;
  msg: string;
  ts: string;
  mono: number;
  [field: string]: unknown;
}

/** Parse every stderr line as JSON (throws naming the line that is not JSON). */
export function jsonEvents(stderr: string): LogEvent[] {
  return stderr.split("\n").filter((line) => line !== "").map((line) => {
    try {
      return JSON.parse(line) as LogEvent;
    } catch {
      throw new Error(`stderr line is not JSON: ${JSON.stringify(line)}`);
    }
  });
}

/** The event names, in order. */
export function eventNames(stderr: string): string[] {
  return jsonEvents(stderr).map((e) => e.event ?? "");
}

/** `/proc/<pid>/stat` state letter and parent, or null when the process is gone. */
export function procStat(pid: number): { state: string; ppid: number; pgid: number } | null {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0]!, ppid: Number(fields[1]), pgid: Number(fields[2]) };
  } catch {
    return null;
  }
}

/** Whether `pid` exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  const stat = procStat(pid);
  return stat !== null && stat.state !== "Z";
}

/** SIGKILL a process this test started (by pid) if it still runs. */
export function killIfAlive(pid: number): void {
  if (!isAlive(pid)) return;
  try {
    Deno.kill(pid, "SIGKILL");
  } catch {
    // gone meanwhile
  }
}

/** Send signal number `signo` to `pid` (numbers reach real-time signals Deno.kill cannot name). */
export async function killNumber(pid: number, signo: number): Promise<void> {
  const kill = await new Deno.Command("kill", { args: [`-${signo}`, String(pid)] }).output();
  ok(kill.success, `kill -${signo} ${pid} failed`);
}

/** Send signal `signo` to `pid` `count` times from one shell (a burst, microseconds apart). */
export async function burst(pid: number, signo: number, count: number): Promise<void> {
  const script =
    `i=0; while [ $i -lt ${count} ]; do kill -${signo} ${pid} || exit 1; i=$((i+1)); done`;
  const sh = await new Deno.Command("sh", { args: ["-c", script] }).output();
  ok(sh.success, `burst of ${count} × ${signo} to ${pid} failed`);
}

/** Quote one argument for /bin/sh. */
export function shellQuote(arg: string): string {
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/**
 * Run `argv` as the session leader of a fresh pseudo-terminal (util-linux `script`),
 * with no input; returns what was printed on the terminal, without carriage returns.
 */
export async function underPty(argv: readonly string[], timeoutMs = 20_000): Promise<string> {
  // `script` runs `$SHELL -c`: pin the shell, and `exec` so argv itself leads the session
  // (bash execs a lone command, dash does not).
  const output = await new Deno.Command("script", {
    args: ["-qec", `exec ${argv.map(shellQuote).join(" ")}`, "/dev/null"],
    env: { SHELL: "/bin/sh" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(timeoutMs),
  }).output();
  return new TextDecoder().decode(output.stdout).replaceAll("\r", "");
}

/** Wait until `pid` is gone (or a zombie); throws after `timeoutMs`. */
export async function waitGone(pid: number, timeoutMs = 10_000): Promise<void> {
  await waitFor(() => !isAlive(pid), `pid ${pid} to end`, timeoutMs);
}

/** A temporary directory removed by `await using`. */
export async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix: "denit-core-" });
  return {
    path,
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true });
    },
  };
}

/** The socket inodes among `pid`'s open files. */
export function socketsOf(pid: number): string[] {
  const sockets: string[] = [];
  for (const entry of Deno.readDirSync(`/proc/${pid}/fd`)) {
    try {
      const target = Deno.readLinkSync(`/proc/${pid}/fd/${entry.name}`);
      if (target.startsWith("socket:")) sockets.push(target);
    } catch {
      // closed meanwhile
    }
  }
  return sockets;
}

/**
 * Run the signal_family fixture (a child and a grandchild in its group that print
 * each signal they get) under denit with `args`, send each of `send` (each seen by
 * the child before the next: the kernel merges pending standard signals), end with
 * SIGTERM; returns what both printed after "ready".
 */
export async function signalFamily(
  args: readonly string[],
  pid1: boolean,
  send: readonly number[],
): Promise<string[]> {
  const binary = await fixture("signal_family");
  await using denit = startDenit([...args, binary], { pid1 });
  await denit.stdout.waitForLine(/^ready /);
  for (const signo of send) {
    await denit.signal(signo);
    await denit.stdout.waitForLine(`child ${signo}`);
  }
  await denit.signal("SIGTERM");
  const result = await denit.exit();
  equal(result.code, 0, result.stderr);
  return denit.stdout.lines.slice(1);
}
