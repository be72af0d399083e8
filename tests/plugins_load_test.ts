/**
 * Loading plugin files as root: syntax errors and missing exports end denit
 * with 125 before any child runs, and files or directories someone other
 * than root could change are refused, while root-owned sticky /tmp is fine. A
 * plugin's remote import prints no `Download` line on denit's stderr.
 */
import { equal, match, ok } from "node:assert/strict";
import { MOD, ROOT, runDenit, startDenit } from "./_helpers/denit.ts";
import { fixture } from "./_helpers/fixtures.ts";
import { tempDir } from "./_helpers/fs.ts";
import { plugins } from "./_helpers/plugins.ts";

const FIXTURES = `${ROOT}/tests/fixtures/plugins`;
const SAFE = `export default { name: "safe" };\n`;

/** Runs denit with `--plugin path`; the child would create a marker file. */
async function refused(path: string, pattern: RegExp, timeoutMs = 20_000): Promise<void> {
  const marker = `/tmp/denit-plugin-load-ran-${crypto.randomUUID()}`;
  try {
    const result = await runDenit(["--plugin", path, "touch", marker], { timeoutMs });
    equal(result.code, 125, result.stderr);
    const lines = result.stderr.trim().split("\n");
    equal(lines.length, 1, result.stderr);
    match(lines[0]!, pattern);
    await Deno.stat(marker).then(
      () => ok(false, "the child ran although the plugin was refused"),
      () => {},
    );
  } finally {
    await Deno.remove(marker).catch(() => {});
  }
}

Deno.test("a plugin file with a syntax error ends denit with 125 and no child runs", async () => {
  // Written at run time: a broken file in the tree would fail `deno check tests/` and `deno fmt`.
  await using dir = await tempDir("denit-plugin-load-");
  const path = `${dir.path}/syntax_error.ts`;
  await Deno.writeTextFile(path, `export default { name: "broken", onSignal( => {} };\n`);
  await Deno.chmod(path, 0o644);
  await refused(path, /Cannot load plugin ".*syntax_error\.ts"/);
});

Deno.test("a plugin that never finishes loading, or whose factory never answers, ends denit with 125", async () => {
  // Without a deadline Deno's event loop emptied: denit exited 0, silently, and no child ran.
  await using dir = await tempDir("denit-plugin-load-");
  const cases: Array<[string, string]> = [
    ["never_made.ts", "export default () => new Promise(() => {});\n"],
    ["never_loaded.ts", 'await new Promise(() => {});\nexport default { name: "late" };\n'],
  ];
  // Both at once: each waits out the 30 s load deadline.
  await Promise.all(cases.map(async ([name, text]) => {
    const path = `${dir.path}/${name}`;
    await Deno.writeTextFile(path, text);
    await Deno.chmod(path, 0o644);
    const pattern = new RegExp(`${name.replace(".", "\\.")}.*did not load within 30000 ms`);
    await refused(path, pattern, 60_000);
  }));
});

Deno.test("a plugin module without a default or `plugin` export is refused with 125", async () => {
  await refused(
    `${FIXTURES}/no_export.ts`,
    /no_export\.ts.*no default export and no export named "plugin"/,
  );
});

Deno.test("a plugin exported as `plugin` instead of default is loaded and used", async () => {
  const printSignals = await fixture("print_signals");
  await using denit = startDenit(["--plugin", `${FIXTURES}/named_export.ts`, printSignals, "15"]);
  await denit.stdout.waitForLine(/^ready/);
  await denit.signal("SIGHUP");
  await denit.stdout.waitForLine("12");
  await denit.signal("SIGTERM");
  equal((await denit.exit()).code, 0);
});

Deno.test("as root, a plugin file writable by its group is refused", async () => {
  await using dir = await tempDir("denit-plugin-load-");
  const path = `${dir.path}/group.ts`;
  await Deno.writeTextFile(path, SAFE);
  await Deno.chmod(path, 0o664);
  await refused(path, /Refusing plugin .*group\.ts.* writable by its group/);
});

Deno.test("as root, a plugin in a directory others can write (not sticky) is refused", async () => {
  await using dir = await tempDir("denit-plugin-load-");
  const path = `${dir.path}/inside.ts`;
  await Deno.writeTextFile(path, SAFE);
  await Deno.chmod(path, 0o644);
  await Deno.chmod(dir.path, 0o777);
  await refused(path, /Refusing plugin .*: .*denit-plugin-load-[^ ]* is writable by others/);
});

Deno.test("as root, a plugin file owned by another uid is refused", async () => {
  await using dir = await tempDir("denit-plugin-load-");
  const path = `${dir.path}/nobody.ts`;
  await Deno.writeTextFile(path, SAFE);
  await Deno.chmod(path, 0o644);
  await Deno.chown(path, 65534, 65534);
  await refused(path, /Refusing plugin .*owned by uid 65534/);
});

Deno.test("as root, a symlink to a writable plugin file is refused", async () => {
  await using dir = await tempDir("denit-plugin-load-");
  const target = `${dir.path}/target.ts`;
  await Deno.writeTextFile(target, SAFE);
  await Deno.chmod(target, 0o666);
  await Deno.symlink(target, `${dir.path}/link.ts`);
  await refused(
    `${dir.path}/link.ts`,
    /Refusing plugin .*link\.ts.*target\.ts is writable by others/,
  );
});

