/**
 * `main` reads as the list of steps an init takes. Set-up may fail fast with
 * exit code 125 (126/127 for a program that cannot run); once the child is
 * spawned, nothing may end denit before the child has ended.
 *
 * @module
 */

import { parseCommandLine } from "./cli.ts";
import { versionLine } from "./compat.ts";
import { DenitError, describeError } from "./errors.ts";
import { exitCodeForError } from "./exit_code.ts";
import { openLibc } from "./ffi/libc.ts";
import { HELP_TEXT, LICENSE_TEXT } from "./about.ts";
import { createLogger, levelForVerbosity } from "./log.ts";
import {
  blockCollectedSignals,
  isSecondStage,
  openListenerSource,
  openSignalFdSource,
  reexecSelf,
} from "./signal_source.ts";
import type { SignalSource } from "./signal_source.ts";
import { lockProcessExits } from "./plugin/load.ts";
import { checkDenoDir } from "./trust.ts";
import { ownCommandLine } from "./os_bytes.ts";

/**
 * denit's own way out, taken before any plugin loads: plugins can neither call
 * nor replace it. The run phase ends with `_exit` instead (see {@link runCli}).
 */
const exitBeforeRun = Deno.exit;
/** Set once the run phase starts: `_exit`, which runs no `unload` listener a plugin added. */
let exitAfterRun: ((code: number) => never) | null = null;

/** The name denit was started under (argv[0] of the process), for tini/dumb-init modes. */
function invokedAs(): string | undefined {
  try {
    return new TextDecoder().decode(ownCommandLine()[0]);
  } catch {
    return undefined;
  }
}

function writeStdout(text: string): void {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  while (offset < bytes.length) offset += Deno.stdout.writeSync(bytes.subarray(offset));
}

/**
 * Run denit with these arguments and return the exit code. Does not return
 * when stage one re-executes itself.
 */
export async function main(args: readonly string[]): Promise<number> {
  let log = createLogger({ level: "warn", format: "text" });
  try {
    // 1. Block signals before anything else: from here on a signal waits in the queue.
    const libc = openLibc();
    const secondStage = isSecondStage(libc);
    if (!secondStage) blockCollectedSignals(libc);

    // 2. Understand the command line (help and version need no re-exec).
    const invocation = parseCommandLine(args, Deno.env.toObject(), invokedAs());
    if (invocation.kind === "help") {
      writeStdout(HELP_TEXT);
      return 0;
    }
    if (invocation.kind === "version") {
      writeStdout(versionLine(invocation.compat) + "\n");
      return 0;
    }
    if (invocation.kind === "license") {
      writeStdout(LICENSE_TEXT);
      return 0;
    }
    const config = invocation.config;
    log = createLogger({
      level: levelForVerbosity(
        config.logFormat === "json" ? Math.max(2, config.verbosity) : config.verbosity,
      ),
      format: config.logFormat,
    });

    // As root, refuse a Deno cache another user could write: Deno runs the code cached
    // there (for stage two and every plugin) as root in PID 1.
    if (!secondStage) checkDenoDir();

    // 3. Re-execute so every Deno thread inherits the mask, then read the signalfd.
    let source: SignalSource;
    if (secondStage) {
      source = openSignalFdSource(libc);
    } else {
      const reason = reexecSelf(libc);
      log.warn(
        `Cannot re-execute (${reason}); using Deno's signal listeners: ` +
          `SIGUSR1 and real-time signals will not be forwarded`,
        { event: "signal.fallback" },
      );
      source = openListenerSource(libc);
    }

    // 4. Plugins run in PID 1: what would end it for them throws from here on.
    exitAfterRun = (code) => libc.exitNow(code);
    // User code loads into PID 1 with a plugin or a services file: only then is node:process
    // (25 ms to import) worth locking too.
    const userCode = config.plugins.length > 0 || config.services !== null;
    lockProcessExits(userCode ? (await import("node:process")).default : undefined);

    // 5. Load plugins, spawn the child and supervise it to the end. From source, Deno still
    //    reads and transpiles this module graph at start-up (a literal import() is part of
    //    the graph), but evaluates it only here; the bundle and the binary pay neither.
    const { supervise } = await import("./stage_two.ts");
    return await supervise({ libc, log, config, source });
  } catch (error) {
    if (error instanceof DenitError) log.error(error.message, { event: "fatal" });
    else log.error(`Unexpected error: ${describeError(error)}`, { event: "fatal" });
    return exitCodeForError(error);
  }
}

/** Run the CLI and exit with its code. */
export async function runCli(): Promise<never> {
  const code = await main(Deno.args);
  // Logs and output are written synchronously: nothing is left to flush.
  if (exitAfterRun !== null) exitAfterRun(code);
  return exitBeforeRun(code);
}
