/**
 * What root may run. When denit runs as root, every file it executes code from
 * runs as root in PID 1: a plugin and every local module it imports, the C
 * library named by DENIT_LIBC, and the code Deno takes from its cache
 * (DENO_DIR). A file, or a directory above it, that a user other than root
 * could replace is refused, as sudo and sshd refuse such configuration files.
 *
 * @module
 */

import { DenitError, describeError } from "./errors.ts";

function parentOf(path: string): string {
  const index = path.lastIndexOf("/");
  return index <= 0 ? "/" : path.slice(0, index);
}

/** Every directory from `/` down to `path`'s parent, then `path` itself. */
function chain(path: string): string[] {
  const paths = [path];
  for (let current = parentOf(path); paths[0] !== "/"; current = parentOf(current)) {
    paths.unshift(current);
  }
  return paths;
}

/**
 * Why `entry` itself (not the directories above it) could be changed by a user
 * other than root, or null: owned by another user, or writable by group or
 * others (except a root-owned sticky directory such as /tmp). A symlink's own
 * mode is always 0777 and means nothing: who can replace it is decided by the
 * directory it stands in, and its target is checked apart.
 */
function entryReason(entry: string, info: Deno.FileInfo): string | null {
  const mode = info.mode ?? 0;
  const uid = info.uid ?? 0;
  let reason: string | null = null;
  if (uid !== 0) {
    reason = `${entry} is owned by uid ${uid}, not root`;
  } else if (
    !info.isSymlink && (mode & 0o022) !== 0 && !((mode & 0o1000) !== 0 && info.isDirectory)
  ) {
    reason = `${entry} is writable by ${(mode & 0o002) !== 0 ? "others" : "its group"}`;
  }
  // Modes mean nothing where nobody can write: a Kubernetes configMap volume is a 0777
  // directory mounted read-only (the kubelet's emptyDir), and no one in the container can
  // change it, unless the same files are also mounted writable somewhere else.
  return reason !== null && onReadOnlyMount(entry) ? null : reason;
}

interface Mount {
  /** `major:minor` of the file system. */
  device: string;
  /** The directory of the file system this mount shows. */
  root: string;
  /** Where it is mounted. */
  point: string;
  readOnly: boolean;
}

let mounts: Mount[] | null = null;

/** /proc/self/mountinfo, parsed once (empty when it cannot be read). */
function mountTable(): Mount[] {
  if (mounts !== null) return mounts;
  mounts = [];
  let text: string;
  try {
    text = Deno.readTextFileSync("/proc/self/mountinfo");
  } catch {
    return mounts;
  }
  const unescape = (field: string) =>
    field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
  for (const line of text.split("\n")) {
    const fields = line.split(" ");
    const separator = fields.indexOf("-");
    if (fields.length < 6 || separator < 0) continue;
    const options = fields[5]!.split(",");
    const superOptions = (fields[separator + 3] ?? "").split(",");
    mounts.push({
      device: fields[2]!,
      root: unescape(fields[3]!),
      point: unescape(fields[4]!),
      readOnly: options.includes("ro") || superOptions.includes("ro"),
    });
  }
  return mounts;
}

function within(path: string, directory: string): boolean {
  return directory === "/" || path === directory || path.startsWith(directory + "/");
}

/** The mount `path` is on: the last (topmost) entry with the longest mount point above it. */
function mountOf(path: string): Mount | null {
  let found: Mount | null = null;
  for (const candidate of mountTable()) {
    if (
      within(path, candidate.point) &&
      (found === null || candidate.point.length >= found.point.length)
    ) {
      found = candidate;
    }
  }
  return found;
}

/**
 * Whether `path` is on a read-only mount and its file cannot be reached through
 * a writable mount of the same file system either (a writable mount that shows
 * the same directory at a path the read-only one does not cover).
 */
function onReadOnlyMount(path: string): boolean {
  const mount = mountOf(path);
  if (mount === null || !mount.readOnly) return false;
  const relative = mount.point === "/" ? path : path.slice(mount.point.length);
  const inFileSystem = ((mount.root === "/" ? "" : mount.root) + relative) || "/";
  return mountTable().every((other) => {
    if (other.device !== mount.device || other.readOnly || !within(inFileSystem, other.root)) {
      return true;
    }
    const rest = other.root === "/" ? inFileSystem : inFileSystem.slice(other.root.length);
    const alias = ((other.point === "/" ? "" : other.point) + rest) || "/";
    return mountOf(alias) !== other;
  });
}

/**
 * Why `path` (through every directory above it) is unsafe for root to load, or
 * null when it is safe. `path` must be absolute.
 */
function unsafeReason(path: string, known?: ReadonlyMap<string, Deno.FileInfo>): string | null {
  for (const entry of chain(path)) {
    const reason = entryReason(entry, known?.get(entry) ?? Deno.lstatSync(entry));
    if (reason !== null) return reason;
  }
  return null;
}

/**
 * Why a file named `path` is unsafe: where the name stands (a link in a
 * writable directory could be swapped) and where it really is. Null when safe.
 * `real` is `path` resolved, when the caller has it; `known` holds `lstat`s
 * the caller has just made (one stat per path: each is a call into Deno).
 */
