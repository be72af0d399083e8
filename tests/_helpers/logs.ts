/**
 * denit's JSON log (`--log-format json`): the records in a stderr text, the
 * first or every record of one event (and service), and waiting for one.
 *
 * @module
 */

import { waitFor } from "./async.ts";
import type { DenitProcess } from "./denit.ts";

/** One JSON log record. */
export type LogEvent = Record<string, unknown> & { event?: string; service?: string };

/** The JSON records in a stderr text (other lines, and a partial last line, are skipped). */
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

/**
 * Every line of a finished run's stderr as a JSON record: throws naming the first line that is
 * not JSON (a `--log-format json` run writes nothing else).
 */
export function jsonLines(stderr: string): LogEvent[] {
  return stderr.split("\n").filter((line) => line !== "").map((line) => {
    try {
      return JSON.parse(line) as LogEvent;
    } catch {
      throw new Error(`stderr line is not JSON: ${JSON.stringify(line)}`);
    }
  });
}
