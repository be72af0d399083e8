/**
 * Where the child goes: its directory; its own session, process group or none,
 * and who gets its signals by default, as the compatibility mode's row says,
 * carried out on the terminal (with a controlling tty the child gets the
 * foreground, or in dumb-init mode the tty itself).
 *
 * @module
 */

import { COMPAT } from "./compat.ts";
import type { Config } from "./cli.ts";
import type { Libc, SpawnIsolation } from "./ffi/libc.ts";
import type { SignalTarget } from "./plugin/types.ts";
import type { SignalName } from "./signals.ts";

/** How the child is placed. */
export interface ChildPlacement {
  isolation: SpawnIsolation;
  /** The tty the child's new session takes (dumb-init's hand-over). */
  ttyPath?: string;
  /** Who gets a forwarded signal unless a plugin says otherwise. */
  target: SignalTarget;
  /** Signals the kernel sends denit once for the tty hand-off, to swallow. */
  swallowOnce: SignalName[];
}

/** Decide the child's placement, and hand the tty over when the mode says so. */
export function placeChild(libc: Libc, config: Config): ChildPlacement {
  // isTerminal() first: asking the kernel needs the ioctl binding, which costs start-up time.
  const controllingTty = Deno.stdin.isTerminal() && libc.foregroundGroup(0) !== null;
  const { isolation, target } = COMPAT[config.compat].placement({
    singleChild: config.singleChild,
    processGroup: config.processGroup,
    controllingTty,
  });
  if (isolation !== "tty-handover") {
    return { isolation, target, swallowOnce: [] };
  }
  // dumb-init gives up the tty so the child's new session can take it; when denit was the
  // session leader the kernel then sends SIGHUP and SIGCONT to its group once.
  const wasLeader = libc.sessionId() === libc.pid();
  let ttyPath: string | undefined;
  try {
    ttyPath = Deno.readLinkSync("/proc/self/fd/0");
  } catch {
    ttyPath = undefined;
  }
  const swallowOnce: SignalName[] = libc.detachTty(0) === 0 && wasLeader
    ? ["SIGHUP", "SIGCONT"]
    : [];
  return ttyPath === undefined
    ? { isolation: "session", target, swallowOnce }
    : { isolation: "session-with-tty", ttyPath, target, swallowOnce };
}

/** `chdir("/")`; not fatal when it fails (only an unmount elsewhere could care). */
export function moveToRoot(): void {
  try {
    Deno.chdir("/");
  } catch {
    // stays where it is
  }
}

/** The directory the child starts in: `setup`'s answer, relative to denit's own. */
export function childDirectory(asked: string, cwd: string | undefined): string | undefined {
  if (asked === "") return cwd;
  if (asked.startsWith("/") || cwd === undefined) return asked;
  return `${cwd.replace(/\/$/, "")}/${asked}`;
}
