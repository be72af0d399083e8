/**
 * Plugin options without environment variables: a module may export a factory
 * (as Vite and Rollup plugins are written); `--plugin PATH={JSON}` calls it with
 * the object, `--plugin PATH` with nothing. The child never sees the options.
 */
import { equal, match, ok } from "node:assert/strict";
import { MOD, runDenit } from "./_helpers/denit.ts";
import { tempDir } from "./_helpers/fs.ts";

const FACTORY = `import { definePlugin } from "${MOD}";
import type { PluginFactory } from "${MOD}";

const greeter: PluginFactory<{ greeting?: string; times?: number }> = (options = {}) =>
  definePlugin({
    name: "greeter",
    setup(_launch, ctx) {
      ctx.log.warn(\`\${options.greeting ?? "hello"} x\${options.times ?? 1}\`);
    },
  });
export default greeter;
`;

Deno.test("--plugin PATH={JSON} hands the options to the module's factory; PATH alone calls it bare", async () => {
  await using dir = await tempDir("denit-options-");
  await Deno.writeTextFile(`${dir.path}/greeter.ts`, FACTORY);
  const path = `${dir.path}/greeter.ts`;
  const withOptions = await runDenit([
    "--plugin",
    `${path}={"greeting":"bonjour","times":2}`,
    "sh",
    "-c",
    "env",
  ]);
  equal(withOptions.code, 0, withOptions.stderr);
  match(withOptions.stderr, /WARN bonjour x2 plugin=greeter/);
  ok(!withOptions.stdout.includes("bonjour"), "the options leaked into the child's environment");
  const bare = await runDenit(["--plugin", path, "true"]);
  equal(bare.code, 0, bare.stderr);
  match(bare.stderr, /WARN hello x1 plugin=greeter/);
});

Deno.test("bad plugin options end denit with 125 and one line, before any child", async () => {
  await using dir = await tempDir("denit-options-");
  await Deno.writeTextFile(`${dir.path}/greeter.ts`, FACTORY);
  await Deno.writeTextFile(`${dir.path}/plain.ts`, `export default { name: "plain" };\n`);
  const cases: Array<[string, RegExp]> = [
    [
      `${dir.path}/greeter.ts={"greeting":`,
      /Invalid options for plugin .*greeter\.ts.*JSON object/,
    ],
    [`${dir.path}/greeter.ts={}x`, /Invalid options for plugin/],
    [
      `${dir.path}/plain.ts={"a":1}`,
      /plain\.ts.*options were given, but the module exports a plugin/,
    ],
  ];
  for (const [spec, message] of cases) {
    const result = await runDenit(["--plugin", spec, "sh", "-c", "echo ran"], { pid1: false });
    equal(result.code, 125, spec);
    equal(result.stdout, "");
    equal(result.stderr.trim().split("\n").length, 1, result.stderr);
    match(result.stderr, message);
  }
});

Deno.test("a factory that throws is a bad plugin: 125 and one line naming it", async () => {
  await using dir = await tempDir("denit-options-");
  await Deno.writeTextFile(
    `${dir.path}/strict.ts`,
    `export default (options?: { port?: number }) => {
  if (typeof options?.port !== "number") throw new TypeError("port must be a number");
  return { name: "strict" };
};
`,
  );
  const result = await runDenit(["--plugin", `${dir.path}/strict.ts`, "true"], { pid1: false });
  equal(result.code, 125);
  match(result.stderr, /Cannot use plugin .*strict\.ts.*port must be a number/);
  const ok2 = await runDenit(["--plugin", `${dir.path}/strict.ts={"port":8080}`, "true"], {
    pid1: false,
  });
  equal(ok2.code, 0, ok2.stderr);
});
