/**
 * Bytes are passed on exactly: argv and environment entries that are not
 * UTF-8 reach the child as they came (tini and dumb-init pass them exactly),
 * denit runs from an install and working directory whose name is not UTF-8, and a setup()
 * hook cannot smuggle a NUL or a `=` into what the kernel gets. As PID 1 and not.
 */
import { deepEqual, equal, match } from "node:assert/strict";
import { asPid1, DENO, MOD, MODES, ROOT, runDenit } from "./_helpers/denit.ts";
import { tempDir } from "./_helpers/fs.ts";

/** Run `script` under sh (as PID 1 or not) with $DENO and $MOD set; returns raw stdout. */
async function shell(
  script: string,
  pid1: boolean,
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: Uint8Array; stderr: string }> {
  const inner = ["sh", "-c", script];
  const argv = pid1 ? asPid1(inner) : inner;
  const output = await new Deno.Command(argv[0]!, {
    args: argv.slice(1),
    env: { DENO, MOD, ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(30_000),
  }).output();
  return {
    code: output.code,
    stdout: output.stdout,
    stderr: new TextDecoder().decode(output.stderr),
  };
}

const DENIT = `"$DENO" run -A --no-lock "$MOD"`;

/** Whether `haystack` holds `needle` as a run of bytes. */
function holds(haystack: Uint8Array, needle: number[]): boolean {
  outer: for (let start = 0; start + needle.length <= haystack.length; start++) {
    for (let index = 0; index < needle.length; index++) {
      if (haystack[start + index] !== needle[index]) continue outer;
    }
    return true;
  }
  return false;
}

const bytesOf = (text: string) => [...new TextEncoder().encode(text)];

for (const { pid1, label } of MODES) {
  Deno.test(`an argv byte that is not UTF-8 reaches the child exactly, ${label}`, async () => {
    const result = await shell(`exec ${DENIT} -- printf %s "$(printf 'a\\377b\\300')"`, pid1);
    equal(result.code, 0, result.stderr);
    deepEqual([...result.stdout], [0x61, 0xff, 0x62, 0xc0]);
  });

  Deno.test(`environment entries that are not UTF-8 reach the child exactly, ${label}`, async () => {
    const result = await shell(
      `exec env "$(printf 'X=\\377')" "$(printf 'Y\\376=1')" ${DENIT} -- env`,
      pid1,
    );
    equal(result.code, 0, result.stderr);
    equal(holds(result.stdout, [...bytesOf("X="), 0xff, 0x0a]), true, "X=\\xff");
    equal(holds(result.stdout, [0x59, 0xfe, ...bytesOf("=1\n")]), true, "Y\\xfe=1");
    equal(holds(result.stdout, bytesOf("DENIT_REEXEC")), false);
  });

  Deno.test(`with --services, a service and -- PROGRAM get argv and environment bytes exactly, ${label}`, async () => {
    await using dir = await tempDir();
    await Deno.writeTextFile(
      `${dir.path}/services.ts`,
      `export default { services: [{ name: "env", oneshot: true, command: ["env"] }] };\n`,
    );
    const result = await shell(
      `exec env "$(printf 'X=\\377')" ${DENIT} --services "$DIR/services.ts" -- ` +
        `printf %s "$(printf 'a\\377b')"`,
      pid1,
      { DIR: dir.path },
    );
    equal(result.code, 0, result.stderr);
    equal(holds(result.stdout, [...bytesOf("X="), 0xff, 0x0a]), true, "the service's X=\\xff");
    equal(holds(result.stdout, [0x61, 0xff, 0x62]), true, "the program's a\\xffb");
  });

  Deno.test(`denit runs from an install and working directory whose name is not UTF-8, ${label}`, async () => {
    await using dir = await tempDir();
    const copy = await shell(
      `d="$TOP/$(printf 'd\\377')" && mkdir "$d" && cp -r "$ROOT/mod.ts" "$ROOT/src" "$ROOT/plugins" "$d/"`,
      false,
      { TOP: dir.path, ROOT },
    );
    equal(copy.code, 0, copy.stderr);
    // Relative to the directory: Deno itself cannot load a module whose absolute path is not
    // UTF-8 (README, Limits). denit must neither stumble on the directory nor lose it.
    const result = await shell(
      `cd "$TOP/$(printf 'd\\377')" && exec "$DENO" run -A --no-lock mod.ts -- sh -c 'printf ok; pwd'`,
      pid1,
      { TOP: dir.path },
    );
    equal(result.code, 0, result.stderr);
    deepEqual([...result.stdout], [...bytesOf(`ok${dir.path}/d`), 0xff, 0x0a]);
  });

  Deno.test(`setup() cannot return a NUL, a "=" in a name, or a throwing getter, ${label}`, async () => {
    await using dir = await tempDir();
    const cases: Array<[string, number, RegExp]> = [
      [`({ argv: ["printf", "a\\0b"] })`, 125, /setup returned an argv item holding a NUL byte/],
      [`({ env: { E: "x\\0y" } })`, 125, /setup returned a NUL byte in env variable "E"/],
      [`({ env: { "E=F": "g" } })`, 125, /setup returned an env variable named "E=F"/],
      [`({ cwd: "/tmp\\0x" })`, 125, /setup returned a cwd holding a NUL byte/],
      [
        `({ env: { get A() { throw new Error("getter"); } } })`,
        0,
        /Plugin "s" failed in setup: getter; skipped/,
      ],
    ];
    for (const [returned, code, message] of cases) {
      const plugin = `${dir.path}/s.ts`;
      await Deno.writeTextFile(
        plugin,
        `import { definePlugin } from "${MOD}";
         export default definePlugin({ name: "s", setup: () => ${returned} });`,
      );
      const result = await runDenit(["--plugin", plugin, "true"], { pid1 });
      equal(result.code, code, `${returned}: ${result.stderr}`);
      match(result.stderr, message, returned);
      equal(result.stderr.trim().split("\n").length, 1, result.stderr);
    }
  });
}
