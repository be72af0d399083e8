/**
 * Build a FROM-scratch root file system for denit in a directory:
 *
 * - the runtime: `dist/denit` when it was compiled (`deno task compile`) after
 *   the last change to the sources, else the `deno` binary plus a bundle made
 *   now from the current sources (a `dist/denit.js` left from an older build is
 *   never reused);
 * - every shared library the runtime loads, found from its ELF NEEDED entries
 *   (resolved recursively by the dynamic loader, `ldd`), and the loader itself;
 * - an empty `/deno-dir` for `DENO_DIR` (it may be read-only), a `/proc` mount
 *   point, `/tmp` (mode 1777, as in any image), and any extra files given with
 *   `--add SRC:DEST`.
 *
 * Usage: `deno run -A scripts/build_rootfs.ts DIR [--runtime bundle|compiled] [--add SRC:DEST]...`
 * It says on stderr what it built and how to run it by hand, and prints the
 * entrypoint argv as JSON on stdout; run it with `DENO_DIR=/deno-dir HOME=/`.
 *
 * @module
 */
// deno-lint-ignore-file no-console -- a build script talks to the terminal

import { runDeno } from "./install_denit.ts";

const ROOT = new URL("..", import.meta.url).pathname;

/** Copy `source` to `rootfs` + `destination`, creating directories. */
async function install(rootfs: string, source: string, destination: string, mode?: number) {
  const target = `${rootfs}${destination}`;
  await Deno.mkdir(target.slice(0, target.lastIndexOf("/")), { recursive: true });
  await Deno.copyFile(await Deno.realPath(source), target);
  if (mode !== undefined) await Deno.chmod(target, mode);
}

/** The shared objects `binary` needs, as absolute paths (its NEEDED entries, recursively). */
export async function sharedLibraries(binary: string): Promise<string[]> {
  const output = await new Deno.Command("ldd", { args: [binary], stdout: "piped" }).output();
  if (!output.success) throw new Error(`ldd ${binary} failed`);
  const paths = new Set<string>();
  for (const line of new TextDecoder().decode(output.stdout).split("\n")) {
    // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)"
    const match = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line);
    if (match) paths.add(match[1]!);
  }
  return [...paths];
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

/** Options of {@link buildRootfs}. */
export interface RootfsOptions {
  /** Extra files: [source on this machine, destination in the root file system]. */
  extras?: Array<[string, string]>;
  /** Bundle the current source into this file and use it, ignoring anything in dist/. */
  freshBundle?: string;
  /** `bundle`: deno + a fresh bundle; `compiled`: dist/denit, which must be up to date. */
  runtime?: "bundle" | "compiled";
  /** Where `deno task compile` put its binary (default: the checkout's dist/). */
  distDir?: string;
}

/** What {@link buildRootfs} built. */
export interface RootfsReport {
  /** The entrypoint argv inside the root file system. */
  entrypoint: string[];
  /** `compiled` or `bundle`. */
  runtime: "compiled" | "bundle";
  /** Every file installed, as its path inside the root file system. */
  files: string[];
}

/** The newest modification time of denit's sources (what a bundle or a binary is made of). */
async function newestSource(): Promise<number> {
  let newest = 0;
  async function walk(path: string): Promise<void> {
    const info = await Deno.stat(path);
    if (info.isDirectory) {
      for await (const entry of Deno.readDir(path)) await walk(`${path}/${entry.name}`);
    } else {
      newest = Math.max(newest, info.mtime?.getTime() ?? 0);
    }
  }
  for (const part of ["mod.ts", "src", "plugins", "deno.json"]) {
    if (await exists(`${ROOT}${part}`)) await walk(`${ROOT}${part}`);
  }
  return newest;
}

/** Whether `binary` exists and was built after the last change to the sources. */
async function upToDate(binary: string): Promise<boolean> {
  const info = await Deno.stat(binary).catch(() => null);
  return info !== null && (info.mtime?.getTime() ?? 0) >= await newestSource();
}

function bundleNow(output: string): Promise<void> {
  return runDeno(["bundle", "--quiet", "--minify", "-o", output, `${ROOT}mod.ts`], "deno bundle");
}

/** Build the root file system; returns the entrypoint argv inside it. */
export async function buildRootfs(rootfs: string, options: RootfsOptions = {}): Promise<string[]> {
  return (await buildRootfsReport(rootfs, options)).entrypoint;
}

