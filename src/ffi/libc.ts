/**
 * The only module that calls `Deno.dlopen`. It binds the few libc functions an
 * init needs (the table is in symbols.ts) and implements the typed facade of
 * facade.ts, which speaks numbers and strings, never pointers. Everything above
 * this file can be unit tested with a fake facade.
 *
 * Rules kept here: C strings are `encode(s + "\0")`; pointer arrays and the
 * buffers they point into stay referenced until the call returns; errno is read
 * right after the call, on the same thread; `posix_spawn*` return their error.
 *
 * @module
 */

import {
  EAGAIN,
  EINTR,
  O_CLOEXEC,
  POLLFD_BYTES,
  POLLIN,
  PR_SET_CHILD_SUBREAPER,
  PR_SET_PDEATHSIG,
  SFD_CLOEXEC,
  SFD_NONBLOCK,
  SIG_BLOCK,
  SIG_SETMASK,
  SIGNALFD_SIGINFO_BYTES,
  SIGSET_BYTES,
  TIOCGPGRP,
  TIOCNOTTY,
  WNOHANG,
} from "./constants.ts";
import { DenitError, ErrnoError } from "../errors.ts";
import type { Libc, SignalInfo } from "./facade.ts";
import { SYMBOLS } from "./symbols.ts";
import { address, cString, cStringArray, envStrings, sigset, sigsetMembers } from "./c_memory.ts";
import { runningAsRoot, unsafeFileReason } from "../trust.ts";
import type { Symbols } from "./symbols.ts";
import { spawnProcess } from "./spawn.ts";

export type {
  CText,
  Environment,
  Libc,
  SignalInfo,
  SpawnIsolation,
  SpawnRequest,
  WaitResult,
} from "./facade.ts";

function libraryCandidates(): string[] {
  const override = Deno.env.get("DENIT_LIBC");
  const arch = Deno.build.arch === "aarch64" ? "aarch64" : "x86_64";
  const defaults = ["libc.so.6", `libc.musl-${arch}.so.1`, `/lib/ld-musl-${arch}.so.1`];
  return override ? [override] : defaults;
}

/**
 * DENIT_LIBC names a file that is loaded into PID 1 in both stages: as root it
 * must pass the plugin rule (root-owned, not writable by group or others, nor
 * any directory above it, where the name stands and where it points). A bare
 * name is found by the dynamic loader in the system's directories, as libc.so.6 is.
 */
function checkLibraryOverride(): void {
  const override = Deno.env.get("DENIT_LIBC");
  if (override === undefined || !override.includes("/") || !runningAsRoot()) return;
  const absolute = override.startsWith("/") ? override : `${Deno.cwd()}/${override}`;
  let reason: string | null;
  try {
    reason = unsafeFileReason(absolute);
  } catch {
    return; // missing: dlopen fails and says so
  }
  if (reason !== null) {
    throw new DenitError(
      `Refusing DENIT_LIBC=${JSON.stringify(override)} while running as root: ${reason}`,
    );
  }
}

/**
 * Find the C library: the first candidate that loads and has `__errno_location`
 * (bound here, by address: errno must be readable right after any call, and the
 * process's first fast-call trampoline would cost 0.8–1.0 ms in each stage).
 */
