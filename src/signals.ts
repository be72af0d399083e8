/**
 * Signal names and numbers (Linux). Every API of denit speaks names such as
 * `"SIGTERM"` or `"SIGRTMIN+3"`; numbers exist only here and in the FFI layer.
 *
 * @module
 */

/** The standard Linux signal names. */
export const STANDARD_SIGNALS = [
  "SIGHUP",
  "SIGINT",
  "SIGQUIT",
  "SIGILL",
  "SIGTRAP",
  "SIGABRT",
  "SIGBUS",
  "SIGFPE",
  "SIGKILL",
  "SIGUSR1",
  "SIGSEGV",
  "SIGUSR2",
  "SIGPIPE",
  "SIGALRM",
  "SIGTERM",
  "SIGSTKFLT",
  "SIGCHLD",
  "SIGCONT",
  "SIGSTOP",
  "SIGTSTP",
  "SIGTTIN",
  "SIGTTOU",
  "SIGURG",
  "SIGXCPU",
  "SIGXFSZ",
  "SIGVTALRM",
  "SIGPROF",
  "SIGWINCH",
  "SIGIO",
  "SIGPWR",
  "SIGSYS",
] as const;

/** A standard signal name. */
export type StandardSignal = typeof STANDARD_SIGNALS[number];

/** Any signal denit can name: a standard one or a real-time one. */
export type SignalName =
  | StandardSignal
  | "SIGRTMIN"
  | "SIGRTMAX"
  | `SIGRTMIN+${number}`
  | `SIGRTMAX-${number}`
  /** Signals 32 and 33: glibc keeps them for threads, but a process can still be killed by one. */
  | "SIG32"
  | "SIG33";

/** First and last real-time signal numbers usable by programs (glibc keeps 32 and 33). */
export const SIGRTMIN = 34;
export const SIGRTMAX = 64;

const ALIASES: Record<string, StandardSignal> = {
  SIGIOT: "SIGABRT",
  SIGPOLL: "SIGIO",
  SIGCLD: "SIGCHLD",
  SIGUNUSED: "SIGSYS",
};

/** The number of a signal name. */
export function signalNumber(name: SignalName): number {
  const index = (STANDARD_SIGNALS as readonly string[]).indexOf(name);
  if (index >= 0) return index + 1;
  const number = parseSignal(name);
  if (number === null) throw new TypeError(`Cannot find signal "${name}"`);
  return number;
}

/**
 * The canonical name of a signal number (1..31, 34..64), as `kill -l` prints it.
 * Throws for anything else, 32 and 33 included: use {@link describeSignal} where a
 * number comes from the kernel.
 */
export function signalName(signo: number): SignalName {
  if (signo >= 1 && signo <= STANDARD_SIGNALS.length) return STANDARD_SIGNALS[signo - 1]!;
  if (signo === SIGRTMIN) return "SIGRTMIN";
  if (signo === SIGRTMAX) return "SIGRTMAX";
  if (signo > SIGRTMIN && signo <= SIGRTMIN + 15) return `SIGRTMIN+${signo - SIGRTMIN}`;
  if (signo > SIGRTMIN + 15 && signo < SIGRTMAX) return `SIGRTMAX-${SIGRTMAX - signo}`;
  throw new RangeError(`Cannot name signal ${signo}: not a Linux signal number`);
}

/**
 * A name for any signal number the kernel can report (1..64): 32 and 33, which
 * glibc reserves and `kill -l` does not name, are `"SIG32"` and `"SIG33"`.
 * Null for a number outside 1..64. Never throws.
 */
export function describeSignal(signo: number): SignalName | null {
  if (signo === 32) return "SIG32";
  if (signo === 33) return "SIG33";
  return isSignalNumber(signo) ? signalName(signo) : null;
}

/** Whether `signo` is a signal number denit can name. */
export function isSignalNumber(signo: number): boolean {
  return Number.isInteger(signo) &&
    ((signo >= 1 && signo <= 31) || (signo >= SIGRTMIN && signo <= SIGRTMAX));
}

/**
 * Parse a signal given by a user: `TERM`, `SIGTERM`, `sigterm`, `15`,
 * `RTMIN+2`, `SIGRTMAX-1`. Returns the number, or null when it is not one.
 */
export function parseSignal(text: string): number | null {
  const trimmed = text.trim();
  if (/^[0-9]+$/.test(trimmed)) {
    const number = Number(trimmed);
    return isSignalNumber(number) ? number : null;
  }
  let name = trimmed.toUpperCase();
  if (!name.startsWith("SIG")) name = "SIG" + name;
  name = ALIASES[name] ?? name;
  const index = (STANDARD_SIGNALS as readonly string[]).indexOf(name);
  if (index >= 0) return index + 1;
  const realtime = /^SIGRT(MIN|MAX)(?:([+-])([0-9]{1,2}))?$/.exec(name);
  if (realtime === null) return null;
  const [, base, sign, offsetText] = realtime;
  const offset = offsetText === undefined ? 0 : Number(offsetText);
  if (base === "MIN" && sign !== "-") {
    const number = SIGRTMIN + offset;
    return number <= SIGRTMAX ? number : null;
  }
  if (base === "MAX" && sign !== "+") {
    const number = SIGRTMAX - offset;
    return number >= SIGRTMIN ? number : null;
  }
  return null;
}

/**
 * The number of a signal named through the API or a services file: a name such as
 * `"SIGTERM"` (not a number, not a number-like string); null for anything else.
 */
export function signalFromApi(value: unknown): number | null {
  return typeof value === "string" && !/^\s*\d/.test(value) ? parseSignal(value) : null;
}

/**
 * Every signal denit blocks and reads from its signalfd: all but SIGKILL,
 * SIGSTOP and glibc's 32 and 33. The fault signals (SIGILL, SIGTRAP, SIGABRT,
 * SIGBUS, SIGFPE, SIGSEGV, SIGSYS) are included: sent with `kill`, they are
 * messages like any other, and denit blocks and forwards them (as dumb-init
 * does). A real fault still ends denit: the kernel unblocks a fault signal and
 * resets it to its default action before delivering it (measured: a NULL read
 * through FFI with SIGSEGV blocked exits 139, as PID 1 and not; so does
 * `abort()` with SIGABRT blocked).
 */
export function collectedSignals(): number[] {
  const numbers: number[] = [];
  for (let signo = 1; signo <= SIGRTMAX; signo++) {
    if (!isSignalNumber(signo)) continue;
    if (signo === 9 || signo === 19) continue; // SIGKILL and SIGSTOP cannot be blocked
    numbers.push(signo);
  }
  return numbers;
}
