/**
 * Builds what the benchmark runs: the static C helpers (gcc, at bench time)
 * and denit's bundle, into bench/.build.
 *
 * @module
 */

export const BENCH = new URL(".", import.meta.url).pathname.replace(/\/$/, "");
export const BUILD = `${BENCH}/.build`;
export const REPO = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

async function run(command: string, args: string[]): Promise<void> {
  const output = await new Deno.Command(command, { args, stdout: "piped", stderr: "piped" })
    .output();
  if (!output.success) {
    throw new Error(`${command} ${args.join(" ")}: ${new TextDecoder().decode(output.stderr)}`);
  }
}

/** Compile bench/c/*.c (static when possible) and bundle denit. */
export async function buildAll(): Promise<void> {
  await Deno.mkdir(BUILD, { recursive: true });
  for (const name of ["pid1run", "stamp_child"]) {
    const source = `${BENCH}/c/${name}.c`;
    try {
      await run("gcc", ["-O2", "-static", "-o", `${BUILD}/${name}`, source]);
    } catch {
      await run("gcc", ["-O2", "-o", `${BUILD}/${name}`, source]);
    }
  }
  // Minified as shipped (deno.json, scripts/install_denit.ts, scripts/build_rootfs.ts).
  await run(Deno.execPath(), [
    "bundle",
    "--quiet",
    "--minify",
    "-o",
    `${BUILD}/denit.js`,
    `${REPO}/mod.ts`,
  ]);
}
