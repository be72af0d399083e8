/**
 * Loading plugin files named on the command line. When denit runs as root, a
 * plugin runs as root inside PID 1, so a file anyone else could change is
 * refused, as sudo and sshd refuse such configuration files.
 *
 * @module
 */

import type { Config } from "../cli.ts";
import { DenitError, describeError } from "../errors.ts";
import type { PluginHost } from "./host.ts";
import { runningAsRoot, unsafeModuleGraph } from "../trust.ts";

/**
 * How long a plugin or services module may take to load, and a factory to make its plugin:
 * generous, since a first run may fetch a plugin's `npm:` or `https:` imports.
 */
const LOAD_TIMEOUT_MS = 30_000;

/**
 * `work`, or a {@link DenitError} once {@link LOAD_TIMEOUT_MS} has passed. Nothing else keeps
 * Deno's event loop alive this early (the signal read starts with the child): a module whose
 * top-level await or factory never settles would let Deno end denit with 0 and no child. So
 * this is a real `setTimeout`, whose first use costs 8–10 ms, paid only with plugins.
 */
async function inLoadTime<T>(what: string, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DenitError(`${what}: it did not load within ${LOAD_TIMEOUT_MS} ms`)),
      LOAD_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

function isAbsolute(path: string): boolean {
  return path.startsWith("/");
}

/**
 * Plugins run inside PID 1 and must not end it. Before any plugin module loads,
 * the process-ending functions a plugin could reach by accident (`Deno.exit`,
 * the global `close()` and, when `node:process` is given, its `exit`,
 * `reallyExit` and `abort`) are replaced by functions that throw, and made
 * read-only so a plugin cannot swap them back or for its own. A hook that calls
 * one fails like any hook that throws: logged and skipped. denit itself exits
 * through references it took before this.
 */
export function lockProcessExits(nodeProcess?: object): void {
  const lock = (owner: object, key: string, shown: string) => {
    Object.defineProperty(owner, key, {
      value: () => {
        throw new Error(`Cannot end denit from a plugin: ${shown} is disabled in PID 1`);
      },
      writable: false,
      configurable: false,
      enumerable: true,
    });
  };
  lock(Deno, "exit", "Deno.exit()");
  lock(globalThis, "close", "close()");
  if (nodeProcess !== undefined) {
    for (const key of ["exit", "reallyExit", "abort"]) lock(nodeProcess, key, `process.${key}()`);
  }
}

/**
 * Resolve, check and import a module denit runs inside PID 1 (a plugin, the
 * services file); `kind` names it in messages. As root, the module and every
 * local module it imports must be safe from other users (see trust.ts).
 */
export async function importTrustedModule(
  path: string,
  cwd: string,
  kind: string,
): Promise<Record<string, unknown>> {
  const shown = JSON.stringify(path);
  const absolute = isAbsolute(path) ? path : `${cwd.replace(/\/$/, "")}/${path}`;
  let real: string;
  try {
    real = await Deno.realPath(absolute);
  } catch (error) {
    throw new DenitError(`Cannot load ${kind} ${shown}: ${describeError(error)}`);
  }
  if (runningAsRoot()) {
    // The module and every local module it imports, where each name points and where each
    // file really is (a link in a writable directory could be swapped, and so could its
    // target), before any of them is evaluated.
    const reason = unsafeModuleGraph(absolute);
    if (reason !== null) {
      throw new DenitError(
        `Refusing ${kind} ${shown} while running as root: ${reason} (chmod go-w, chown root)`,
      );
    }
  }
  try {
    const url = new URL("file://" + real.split("/").map(encodeURIComponent).join("/"));
    return await inLoadTime(`Cannot load ${kind} ${shown}`, import(url.href));
  } catch (error) {
    if (error instanceof DenitError) throw error;
    throw new DenitError(`Cannot load ${kind} ${shown}: ${describeError(error)}`);
  }
}

/** Resolve, check and import one plugin module; returns its plugin export. */
export async function loadPluginFile(path: string, cwd: string): Promise<unknown> {
  const module = await importTrustedModule(path, cwd, "plugin");
  const plugin = module["default"] ?? module["plugin"];
  if (plugin === undefined) {
    throw new DenitError(
      `Cannot load plugin ${
        JSON.stringify(path)
      }: it has no default export and no export named "plugin"`,
    );
  }
  return plugin;
}

/**
 * A plugin module exports a plugin, or a factory that makes one from its options (the way
 * Vite and Rollup plugins are written): `--plugin PATH={"key":1}` calls it with the object,
 * `--plugin PATH` with nothing.
 */
async function instantiate(
  exported: unknown,
  options: Record<string, unknown> | undefined,
): Promise<unknown> {
  if (typeof exported === "function") {
    return options === undefined ? await exported() : await exported(options);
  }
  if (options !== undefined) {
    throw new TypeError("options were given, but the module exports a plugin, not a factory");
  }
  return exported;
}

/**
 * Register the built-in plugins given, then the user's `--plugin` modules, in that order,
 * into `host` (made by the caller: stage one, which imports this module, loads no host).
 * Throws {@link DenitError} for a plugin that cannot be used.
 */
export async function registerPlugins(
  host: PluginHost,
  config: Config,
  builtins: readonly unknown[],
): Promise<PluginHost> {
  try {
    for (const plugin of builtins) host.register(plugin);
    const cwd = config.plugins.length === 0 ? "/" : Deno.cwd(); // may not be UTF-8: ask if needed
    for (const { path, options } of config.plugins) {
      const exported = await loadPluginFile(path, cwd);
      const what = `Cannot use plugin ${JSON.stringify(path)}`;
      try {
        host.register(await inLoadTime(what, instantiate(exported, options)));
      } catch (error) {
        if (error instanceof DenitError) throw error; // it did not load in time
        throw new DenitError(`${what}: ${describeError(error)}`);
      }
    }
  } catch (error) {
    if (error instanceof DenitError) throw error;
    throw new DenitError(describeError(error));
  }
  return host;
}
