/**
 * Package hygiene: `deno publish` ships only what users import (no tests,
 * benchmarks or C), `deno doc --lint mod.ts` is clean, the version has one
 * source (src/version.ts, passed to `deno publish --set-version`), and
 * CHANGELOG.md has an entry for it.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { DENO, ROOT } from "./_helpers/denit.ts";
import { VERSION } from "../mod.ts";

async function deno(args: string[]) {
  const output = await new Deno.Command(DENO, {
    args,
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(120_000),
  }).output();
  const decoder = new TextDecoder();
  return {
    ok: output.success,
    text: decoder.decode(output.stdout) + decoder.decode(output.stderr),
  };
}

Deno.test("deno publish ships only the module, its sources, README, CHANGELOG and LICENSE", async () => {
  const result = await deno(["publish", "--set-version", VERSION, "--dry-run", "--allow-dirty"]);
  ok(result.ok, result.text);
  const files = [...result.text.matchAll(/file:\/\/(\S+) \(/g)].map((m) =>
    m[1]!.slice(ROOT.length + 1)
  );
  ok(files.includes("mod.ts"), result.text);
  const allowed =
    /^(mod\.ts|deno\.json|README\.md|CHANGELOG\.md|LICENSE|src\/.*\.ts|plugins\/.*\.ts)$/;
  deepEqual(files.filter((file) => !allowed.test(file)), []);
  ok(files.includes("CHANGELOG.md"));
});

Deno.test("deno doc --lint mod.ts is clean", async () => {
  const result = await deno(["doc", "--lint", "mod.ts"]);
  ok(result.ok, result.text);
});

Deno.test("the version has one source, src/version.ts, and CHANGELOG.md has its entry", async () => {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`));
  equal(config.version, undefined, "deno.json spells the version out again");
  match(VERSION, /^[0-9]+\.[0-9]+\.[0-9]+/);
  const about = await Deno.readTextFile(`${ROOT}/src/about.ts`);
  ok(!about.includes(`"${VERSION}"`), "src/about.ts spells the version out again");
  const changelog = await Deno.readTextFile(`${ROOT}/CHANGELOG.md`);
  match(changelog, new RegExp(`^## \\[?${VERSION.replaceAll(".", "\\.")}\\]?`, "m"));
});
