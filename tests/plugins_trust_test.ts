/**
 * What root may run, as PID 1 and not: a plugin mounted from a Kubernetes
 * configMap (the kubelet's layout: a 0777 volume directory mounted read-only,
 * a `..YYYY_MM_DD_HH_MM_SS.N` directory 0755, `..data` pointing to it, each
 * file a link `name -> ..data/name`, files 0644) loads; the same layout
 * writable is refused. Every local module a plugin imports is checked; so is
 * DENIT_LIBC; a DENO_DIR another user can write is refused.
 */
import { equal, match } from "node:assert/strict";
import { MOD, MODES, runDenit } from "./_helpers/denit.ts";
import { tempDir } from "./_helpers/fs.ts";

const NOBODY = 65534;

/** A plugin whose setup replaces the command: the child prints `loaded`. */
const LOADED_PLUGIN = `import { definePlugin } from "${MOD}";
export default definePlugin({ name: "cm", setup: () => ({ argv: ["echo", "loaded"] }) });
`;

/** Lay out `files` in `volume` as the kubelet's AtomicWriter does for a configMap. */
async function configMapVolume(volume: string, files: Record<string, string>): Promise<void> {
  await Deno.mkdir(volume);
  await Deno.chmod(volume, 0o777); // emptyDir's mode
  const stamp = "..2026_12_01_17_00_00.2375312718";
  await Deno.mkdir(`${volume}/${stamp}`);
  await Deno.chmod(`${volume}/${stamp}`, 0o755);
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(`${volume}/${stamp}/${name}`, text);
    await Deno.chmod(`${volume}/${stamp}/${name}`, 0o644); // defaultMode
    await Deno.symlink(`..data/${name}`, `${volume}/${name}`);
  }
  await Deno.symlink(stamp, `${volume}/..data`);
}

/**
 * argv that bind-mounts `$VOLUME` read-only (in a private mount namespace), after
 * running `before`, and execs the rest.
 */
function readOnlyWrapper(pid1: boolean, before = ""): string[] {
  const script = before +
    'mount --bind "$VOLUME" "$VOLUME" && mount -o remount,bind,ro "$VOLUME" && exec "$@"';
  // As PID 1, unshare --mount-proc already made a mount namespace.
  return [...(pid1 ? [] : ["unshare", "-m"]), "sh", "-c", script, "sh"];
}