export function unsafeFileReason(
  path: string,
  real: string = Deno.realPathSync(path),
  known?: ReadonlyMap<string, Deno.FileInfo>,
): string | null {
  return unsafeReason(real, known) ??
    (path === real ? null : unsafeReason(parentOf(path), known));
}

/** Whether denit runs as root (and so must check what it runs). */
export function runningAsRoot(): boolean {
  return Deno.uid() === 0;
}

/** Deno's cache directory, as Deno resolves it; null when it cannot be found. */
function denoDir(): string | null {
  const explicit = Deno.env.get("DENO_DIR");
  if (explicit !== undefined && explicit !== "") {
    return explicit.startsWith("/") ? explicit : `${Deno.cwd()}/${explicit}`;
  }
  const xdg = Deno.env.get("XDG_CACHE_HOME");
  if (xdg !== undefined && xdg.startsWith("/")) return `${xdg}/deno`;
  const home = Deno.env.get("HOME");
  return home !== undefined && home.startsWith("/") ? `${home}/.cache/deno` : null;
}

/**
 * Refuse (125, one line) a DENO_DIR that a user other than root could write
 * when denit runs as root: Deno executes the JavaScript it cached there for
 * denit's own TypeScript and for plugins, and its integrity hash is no secret.
 * Checked: the directory, every directory above it, and its top-level entries
 * (`gen/`, `remote/`, `npm/`, the code cache). A directory that does not exist
 * yet is checked from its nearest existing parent (root will create it).
 */
export function checkDenoDir(): void {
  if (Deno.build.standalone || !runningAsRoot()) return;
  const dir = denoDir();
  if (dir === null) return;
  const trimmed = dir.replace(/\/+$/, "") || "/";
  let existing = trimmed;
  const known = new Map<string, Deno.FileInfo>();
  for (;;) {
    try {
      known.set(existing, Deno.lstatSync(existing));
      break;
    } catch {
      existing = parentOf(existing);
    }
  }
  let reason: string | null;
  try {
    const real = Deno.realPathSync(existing);
    reason = unsafeFileReason(existing, real, known);
    if (reason === null && existing === trimmed) {
      for (const entry of Deno.readDirSync(real)) {
        const path = `${real}/${entry.name}`;
        reason = entryReason(path, Deno.lstatSync(path));
        if (reason !== null) break;
      }
    }
  } catch (error) {
    reason = describeError(error);
  }
  if (reason !== null) {
    throw new DenitError(
      `Refusing to run as root with Deno's cache ${
        JSON.stringify(dir)
      }: ${reason} (its code runs in PID 1; set DENO_DIR to a root-owned directory)`,
    );
  }
}

/**
 * The local modules a module imports, found by reading its text: static
 * `import`/`export … from` and `import()` with a literal specifier that is
 * relative (`./`, `../`), absolute (`/`) or a `file:` URL. Bare, `npm:`,
 * `jsr:` and `https:` specifiers come from DENO_DIR, checked on its own.
 * Since an import clause can hold comments, names in quotes or non-ASCII
 * names, every string literal that names a module file (a local specifier
 * ending in a module's extension) counts too: a false match costs one stat,
 * and refuses only when an unsafe file really is at that path.
 */
function localImports(file: string, text: string): string[] {
  const found: string[] = [];
  const statement =
    /(?:\bimport\s*(?:type\s+)?(?:[\w*{}\s,$]+\s+from\s*)?|\bexport\s*(?:type\s+)?[\w*{}\s,$]*\s+from\s*|\bimport\s*\(\s*)["']([^"'\n]+)["']/g;
  const literal = /(["'`])((?:\.{0,2}\/|file:)[^"'`\n$]*\.(?:[cm]?[jt]sx?|json|wasm))\1/g;
  const specifiers = [
    ...Array.from(text.matchAll(statement), (match) => match[1]!),
    ...Array.from(text.matchAll(literal), (match) => match[2]!),
  ];
  for (const specifier of specifiers) {
    let url: URL;
    try {
      if (specifier.startsWith("file:")) url = new URL(specifier);
      else if (/^\.{0,2}\//.test(specifier)) url = new URL(specifier, `file://${encodePath(file)}`);
      else continue;
    } catch {
      continue;
    }
    found.push(decodeURIComponent(url.pathname));
  }
  return found;
}

function encodePath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

/**
 * Check `entry` (a plugin file, absolute) and every local module it imports,
 * transitively, before any of them is evaluated. Returns the first problem
 * (for an imported module, "it imports <path>: <reason>"), or null when every
 * module is safe for root.
 */
export function unsafeModuleGraph(entry: string): string | null {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const path = queue.shift()!;
    if (seen.has(path)) continue;
    seen.add(path);
    let real: string;
    try {
      real = Deno.realPathSync(path);
    } catch {
      continue; // not a file here (a false match in a comment, or Deno will fail to load it)
    }
    const reason = unsafeFileReason(path, real);
    if (reason !== null) return path === entry ? reason : `it imports ${path}: ${reason}`;
    if (!/\.[cm]?[jt]sx?$/.test(real)) continue;
    let text: string;
    try {
      text = Deno.readTextFileSync(real);
    } catch {
      continue;
    }
    queue.push(...localImports(real, text));
    // Deno resolves an imported module's own imports against the path it imported it by (the
    // entry it imports by its real path): through a linked file they are other files.
    if (path !== entry && path !== real) queue.push(...localImports(path, text));
  }
  return null;
}
