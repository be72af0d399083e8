/**
 * Build a FROM-scratch root file system for denit in a directory:
 *
 * - the runtime: `dist/denit` when it was compiled (`deno task compile`), else
 *   the `deno` binary plus `dist/denit.js` (made with `deno bundle` if missing);
 * - every shared library the runtime loads, found from its ELF NEEDED entries
 *   (resolved recursively by the dynamic loader, `ldd`), and the loader itself;
 * - an empty `/deno-dir` for `DENO_DIR` (it may be read-only), `/proc` and
 *   `/tmp` mount points, and any extra files given with `--add SRC:DEST`.
 *
 * Usage: `deno run -A scripts/build_rootfs.ts DIR [--add SRC:DEST]...`
 * It prints the entrypoint argv as JSON on stdout; run it with `DENO_DIR=/deno-dir HOME=/`.
 *
 * @module
 */
// deno-lint-ignore-file no-console -- a build script talks to the terminal

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
}

/** Build the root file system; returns the entrypoint argv inside it. */
export async function buildRootfs(rootfs: string, options: RootfsOptions = {}): Promise<string[]> {
  await Deno.mkdir(rootfs, { recursive: true });
  let runtime: string;
  let entrypoint: string[];
  const bundle = options.freshBundle ?? `${ROOT}dist/denit.js`;
  if (options.freshBundle === undefined && await exists(`${ROOT}dist/denit`)) {
    runtime = `${ROOT}dist/denit`;
    await install(rootfs, runtime, "/denit", 0o755);
    entrypoint = ["/denit", "--"];
  } else {
    if (options.freshBundle !== undefined || !await exists(bundle)) {
      const bundled = await new Deno.Command(Deno.execPath(), {
        args: ["bundle", "--quiet", "-o", bundle, `${ROOT}mod.ts`],
      }).output();
      if (!bundled.success) {
        const reason = new TextDecoder().decode(bundled.stderr).trim().split("\n").at(-1);
        throw new Error(`deno bundle failed: ${reason ?? "no output"}`);
      }
    }
    runtime = Deno.execPath();
    await install(rootfs, runtime, "/deno", 0o755);
    await install(rootfs, bundle, "/denit.js", 0o644);
    entrypoint = ["/deno", "run", "-A", "--no-config", "--no-lock", "/denit.js", "--"];
  }
  for (const library of await sharedLibraries(runtime)) await install(rootfs, library, library);
  for (const dir of ["/deno-dir", "/proc", "/tmp"]) {
    await Deno.mkdir(`${rootfs}${dir}`, { recursive: true });
  }
  for (const [source, destination] of options.extras ?? []) {
    await install(rootfs, source, destination);
  }
  return entrypoint;
}

if (import.meta.main) {
  const [dir, ...rest] = Deno.args;
  if (dir === undefined) {
    console.error("Usage: build_rootfs.ts DIR [--add SRC:DEST]...");
    Deno.exit(2);
  }
  const extras: Array<[string, string]> = [];
  for (let i = 0; i < rest.length; i += 2) {
    const [source, destination] = (rest[i + 1] ?? "").split(":");
    if (rest[i] !== "--add" || !source || !destination) {
      console.error(`Bad argument: ${rest[i]} ${rest[i + 1] ?? ""}`);
      Deno.exit(2);
    }
    extras.push([source, destination]);
  }
  console.log(JSON.stringify(await buildRootfs(dir, { extras })));
}
