/**
 * What the rest of denit sees of libc: a typed facade that speaks numbers and
 * strings, never pointers (implemented by src/ffi/libc.ts, faked in unit tests).
 *
 * @module
 */

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

/**
 * A C string: a JavaScript string is passed as UTF-8, bytes exactly as they
 * are (argv and environment entries need not be UTF-8). Neither may hold NUL.
 */
export type CText = string | Uint8Array;

/**
 * A whole environment: a record of text, or `KEY=VALUE` entries as they will
 * be passed (bytes kept exactly).
 */
export type Environment = Readonly<Record<string, string>> | readonly CText[];

/** What to start: the facade's view of one `posix_spawnp` call. */
export interface SpawnRequest {
  /** argv; `argv[0]` is looked up on denit's PATH. */
  argv: readonly CText[];
  /** Complete environment of the new process. */
  env: Environment;
  /** Working directory, when it differs from denit's. */
  cwd?: string;
  /** Session and process-group placement. */
  isolation: SpawnIsolation;
  /** Terminal device to reopen on fd 0 for `"session-with-tty"`. */
  ttyPath?: string;
  /** `[childFd, denitFd]` pairs: `dup2(denitFd, childFd)` in the child (services' pipes). */
  fds?: ReadonlyArray<readonly [number, number]>;
}

/** Result of one `waitpid(-1, WNOHANG)`. */
export type WaitResult =
  | { kind: "exited"; pid: number; status: number }
  | { kind: "running" }
  | { kind: "no-children" };

/** The typed libc facade. Numbers in, numbers out; errors are `ErrnoError`. */
export interface Libc {
  /** Add `signals` to the calling thread's blocked mask. */
  blockSignals(signals: readonly number[]): void;
  /** Replace the calling thread's blocked mask. */
  setSignalMask(signals: readonly number[]): void;
  /** The signals blocked in the calling thread. */
  blockedSignals(): number[];
  /**
   * Whether a blocked signal waits, for this thread or the process (`sigpending`): in
   * stage two, a signal the signalfd has not handed over yet.
   */
  signalsPending(): boolean;
  /** A close-on-exec signalfd for `signals` (which must already be blocked). */
  openSignalFd(signals: readonly number[]): number;
  /** Wait for and read at least one signal from a signalfd. Rejects on read errors. */
  readSignalFd(fd: number): Promise<SignalInfo[]>;
  /** Replace this process image. Returns only on failure, with the errno. */
  execve(path: CText, argv: readonly CText[], env: Environment): number;
  /** `posix_spawnp`; returns the pid or throws `ErrnoError`. */
  spawn(request: SpawnRequest): number;
  /** One `waitpid(-1, &status, WNOHANG)`. */
  waitAny(): WaitResult;
  /** `kill(pid, signo)`; returns 0 or the errno. */
  kill(pid: number, signo: number): number;
  /** `prctl(PR_SET_CHILD_SUBREAPER, 1)`; throws on failure. */
  becomeSubreaper(): void;
  /** `prctl(PR_SET_PDEATHSIG, signo)`; throws on failure. */
  setParentDeathSignal(signo: number): void;
  /** The foreground process group of `fd`'s terminal if it is our controlling tty, else null. */
  foregroundGroup(fd: number): number | null;
  /** `ioctl(fd, TIOCNOTTY)`: give up the controlling tty; returns 0 or the errno. */
  detachTty(fd: number): number;
  /** This process's pid, as `getpid()` gives it. */
  pid(): number;
  /** `getsid(0)`. */
  sessionId(): number;
  /** `signal(signo, SIG_IGN)`; returns whether another handler was installed before. */
  ignoreSignal(signo: number): boolean;
  /** `close(fd)`. */
  close(fd: number): void;
  /** `pipe2(O_CLOEXEC)`: `[readEnd, writeEnd]`; throws `ErrnoError`. */
  pipe(): [number, number];
  /** Read into `buffer` off the event loop; resolves with the count (0 at EOF, -1 on error). */
  readInto(fd: number, buffer: Uint8Array<ArrayBuffer>): Promise<number>;
  /** `strerror(errno)`. */
  describeErrno(errno: number): string;
  /**
   * Compile fast calls for `read`, `kill` and `waitpid`, called on every signal and reap
   * (1.1–1.6 ms the first time in a process; then nothing). Until then, and until one of
   * them is called often, they go through their address.
   */
  bindHotCalls(): void;
  /** `_exit(code)`: end the process now, without running Deno's teardown. */
  exitNow(code: number): never;
}