Deno.test("as root, a symlink placed in a directory others can write is refused", async () => {
  await using safe = await tempDir("denit-plugin-load-");
  await using open = await tempDir("denit-plugin-load-");
  const target = `${safe.path}/target.ts`;
  await Deno.writeTextFile(target, SAFE);
  await Deno.chmod(target, 0o644);
  await Deno.symlink(target, `${open.path}/link.ts`);
  await Deno.chmod(open.path, 0o777);
  await refused(`${open.path}/link.ts`, /Refusing plugin .*link\.ts.* is writable by others/);
});

Deno.test("as root, a safe plugin file in root-owned sticky /tmp is accepted", async () => {
  const info = await Deno.stat("/tmp");
  ok(((info.mode ?? 0) & 0o1000) !== 0 && info.uid === 0, "/tmp is root-owned and sticky");
  await using dir = await tempDir("denit-plugin-load-");
  const path = `${dir.path}/safe.ts`;
  await Deno.writeTextFile(path, SAFE);
  await Deno.chmod(path, 0o644);
  const result = await runDenit(["--plugin", path, "sh", "-c", "exit 7"]);
  equal(result.code, 7, result.stderr);
});

// Was a bug: a symlink's own mode is 0777, so a path like /lib/x.ts (merged /usr:
// /lib -> usr/lib) was refused; src/plugin/load.ts now skips the mode of symlinks.
Deno.test({
  name: "as root, a safe plugin reached through a symlinked directory is accepted",
  async fn() {
    await using dir = await tempDir("denit-plugin-load-");
    await Deno.mkdir(`${dir.path}/real`, { mode: 0o755 });
    await Deno.writeTextFile(`${dir.path}/real/p.ts`, SAFE);
    await Deno.chmod(`${dir.path}/real/p.ts`, 0o644);
    await Deno.symlink("real", `${dir.path}/alias`);
    const result = await runDenit(["--plugin", `${dir.path}/alias/p.ts`, "sh", "-c", "exit 7"]);
    equal(result.code, 7, result.stderr);
  },
});

Deno.test("a plugin's remote import prints no Download line on denit's stderr", async () => {
  await using dir = await tempDir("denit-plugin-load-");
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () =>
      new Response("export const answer = 42;\n", {
        headers: { "content-type": "application/typescript" },
      }),
  );
  const plugin = `${dir.path}/remote.ts`;
  await Deno.writeTextFile(
    plugin,
    `import { answer } from "http://127.0.0.1:${server.addr.port}/dep.ts";
     import { definePlugin } from "${MOD}";
     export default definePlugin({ name: "r", setup: () => ({ argv: ["echo", String(answer)] }) });`,
  );
  await Deno.mkdir(`${dir.path}/cache`, { mode: 0o700 });
  const result = await runDenit(["--plugin", plugin, "true"], {
    pid1: false,
    env: { DENO_DIR: `${dir.path}/cache` },
  });
  equal(result.code, 0, result.stderr);
  equal(result.stdout, "42\n");
  equal(result.stderr, "");
});

Deno.test("as root, symlinked plugins are checked where they point and where they stand", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/plugin.ts`, `export default { name: "linked" };\n`);
    // A link to a file others can write.
    await Deno.writeTextFile(`${dir}/open.ts`, `export default { name: "open" };\n`);
    await Deno.chmod(`${dir}/open.ts`, 0o666);
    await Deno.symlink(`${dir}/open.ts`, `${dir}/link-to-open.ts`);
    const toOpen = await runDenit(["--plugin", `${dir}/link-to-open.ts`, "true"]);
    equal(toOpen.code, 125);
    match(toOpen.stderr, /Refusing plugin .*open\.ts is writable by others/);
    // A safe file, linked from a directory others can write (not sticky): the link could be swapped.
    await Deno.mkdir(`${dir}/shared`);
    await Deno.chmod(`${dir}/shared`, 0o777);
    await Deno.symlink(`${dir}/plugin.ts`, `${dir}/shared/plugin.ts`);
    const fromShared = await runDenit(["--plugin", `${dir}/shared/plugin.ts`, "true"]);
    equal(fromShared.code, 125);
    match(fromShared.stderr, /shared is writable by others/);
    // A writable parent directory of the file itself.
    await Deno.writeTextFile(`${dir}/shared/direct.ts`, `export default { name: "direct" };\n`);
    equal((await runDenit(["--plugin", `${dir}/shared/direct.ts`, "true"])).code, 125);
    // The same file through a safe path is accepted.
    equal((await runDenit(["--plugin", `${dir}/plugin.ts`, "true"])).code, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("as root, denit refuses a plugin file others can write, and accepts it once fixed", async () => {
  await using loaded = await plugins({ open: `{ name: "open" }` });
  await Deno.chmod(loaded.paths.open!, 0o666);
  const refused = await runDenit([...loaded.args, "true"]);
  equal(refused.code, 125);
  match(refused.stderr, /Refusing plugin .* writable by others/);
  await Deno.chmod(loaded.paths.open!, 0o644);
  equal((await runDenit([...loaded.args, "true"])).code, 0);
});
