/**
 * Signalling "everything denit is responsible for": as PID 1 that is every
 * other process in the namespace (`kill(-1, …)`); as a subreaper it is every
 * descendant, found by walking /proc.
 *
 * @module
 */

import type { Libc } from "./ffi/libc.ts";
import type { Logger } from "./log.ts";
import type { Reaper } from "./reaper.ts";
import { signalNumber } from "./signals.ts";

/** How long to wait for SIGKILLed processes to be reaped (a D-state process may never die). */
export const KILL_REAP_WAIT_MS = 2000;

/** Pids of every live descendant of `root`, from /proc; null when /proc cannot be read. */
export function descendantsOf(root: number): number[] | null {
  const parents = new Map<number, number>();
  try {
    for (const entry of Deno.readDirSync("/proc")) {
      if (!/^[0-9]+$/.test(entry.name)) continue;
      try {
        const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
        // The command name may hold spaces and parentheses: fields start after the last ")".
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        parents.set(Number(entry.name), Number(fields[1]));
      } catch {
        // The process ended while we looked.
      }
    }
  } catch {
    return null;
  }
  // An empty or foreign /proc (a tmpfs over it, another namespace's) does not list us.
  if (!parents.has(root)) return null;
  const found: number[] = [];
  const frontier = [root];
  while (frontier.length > 0) {
    const parent = frontier.pop()!;
    for (const [pid, ppid] of parents) {
      if (ppid === parent) {
        found.push(pid);
        frontier.push(pid);
      }
    }
  }
  return found;
}

/**
 * Send `signo` to every process denit is responsible for. Returns how many
 * were signalled, and `"group-only"` when, not PID 1 and without /proc, the
 * descendants cannot be listed: then `fallbackGroup` (the child's process
 * group, which its own children share unless they left it) is signalled instead.
 */
export function signalEveryone(
  libc: Libc,
  signo: number,
  fallbackGroup: number | null = null,
): { count: number; groupOnly: boolean } {
  const self = libc.pid();
  if (self === 1) {
    // As PID 1, kill(-1) reaches every process of the namespace but denit itself.
    return { count: libc.kill(-1, signo) === 0 ? 1 : 0, groupOnly: false };
  }
  const descendants = descendantsOf(self);
  if (descendants === null) {
    const sent = fallbackGroup !== null && libc.kill(-fallbackGroup, signo) === 0;
    return { count: sent ? 1 : 0, groupOnly: true };
  }
  let count = 0;
  for (const pid of descendants) {
    if (libc.kill(pid, signo) === 0) count++;
  }
  return { count, groupOnly: false };
}

/** What {@link drainLeftovers} needs. */
export interface DrainOptions {
  reaper: Reaper;
  log: Logger;
  /** `--drain-timeout`: how long the processes left get after SIGTERM; 0 kills at once. */
  timeoutMs: number;
  /** Sends a signal to every process left (see {@link signalEveryone}). */
  signalAll: (signo: number) => void;
  /** The log line that starts the drain. */
  startMessage: string;
}

/**
 * The drain: whatever the supervised processes left behind gets SIGTERM (and
 * SIGCONT, as a stopped process cannot act on it), the drain timeout, then
 * SIGKILL. Returns once no child is left, or after the SIGKILL wait.
 */
export async function drainLeftovers(options: DrainOptions): Promise<void> {
  const { reaper, log, timeoutMs, signalAll } = options;
  reaper.reap();
  if (!reaper.childrenLeft) return;
  if (timeoutMs > 0) {
    log.info(options.startMessage, { event: "drain.started", timeoutMs });
    signalAll(signalNumber("SIGTERM"));
    signalAll(signalNumber("SIGCONT"));
    if (await reaper.whenNoChildren(timeoutMs)) {
      log.info(`Every process left has exited`, { event: "drain.finished" });
      return;
    }
  }
  log.warn(`Killing the processes left after the drain timeout`, { event: "drain.killed" });
  signalAll(signalNumber("SIGKILL"));
  await reaper.whenNoChildren(KILL_REAP_WAIT_MS);
}
