/**
 * Plugins: plugin modules written into a fresh directory, each wrapped in
 * `definePlugin` from the denit under test, and a started host for unit tests.
 *
 * @module
 */

import { MOD } from "./denit.ts";
import { createLogger } from "../../src/log.ts";
import { PluginHost } from "../../src/plugin/host.ts";

/**
 * A plugin host as the supervisor leaves it after `start`, logging at debug level into
 * `lines` (child pid 42; helpers cannot run in unit tests).
 */
export function startedHost(): { host: PluginHost; lines: string[] } {
  const lines: string[] = [];
  const log = createLogger({ level: "debug", format: "text", sink: (line) => lines.push(line) });
  const host = new PluginHost(log);
  host.start({
    childPid: () => 42,
    run: () => Promise.reject(new Error("no helpers in unit tests")),
    kill: () => true,
  });
  return { host, lines };
}

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
