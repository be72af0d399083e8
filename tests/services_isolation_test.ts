/**
 * Without --services, denit evaluates none of the services modules: a copy of
 * denit whose services entry module throws on evaluation still runs a single
 * child, and fails only when --services is given.
 */
import { equal, match } from "node:assert/strict";
import { asPid1, DENO, ROOT } from "./_helpers/denit.ts";
import { copyTree, tempDir } from "./_helpers/fs.ts";

Deno.test("the single-child path evaluates no services module", async () => {
  await using dir = await tempDir("denit-isolation-");
  for (const part of ["src", "plugins"]) await copyTree(`${ROOT}/${part}`, `${dir.path}/${part}`);
  for (const file of ["mod.ts", "deno.json"]) {
    await Deno.copyFile(`${ROOT}/${file}`, `${dir.path}/${file}`);
  }
  const entry = `${dir.path}/src/services/run.ts`;
  await Deno.writeTextFile(
    entry,
    `throw new Error("services module evaluated");\n${await Deno.readTextFile(entry)}`,
  );
  const run = async (args: string[]) => {
    const argv = asPid1([DENO, "run", "-A", "--no-lock", `${dir.path}/mod.ts`, ...args]);
    const output = await new Deno.Command(argv[0]!, {
      args: argv.slice(1),
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(20_000),
    }).output();
    return { code: output.code, stderr: new TextDecoder().decode(output.stderr) };
  };
  equal((await run(["sh", "-c", "exit 3"])).code, 3);
  const services = await run(["--services", "/nonexistent.ts"]);
  equal(services.code, 125);
  match(services.stderr, /services module evaluated/);
});
