/**
 * Services: write a services file in a temp dir, run denit on it as PID 1 with
 * the JSON log, shell loops that stop on SIGTERM, and nothing left at the end.
 *
 * @module
 */

import { equal } from "node:assert/strict";
import { ROOT, startDenit } from "./denit.ts";
import type { DenitProcess, StartOptions } from "./denit.ts";
import { events, indexOf } from "./logs.ts";

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
