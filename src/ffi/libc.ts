/**
 * The only module that calls `Deno.dlopen`. It binds the few libc functions an
 * init needs and wraps them in a small typed facade ({@link Libc}) that speaks
 * numbers and strings, never pointers. Everything above this file can be unit
 * tested with a fake facade.
 *
 * Rules kept here: C strings are `encode(s + "\0")`; pointer arrays and the
 * buffers they point into stay referenced until the call returns; errno is read
 * right after the call, on the same thread; `posix_spawn*` return their error.
 *
 * @module
 */

import {
  EINTR,
  FILE_ACTIONS_BYTES,
  O_RDWR,
  POSIX_SPAWN_SETPGROUP,
  POSIX_SPAWN_SETSID,
  POSIX_SPAWN_SETSIGDEF,
  POSIX_SPAWN_SETSIGMASK,
  PR_GET_CHILD_SUBREAPER,
  PR_SET_CHILD_SUBREAPER,
  PR_SET_PDEATHSIG,
  SFD_CLOEXEC,
  SIG_BLOCK,
  SIG_SETMASK,
  SIGNALFD_SIGINFO_BYTES,
  SIGSET_BYTES,
  SPAWNATTR_BYTES,
  TIOCGPGRP,
  TIOCNOTTY,
  WNOHANG,
} from "./constants.ts";
import { DenitError, ErrnoError } from "../errors.ts";

/**
 * Every libc function denit calls, with its C prototype. Binding a symbol costs
 * Deno ~0.1 ms (it compiles a call trampoline) and twice that for a `"buffer"`
 * parameter, so each symbol is bound on its first call (stage one binds three)
 * and memory is passed as `"pointer"` (`Deno.UnsafePointer.of`), with the
 * typed array kept referenced until the call returns.
 */
const SYMBOLS = {
  __errno_location: { parameters: [], result: "pointer" /* int * */ },
  strerror: { parameters: ["i32" /* int errnum */], result: "pointer" /* char * */ },
  getpid: { parameters: [], result: "i32" /* pid_t */ },
  _exit: { parameters: ["i32" /* int status */], result: "void" },
  sigprocmask: {
    parameters: [
      "i32", // int how
      "pointer", // const sigset_t *restrict set
      "pointer", // sigset_t *restrict oldset (may be NULL)
    ],
    result: "i32",
  },
  execve: {
    parameters: [
      "pointer", // const char *pathname
      "pointer", // char *const argv[]
      "pointer", // char *const envp[]
    ],
    result: "i32",
  },
  posix_spawnp: {
    parameters: [
      "pointer", // pid_t *restrict pid
      "pointer", // const char *restrict file
      "pointer", // const posix_spawn_file_actions_t *file_actions (may be NULL)
      "pointer", // const posix_spawnattr_t *restrict attrp
      "pointer", // char *const argv[restrict]
      "pointer", // char *const envp[restrict]
    ],
    result: "i32", // int: 0 or an errno value
  },
  posix_spawnattr_init: { parameters: ["pointer" /* posix_spawnattr_t *attr */], result: "i32" },
  posix_spawnattr_destroy: {
    parameters: ["pointer" /* posix_spawnattr_t *attr */],
    result: "i32",
  },
  posix_spawnattr_setflags: {
    parameters: ["pointer", /* posix_spawnattr_t *attr */ "i16" /* short flags */],
    result: "i32",
  },
  posix_spawnattr_setsigmask: {
    parameters: ["pointer", /* posix_spawnattr_t *attr */ "pointer" /* const sigset_t *sigmask */],
    result: "i32",
  },
  posix_spawnattr_setsigdefault: {
    parameters: [
      "pointer", // posix_spawnattr_t *attr
      "pointer", // const sigset_t *sigdefault
    ],
    result: "i32",
  },
  posix_spawnattr_setpgroup: {
    parameters: ["pointer", /* posix_spawnattr_t *attr */ "i32" /* pid_t pgroup */],
    result: "i32",
  },
  posix_spawn_file_actions_init: {
    parameters: ["pointer" /* posix_spawn_file_actions_t *file_actions */],
    result: "i32",
  },
  posix_spawn_file_actions_destroy: {
    parameters: ["pointer" /* posix_spawn_file_actions_t *file_actions */],
    result: "i32",
  },
  posix_spawn_file_actions_addopen: {
    parameters: [
      "pointer", // posix_spawn_file_actions_t *file_actions
      "i32", // int fildes
      "pointer", // const char *restrict path
      "i32", // int oflag
      "u32", // mode_t mode
    ],
    result: "i32",
  },
  posix_spawn_file_actions_addchdir_np: {
    parameters: ["pointer", /* posix_spawn_file_actions_t *fa */ "pointer" /* const char *path */],
    result: "i32",
    optional: true, // glibc >= 2.29
  },
  posix_spawn_file_actions_addtcsetpgrp_np: {
    parameters: ["pointer", /* posix_spawn_file_actions_t *fa */ "i32" /* int tcfd */],
    result: "i32",
    optional: true, // glibc >= 2.35
  },
  waitpid: {
    parameters: ["i32", /* pid_t pid */ "pointer", /* int *wstatus */ "i32" /* int options */],
    result: "i32", // pid_t
  },
  kill: { parameters: ["i32", /* pid_t pid */ "i32" /* int sig */], result: "i32" },
  signalfd: {
    parameters: ["i32", /* int fd */ "pointer", /* const sigset_t *mask */ "i32" /* int flags */],
    result: "i32",
  },
  read: {
    parameters: ["i32", /* int fd */ "pointer", /* void *buf */ "usize" /* size_t count */],
    result: "isize", // ssize_t
    nonblocking: true, // one pending read on the blocking pool; the event loop stays free
  },
  close: { parameters: ["i32" /* int fd */], result: "i32" },
  prctl: {
    // int prctl(int option, ...): declared with the four unsigned long arguments the kernel reads
    parameters: ["i32", "u64", "u64", "u64", "u64"],
    result: "i32",
  },
  ioctl: {
    // int ioctl(int fd, unsigned long request, ...): one pointer argument
    parameters: ["i32", "u64", "pointer"],
    result: "i32",
  },
  tcsetpgrp: { parameters: ["i32", /* int fd */ "i32" /* pid_t pgrp */], result: "i32" },
  getppid: { parameters: [], result: "i32" /* pid_t */ },
  getsid: { parameters: ["i32" /* pid_t pid */], result: "i32" /* pid_t */ },
  signal: {
    parameters: ["i32", /* int signum */ "pointer" /* sighandler_t handler */],
    result: "pointer", // sighandler_t: the previous handler
  },
} as const satisfies Deno.ForeignLibraryInterface;

