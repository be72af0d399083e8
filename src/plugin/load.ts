/**
 * Loading plugin files named on the command line. When denit runs as root, a
 * plugin runs as root inside PID 1, so a file anyone else could change is
 * refused, as sudo and sshd refuse such configuration files.
 *
 * @module
 */

import { DenitError, describeError } from "../errors.ts";

function isAbsolute(path: string): boolean {
  return path.startsWith("/");
}

function parentOf(path: string): string {
  const index = path.lastIndexOf("/");
  return index <= 0 ? "/" : path.slice(0, index);
}

/** Every directory from `/` down to `path`'s parent, then `path` itself. */
function chain(path: string): string[] {
  const paths = [path];
  for (let current = parentOf(path);; current = parentOf(current)) {
    paths.unshift(current);
    if (current === "/") break;
  }
  return paths;
}

/**
 * Why `path` (a file, through every directory above it) is unsafe for root to
 * load, or null when it is safe: writable by group or others (except a
 * root-owned sticky directory such as /tmp), or owned by a user other than root.
 */
export function unsafeReason(path: string): string | null {
  for (const entry of chain(path)) {
    const info = Deno.lstatSync(entry);
    const mode = info.mode ?? 0;
    const uid = info.uid ?? 0;
    if (uid !== 0) return `${entry} is owned by uid ${uid}, not root`;
    // A symlink's own mode is always 0777 and means nothing; who can replace it is decided by
    // the directory it stands in (checked as the entry before), and its target is checked apart.
    if (info.isSymlink) continue;
    const sticky = (mode & 0o1000) !== 0 && info.isDirectory;
    if ((mode & 0o022) !== 0 && !sticky) {
      return `${entry} is writable by ${(mode & 0o002) !== 0 ? "others" : "its group"}`;
    }
  }
  return null;
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

/** Resolve, check and import one plugin module; returns its plugin export. */
export async function loadPluginFile(path: string, cwd: string): Promise<unknown> {
  const absolute = isAbsolute(path) ? path : `${cwd.replace(/\/$/, "")}/${path}`;
  let real: string;
  try {
    real = await Deno.realPath(absolute);
  } catch (error) {
    throw new DenitError(`Cannot load plugin ${JSON.stringify(path)}: ${describeError(error)}`);
  }
  if (Deno.uid() === 0) {
    // Check where the name points and where it really is: a link in a writable
    // directory could be swapped, and so could its target.
    const reason = unsafeReason(real) ??
      (absolute === real ? null : unsafeReason(parentOf(absolute)));
    if (reason !== null) {
      throw new DenitError(
        `Refusing plugin ${
          JSON.stringify(path)
        } while running as root: ${reason} (chmod go-w, chown root)`,
      );
    }
  }
  let module: Record<string, unknown>;
  try {
    const url = new URL("file://" + real.split("/").map(encodeURIComponent).join("/"));
    module = await import(url.href);
  } catch (error) {
    throw new DenitError(`Cannot load plugin ${JSON.stringify(path)}: ${describeError(error)}`);
  }
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
