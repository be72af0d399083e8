/**
 * Helpers for services tests: write a services file in a temp dir, run denit
 * on it as PID 1 with the JSON log, and read the timeline.
 *
 * @module
 */

import { equal } from "node:assert/strict";
import { DENO, ROOT, startDenit, waitFor } from "./_helpers.ts";
import type { DenitProcess, StartOptions } from "./_helpers.ts";

export { DENO, ROOT };

/** One JSON log record. */
export type LogEvent = Record<string, unknown> & { event?: string; service?: string };

/** The JSON records in a stderr text (other lines are skipped). */
export function events(stderr: string): LogEvent[] {
  const found: LogEvent[] = [];
  for (const line of stderr.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      found.push(JSON.parse(line));
    } catch {
      // not a log record
    }
  }
  return found;
}

/** Index of the first record matching `event` (and `service`), or -1. */
export function indexOf(list: LogEvent[], event: string, service?: string): number {
  return list.findIndex((e) =>
    e.event === event && (service === undefined || e.service === service)
  );
}

/** Every record matching `event` (and `service`). */
export function all(list: LogEvent[], event: string, service?: string): LogEvent[] {
  return list.filter((e) => e.event === event && (service === undefined || e.service === service));
}

/** A temp dir holding `services.ts` made from `body` (an object literal as TypeScript text). */
export async function servicesDir(
  body: (dir: string) => string,
): Promise<{ path: string; file: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix: "denit-services-" });
  const file = `${path}/services.ts`;
  await Deno.writeTextFile(
    file,
    `import type { ServicesFile } from "${ROOT}/mod.ts";\nexport default ${
      body(path)
    } satisfies ServicesFile;\n`,
  );
  return { path, file, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}

/** Start denit as PID 1 on a services file, JSON log on stderr. */
export function startServices(
  file: string,
  extra: readonly string[] = [],
  program: readonly string[] = [],
  options: StartOptions = {},
): DenitProcess {
  return startDenit([
    "--log-format",
    "json",
    "--services",
    file,
    ...extra,
    ...(program.length > 0 ? ["--", ...program] : []),
  ], options);
}

/** Wait until the timeline has a record matching `event` (and `service`). */
export function waitForEvent(
  denit: DenitProcess,
  event: string,
  service?: string,
  timeoutMs = 15_000,
): Promise<LogEvent> {
  return waitFor(
    () =>
      events(denit.stderr.text).find((e) =>
        e.event === event && (service === undefined || e.service === service)
      ),
    `event ${event}${service === undefined ? "" : ` of ${service}`}`,
    timeoutMs,
  );
}

/** A shell loop that prints NAME-got-term and exits 0 on SIGTERM; `extra` runs first. */
export const loop = (name: string, extra = ""): string =>
  JSON.stringify(
    `trap 'echo ${name}-got-term; exit 0' TERM; ${extra} while :; do sleep 0.05; done`,
  );

/** No process was left for the drain: PID 1 had no child after the last service. */
export function nothingLeft(stderr: string): void {
  const list = events(stderr);
  equal(indexOf(list, "drain.started"), -1, "the drain found processes left");
  equal(indexOf(list, "drain.killed"), -1, "the drain had to kill");
}

/** The host pid of the process whose pid in denit's namespace is `nsPid`. */
export async function hostPidOf(denitHostPid: number, nsPid: number): Promise<number> {
  return await waitFor(() => {
    for (const entry of Deno.readDirSync("/proc")) {
      if (!/^\d+$/.test(entry.name)) continue;
      try {
        const status = Deno.readTextFileSync(`/proc/${entry.name}/status`);
        const nspid = /^NSpid:\s+(.*)$/m.exec(status)?.[1]?.split(/\s+/).map(Number) ?? [];
        const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]);
        if (nspid.length === 2 && nspid[1] === nsPid && ppid === denitHostPid) {
          return Number(entry.name);
        }
      } catch {
        // gone
      }
    }
    return 0;
  }, `pid ${nsPid} of the namespace`);
}
