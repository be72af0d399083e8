/**
 * Every process denit starts goes through here, so that the reaper is the one
 * owner of `waitpid` and every exit status reaches whoever waits for it.
 *
 * @module
 */

import type { CText, Environment, Libc, SpawnIsolation } from "./ffi/libc.ts";
import { DenitError, describeError, ErrnoError } from "./errors.ts";
import { exitCodeForSpawnError } from "./exit_code.ts";
import type { Logger } from "./log.ts";
import type { ExitStatus, Reaper } from "./reaper.ts";
import { signalNumber } from "./signals.ts";

const decoder = new TextDecoder();
const SIGKILL = signalNumber("SIGKILL");

/** What to start. */
export interface ProcessSpec {
  argv: CText[];
  env: Environment;
  cwd?: string;
  /** `[childFd, denitFd]` pairs dup2'ed in the child (a service's output and notify pipes). */
  fds?: ReadonlyArray<readonly [number, number]>;
}

/** A started process. */
export interface StartedProcess {
  pid: number;
  exited: Promise<ExitStatus>;
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

/**
 * Where `execvp` would find `program`: itself when it holds a slash (bytes kept
 * as they are), else the first executable regular file of that name on denit's
 * PATH (as posix_spawnp searched it). Null when there is none.
 */
export function findProgram(program: CText | undefined): CText | null {
  if (program === undefined || program.length === 0) return null;
  const SLASH = 0x2f;
  if (typeof program !== "string") {
    if (program.includes(SLASH)) return program;
    try {
      program = new TextDecoder("utf-8", { fatal: true }).decode(program);
    } catch {
      return null; // a name that is not UTF-8 cannot be looked up through Deno's stat
    }
  }
  if (program.includes("/")) return program;
  const path = Deno.env.get("PATH") ?? "/bin:/usr/bin";
  for (const dir of path.split(":")) {
    const candidate = `${dir === "" ? "." : dir.replace(/\/$/, "")}/${program}`;
    try {
      const info = Deno.statSync(candidate);
      if (info.isFile && ((info.mode ?? 0) & 0o111) !== 0) return candidate;
    } catch {
      // not there
    }
  }
  return null;
}

/** Starts processes and registers them with the reaper. */
export class Spawner {
  #libc: Libc;
  #reaper: Reaper;

  constructor(libc: Libc, reaper: Reaper) {
    this.#libc = libc;
    this.#reaper = reaper;
  }

  #spawn(
    argv: readonly CText[],
    spec: ProcessSpec,
    isolation: SpawnIsolation,
    ttyPath: string | undefined,
  ): number {
    return this.#libc.spawn({
      argv,
      env: spec.env,
      isolation,
      ...(spec.cwd === undefined ? {} : { cwd: spec.cwd }),
      ...(ttyPath === undefined ? {} : { ttyPath }),
      ...(spec.fds === undefined ? {} : { fds: spec.fds }),
    });
  }

  /**
   * Start a process. Throws {@link DenitError} with exit code 127 (not found),
   * 126 (not executable) or 125 (anything else, such as EAGAIN).
   */
  start(spec: ProcessSpec, isolation: SpawnIsolation, ttyPath?: string): StartedProcess {
    let pid: number;
    try {
      pid = this.#spawn(spec.argv, spec, isolation, ttyPath);
    } catch (error) {
      if (!(error instanceof ErrnoError)) throw error;
      // posix_spawn reports a bad directory as the program's ENOENT: name the directory instead,
      // as `env -C` does (125). Looked at only now: a process's first Deno stat costs
      // 0.4–0.7 ms, which would come before the child's first instruction.
      if (spec.cwd !== undefined) checkDirectory(spec.cwd);
      // execvp, tini and dumb-init run a file the kernel cannot execute (a script without a
      // `#!` line) with /bin/sh; posix_spawnp does not, so denit does it here.
      const script = error.code === "ENOEXEC" ? findProgram(spec.argv[0]) : null;
      if (script === null) {
        throw new DenitError(error.message, exitCodeForSpawnError(error.code), { cause: error });
      }
      try {
        pid = this.#spawn(["/bin/sh", script, ...spec.argv.slice(1)], spec, isolation, ttyPath);
      } catch (shellError) {
        if (!(shellError instanceof ErrnoError)) throw shellError;
        throw new DenitError(
          `${error.message}; and through /bin/sh: ${shellError.code}`,
          exitCodeForSpawnError(shellError.code),
          { cause: shellError },
        );
      }
    }
    // Same synchronous step as the spawn: the status cannot be reaped before this.
    return { pid, exited: this.#reaper.watch(pid) };
  }

  /**
   * Start a helper (a plugin's `ctx.run`, a readiness command, pre-stop) in its
   * own process group; when `signal` aborts before it ends, the group and the
   * helper get SIGKILL. Throws like {@link start}, or the abort reason when
   * `signal` has already aborted.
   */
  startHelper(spec: ProcessSpec, signal: AbortSignal): StartedProcess {
    signal.throwIfAborted();
    const helper = this.start(spec, "group");
    const kill = () => {
      this.#libc.kill(-helper.pid, SIGKILL);
      this.#libc.kill(helper.pid, SIGKILL);
    };
    signal.addEventListener("abort", kill, { once: true });
    const exited = helper.exited.finally(() => signal.removeEventListener("abort", kill));
    return { pid: helper.pid, exited };
  }

  /**
   * Run a helper to its end (see {@link startHelper}), logged when it starts and ends. A
   * failed spawn rejects with a plain Error: the caller is a hook or a check, and a helper
   * that cannot start is its failure, not denit's.
   */
  async runHelper(spec: ProcessSpec, signal: AbortSignal, log: Logger): Promise<ExitStatus> {
    let helper: StartedProcess;
    try {
      helper = this.startHelper(spec, signal);
    } catch (error) {
      throw error instanceof DenitError ? new Error(error.message, { cause: error }) : error;
    }
    const started = performance.now();
    const argv = spec.argv.map((arg) => typeof arg === "string" ? arg : decoder.decode(arg));
    log.info(`Started helper pid ${helper.pid}: ${argv.join(" ")}`, {
      event: "helper.started",
      pid: helper.pid,
      argv,
    });
    const status = await helper.exited;
    log.info(`Helper pid ${helper.pid} exited with code ${status.exitCode}`, {
      event: "helper.exited",
      pid: helper.pid,
      exitCode: status.exitCode,
      durationMs: Math.round(performance.now() - started),
    });
    return status;
  }
}
