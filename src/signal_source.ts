/**
 * Where signals come from. Deno's own signal listeners are unsafe for PID 1
 * (a SIGTERM with no listener crashes Deno as PID 1, SIGUSR1 opens a debugger,
 * real-time signals cannot be listened to), so denit never lets a Deno thread
 * handle a signal:
 *
 * 1. Stage one blocks every collected signal in its thread and re-executes
 *    itself with a marker in the environment. A signal mask survives execve,
 *    and every thread the new Deno creates inherits it.
 * 2. Stage two removes the marker (so the child never sees it) and reads
 *    signals from a signalfd, one pending read at a time, in kernel order and
 *    with the sender's pid.
 *
 * If re-executing is impossible, denit falls back to Deno's listeners with a
 * warning; SIGUSR1 and real-time signals are then not forwarded.
 *
 * @module
 */

import type { Libc, SignalInfo } from "./ffi/libc.ts";
import { collectedSignals, signalNumber, STANDARD_SIGNALS } from "./signals.ts";
import type { SignalName } from "./signals.ts";
import { describeError } from "./errors.ts";
import { exactEnvironment, ownCommandLine } from "./os_bytes.ts";

/** Environment variable that tells the second stage it is one. Never reaches the child. */
export const REEXEC_MARKER = "DENIT_REEXEC";

/** Set by users (or tests) to skip the re-exec and use Deno's listeners. */
export const SIGNAL_MODE_VARIABLE = "DENIT_SIGNAL_MODE";

/** A stream of signal batches. */
export interface SignalSource {
  readonly mode: "signalfd" | "listeners";
  /** Resolves with the next signals, in the order the kernel hands them over. */
  next(): Promise<SignalInfo[]>;
}

/** Deno reads V8 flags from this variable at start-up. */
const V8_FLAGS_VARIABLE = "DENO_V8_FLAGS";

/**
 * V8 flags for the second stage: keep the young generation at its start-up size
 * (1 MiB semi-spaces). V8 doubles it under a high allocation rate, which a signal
 * flood is, and never gives it back: +1.5–2.3 MiB of RSS for nothing an init needs.
 * The user's own DENO_V8_FLAGS come after these, so theirs win.
 */
const STAGE_TWO_V8_FLAGS = "--max-semi-space-size=1";

/**
 * Whether this process is the re-executed second stage. If so, the marker is
 * forgotten and DENO_V8_FLAGS put back as it was, so the child never sees either.
 *
 * The marker alone proves nothing: it can be inherited from another denit's
 * environment (it is visible in /proc/1/environ), and its pid is 1 in every
 * container. So stage two checks the fact it relies on, its own signal mask:
 * only a process started with every collected signal already blocked is one.
 * Anything else is stage one, with the stale marker dropped and the user's
 * DENO_V8_FLAGS left as they are.
 */
export function isSecondStage(libc: Libc): boolean {
  const marker = Deno.env.get(REEXEC_MARKER);
  if (marker === undefined) return false;
  Deno.env.delete(REEXEC_MARKER);
  // "<pid>" or "<pid>:<the DENO_V8_FLAGS stage one had>". execve keeps the pid.
  const colon = marker.indexOf(":");
  const pid = colon < 0 ? marker : marker.slice(0, colon);
  if (pid !== String(Deno.pid)) return false;
  const blocked = new Set(libc.blockedSignals());
  if (!collectedSignals().every((signo) => blocked.has(signo))) return false;
  if (colon < 0) Deno.env.delete(V8_FLAGS_VARIABLE);
  else Deno.env.set(V8_FLAGS_VARIABLE, marker.slice(colon + 1));
  return true;
}

/** Block every signal denit collects, in the calling (main) thread. */
export function blockCollectedSignals(libc: Libc): void {
  libc.blockSignals(collectedSignals());
}

/**
 * `deno`'s argv with `-q` added: an init owns no byte of the terminal, and on one
 * with a width `deno run` draws and erases a progress line (`ESC[0G ESC[2K ESC[J`)
 * while it loads, whatever the user typed for stage one. A compiled binary draws
 * nothing and takes every argument as the program's: it is left alone.
 */
function quiet(argv: Uint8Array[]): Uint8Array[] {
  if (Deno.build.standalone) return argv;
  const flag = new TextEncoder().encode("-q");
  const first = new TextDecoder().decode(argv[1] ?? new Uint8Array());
  // `deno run [flags] module`, or the short form `deno [flags] module`.
  const at = first === "run" ? 2 : /^-|[/.]/.test(first) ? 1 : -1;
  return at < 0 ? argv : [...argv.slice(0, at), flag, ...argv.slice(at)];
}

/**
 * Re-execute this process with the same runtime and arguments, byte for byte
 * (/proc/self/exe and /proc/self/cmdline: an install path or an argument that is
 * not UTF-8 survives). Returns only when that is impossible, with the reason.
 */
