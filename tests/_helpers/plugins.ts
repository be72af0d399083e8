/**
 * Plugins: plugin modules written into a fresh directory, each wrapped in
 * `definePlugin` from the denit under test.
 *
 * @module
 */

import { MOD } from "./denit.ts";

/** Write plugin modules into a fresh directory; returns their paths and a cleanup. */
export async function plugins(sources: Record<string, string>): Promise<{
  paths: Record<string, string>;
  args: string[];
  [Symbol.asyncDispose](): Promise<void>;
}> {
  const dir = await Deno.makeTempDir({ prefix: "denit-hooks-" });
  const paths: Record<string, string> = {};
  for (const [name, body] of Object.entries(sources)) {
    paths[name] = `${dir}/${name}.ts`;
    await Deno.writeTextFile(
      paths[name],
      `import { definePlugin } from "${MOD}";\nexport default definePlugin(${body});\n`,
    );
  }
  return {
    paths,
    args: Object.values(paths).flatMap((path) => ["--plugin", path]),
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}
