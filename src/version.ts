/**
 * denit's version, in one place. A TypeScript constant rather than an import of
 * deno.json: Deno cannot load a JSON module from a directory whose name is not
 * UTF-8, and denit must run from one. `deno task publish` hands it to
 * `deno publish --set-version`, so deno.json carries no version to drift.
 *
 * @module
 */

/** denit's version. */
export const VERSION = "0.1.0";
