/**
 * The second half of `main`: everything that happens once signals are
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
import { loadPluginFile } from "./plugin/load.ts";
import type { SignalSource } from "./signal_source.ts";
import { signalName } from "./signals.ts";
import { Supervisor } from "./supervisor.ts";
import { rewritePlugin } from "../plugins/rewrite.ts";
import { remapExitPlugin } from "../plugins/exit_code.ts";
import { preStopPlugin } from "../plugins/pre_stop.ts";
import { stopTimeoutPlugin } from "../plugins/stop_timeout.ts";
import { presetPlugin, presetStopSignals } from "../plugins/presets.ts";

/** What {@link supervise} needs from the first steps. */
export interface SuperviseOptions {
  libc: Libc;
  log: Logger;
  config: Config;
  source: SignalSource;
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
  // An explicit --stop-signal decides; else the presets' stop signals; else SIGTERM.
  const stopSignals = config.stopSignals?.map(signalName) ?? presetStopSignals(config.presets) ??
    ["SIGTERM"];
  if (config.preStop !== null) {
    plugins.push(preStopPlugin({
      argv: config.preStop.argv,
      timeoutMs: config.preStopTimeoutMs,
      stopSignals,
    }));
  }
  if (config.stopTimeoutMs !== null) {
    plugins.push(stopTimeoutPlugin({ timeoutMs: config.stopTimeoutMs, stopSignals }));
  }
  if (config.remapExitCodes.length > 0) plugins.push(remapExitPlugin(config.remapExitCodes));
  return plugins;
}

/**
 * A plugin module exports a plugin, or a factory that makes one from its options (the way
 * Vite and Rollup plugins are written): `--plugin PATH={"key":1}` calls it with the object,
 * `--plugin PATH` with nothing.
 */
async function instantiate(
  exported: unknown,
  options: Record<string, unknown> | undefined,
): Promise<unknown> {
  if (typeof exported === "function") {
    return options === undefined ? await exported() : await exported(options);
  }
  if (options !== undefined) {
    throw new TypeError("options were given, but the module exports a plugin, not a factory");
  }
  return exported;
}

/**
 * Register the built-in plugins given, then the user's `--plugin` modules, in that order.
 * Throws {@link DenitError} for a module that cannot be used.
 */
export async function registerPlugins(
  config: Config,
  log: Logger,
  builtins: readonly unknown[],
): Promise<PluginHost> {
  const host = new PluginHost(log);
  for (const plugin of builtins) host.register(plugin);
  const cwd = config.plugins.length === 0 ? "/" : Deno.cwd(); // may not be UTF-8: ask only if needed
  for (const { path, options } of config.plugins) {
    const exported = await loadPluginFile(path, cwd);
    try {
      host.register(await instantiate(exported, options));
    } catch (error) {
      throw new DenitError(`Cannot use plugin ${JSON.stringify(path)}: ${describeError(error)}`);
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
      if (config.parentDeathSignal !== null) libc.setParentDeathSignal(config.parentDeathSignal);
    });
  }

  // Plugins: validated and ordered before anything runs.
  let host: PluginHost;
  try {
    host = await registerPlugins(config, log, builtinPlugins(config));
  } catch (error) {
    if (error instanceof DenitError) throw error;
    throw new DenitError(describeError(error));
  }

  // Reap orphans even when not PID 1; optional parent-death signal.
  becomeReaper(libc, config, log);
  if (config.parentDeathSignal !== null) libc.setParentDeathSignal(config.parentDeathSignal);

  // Spawn the child and supervise it to the end.
  return await new Supervisor({ libc, log, config, host, source }).run();
}
