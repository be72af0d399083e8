/**
 * Start-up, phase two: the second half of `main`, everything that happens once signals are
 * collected and the command line is understood. Kept apart so that stage one
 * loads none of it.
 *
 * @module
 */

import type { Config } from "./cli.ts";
import { DenitError, describeError } from "./errors.ts";
import type { Libc } from "./ffi/libc.ts";
import type { Logger } from "./log.ts";
import { PluginHost } from "./plugin/host.ts";
import { registerPlugins } from "./plugin/load.ts";
import type { SignalSource } from "./signal_source.ts";
import { signalNumber } from "./signals.ts";
import { Supervisor } from "./supervisor.ts";
import { builtinPlugins } from "../plugins/builtin.ts";

/** What {@link supervise} needs from the first steps. */
export interface SuperviseOptions {
  libc: Libc;
  log: Logger;
  config: Config;
  source: SignalSource;
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

/** `-p`: the signal denit gets when its parent dies. */
function setParentDeathSignal(libc: Libc, config: Config): void {
  if (config.parentDeathSignal !== null) {
    libc.setParentDeathSignal(signalNumber(config.parentDeathSignal));
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
 * Steps 4 to 6 of `main`: guards, plugins, reaper role, then the child. Throws
 * {@link DenitError} only before the child is spawned.
 */
export async function supervise(options: SuperviseOptions): Promise<number> {
  const { libc, log, config, source } = options;
  installGuards(log);
  warnAboutNodeOptions(log);

  // Several services instead of one child: its modules load only when asked for.
  if (config.services !== null) {
    const { superviseServices } = await import("./services/run.ts");
    return await superviseServices(options, () => {
      becomeReaper(libc, config, log);
      setParentDeathSignal(libc, config);
    });
  }

  // Plugins: validated and ordered before anything runs.
  const host = await registerPlugins(new PluginHost(log), config, builtinPlugins(config));

  // Reap orphans even when not PID 1; optional parent-death signal.
  becomeReaper(libc, config, log);
  setParentDeathSignal(libc, config);

  // Spawn the child and supervise it to the end.
  return await new Supervisor({ libc, log, config, host, source }).run();
}
