/**
 * `main` reads as the list of steps an init takes. Set-up may fail fast with
 * exit code 125 (126/127 for a program that cannot run); once the child is
 * spawned, nothing may end denit before the child has ended.
 *
 * @module
 */

import { parseCommandLine } from "./cli.ts";
import type { CompatMode, Config } from "./cli.ts";
import { DenitError, describeError, EXIT_USAGE } from "./errors.ts";
import { openLibc } from "./ffi/libc.ts";
import type { Libc } from "./ffi/libc.ts";
import { HELP_TEXT, LICENSE_TEXT, VERSION } from "./about.ts";
import { createLogger, levelForVerbosity } from "./log.ts";
import type { Logger } from "./log.ts";
import { PluginHost } from "./plugin/host.ts";
import { loadPluginFile } from "./plugin/load.ts";
import {
  blockCollectedSignals,
  isSecondStage,
  openListenerSource,
  openSignalFdSource,
  reexecSelf,
} from "./signal_source.ts";
import type { SignalSource } from "./signal_source.ts";
import { signalName } from "./signals.ts";
import { Supervisor } from "./supervisor.ts";
import { rewritePlugin } from "../plugins/rewrite.ts";
import { remapExitPlugin } from "../plugins/exit_code.ts";
import { preStopPlugin } from "../plugins/pre_stop.ts";
import { stopTimeoutPlugin } from "../plugins/stop_timeout.ts";
import { presetPlugin } from "../plugins/presets.ts";

/** The name denit was started under (argv[0] of the process), for tini/dumb-init modes. */
function invokedAs(): string | undefined {
  try {
    return Deno.readTextFileSync("/proc/self/cmdline").split("\0")[0];
  } catch {
    return undefined;
  }
}

function versionLine(compat: CompatMode): string {
  // Docker parses `docker-init --version` as "tini version X"; catatonit does the same.
  if (compat === "tini") return `tini version ${VERSION}_denit`;
  if (compat === "dumb-init") return `dumb-init v${VERSION} (denit)`;
  return `denit ${VERSION}`;
}

function writeStdout(text: string): void {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  while (offset < bytes.length) offset += Deno.stdout.writeSync(bytes.subarray(offset));
}

/** The built-in plugins the flags ask for, in chain order; user plugins come after. */
function builtinPlugins(config: Config): unknown[] {
  const plugins: unknown[] = [];
  const table: Array<[number, number]> = [];
  if (config.compat === "tini") {
    table.push([21, 0], [22, 0]); // tini ignores SIGTTIN and SIGTTOU
  } else if (!config.singleChild) {
    // dumb-init: the child's group is orphaned in its own session, where the kernel
    // discards default-action TSTP/TTIN/TTOU; SIGSTOP really stops it.
    table.push([20, 19], [21, 19], [22, 19]);
  }
  table.push(...config.rewrites);
  plugins.push(rewritePlugin(table));
  for (const preset of config.presets) plugins.push(presetPlugin(preset));
  const stopSignal = signalName(config.stopSignal);
  if (config.preStop !== null) {
    plugins.push(preStopPlugin({
      argv: config.preStop.argv,
      timeoutMs: config.preStopTimeoutMs,
      stopSignal,
    }));
  }
  if (config.stopTimeoutMs !== null) {
    plugins.push(stopTimeoutPlugin({ timeoutMs: config.stopTimeoutMs, stopSignal }));
  }
  if (config.remapExitCodes.length > 0) plugins.push(remapExitPlugin(config.remapExitCodes));
  return plugins;
}

async function registerPlugins(config: Config, log: Logger): Promise<PluginHost> {
  const host = new PluginHost(log);
  for (const plugin of builtinPlugins(config)) host.register(plugin);
  const cwd = Deno.cwd();
  for (const path of config.plugins) {
    const plugin = await loadPluginFile(path, cwd);
    try {
      host.register(plugin);
    } catch (error) {
      throw new DenitError(`Cannot use plugin "${path}": ${describeError(error)}`);
    }
  }
  return host;
}

/** Keep PID 1 alive whatever a plugin or a bug throws after start-up. */
function installGuards(log: Logger): void {
  globalThis.addEventListener("error", (event) => {
    event.preventDefault();
    log.error(`Uncaught error: ${describeError(event.error)}`, { event: "error.uncaught" });
  });
  globalThis.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    log.error(`Unhandled rejection: ${describeError(event.reason)}`, { event: "error.uncaught" });
  });
}

function becomeReaper(libc: Libc, config: Config, log: Logger): void {
  if (libc.pid() === 1) return;
  try {
    libc.becomeSubreaper();
  } catch (error) {
    if (config.subreaper) throw new DenitError(describeError(error));
    log.warn(`${describeError(error)}; orphans will not be reaped by denit`);
  }
}

function warnAboutNodeOptions(log: Logger): void {
  const options = Deno.env.get("NODE_OPTIONS");
  if (options === undefined || !/(^|\s)(--require|-r|--import|--inspect)/.test(options)) return;
  log.warn(
    "NODE_OPTIONS asks Deno to load code or a debugger into denit itself under `deno run`; " +
      "the child still gets it. Use the compiled denit binary to avoid this",
    { event: "node_options" },
  );
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
    const secondStage = isSecondStage();
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
    installGuards(log);
    warnAboutNodeOptions(log);

    // 4. Plugins: validated and ordered before anything runs.
    let host: PluginHost;
    try {
      host = await registerPlugins(config, log);
    } catch (error) {
      if (error instanceof DenitError) throw error;
      throw new DenitError(describeError(error));
    }

    // 5. Reap orphans even when not PID 1; optional parent-death signal.
    becomeReaper(libc, config, log);
    if (config.parentDeathSignal !== null) libc.setParentDeathSignal(config.parentDeathSignal);

    // 6. Spawn the child and supervise it to the end.
    return await new Supervisor({ libc, log, config, host, source }).run();
  } catch (error) {
    if (error instanceof DenitError) {
      log.error(error.message, { event: "fatal" });
      return error.exitCode;
    }
    log.error(`Unexpected error: ${describeError(error)}`, { event: "fatal" });
    return EXIT_USAGE;
  }
}

/** Run the CLI and exit with its code. */
export async function runCli(): Promise<never> {
  const code = await main(Deno.args);
  Deno.exit(code);
}