type Symbols = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

/** One signal read from the signalfd: number, sender and sender's uid. */
export interface SignalInfo {
  /** Signal number, 1..64. */
  signo: number;
  /** Sender's pid (0 for the kernel). */
  pid: number;
  /** Sender's real uid. */
  uid: number;
  /** `si_code`: negative or zero when sent by a process, positive from the kernel. */
  code: number;
}

/** How the child joins sessions and process groups. */
export type SpawnIsolation =
  /** `setsid()`: its own session and process group, no controlling tty. */
  | "session"
  /** `setpgid(0, 0)`: its own process group in denit's session. */
  | "group"
  /** its own process group, made the terminal's foreground group (stdin is denit's tty). */
  | "foreground-group"
  /** `setsid()` and then reopen the terminal as fd 0 so it becomes the controlling tty. */
  | "session-with-tty"
  /** nothing: same session and group as denit. */
  | "none";

/** What to start: the facade's view of one `posix_spawnp` call. */
export interface SpawnRequest {
  /** argv; `argv[0]` is looked up on denit's PATH. */
  argv: readonly string[];
  /** Complete environment of the new process. */
  env: Readonly<Record<string, string>>;
  /** Working directory, when it differs from denit's. */
  cwd?: string;
  /** Session and process-group placement. */
  isolation: SpawnIsolation;
  /** Terminal device to reopen on fd 0 for `"session-with-tty"`. */
  ttyPath?: string;
}

/** Result of one `waitpid(-1, WNOHANG)`. */
export type WaitResult =
  | { kind: "exited"; pid: number; status: number }
  | { kind: "running" }
  | { kind: "no-children" };

