/**
 * What happens when the reaper collects a process nobody waits for (an
 * orphan adopted by denit): a log line (warn with `-w`, else debug) and the
 * plugins' `onOrphanReaped`. Shared by both supervisors.
 *
 * @module
 */

import type { Config } from "./cli.ts";
import type { Logger } from "./log.ts";
import type { PluginHost } from "./plugin/host.ts";
import { decodeWaitStatus } from "./reaper.ts";

/** The reaper's orphan callback. Decodes the status only when someone looks at it. */
export function orphanReporter(
  config: Config,
  log: Logger,
  host: PluginHost,
): (pid: number, rawStatus: number) => void {
  return (pid, rawStatus) => {
    const logged = config.warnOnReap || log.enabled("debug");
    const watched = host.has("onOrphanReaped");
    if (!logged && !watched) return;
    const status = decodeWaitStatus(pid, rawStatus);
    const fields = { event: "zombie.reaped", pid, exitCode: status.exitCode };
    if (config.warnOnReap) log.warn(`Reaped zombie process with pid=${pid}`, fields);
    else log.debug(`Reaped zombie process with pid=${pid}`, fields);
    if (watched) host.orphanReaped(status);
  };
}
