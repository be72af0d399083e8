/**
 * Helpers for services tests: write a services file in a temp dir, run denit
 * on it as PID 1 with the JSON log, and read the timeline.
 *
 * @module
 */

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