/** The typed libc facade. Numbers in, numbers out; errors are {@link ErrnoError}. */
export interface Libc {
  /** Add `signals` to the calling thread's blocked mask. */
  blockSignals(signals: readonly number[]): void;
  /** Replace the calling thread's blocked mask. */
  setSignalMask(signals: readonly number[]): void;
  /** The signals blocked in the calling thread. */
  blockedSignals(): number[];
  /** A close-on-exec signalfd for `signals` (which must already be blocked). */
  openSignalFd(signals: readonly number[]): number;
  /** Wait for and read at least one signal from a signalfd. Rejects on read errors. */
  readSignalFd(fd: number): Promise<SignalInfo[]>;
  /** Replace this process image. Returns only on failure, with the errno. */
  execve(path: string, argv: readonly string[], env: Readonly<Record<string, string>>): number;
  /** `posix_spawnp`; returns the pid or throws {@link ErrnoError} (op "posix_spawnp"). */
  spawn(request: SpawnRequest): number;
  /** One `waitpid(-1, &status, WNOHANG)`. */
  waitAny(): WaitResult;
  /** `kill(pid, signo)`; returns 0 or the errno. */
  kill(pid: number, signo: number): number;
  /** `prctl(PR_SET_CHILD_SUBREAPER, 1)`; throws on failure. */
  becomeSubreaper(): void;
  /** Whether this process is a child subreaper. */
  isSubreaper(): boolean;
  /** `prctl(PR_SET_PDEATHSIG, signo)`; throws on failure. */
  setParentDeathSignal(signo: number): void;
  /** The foreground process group of `fd`'s terminal if it is our controlling tty, else null. */
  foregroundGroup(fd: number): number | null;
  /** `ioctl(fd, TIOCNOTTY)`: give up the controlling tty; returns 0 or the errno. */
  detachTty(fd: number): number;
  /** `tcsetpgrp(fd, pgrp)`; returns 0 or the errno. */
  setForegroundGroup(fd: number, pgrp: number): number;
  /** `getpid()`. */
  pid(): number;
  /** `getppid()`. */
  parentPid(): number;
  /** `getsid(0)`. */
  sessionId(): number;
  /** `signal(signo, SIG_IGN)`; returns whether another handler was installed before. */
  ignoreSignal(signo: number): boolean;
  /** `close(fd)`. */
  close(fd: number): void;
  /** `strerror(errno)`. */
  describeErrno(errno: number): string;
  /** `_exit(code)`: end the process now, without running Deno's teardown. */
  exitNow(code: number): never;
}

const encoder = new TextEncoder();

function cString(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text + "\0");
}

/**
 * A NULL-terminated `char *[]`. The returned `keep` array holds the strings the
 * pointers point into: keep it referenced until the C call returns.
 */
function cStringArray(items: readonly string[]): {
  array: BigUint64Array<ArrayBuffer>;
  keep: Uint8Array[];
} {
  const keep = items.map(cString);
  const array = new BigUint64Array(items.length + 1);
  keep.forEach((bytes, index) => {
    array[index] = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(bytes)));
  });
  return { array, keep };
}

function envStrings(env: Readonly<Record<string, string>>): string[] {
  return Object.entries(env).map(([key, value]) => `${key}=${value}`);
}

/** A `sigset_t` with the given signals' bits set (bit n-1 for signal n). */
function sigset(signals: readonly number[]): Uint8Array<ArrayBuffer> {
  const set = new Uint8Array(SIGSET_BYTES);
  for (const signo of signals) {
    const bit = signo - 1;
    set[bit >> 3]! |= 1 << (bit & 7);
  }
  return set;
}

function sigsetMembers(set: Uint8Array): number[] {
  const members: number[] = [];
  for (let signo = 1; signo <= 64; signo++) {
    const bit = signo - 1;
    if ((set[bit >> 3]! & (1 << (bit & 7))) !== 0) members.push(signo);
  }
  return members;
}

/** Every signal 1..64, so the child starts with a fully default disposition table. */
const ALL_SIGNALS = Array.from({ length: 64 }, (_, index) => index + 1);

function libraryCandidates(): string[] {
  const override = Deno.env.get("DENIT_LIBC");
  const arch = Deno.build.arch === "aarch64" ? "aarch64" : "x86_64";
  const defaults = ["libc.so.6", `libc.musl-${arch}.so.1`, `/lib/ld-musl-${arch}.so.1`];
  return override ? [override] : defaults;
}

/**
 * Find the C library: the first candidate that loads and has `__errno_location`
 * (bound here: errno must be readable right after any call).
 */
function findLibrary(): { path: string; errnoLocation: () => Deno.PointerValue } {
  const tried: string[] = [];
  for (const path of libraryCandidates()) {
    try {
      const { symbols } = Deno.dlopen(path, { __errno_location: SYMBOLS.__errno_location });
      return { path, errnoLocation: symbols.__errno_location };
    } catch (error) {
      if (error instanceof Deno.errors.NotCapable) {
        throw new DenitError("Cannot load libc: denit needs --allow-ffi (run it with -A)");
      }
      tried.push(path);
    }
  }
  throw new DenitError(
    `Cannot load libc: tried ${tried.join(", ")} (set DENIT_LIBC to the C library's path)`,
  );
}

