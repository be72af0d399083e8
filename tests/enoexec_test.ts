/**
 * Exec like execvp: a script without a `#!` line runs through /bin/sh (as
 * under tini, dumb-init and env), by path or found on PATH, with the exit
 * codes tini gives for the same scripts. As PID 1 and not.
 */
import { deepEqual } from "node:assert/strict";
import { MODES, runDenit } from "./_helpers/denit.ts";
import { tempDir } from "./_helpers/fs.ts";

const SCRIPTS: Record<string, string> = {
  ok: 'echo "hi $1"\nexit 3\n',
  missing: "exec /no/such/program\n",
  syntax: "if then fi (\n",
};

async function writeScripts(dir: string): Promise<void> {
  for (const [name, body] of Object.entries(SCRIPTS)) {
    await Deno.writeTextFile(`${dir}/${name}`, body, { mode: 0o755 });
    await Deno.chmod(`${dir}/${name}`, 0o755);
  }
}

/** tini's code and stdout for each script, run directly (the reference). */
async function underTini(dir: string): Promise<string[]> {
  const results: string[] = [];
  for (const name of Object.keys(SCRIPTS)) {
    const output = await new Deno.Command("tini", {
      args: ["-s", "--", `${dir}/${name}`, "there"],
      stdout: "piped",
      stderr: "null",
    }).output();
    results.push(`${name}→${output.code} ${new TextDecoder().decode(output.stdout).trim()}`);
  }
  return results;
}

for (const { pid1, label } of MODES) {
  Deno.test(`a script without #! runs through /bin/sh with tini's exit codes, ${label}`, async () => {
    await using dir = await tempDir();
    await writeScripts(dir.path);
    const expected = await underTini(dir.path);
    const byPath: string[] = [];
    const onPath: string[] = [];
    for (const name of Object.keys(SCRIPTS)) {
      const direct = await runDenit([`${dir.path}/${name}`, "there"], { pid1 });
      byPath.push(`${name}→${direct.code} ${direct.stdout.trim()}`);
      const found = await runDenit([name, "there"], {
        pid1,
        env: { PATH: `${dir.path}:${Deno.env.get("PATH")}` },
      });
      onPath.push(`${name}→${found.code} ${found.stdout.trim()}`);
    }
    deepEqual(expected, ["ok→3 hi there", "missing→127 ", "syntax→2 "]);
    deepEqual(byPath, expected);
    deepEqual(onPath, expected);
  });
}
