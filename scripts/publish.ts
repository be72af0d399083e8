/**
 * `deno task publish [ARGS...]`: `deno publish` with the version from
 * src/version.ts (its one source), e.g. `deno task publish --dry-run`.
 *
 * @module
 */

import { VERSION } from "../src/version.ts";

const status = await new Deno.Command(Deno.execPath(), {
  args: ["publish", "--set-version", VERSION, ...Deno.args],
  stdin: "inherit",
  stdout: "inherit",
  stderr: "inherit",
}).spawn().status;
Deno.exit(status.code);
