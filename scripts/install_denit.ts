/**
 * Install denit into an image's file tree, for the `denit` stage of the
 * example Dockerfiles (one sequence for both runtimes, no locally built image):
 *
 * - `--runtime compiled`: `PREFIX/bin/denit` is the binary `deno task compile`
 *   makes (it needs denort, which `deno compile` downloads);
 * - `--runtime bundle` (the default): `PREFIX/lib/denit/deno` and a bundle made
 *   now from the current sources, `PREFIX/lib/denit/denit.js`, and
 *   `PREFIX/bin/denit`, a two-line `/bin/sh` script that `exec`s
 *   `deno run -q …` (so Deno, not the shell, is PID 1, and Deno writes nothing
 *   on the terminal).
 *
 * Either way the image runs `PREFIX/bin/denit` (default prefix `/usr/local`).
 * Both runtimes need glibc: there is no static Deno.
 *
 * Usage: `deno run -A scripts/install_denit.ts DESTDIR [--prefix /usr/local] [--runtime bundle|compiled]`
 * (files land in DESTDIR + PREFIX, as with `make DESTDIR=… install`).
 *
 * @module
 */
// deno-lint-ignore-file no-console -- a build script talks to the terminal

import { parseArgs } from "node:util";

const ROOT = new URL("..", import.meta.url).pathname;

/** What {@link installDenit} installed. */
export interface Installed {
  /** The program to run, as the image sees it: `PREFIX/bin/denit`. */
  program: string;
  files: string[];
}

/** Run this Deno with `args`; a failure throws `WHAT failed: <its last stderr line>`. */
export async function runDeno(args: string[], what: string): Promise<void> {
  const output = await new Deno.Command(Deno.execPath(), {
    args,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!output.success) {
    const reason = new TextDecoder().decode(output.stderr).trim().split("\n").at(-1);
    throw new Error(`${what} failed: ${reason ?? "no output"}`);
  }
}

/** Install denit under `destdir + prefix`. */
export async function installDenit(
  destdir: string,
  prefix = "/usr/local",
  runtime: "bundle" | "compiled" = "bundle",
): Promise<Installed> {
  const root = `${destdir.replace(/\/$/, "")}${prefix}`;
  await Deno.mkdir(`${root}/bin`, { recursive: true });
  const program = `${prefix}/bin/denit`;
  if (runtime === "compiled") {
    await runDeno(["run", "-A", `${ROOT}scripts/compile.ts`], "deno task compile");
    await Deno.copyFile(`${ROOT}dist/denit`, `${root}/bin/denit`);
    await Deno.chmod(`${root}/bin/denit`, 0o755);
    return { program, files: [program] };
  }
  const lib = `${root}/lib/denit`;
  await Deno.mkdir(lib, { recursive: true });
  // Bundled now from the sources as they are: never a dist/denit.js from an older build.
  // --minify: ~6 M fewer instructions at start-up (V8 parses half the text, both stages).
  await runDeno(
    ["bundle", "--quiet", "--minify", "-o", `${lib}/denit.js`, `${ROOT}mod.ts`],
    "deno bundle",
  );
  await Deno.copyFile(Deno.execPath(), `${lib}/deno`);
  await Deno.chmod(`${lib}/deno`, 0o755);
  await Deno.chmod(`${lib}/denit.js`, 0o644);
  await Deno.writeTextFile(
    `${root}/bin/denit`,
    `#!/bin/sh\nexec ${prefix}/lib/denit/deno run -q -A --no-config --no-lock ` +
      `${prefix}/lib/denit/denit.js "$@"\n`,
  );
  await Deno.chmod(`${root}/bin/denit`, 0o755);
  return {
    program,
    files: [program, `${prefix}/lib/denit/deno`, `${prefix}/lib/denit/denit.js`],
  };
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: {
      prefix: { type: "string", default: "/usr/local" },
      runtime: { type: "string", default: "bundle" },
    },
  });
  const destdir = positionals[0];
  const runtime = values.runtime;
  if (destdir === undefined || (runtime !== "bundle" && runtime !== "compiled")) {
    console.error(
      "Usage: install_denit.ts DESTDIR [--prefix /usr/local] [--runtime bundle|compiled]",
    );
    Deno.exit(2);
  }
  try {
    const installed = await installDenit(destdir, values.prefix, runtime);
    console.error(`install_denit: ${runtime} runtime; ${installed.files.join(", ")}`);
  } catch (error) {
    console.error(`install_denit: ${error instanceof Error ? error.message : String(error)}`);
    Deno.exit(1);
  }
}
