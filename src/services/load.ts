/**
 * Loading the services file named by `--services`: the same rules as plugin
 * files (a file anyone but root could change is refused when denit runs as
 * root), then the shape is checked before any process starts.
 *
 * @module
 */

import { DenitError, describeError } from "../errors.ts";
import { unsafeReason } from "../plugin/load.ts";
import type { ServiceSpec } from "./types.ts";
import { validateServices } from "./validate.ts";

function parentOf(path: string): string {
  const index = path.lastIndexOf("/");
  return index <= 0 ? "/" : path.slice(0, index);
}

/** Resolve, check and import a services file; returns its default export. */
export async function importServicesFile(path: string, cwd: string): Promise<unknown> {
  const shown = JSON.stringify(path);
  const absolute = path.startsWith("/") ? path : `${cwd.replace(/\/$/, "")}/${path}`;
  let real: string;
  try {
    real = await Deno.realPath(absolute);
  } catch (error) {
    throw new DenitError(`Cannot load services file ${shown}: ${describeError(error)}`);
  }
  if (Deno.uid() === 0) {
    const reason = unsafeReason(real) ??
      (absolute === real ? null : unsafeReason(parentOf(absolute)));
    if (reason !== null) {
      throw new DenitError(
        `Refusing services file ${shown} while running as root: ${reason} (chmod go-w, chown root)`,
      );
    }
  }
  let module: Record<string, unknown>;
  try {
    const url = new URL("file://" + real.split("/").map(encodeURIComponent).join("/"));
    module = await import(url.href);
  } catch (error) {
    throw new DenitError(`Cannot load services file ${shown}: ${describeError(error)}`);
  }
  if (module["default"] === undefined) {
    throw new DenitError(`Cannot load services file ${shown}: it has no default export`);
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
