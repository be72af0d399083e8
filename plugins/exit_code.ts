/**
 * Report chosen exit codes as success, like tini's `-e CODE`.
 *
 * @module
 */

import { definePlugin } from "../src/api.ts";
import type { Plugin } from "../src/api.ts";
import { remapExitCode } from "../src/exit_code.ts";

/** The plugin behind `-e/--remap-exit`: each listed code becomes 0. */
export function remapExitPlugin(codes: readonly number[]): Plugin {
  const expected = new Set(codes);
  return definePlugin({
    name: "remap-exit",
    order: "post",
    onChildExit(exit) {
      const exitCode = remapExitCode(exit.exitCode, expected);
      if (exitCode !== exit.exitCode) return { exitCode };
    },
  });
}