for (const { pid1, label } of MODES) {
  Deno.test(`a plugin from a read-only configMap volume loads; writable it is refused, ${label}`, async () => {
    await using dir = await tempDir();
    const volume = `${dir.path}/denit-plugins`;
    await configMapVolume(volume, { "plugin.ts": LOADED_PLUGIN });
    const args = ["--plugin", `${volume}/plugin.ts`, "true"];
    const mounted = await runDenit(args, {
      pid1,
      wrapper: readOnlyWrapper(pid1),
      env: { VOLUME: volume },
    });
    equal(mounted.code, 0, mounted.stderr);
    equal(mounted.stdout, "loaded\n");
    const writable = await runDenit(args, { pid1 });
    equal(writable.code, 125, writable.stderr);
    match(writable.stderr, /Refusing plugin .*denit-plugins is writable by others/);
    // Read-only here but writable through another mount of the same files: refused too.
    await Deno.mkdir(`${volume}.rw`);
    const aliased = await runDenit(args, {
      pid1,
      wrapper: readOnlyWrapper(pid1, 'mount --bind "$VOLUME" "$VOLUME.rw" && '),
      env: { VOLUME: volume },
    });
    equal(aliased.code, 125, aliased.stderr);
    match(aliased.stderr, /Refusing plugin .*denit-plugins is writable by others/);
  });

  Deno.test(`every local module a plugin imports is checked before any runs, ${label}`, async () => {
    await using dir = await tempDir();
    const marker = `${dir.path}/ran`;
    const evil = `${dir.path}/open/evil.ts`;
    await Deno.mkdir(`${dir.path}/open`);
    await Deno.writeTextFile(evil, `Deno.writeTextFileSync(${JSON.stringify(marker)}, "x");\n`);
    await Deno.chmod(evil, 0o666);
    await Deno.mkdir(`${dir.path}/safe`);
    await Deno.symlink(evil, `${dir.path}/safe/lib.ts`);
    const imports = {
      sibling: `import "./lib.ts";`,
      absolute: `import ${JSON.stringify(evil)};`,
      dynamic: `await import("./lib.ts");`,
      commented: `import * as /* the helper */ lib from "./lib.ts";\nvoid lib;`,
      template: "await import(`./lib.ts`);",
    };
    for (const [name, line] of Object.entries(imports)) {
      const plugin = `${dir.path}/safe/${name}.ts`;
      await Deno.writeTextFile(plugin, `${line}\n${LOADED_PLUGIN}`);
      const result = await runDenit(["--plugin", plugin, "true"], { pid1 });
      equal(result.code, 125, `${name}: ${result.stderr}`);
      match(result.stderr, /Refusing plugin .*it imports .*evil\.ts is writable by others/, name);
      let ran = true;
      await Deno.stat(marker).catch(() => ran = false);
      equal(ran, false, `${name}: the module ran`);
    }
    // Through a linked module: Deno resolves its `./c.ts` beside the link, not beside its target.
    await Deno.mkdir(`${dir.path}/safe/linked`);
    await Deno.mkdir(`${dir.path}/target`);
    await Deno.writeTextFile(`${dir.path}/target/b.ts`, `import "./c.ts";\n`);
    await Deno.writeTextFile(`${dir.path}/target/c.ts`, `export {};\n`);
    await Deno.symlink(`${dir.path}/target/b.ts`, `${dir.path}/safe/linked/b.ts`);
    await Deno.symlink(evil, `${dir.path}/safe/linked/c.ts`);
    const chained = `${dir.path}/safe/chained.ts`;
    await Deno.writeTextFile(chained, `import "./linked/b.ts";\n${LOADED_PLUGIN}`);
    const result = await runDenit(["--plugin", chained, "true"], { pid1 });
    equal(result.code, 125, `chained: ${result.stderr}`);
    match(result.stderr, /Refusing plugin .*it imports .*linked\/c\.ts: .*evil\.ts is writable/);
  });

  Deno.test(`DENIT_LIBC owned by another user is refused before it is loaded, ${label}`, async () => {
    await using dir = await tempDir();
    await Deno.chmod(dir.path, 0o755);
    const copy = `${dir.path}/evil.so`;
    await Deno.copyFile("/lib/x86_64-linux-gnu/libc.so.6", copy);
    await Deno.chown(copy, NOBODY, NOBODY);
    await Deno.chmod(copy, 0o666);
    const result = await runDenit(["true"], { pid1, env: { DENIT_LIBC: copy } });
    equal(result.code, 125, result.stderr);
    match(result.stderr, /Refusing DENIT_LIBC=.*evil\.so.* is owned by uid 65534, not root/);
    equal(result.stderr.trim().split("\n").length, 1);
  });

  Deno.test(`a DENO_DIR another user can write is refused, forged entry and all, ${label}`, async () => {
    await using dir = await tempDir();
    await Deno.chmod(dir.path, 0o755);
    const cache = `${dir.path}/deno-dir`;
    const plugin = `${dir.path}/plugin.ts`;
    await Deno.writeTextFile(plugin, LOADED_PLUGIN);
    // Warm the cache as root, then hand it to another user, who rewrites the plugin's emit.
    const warm = await runDenit(["--plugin", plugin, "true"], { pid1, env: { DENO_DIR: cache } });
    equal(warm.code, 0, warm.stderr);
    const marker = `${dir.path}/forged-ran`;
    const emitted = `${cache}/gen/file${plugin}.js`;
    await Deno.writeTextFile(emitted, `Deno.writeTextFileSync(${JSON.stringify(marker)}, "x");\n`);
    const chown = await new Deno.Command("chown", { args: ["-R", `${NOBODY}`, cache] }).output();
    equal(chown.success, true);
    const result = await runDenit(["--plugin", plugin, "true"], {
      pid1,
      env: { DENO_DIR: cache },
    });
    equal(result.code, 125, result.stderr);
    match(result.stderr, /Refusing to run as root with Deno's cache ".*deno-dir": .*uid 65534/);
    equal(result.stderr.trim().split("\n").length, 1);
    // Said in the format the command line asks for (stage one reads it before the check).
    const json = await runDenit(["--log-format", "json", "--plugin", plugin, "true"], {
      pid1,
      env: { DENO_DIR: cache },
    });
    equal(json.code, 125, json.stderr);
    const lines = json.stderr.trim().split("\n");
    equal(lines.length, 1, json.stderr);
    match(JSON.parse(lines[0]!).msg, /Refusing to run as root with Deno's cache/);
    let ran = true;
    await Deno.stat(marker).catch(() => ran = false);
    equal(ran, false);
  });
}
