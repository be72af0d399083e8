/**
 * `posix_spawnp` with everything an init's child needs: every disposition reset
 * (SETSIGDEF over all 64, Deno ignores SIGPIPE) and an empty mask, its own
 * session or process group, the terminal, its directory and extra fds through
 * file actions. Part of the FFI layer: libc.ts binds the symbols and calls this.
 *
 * @module
 */

import {
  ENOENT,
  FILE_ACTIONS_BYTES,
  O_RDWR,
  POSIX_SPAWN_SETPGROUP,
  POSIX_SPAWN_SETSID,
  POSIX_SPAWN_SETSIGDEF,
  POSIX_SPAWN_SETSIGMASK,
  SIGCONT,
  SPAWNATTR_BYTES,
} from "./constants.ts";
import type { SpawnRequest } from "./facade.ts";
import type { Symbols } from "./symbols.ts";
import {
  address,
  ALL_SIGNALS,
  cString,
  cStringArray,
  envStrings,
  quoteText,
  sigset,
} from "./c_memory.ts";

/** Throws the errno of a failed call, named. */
export type Fail = (what: string, code: number) => never;

/** Start `request` and return its pid; throws an ErrnoError (through `fail`) when it cannot. */
export function spawnProcess(c: Symbols, fail: Fail, request: SpawnRequest): number {
  const attr = new Uint8Array(SPAWNATTR_BYTES);
  const defaults = sigset(ALL_SIGNALS);
  const emptyMask = sigset([]);
  const file = cString(request.argv[0] ?? "");
  const argv = cStringArray(request.argv);
  const envp = cStringArray(envStrings(request.env));
  const cwd = request.cwd === undefined ? null : cString(request.cwd);
  const tty = request.ttyPath === undefined ? null : cString(request.ttyPath);
  const pid = new Int32Array(1);
  // glibc before 2.29 has no addchdir_np: there the child inherits the directory denit moves
  // to for the length of the spawn.
  const addChdir = cwd === null ? null : c.posix_spawn_file_actions_addchdir_np;
  const moveFor = cwd !== null && addChdir === null ? request.cwd! : null;
  // File actions only when there is one to add: the default spawn binds two symbols fewer.
  const needsActions = addChdir !== null || request.isolation === "foreground-group" ||
    (request.isolation === "session-with-tty" && tty !== null) ||
    (request.fds !== undefined && request.fds.length > 0);
  const actions = needsActions ? new Uint8Array(FILE_ACTIONS_BYTES) : null;
  c.posix_spawnattr_init(address(attr));
  if (actions !== null) c.posix_spawn_file_actions_init(address(actions));
  try {
    let flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
    let handOverAfter = false;
    c.posix_spawnattr_setsigdefault(address(attr), address(defaults));
    c.posix_spawnattr_setsigmask(address(attr), address(emptyMask));
    switch (request.isolation) {
      case "session":
        flags |= POSIX_SPAWN_SETSID;
        break;
      case "session-with-tty":
        flags |= POSIX_SPAWN_SETSID;
        if (actions !== null && tty !== null) {
          // A session leader without a tty acquires the first terminal it opens.
          c.posix_spawn_file_actions_addopen(address(actions), 0, address(tty), O_RDWR, 0);
        }
        break;
      case "group":
        flags |= POSIX_SPAWN_SETPGROUP;
        c.posix_spawnattr_setpgroup(address(attr), 0);
        break;
      case "foreground-group": {
        flags |= POSIX_SPAWN_SETPGROUP;
        c.posix_spawnattr_setpgroup(address(attr), 0);
        const addTcsetpgrp = c.posix_spawn_file_actions_addtcsetpgrp_np;
        if (actions !== null && addTcsetpgrp !== null) addTcsetpgrp(address(actions), 0);
        else handOverAfter = true;
        break;
      }
      case "none":
        break;
    }
    if (actions !== null && addChdir !== null && cwd !== null) {
      addChdir(address(actions), address(cwd));
    }
    if (actions !== null) {
      for (const [target, source] of request.fds ?? []) {
        c.posix_spawn_file_actions_adddup2(address(actions), source, target);
      }
    }
    c.posix_spawnattr_setflags(address(attr), flags);
    const back = moveFor === null ? null : enter(moveFor);
    if (back === false) fail(`Cannot execute ${quoteText(request.argv[0] ?? "")}`, ENOENT);
    let rc: number;
    try {
      rc = c.posix_spawnp(
        address(pid),
        address(file),
        actions === null ? null : address(actions),
        address(attr),
        address(argv.array),
        address(envp.array),
      );
    } finally {
      if (typeof back === "string") enter(back);
    }
    if (rc !== 0) fail(`Cannot execute ${quoteText(request.argv[0] ?? "")}`, rc);
    if (handOverAfter) {
      // glibc before 2.35 cannot make the child take the terminal before its exec: denit
      // gives it now. A child that read the terminal in between was stopped (SIGTTIN), and
      // SIGCONT wakes it. Neither can fail in a way that should stop the child from running.
      c.tcsetpgrp(0, pid[0]!);
      c.kill(-pid[0]!, SIGCONT);
    }
    // The way out, bound while the child starts, not after it has exited. (kill, read and
    // waitpid get their fast calls in the warm-up, src/warm_up.ts.)
    void c._exit;
    return pid[0]!;
  } finally {
    if (actions !== null) c.posix_spawn_file_actions_destroy(address(actions));
    c.posix_spawnattr_destroy(address(attr));
    // The buffers behind the pointers must outlive the call; this use keeps them alive.
    void [attr, defaults, emptyMask, file, argv.keep, envp.keep, cwd, tty, pid].length;
  }
}

/**
 * `chdir(path)`; returns the directory it left ("/" when that one is gone), or false when it
 * cannot go there (the spawner then names the directory's fault, as after a failed spawn).
 */
function enter(path: string): string | false {
  let left: string;
  try {
    left = Deno.cwd();
  } catch {
    left = "/";
  }
  try {
    Deno.chdir(path);
    return left;
  } catch {
    return false;
  }
}
