/**
 * The services branch of start-up phase two (stage_two.ts): load and check the services file, load
 * plugins, then run the services supervisor. Imported only when `--services`
 * is given, so the single-child path loads none of this.
 *
 * @module
 */

import type { Config } from "../cli.ts";
import type { Libc } from "../ffi/libc.ts";
import type { Logger } from "../log.ts";
import { PluginHost } from "../plugin/host.ts";
import { registerPlugins } from "../plugin/load.ts";
import type { SignalSource } from "../signal_source.ts";
import { builtinServicePlugins } from "../../plugins/builtin.ts";
import { loadServices } from "./load.ts";
import { SignalPolicy } from "./policy.ts";
import { ServicesSupervisor } from "./supervisor.ts";
import type { ServiceSpec } from "./types.ts";
import type { ServiceEntry } from "./unit.ts";
import { MAIN_SERVICE } from "./validate.ts";

/** What the services branch needs from `supervise`. */
export interface ServicesOptions {
  libc: Libc;
  log: Logger;
  config: Config;
  source: SignalSource;
}

/** `-- PROGRAM` as a service: started after every file service, stopped first. */
function mainService(config: Config, others: readonly ServiceSpec[]): ServiceEntry {
  const spec: ServiceSpec = {
    name: MAIN_SERVICE,
    argv: [...config.command],
    env: {},
    cwd: null,
    preset: null,
    signals: new Map(config.rewrites),
    stopSignal: null,
    stopGraceMs: config.stopTimeoutMs ?? 10_000,
    dependsOn: others.map((other) => other.name),
    ready: null,
    readyTimeoutMs: 0,
    restart: "no",
    restartLimit: { count: 0, windowMs: 0 },
    backoff: { initialMs: 0, maxMs: 0 },
    critical: false,
    oneshot: false,
    main: true,
    output: "inherit",
  };
  // The CLI's flags are its policy: -r first, then --preset, as for a single child.
  return { spec, policy: new SignalPolicy(spec.signals, config.presets, null) };
}

/**
 * Run the services. Throws a `DenitError` (exit 125) before any process
 * starts; afterwards it always returns an exit code. `prepare` becomes the
 * reaper (and sets the parent-death signal) once everything is checked.
 */
export async function superviseServices(
  options: ServicesOptions,
  prepare: () => void,
): Promise<number> {
  const { libc, log, config, source } = options;
  const hasProgram = config.command.length > 0;
  const specs = await loadServices(config.services!, Deno.cwd(), hasProgram ? [MAIN_SERVICE] : []);
  const host = await registerPlugins(new PluginHost(log), config, builtinServicePlugins(config));
  const entries: ServiceEntry[] = specs.map((spec) => ({
    spec,
    policy: new SignalPolicy(
      spec.signals,
      spec.preset === null ? [] : [spec.preset],
      spec.stopSignal,
    ),
  }));
  if (hasProgram) entries.push(mainService(config, specs));
  prepare();
  return await new ServicesSupervisor({ libc, log, config, host, source, entries }).run();
}
