/**
 * What a `setup()` hook may change about the child's launch, checked. A
 * malformed result is the hook's failure (logged and skipped by the host); one
 * that could not reach the kernel as meant ends denit before the child runs.
 *
 * @module
 */

import { DenitError } from "../errors.ts";
import { EXIT_USAGE } from "../exit_code.ts";
import type { LaunchSpec } from "./types.ts";

/**
 * `current` with `patch` applied. Throws a `TypeError` for a malformed patch (the hook
 * is skipped) and a {@link DenitError} for one that cannot be passed to the kernel
 * as meant (a NUL byte, a `=` in a variable name): denit refuses to start.
 */
export function applyLaunchPatch(
  plugin: string,
  patch: Partial<LaunchSpec>,
  current: LaunchSpec,
): LaunchSpec {
  const next = { ...current };
  const refuse = (what: string) => {
    throw new DenitError(`Plugin "${plugin}" setup returned ${what}`, EXIT_USAGE);
  };
  const argv: unknown = patch.argv;
  if (argv !== undefined) {
    if (
      !Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === "string")
    ) {
      throw new TypeError("setup returned an argv that is not a string array");
    }
    if (argv.some((arg) => arg.includes("\0"))) refuse("an argv item holding a NUL byte");
    next.argv = [...argv];
  }
  const env: unknown = patch.env;
  if (env !== undefined) {
    if (typeof env !== "object" || env === null) {
      throw new TypeError("setup returned an env that is not an object");
    }
    const entries = Object.entries(env).map(([key, value]) => [key, String(value)] as const);
    for (const [key, value] of entries) {
      if (key === "" || key.includes("=") || key.includes("\0")) {
        refuse(`an env variable named ${JSON.stringify(key)} (no "=", no NUL, not empty)`);
      }
      if (value.includes("\0")) refuse(`a NUL byte in env variable ${JSON.stringify(key)}`);
    }
    next.env = Object.fromEntries(entries);
  }
  const cwd: unknown = patch.cwd;
  if (cwd !== undefined) {
    if (typeof cwd !== "string") throw new TypeError("setup returned a cwd that is not a string");
    if (cwd.includes("\0")) refuse("a cwd holding a NUL byte");
    next.cwd = cwd;
  }
  return next;
}