/** Build the root file system and say what is in it. */
export async function buildRootfsReport(
  rootfs: string,
  options: RootfsOptions = {},
): Promise<RootfsReport> {
  await Deno.mkdir(rootfs, { recursive: true });
  const files: string[] = [];
  const put = async (source: string, destination: string, mode?: number) => {
    await install(rootfs, source, destination, mode);
    files.push(destination);
  };
  const compiled = `${options.distDir ?? `${ROOT}dist`}/denit`;
  const compiledIsFresh = options.runtime === "bundle" ? false : await upToDate(compiled);
  let useCompiled = options.runtime === "compiled";
  if (options.runtime === undefined && options.freshBundle === undefined) {
    useCompiled = compiledIsFresh;
  }
  if (useCompiled && !compiledIsFresh) {
    throw new Error(`${compiled} is missing or older than the sources: run deno task compile`);
  }
  let runtime: string;
  let entrypoint: string[];
  if (useCompiled) {
    runtime = compiled;
    await put(runtime, "/denit", 0o755);
    entrypoint = ["/denit", "--"];
  } else {
    // Always bundle the sources as they are now: a dist/denit.js from an older build would
    // silently ship old code.
    const scratch = options.freshBundle === undefined
      ? await Deno.makeTempDir({ prefix: "denit-bundle-" })
      : null;
    const bundle = options.freshBundle ?? `${scratch}/denit.js`;
    try {
      await bundleNow(bundle);
      runtime = Deno.execPath();
      await put(runtime, "/deno", 0o755);
      await put(bundle, "/denit.js", 0o644);
    } finally {
      if (scratch !== null) await Deno.remove(scratch, { recursive: true });
    }
    entrypoint = ["/deno", "run", "-q", "-A", "--no-config", "--no-lock", "/denit.js", "--"];
  }
  for (const library of await sharedLibraries(runtime)) await put(library, library);
  for (const dir of ["/deno-dir", "/proc", "/tmp"]) {
    await Deno.mkdir(`${rootfs}${dir}`, { recursive: true });
  }
  // Programs expect a world-writable, sticky /tmp, as every base image has.
  await Deno.chmod(`${rootfs}/tmp`, 0o1777);
  for (const [source, destination] of options.extras ?? []) {
    await put(source, destination);
  }
  return { entrypoint, runtime: useCompiled ? "compiled" : "bundle", files };
}

/** How to run the root file system by hand, as the tests and a container runtime do. */
export function runByHand(rootfs: string, entrypoint: readonly string[]): string {
  const quote = (word: string) => /^[\w./=+-]+$/.test(word) ? word : `'${word}'`;
  return `unshare --pid --fork --mount --kill-child sh -c 'mount -t proc proc ${rootfs}/proc && ` +
    `exec env -i DENO_DIR=/deno-dir HOME=/ /usr/sbin/chroot ${rootfs} "$@"' sh ` +
    `${entrypoint.map(quote).join(" ")} PROGRAM [ARGS...]`;
}

if (import.meta.main) {
  const [dir, ...rest] = Deno.args;
  const usage = "Usage: build_rootfs.ts DIR [--runtime bundle|compiled] [--add SRC:DEST]...";
  if (dir === undefined) {
    console.error(usage);
    Deno.exit(2);
  }
  const extras: Array<[string, string]> = [];
  let runtime: "bundle" | "compiled" | undefined;
  for (let i = 0; i < rest.length; i += 2) {
    const value = rest[i + 1] ?? "";
    if (rest[i] === "--runtime" && (value === "bundle" || value === "compiled")) {
      runtime = value;
      continue;
    }
    const [source, destination] = value.split(":");
    if (rest[i] !== "--add" || !source || !destination) {
      console.error(`Bad argument: ${rest[i]} ${value} (${usage})`);
      Deno.exit(2);
    }
    extras.push([source, destination]);
  }
  let report: RootfsReport;
  try {
    report = await buildRootfsReport(dir, { extras, ...(runtime ? { runtime } : {}) });
  } catch (error) {
    console.error(`build_rootfs: ${error instanceof Error ? error.message : String(error)}`);
    Deno.exit(1);
  }
  const absolute = await Deno.realPath(dir);
  const what = report.runtime === "compiled"
    ? "the compiled denit (dist/denit)"
    : `deno ${Deno.version.deno} and a bundle of the current sources (/denit.js)`;
  console.error(`build_rootfs: built ${absolute} with ${what}, ${report.files.length} files:`);
  for (const file of report.files) console.error(`  ${file}`);
  console.error(`build_rootfs: entrypoint ${JSON.stringify(report.entrypoint)}`);
  console.error(`build_rootfs: run it by hand (as root, a static PROGRAM added with --add):`);
  console.error(`  ${runByHand(absolute, report.entrypoint)}`);
  console.log(JSON.stringify(report.entrypoint));
}