function findLibrary(): { path: string; errnoLocation: () => Deno.PointerValue } {
  checkLibraryOverride();
  const tried: string[] = [];
  for (const path of libraryCandidates()) {
    try {
      const errnoLocation = bindByAddress(path, "__errno_location", SYMBOLS.__errno_location);
      return { path, errnoLocation: errnoLocation as () => Deno.PointerValue };
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

/**
 * The symbols called on every signal or reap. Deno compiles a fast-call trampoline for a
 * symbol when it is bound: 0.8–1.0 ms for the first in a process, 0.2–0.3 ms for each one
 * after it (measured). A call through an address costs ~1.3 µs instead of ~0.4 µs. So these
 * start bound by address, like the rest, which keeps the compiling off the first signal's
 * path, and get fast calls from {@link Libc.bindHotCalls} (the warm-up, while denit is idle)
 * or once one of them has been called {@link HOT_CALLS} times (a storm before any idle moment).
 */
const HOT: ReadonlySet<keyof Symbols> = new Set(["read", "kill", "waitpid"]);
const HOT_CALLS = 64;

type Definition = Deno.ForeignFunction & { optional?: boolean };

/**
 * A function bound as its address and called through Deno's generic path
 * (`UnsafeFnPointer`), which compiles nothing (~0.04 ms to bind, ~1.3 µs a call): every
 * function first, and for good those called a few times (start-up, spawn, exit). Same
 * thread, same arguments and result: errno stays readable.
 */
function bindByAddress(path: string, name: string, definition: Definition): unknown {
  const symbol: Deno.ForeignStatic<"pointer"> = {
    name: definition.name ?? name,
    type: "pointer",
    optional: definition.optional ?? false,
  };
  const address = Deno.dlopen(path, { [name]: symbol }).symbols[name] as Deno.PointerValue;
  if (address === null) return null; // an optional symbol this libc lacks
  const signature: Deno.ForeignFunction = {
    parameters: definition.parameters,
    result: definition.result,
  };
  const fn = new Deno.UnsafeFnPointer(address as Deno.PointerObject<typeof signature>, signature);
  return fn.call.bind(fn);
}

/**
 * `SYMBOLS` from the library at `path`, each bound on first use and then kept: the
 * non-blocking ones with `Deno.dlopen` (no trampoline: they return a promise), the rest
 * as an address. `bindHot` gives the {@link HOT} ones their fast calls.
 */
function bindOnFirstUse(path: string): { symbols: Symbols; bindHot(): void } {
  const bound: Partial<Record<keyof Symbols, unknown>> = {};
  const fast = new Set<keyof Symbols>();
  const bindFast = (name: keyof Symbols): void => {
    if (fast.has(name)) return;
    fast.add(name);
    try {
      bound[name] = Deno.dlopen(path, { [name]: SYMBOLS[name] }).symbols[name];
    } catch {
      // Called from inside a reap or a forward: the address stays, slower and just as right.
    }
  };
  const symbols = {} as Symbols;
  for (const name of Object.keys(SYMBOLS) as Array<keyof Symbols>) {
    const definition: Definition = SYMBOLS[name];
    const bind = (): unknown => {
      if (definition.nonblocking === true) {
        return Deno.dlopen(path, { [name]: SYMBOLS[name] }).symbols[name];
      }
      const call = bindByAddress(path, name, definition) as
        | ((...args: unknown[]) => unknown)
        | null;
      if (!HOT.has(name) || call === null) return call;
      let calls = 0;
      return (...args: unknown[]) => {
        if (++calls === HOT_CALLS) bindFast(name);
        return call(...args);
      };
    };
    Object.defineProperty(symbols, name, { get: () => bound[name] ??= bind() });
  }
  return { symbols, bindHot: () => HOT.forEach(bindFast) };
}

/** Binds libc and returns the facade. Throws {@link DenitError} when no libc loads. */
export function openLibc(): Libc {
  const library = findLibrary();
  const { symbols: c, bindHot } = bindOnFirstUse(library.path);

  // errno is per thread, and every call that sets it is made on this one (the main thread):
  // its address, asked for once, holds for the life of the process.
  let errnoView: Deno.UnsafePointerView | null | undefined;
  function errno(): number {
    if (errnoView === undefined) {
      const location = library.errnoLocation();
      errnoView = location === null ? null : new Deno.UnsafePointerView(location);
    }
    return errnoView === null ? 0 : errnoView.getInt32(0);
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

  // One buffer for the one pending signalfd wait, kept alive across the await.
  const signalBuffer = new Uint8Array(SIGNALFD_SIGINFO_BYTES * 64);
  const signalPointer = address(signalBuffer);
  const signalView = new DataView(signalBuffer.buffer);
  const pollFd = new Uint8Array(POLLFD_BYTES);
  const pollView = new DataView(pollFd.buffer);
  const pollPointer = address(pollFd);

  /**
   * Wait on the blocking pool with `poll`, then `read` on this thread: errno is
   * thread-local, and only here can it be read. EINTR (a handler ran on the pool
   * thread) and EAGAIN (nothing left after all) mean wait again, silently.
   */
  async function readSignalFd(fd: number): Promise<SignalInfo[]> {
    pollView.setInt32(0, fd, true);
    pollView.setInt16(4, POLLIN, true);
    let failedPolls = 0;
    for (;;) {
      pollView.setInt16(6, 0, true);
      if (await c.poll(pollPointer, 1n, -1) < 0) {
        // The pool thread's errno is out of reach: EINTR is the one failure this call can
        // have with a valid buffer and one fd. A guard against spinning on anything else.
        if (++failedPolls < 1000) continue;
        throw new Error(`Cannot wait for signalfd ${fd}: poll keeps failing`);
      }
      failedPolls = 0;
      const bytes = Number(c.read(fd, signalPointer, BigInt(signalBuffer.byteLength)));
      if (bytes < 0) {
        const code = errno();
        if (code === EINTR || code === EAGAIN) continue;
        fail(`Cannot read signalfd ${fd}`, code);
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

  // Kept for the warm-up's checks between its steps: one allocation, not one per check.
  const pendingSet = new BigUint64Array(SIGSET_BYTES / 8);
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
    signalsPending() {
      if (c.sigpending(address(pendingSet)) !== 0) fail("Cannot read the pending signals", errno());
      // The kernel fills the first 64 bits (signals 1 to 64); the rest stays zero.
      return pendingSet[0] !== 0n;
    },
    openSignalFd(signals) {
      const mask = sigset(signals);
      const fd = c.signalfd(-1, address(mask), SFD_CLOEXEC | SFD_NONBLOCK);
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
    spawn: (request) => spawnProcess(c, fail, request),
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
    // Deno.pid is getpid(), read without a libc call: one FFI binding fewer before the spawn.
    pid: () => Deno.pid,
    sessionId: () => c.getsid(0),
    ignoreSignal(signo) {
      const previous = c.signal(signo, Deno.UnsafePointer.create(1n) /* SIG_IGN */);
      const value = previous === null ? 0n : BigInt(Deno.UnsafePointer.value(previous));
      return value !== 1n && value !== 0n; // neither SIG_IGN nor SIG_DFL
    },
    close(fd) {
      c.close(fd);
    },
    pipe() {
      const ends = new Int32Array(2);
      if (c.pipe2(address(ends), O_CLOEXEC) !== 0) fail("Cannot create a pipe", errno());
      return [ends[0]!, ends[1]!];
    },
    async readInto(fd, buffer) {
      const count = Number(await c.readOnPool(fd, address(buffer), BigInt(buffer.byteLength)));
      void buffer.length; // referenced until the read has returned
      return count;
    },
    describeErrno,
    bindHotCalls: bindHot,
    exitNow(code): never {
      c._exit(code);
      throw new Error("unreachable: _exit returned");
    },
  };
}
