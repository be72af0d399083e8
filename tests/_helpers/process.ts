/**
 * Processes: what /proc says about them (children, descendants, state, RSS,
 * fds, sockets), signals to them by number, and running a plain command.
 *
 * @module
 */

import { ok } from "node:assert/strict";
import { waitFor } from "./async.ts";

/** Pids of `pid`'s children (every thread's), or [] when it is gone. */
export function childrenOf(pid: number): number[] {
  const found: number[] = [];
  let tasks: string[];
  try {
    tasks = [...Deno.readDirSync(`/proc/${pid}/task`)].map((entry) => entry.name);
  } catch {
    return [];
  }
  for (const task of tasks) {
    try {
      const text = Deno.readTextFileSync(`/proc/${pid}/task/${task}/children`).trim();
      if (text !== "") found.push(...text.split(" ").map(Number));
    } catch {
      // the thread ended
    }
  }
  return found;
}

/** Every live descendant of `pid`, parents before children. */
export function descendantsOf(pid: number): number[] {
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of childrenOf(queue.shift()!)) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/**
 * `/proc/<pid>/stat`: the command name, the state letter (`R`, `S`, `Z`…), parent and group, or
 * null when the process is gone.
 */
export function procStat(
  pid: number,
): { comm: string; state: string; ppid: number; pgid: number } | null {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { comm, state: fields[0]!, ppid: Number(fields[1]), pgid: Number(fields[2]) };
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

/** `pid`'s children that are zombies. */
export function zombiesOf(pid: number): number[] {
  return childrenOf(pid).filter((child) => procStat(child)?.state === "Z");
}

/** The pid of denit's main child (its first child), as seen from here. */
export function mainChildOf(denitPid: number): Promise<number> {
  return waitFor(() => childrenOf(denitPid)[0] ?? 0, "denit's child");
}

/** The host pid of the process whose pid in denit's namespace is `nsPid`. */
export async function hostPidOf(denitHostPid: number, nsPid: number): Promise<number> {
  return await waitFor(() => {
    for (const entry of Deno.readDirSync("/proc")) {
      if (!/^\d+$/.test(entry.name)) continue;
      try {
        const status = Deno.readTextFileSync(`/proc/${entry.name}/status`);
        const nspid = /^NSpid:\s+(.*)$/m.exec(status)?.[1]?.split(/\s+/).map(Number) ?? [];
        const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]);
        if (nspid.length === 2 && nspid[1] === nsPid && ppid === denitHostPid) {
          return Number(entry.name);
        }
      } catch {
        // gone
      }
    }
    return 0;
  }, `pid ${nsPid} of the namespace`);
}

/** Resident set size in kB (VmRSS), or NaN when the process is gone. */
export function rssKb(pid: number): number {
  try {
    const line = Deno.readTextFileSync(`/proc/${pid}/status`).split("\n").find((l) =>
      l.startsWith("VmRSS:")
    );
    return line === undefined ? NaN : parseInt(line.slice(6), 10);
  } catch {
    return NaN;
  }
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
 * The fds above 2 this test process would pass to any child (no O_CLOEXEC): whatever
 * ran `deno test` leaked them to us, so denit inherits them too and must pass them on.
 */
export function inheritableFds(): number[] {
  const fds: number[] = [];
  for (const entry of Deno.readDirSync("/proc/self/fdinfo")) {
    const fd = Number(entry.name);
    if (fd <= 2) continue;
    try {
      const flags = /flags:\s*([0-7]+)/.exec(Deno.readTextFileSync(`/proc/self/fdinfo/${fd}`));
      if (flags && (parseInt(flags[1]!, 8) & 0o2000000) === 0) fds.push(fd);
    } catch {
      // the fd used to read the directory itself
    }
  }
  return fds;
}

/** Send signal `signo` to `pid` `count` times from one shell (a burst, microseconds apart). */
export async function burst(pid: number, signo: number, count: number): Promise<void> {
  const script =
    `i=0; while [ $i -lt ${count} ]; do kill -${signo} ${pid} || exit 1; i=$((i+1)); done`;
  const sh = await new Deno.Command("sh", { args: ["-c", script] }).output();
  ok(sh.success, `burst of ${count} × ${signo} to ${pid} failed`);
}

/** Run a command to the end (killed after `timeoutMs`, a hang guard); returns code and text output. */
export async function run(
  argv: readonly string[],
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(argv[0]!, {
    args: argv.slice(1),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    ...(options.env ? { env: options.env } : {}),
    signal: AbortSignal.timeout(options.timeoutMs ?? 120_000),
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}
