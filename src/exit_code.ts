/**
 * denit's exit code, decided here from facts the others report: how the child
 * ended, why a spawn failed, that set-up failed, which codes `-e` or a plugin
 * remapped, how the services ended. Nothing else picks a number.
 *
 * @module
 */

import type { SignalName } from "./signals.ts";

/** Exit code for denit's own failures: bad usage, bad plugin, set-up failure (as GNU env). */
export const EXIT_USAGE = 125;
/** Exit code when the program was found but cannot be executed. */
export const EXIT_CANNOT_EXECUTE = 126;
/** Exit code when the program was not found. */
export const EXIT_NOT_FOUND = 127;

/**
 * Exit code when a service could not start or be ready (a dependency never ready, the
 * readiness timeout), and when the stop sequence itself failed.
 */
export const EXIT_SERVICE_FAILED = 1;

const NOT_FOUND = new Set(["ENOENT", "ENOTDIR", "ENAMETOOLONG", "ELOOP"]);
const CANNOT_EXECUTE = new Set(["EACCES", "EPERM", "ENOEXEC", "EISDIR", "ETXTBSY"]);

/** The exit code of a process, as a shell reports it: its code, or 128 + the signal number. */
export function shellExitCode(code: number | null, signo: number): number {
  return code ?? 128 + signo;
}

/** The exit code for a failed exec (errno name), as shells report it. */
export function exitCodeForSpawnError(code: string): number {
  if (NOT_FOUND.has(code)) return EXIT_NOT_FOUND;
  if (CANNOT_EXECUTE.has(code)) return EXIT_CANNOT_EXECUTE;
  return EXIT_USAGE;
}

/** The exit code for an error thrown before a process ran: its own, else a set-up failure. */
export function exitCodeForError(error: unknown): number {
  if (error instanceof Error && "exitCode" in error && typeof error.exitCode === "number") {
    return error.exitCode;
  }
  return EXIT_USAGE;
}

/** Whether `value` can be an exit code (what `onChildExit` may return). */
export function isExitCode(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 255;
}

/** `-e CODE…`: a listed code is reported as success. */
export function remapExitCode(exitCode: number, successCodes: ReadonlySet<number>): number {
  return successCodes.has(exitCode) ? 0 : exitCode;
}

/** How the child ended, for the exit log line. */
export interface ChildEnd {
  code: number | null;
  signal: SignalName | null;
  exitCode: number;
}

/**
 * Why denit exits with `exitCode` after the child ended as `child` said: the reason, and the
 * reason with the mapping (`-e`, a plugin) said, for the log line.
 */
export function exitReason(child: ChildEnd, exitCode: number): { reason: string; text: string } {
  const why = child.signal === null
    ? `the child exited with code ${child.code}`
    : `the child was killed by ${child.signal}`;
  const mapped = exitCode === child.exitCode
    ? ""
    : `; -e or a plugin mapped ${child.exitCode} to ${exitCode}`;
  return { reason: why, text: `${why}${mapped}` };
}

/**
 * denit's code with services: the code of the failure or main exit that started the stop,
 * else the main service's (remapped) code, else 0.
 */
export function servicesExitCode(
  stopCode: number | null,
  mainStatus: { exitCode: number } | null,
): number {
  return stopCode ?? mainStatus?.exitCode ?? 0;
}

/** With services and no main service: the first failure's code once all ended, else 0. */
export function finishedExitCode(firstFailure: number | null): number {
  return firstFailure ?? 0;
}