export function reexecSelf(libc: Libc): string {
  if (Deno.env.get(SIGNAL_MODE_VARIABLE) === "listeners") {
    return `${SIGNAL_MODE_VARIABLE}=listeners`;
  }
  let argv: Uint8Array[];
  try {
    argv = ownCommandLine();
  } catch (error) {
    return `cannot read own command line: ${describeError(error)}`;
  }
  const env = Deno.env.toObject();
  const v8Flags = env[V8_FLAGS_VARIABLE];
  env[REEXEC_MARKER] = v8Flags === undefined ? String(Deno.pid) : `${Deno.pid}:${v8Flags}`;
  env[V8_FLAGS_VARIABLE] = v8Flags === undefined || v8Flags === ""
    ? STAGE_TWO_V8_FLAGS
    : `${STAGE_TWO_V8_FLAGS},${v8Flags}`;
  // The runtime's own path keeps its name in `ps` (execve names a process after the file it
  // was given: /proc/self/exe would make PID 1 "exe"); /proc/self/exe only when that path is
  // not UTF-8 and Deno could not give it back unchanged.
  const runtime = Deno.execPath();
  const path = runtime.includes("\uFFFD") ? "/proc/self/exe" : runtime;
  const errno = libc.execve(path, quiet(argv), exactEnvironment(env));
  return `execve ${path} failed: ${libc.describeErrno(errno)}`;
}

/** Reads the signalfd of the second stage. */
export function openSignalFdSource(libc: Libc): SignalSource {
  const fd = libc.openSignalFd(collectedSignals());
  return { mode: "signalfd", next: () => libc.readSignalFd(fd) };
}

/**
 * Signals Deno lets us listen to, minus SIGUSR1 (Deno 2.9.2+ opens a debugger on
 * it whatever we do) and the fault and unblockable signals.
 */
const LISTENABLE: readonly SignalName[] = STANDARD_SIGNALS.filter((name) =>
  ![
    "SIGUSR1",
    "SIGKILL",
    "SIGSTOP",
    "SIGILL",
    "SIGFPE",
    "SIGSEGV",
    "SIGTRAP",
    "SIGABRT",
    "SIGBUS",
    "SIGSYS",
  ].includes(name)
);

/**
 * Deno 2.9.2+ installs a SIGUSR1 handler 500 ms after start that opens a V8
 * inspector on 127.0.0.1:9229. In listener mode nothing blocks SIGUSR1, so
 * denit puts SIG_IGN back over that handler as soon as it appears (checked
 * every 20 ms for the first 3 s). A SIGUSR1 in the few milliseconds between
 * Deno installing its handler and denit replacing it can still open it.
 */
function keepInspectorSignalIgnored(libc: Libc): void {
  const SIGUSR1 = 10;
  const started = performance.now();
  const timer = setInterval(() => {
    libc.ignoreSignal(SIGUSR1);
    if (performance.now() - started > 3000) clearInterval(timer);
  }, 20);
}

/**
 * The fallback: Deno's signal listeners. Listeners for SIGTERM, SIGINT and
 * SIGHUP are registered for the life of the process (without them Deno as
 * PID 1 crashes on those signals). Every collected signal no listener takes is
 * ignored: its default action would end denit when it is not PID 1 (real-time
 * signals, SIGUSR1). Only then is the stage-one mask undone, so a signal that
 * came during start-up finds its listener.
 */
export function openListenerSource(libc: Libc): SignalSource {
  const queue: SignalInfo[] = [];
  let wake: (() => void) | null = null;
  const listened = new Set<number>();
  for (const name of LISTENABLE) {
    const signo = signalNumber(name);
    try {
      // The documented fallback; the only listener in denit.
      Deno.addSignalListener(name as Deno.Signal, () => {
        queue.push({ signo, pid: 0, uid: 0, code: 0 });
        wake?.();
      });
      listened.add(signo);
    } catch {
      // Deno refuses a few names on some platforms; they stay unforwarded (and ignored below).
    }
  }
  // Never SIGCHLD: ignored, it would have the kernel reap the children and lose their codes.
  // The fault signals are ignored too: Deno has no handler for most of them, and its SIGSEGV and
  // SIGBUS handlers let a second one sent with `kill` end denit. A real fault still ends it:
  // the kernel forces their default action (only Rust's stack-overflow message is lost).
  const SIGCHLD = signalNumber("SIGCHLD");
  for (const signo of collectedSignals()) {
    if (signo !== SIGCHLD && !listened.has(signo)) libc.ignoreSignal(signo);
  }
  libc.setSignalMask([]);
  // Listeners do not keep Deno's event loop alive; a far-off interval does (one wake-up in 24 days).
  setInterval(() => {}, 2 ** 31 - 1);
  keepInspectorSignalIgnored(libc);
  return {
    mode: "listeners",
    async next() {
      while (queue.length === 0) {
        await new Promise<void>((resolve) => wake = resolve);
        wake = null;
      }
      return queue.splice(0);
    },
  };
}
