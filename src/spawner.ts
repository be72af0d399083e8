/**
 * Every process denit starts goes through here, so that the reaper is the one
 * owner of `waitpid` and every exit status reaches whoever waits for it.
 *
 * @module
 */

import type { CText, Environment, Libc, SpawnIsolation } from "./ffi/libc.ts";
import {
  DenitError,
  describeError,
  ErrnoError,
  EXIT_CANNOT_EXECUTE,
  EXIT_NOT_FOUND,
  EXIT_USAGE,
} from "./errors.ts";
import type { ExitStatus, Reaper } from "./reaper.ts";

/** What to start. */
export interface ProcessSpec {
  argv: CText[];
  env: Environment;
  cwd?: string;
}

/** A started process. */
export interface StartedProcess {
  pid: number;
  exited: Promise<ExitStatus>;
}

const NOT_FOUND = new Set(["ENOENT", "ENOTDIR", "ENAMETOOLONG", "ELOOP"]);
const CANNOT_EXECUTE = new Set(["EACCES", "EPERM", "ENOEXEC", "EISDIR", "ETXTBSY"]);

/** The exit code for a failed exec, as shells report it. */
export function exitCodeForSpawnError(code: string): number {
  if (NOT_FOUND.has(code)) return EXIT_NOT_FOUND;
  if (CANNOT_EXECUTE.has(code)) return EXIT_CANNOT_EXECUTE;
  return EXIT_USAGE;
}

function checkDirectory(cwd: string): void {
  let reason: string | null = null;
  try {
    if (!Deno.statSync(cwd).isDirectory) reason = "ENOTDIR";
  } catch (error) {
    reason = error instanceof Error && "code" in error ? String(error.code) : describeError(error);
  }
  if (reason !== null) {
    throw new DenitError(`Cannot use ${JSON.stringify(cwd)} as the working directory: ${reason}`);
  }
}

/** Starts processes and registers them with the reaper. */
export class Spawner {
  #libc: Libc;
  #reaper: Reaper;

  constructor(libc: Libc, reaper: Reaper) {
    this.#libc = libc;
    this.#reaper = reaper;
  }

  /**
   * Start a process. Throws {@link DenitError} with exit code 127 (not found),
   * 126 (not executable) or 125 (anything else, such as EAGAIN).
   */
  start(spec: ProcessSpec, isolation: SpawnIsolation, ttyPath?: string): StartedProcess {
    // posix_spawn reports a bad directory as the program's ENOENT: name the directory instead,
    // as `env -C` does (125).
    if (spec.cwd !== undefined) checkDirectory(spec.cwd);
    let pid: number;
    try {
      pid = this.#libc.spawn({
        argv: spec.argv,
        env: spec.env,
        isolation,
        ...(spec.cwd === undefined ? {} : { cwd: spec.cwd }),
        ...(ttyPath === undefined ? {} : { ttyPath }),
      });
    } catch (error) {
      if (error instanceof ErrnoError) {
        throw new DenitError(error.message, exitCodeForSpawnError(error.code), { cause: error });
      }
      throw error;
    }
    // Same synchronous step as the spawn: the status cannot be reaped before this.
    return { pid, exited: this.#reaper.watch(pid) };
  }
}