/** `SYMBOLS` from the library at `path`, each bound on first use and then kept. */
function bindOnFirstUse(path: string): Symbols {
  const bound: Partial<Record<keyof Symbols, unknown>> = {};
  const view = {} as Symbols;
  for (const name of Object.keys(SYMBOLS) as Array<keyof Symbols>) {
    Object.defineProperty(view, name, {
      get: () => bound[name] ??= Deno.dlopen(path, { [name]: SYMBOLS[name] }).symbols[name],
    });
  }
  return view;
}

/** A pointer to `view`'s bytes, for a `"pointer"` parameter; keep `view` referenced. */
function address(view: ArrayBufferView<ArrayBuffer>): Deno.PointerValue {
  return Deno.UnsafePointer.of(view);
}

/** Binds libc and returns the facade. Throws {@link DenitError} when no libc loads. */
export function openLibc(): Libc {
  const library = findLibrary();
  const c = bindOnFirstUse(library.path);

  function errno(): number {
    const location = library.errnoLocation();
    return location === null ? 0 : new Deno.UnsafePointerView(location).getInt32(0);
  }

  function describeErrno(code: number): string {
    const text = c.strerror(code);
    return text === null ? `errno ${code}` : Deno.UnsafePointerView.getCString(text);
  }

  function fail(what: string, code: number): never {
    throw new ErrnoError(what, code, describeErrno(code));
  }

  function sigprocmask(
    how: number,
    set: Uint8Array<ArrayBuffer>,
    old: Uint8Array<ArrayBuffer> | null,
  ): number {
    const rc = c.sigprocmask(how, address(set), old === null ? null : address(old));
    // Referenced until the call has returned; reading a length allocates nothing, so errno
    // (read next by the caller) stays as the call left it.
    void set.length;
    void old?.length;
    return rc;
  }

  function spawn(request: SpawnRequest): number {
    const attr = new Uint8Array(SPAWNATTR_BYTES);
    const defaults = sigset(ALL_SIGNALS);
    const emptyMask = sigset([]);
    const file = cString(request.argv[0] ?? "");
    const argv = cStringArray(request.argv);
    const envp = cStringArray(envStrings(request.env));
    const cwd = request.cwd === undefined ? null : cString(request.cwd);
    const tty = request.ttyPath === undefined ? null : cString(request.ttyPath);
    const pid = new Int32Array(1);
    // File actions only when there is one to add: the default spawn binds two symbols fewer.
    const needsActions = cwd !== null || request.isolation === "foreground-group" ||
      (request.isolation === "session-with-tty" && tty !== null);
    const actions = needsActions ? new Uint8Array(FILE_ACTIONS_BYTES) : null;
    c.posix_spawnattr_init(address(attr));
    if (actions !== null) c.posix_spawn_file_actions_init(address(actions));
    try {
      let flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
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
          if (actions === null || addTcsetpgrp === null) {
            throw new DenitError("Cannot hand the terminal to the child: glibc 2.35+ is needed");
          }
          addTcsetpgrp(address(actions), 0);
          break;
        }
        case "none":
          break;
      }
      if (actions !== null && cwd !== null) {
        const addChdir = c.posix_spawn_file_actions_addchdir_np;
        if (addChdir === null) {
          throw new DenitError("Cannot set the child's working directory: glibc 2.29+ is needed");
        }
        addChdir(address(actions), address(cwd));
      }
      c.posix_spawnattr_setflags(address(attr), flags);
      const rc = c.posix_spawnp(
        address(pid),
        address(file),
        actions === null ? null : address(actions),
        address(attr),
        address(argv.array),
        address(envp.array),
      );
      if (rc !== 0) fail(`Cannot execute "${request.argv[0]}"`, rc);
      // Bind what the run phase calls while the child starts, not when a signal is waiting.
      void c.waitpid;
      void c.kill;
      return pid[0]!;
    } finally {
      if (actions !== null) c.posix_spawn_file_actions_destroy(address(actions));
      c.posix_spawnattr_destroy(address(attr));
      // The buffers behind the pointers must outlive the call; this use keeps them alive.
      void [attr, defaults, emptyMask, file, argv.keep, envp.keep, cwd, tty, pid].length;
    }
  }

  // One buffer for the one pending signalfd read, kept alive across the await.
  const signalBuffer = new Uint8Array(SIGNALFD_SIGINFO_BYTES * 64);
  const signalPointer = address(signalBuffer);
  const signalView = new DataView(signalBuffer.buffer);

  async function readSignalFd(fd: number): Promise<SignalInfo[]> {
    for (;;) {
      const bytes = Number(await c.read(fd, signalPointer, BigInt(signalBuffer.byteLength)));
      if (bytes < 0) {
        // errno lives on the blocking-pool thread that made the call, out of reach. With
        // every signal blocked in every thread, EINTR cannot happen: the fd is broken.
        throw new Error(`Cannot read signalfd ${fd}`);
      }
      const infos: SignalInfo[] = [];
      for (let offset = 0; offset + SIGNALFD_SIGINFO_BYTES <= bytes;) {
        infos.push({
          signo: signalView.getUint32(offset, true),
          code: signalView.getInt32(offset + 8, true),
          pid: signalView.getUint32(offset + 12, true),
          uid: signalView.getUint32(offset + 16, true),
        });
        offset += SIGNALFD_SIGINFO_BYTES;
      }
      if (infos.length > 0) return infos;
    }
  }

  const waitStatus = new Int32Array(1);
  const waitStatusPointer = address(waitStatus);

  return {
    blockSignals(signals) {
      if (sigprocmask(SIG_BLOCK, sigset(signals), null) !== 0) {
        fail("Cannot block signals", errno());
      }
    },
    setSignalMask(signals) {
      if (sigprocmask(SIG_SETMASK, sigset(signals), null) !== 0) {
        fail("Cannot set the signal mask", errno());
      }
    },
    blockedSignals() {
      const old = new Uint8Array(SIGSET_BYTES);
      // SIG_BLOCK with an empty set changes nothing and reports the current mask.
      if (sigprocmask(SIG_BLOCK, sigset([]), old) !== 0) {
        fail("Cannot read the signal mask", errno());
      }
      return sigsetMembers(old);
    },
    openSignalFd(signals) {
      const mask = sigset(signals);
      const fd = c.signalfd(-1, address(mask), SFD_CLOEXEC);
      if (fd < 0) fail("Cannot open a signalfd", errno());
      void mask.length;
      return fd;
    },
    readSignalFd,
    execve(path, argv, env) {
      const file = cString(path);
      const args = cStringArray(argv);
      const envp = cStringArray(envStrings(env));
      c.execve(address(file), address(args.array), address(envp.array));
      const code = errno();
      void [file, args.keep, envp.keep].length;
      return code;
    },
    spawn,
    waitAny() {
      for (;;) {
        const pid = c.waitpid(-1, waitStatusPointer, WNOHANG);
        if (pid > 0) return { kind: "exited", pid, status: waitStatus[0]! };
        if (pid === 0) return { kind: "running" };
        const code = errno();
        if (code === EINTR) continue;
        // ECHILD: nothing left to wait for. Any other errno cannot happen with these arguments.
        return { kind: "no-children" };
      }
    },
    kill(pid, signo) {
      return c.kill(pid, signo) === 0 ? 0 : errno();
    },
    becomeSubreaper() {
      if (c.prctl(PR_SET_CHILD_SUBREAPER, 1n, 0n, 0n, 0n) !== 0) {
        fail("Cannot become a child subreaper", errno());
      }
    },
    isSubreaper() {
      const flag = new Int32Array(1);
      const ok = c.prctl(
        PR_GET_CHILD_SUBREAPER,
        BigInt(Deno.UnsafePointer.value(address(flag))),
        0n,
        0n,
        0n,
      ) === 0;
      return ok && flag[0] !== 0;
    },
    setParentDeathSignal(signo) {
      if (c.prctl(PR_SET_PDEATHSIG, BigInt(signo), 0n, 0n, 0n) !== 0) {
        fail("Cannot set the parent-death signal", errno());
      }
    },
    foregroundGroup(fd) {
      const pgrp = new Int32Array(1);
      return c.ioctl(fd, BigInt(TIOCGPGRP), address(pgrp)) === 0 ? pgrp[0]! : null;
    },
    detachTty(fd) {
      return c.ioctl(fd, BigInt(TIOCNOTTY), null) === 0 ? 0 : errno();
    },
    setForegroundGroup(fd, pgrp) {
      return c.tcsetpgrp(fd, pgrp) === 0 ? 0 : errno();
    },
    pid: () => c.getpid(),
    parentPid: () => c.getppid(),
    sessionId: () => c.getsid(0),
    ignoreSignal(signo) {
      const previous = c.signal(signo, Deno.UnsafePointer.create(1n) /* SIG_IGN */);
      const value = previous === null ? 0n : BigInt(Deno.UnsafePointer.value(previous));
      return value !== 1n && value !== 0n; // neither SIG_IGN nor SIG_DFL
    },
    close(fd) {
      c.close(fd);
    },
    describeErrno,
    exitNow(code): never {
      c._exit(code);
      throw new Error("unreachable: _exit returned");
    },
  };
}
