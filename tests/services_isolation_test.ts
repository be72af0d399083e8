/**
 * Without --services, denit evaluates none of the services modules: a copy of
 * denit whose services entry module throws on evaluation still runs a single
 * child, and fails only when --services is given.
 */
import { equal, match } from "node:assert/strict";
import { asPid1, DENO, ROOT } from "./_helpers.ts";
import { tempDir } from "./_e2e_helpers.ts";

async function copyTree(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (entry.isDirectory) await copyTree(`${from}/${entry.name}`, `${to}/${entry.name}`);
    else if (entry.isFile) await Deno.copyFile(`${from}/${entry.name}`, `${to}/${entry.name}`);
  }
}

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
