/**
 * The errors denit raises itself. A {@link DenitError} carries the exit code
 * exit_code.ts decided for it (set-up failure unless said otherwise).
 *
 * @module
 */

import { EXIT_USAGE } from "./exit_code.ts";

/**
 * An error that ends denit before the child runs, with the exit code to use.
 * The message is one line, meant for stderr as it is.
 */
export class DenitError extends Error {
  /** The process exit code this error stands for. */
  readonly exitCode: number;

  constructor(message: string, exitCode: number = EXIT_USAGE, options?: ErrorOptions) {
    super(message, options);
    this.name = "DenitError";
    this.exitCode = exitCode;
  }
}

const ERRNO_NAMES: Record<number, string> = {
  1: "EPERM",
  2: "ENOENT",
  3: "ESRCH",
  4: "EINTR",
  5: "EIO",
  6: "ENXIO",
  7: "E2BIG",
  8: "ENOEXEC",
  9: "EBADF",
  10: "ECHILD",
  11: "EAGAIN",
  12: "ENOMEM",
  13: "EACCES",
  14: "EFAULT",
  17: "EEXIST",
  20: "ENOTDIR",
  21: "EISDIR",
  22: "EINVAL",
  23: "ENFILE",
  24: "EMFILE",
  25: "ENOTTY",
  26: "ETXTBSY",
  28: "ENOSPC",
  32: "EPIPE",
  36: "ENAMETOOLONG",
  38: "ENOSYS",
  40: "ELOOP",
};

/** The symbolic name of an errno value, such as `"ESRCH"`, or `"errno N"`. */
export function errnoName(errno: number): string {
  return ERRNO_NAMES[errno] ?? `errno ${errno}`;
}

/** A failed libc call: `Cannot forward signal "SIGTERM" to pid 12: ESRCH`. */
export class ErrnoError extends Error {
  /** The raw errno value. */
  readonly errno: number;
  /** The symbolic errno name, such as `"ESRCH"`. */
  readonly code: string;

  constructor(what: string, errno: number, description?: string) {
    const code = errnoName(errno);
    super(description ? `${what}: ${code} (${description})` : `${what}: ${code}`);
    this.name = "ErrnoError";
    this.errno = errno;
    this.code = code;
  }
}

/**
 * One line describing any thrown value, for logs. Never throws: a plugin may
 * throw a symbol, an object without a prototype, or an error whose `message`
 * getter throws.
 */
export function describeError(error: unknown): string {
  try {
    if (error instanceof Error) {
      const text = String(error.message || error.name);
      return text.split("\n")[0] ?? text;
    }
    if (typeof error === "string") return error.split("\n")[0] ?? error;
    return describeValue(error);
  } catch {
    return "an error that cannot be described";
  }
}

/** A short printable form of any value, for messages. Never throws and runs no user code. */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "symbol":
      return "a symbol";
    case "function":
      return "a function";
    case "object":
      if (value === null) return "null";
      return Array.isArray(value) ? "an array" : "an object";
    default:
      return String(value); // number, bigint, boolean, undefined: no user code runs
  }
}
