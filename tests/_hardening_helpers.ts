/**
 * Helpers for the hardening tests: fixtures under tests/fixtures/hardening,
 * denit started behind a wrapper command (setpriv, prlimit, a shell holding an
 * extra fd), and /proc readers (children, zombies, RSS, fds, listening sockets).
 *
 * @module
 */

import { fixture, ROOT, startDenit, waitFor } from "./_helpers.ts";
import type { DenitProcess } from "./_helpers.ts";
import type { StartOptions } from "./_helpers.ts";

export { ROOT };

/** Compile `tests/fixtures/hardening/<name>.c` and return the binary. */
export async function hardeningFixture(name: string): Promise<string> {
  await Deno.mkdir(`${ROOT}/tests/.build/hardening`, { recursive: true });
  return await fixture(`hardening/${name}`);
}

/**
 * Start denit as PID 1 with `wrapper` between `unshare` and Deno, such as
 * `["setpriv", "--reuid=…"]` or `["sh", "-c", 'exec "$@" 7</etc/hostname', "sh"]`.
 * The wrapper must exec Deno so that Deno is PID 1.
 */
export function startWrapped(
  wrapper: readonly string[],
  args: readonly string[],
  options: StartOptions = {},
): DenitProcess {
  return startDenit(args, { ...options, wrapper });
}

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

/** The one-letter state of a process (`R`, `S`, `Z`…), or null when it is gone. */
export function processState(pid: number): string | null {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  } catch {
    return null;
  }
}

/** denit's children that are zombies. */
export function zombiesOf(pid: number): number[] {
  return childrenOf(pid).filter((child) => processState(child) === "Z");
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

/** The process's open fds and what they point to. */
export function openFds(pid: number): Map<number, string> {
  const fds = new Map<number, string>();
  for (const entry of Deno.readDirSync(`/proc/${pid}/fd`)) {
    try {
      fds.set(Number(entry.name), Deno.readLinkSync(`/proc/${pid}/fd/${entry.name}`));
    } catch {
      // closed meanwhile
    }
  }
  return fds;
}

/** Whether `pid` holds a TCP socket listening on `port` (any address). */
export function listensOn(pid: number, port: number): boolean {
  const inodes = new Set<string>();
  for (const target of openFds(pid).values()) {
    const match = /^socket:\[(\d+)\]$/.exec(target);
    if (match) inodes.add(match[1]!);
  }
  if (inodes.size === 0) return false;
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = Deno.readTextFileSync(table);
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10) continue;
      const local = fields[1]!;
      const state = fields[3]!;
      if (state === "0A" && local.endsWith(`:${hexPort}`) && inodes.has(fields[9]!)) return true;
    }
  }
  return false;
}

/** The pid of denit's main child (its first child), as seen from here. */
export function mainChildOf(denitPid: number): Promise<number> {
  return waitFor(() => childrenOf(denitPid)[0] ?? 0, "denit's child");
}

/** Run a command to the end; returns code and text output. */
export async function run(
  argv: readonly string[],
  options: { env?: Record<string, string> } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(argv[0]!, {
    args: argv.slice(1),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    ...(options.env ? { env: options.env } : {}),
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** Parse denit's JSON log lines (non-JSON lines are skipped). */
export function jsonEvents(stderr: string): Array<Record<string, unknown>> {
  const events: Array<Record<string, unknown>> = [];
  for (const line of stderr.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      events.push(JSON.parse(line));
    } catch {
      // a partial line
    }
  }
  return events;
}

/** A temporary directory removed by `await using`. */
export async function tempDir(prefix = "denit-hardening-"): Promise<
  { path: string } & AsyncDisposable
> {
  const path = await Deno.makeTempDir({ prefix });
  return {
    path,
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true }).catch(() => {});
    },
  };
}

/** A pseudo-random uid (unused on this machine) so parallel tests never share RLIMIT_NPROC counts. */
export function spareUid(): number {
  return 61000 + Math.floor(Math.random() * 3000);
}

/** `sleep` for tests that must wait past a fixed delay in Deno itself (not a timed assertion). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
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
