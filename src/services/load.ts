/**
 * Loading the services file named by `--services`: the same rules as plugin
 * files (a file anyone but root could change is refused when denit runs as
 * root), then the shape is checked before any process starts.
 *
 * @module
 */

import { DenitError } from "../errors.ts";
import { importTrustedModule } from "../plugin/load.ts";
import type { ServiceSpec } from "./types.ts";
import { validateServices } from "./validate.ts";

/** Resolve, check and import a services file; returns its default export. */
export async function importServicesFile(path: string, cwd: string): Promise<unknown> {
  const module = await importTrustedModule(path, cwd, "services file");
  if (module["default"] === undefined) {
    throw new DenitError(
      `Cannot load services file ${JSON.stringify(path)}: it has no default export`,
    );
  }
  return module["default"];
}

/** Load and validate: the checked services, in file order. */
export async function loadServices(
  path: string,
  cwd: string,
  reserved: readonly string[],
): Promise<ServiceSpec[]> {
  return validateServices(await importServicesFile(path, cwd), reserved);
}
