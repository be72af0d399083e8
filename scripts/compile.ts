/**
 * `deno task compile`: build `dist/denit`, one binary, with `deno compile`.
 *
 * `deno compile` needs `denort` for the same Deno version, which it downloads
 * from the internet unless `DENORT_BIN` names one or it is already cached in
 * `$DENO_DIR/dl/release/v<version>/`. Where neither works this fails fast with
 * one line, and never fakes the binary (the `deno` CLI is not a denort).
 *
 * @module
 */
// deno-lint-ignore-file no-console -- a build script talks to the terminal

const OUTPUT = new URL("../dist/denit", import.meta.url).pathname;
const ENTRY = new URL("../mod.ts", import.meta.url).pathname;

function fail(message: string): never {
  console.error(`compile: ${message}`);
  Deno.exit(1);
}

const denortBin = Deno.env.get("DENORT_BIN");
if (denortBin !== undefined) {
  const real = await Deno.realPath(denortBin).catch(() =>
    fail(`DENORT_BIN ${denortBin} does not exist`)
  );
  if (real === await Deno.realPath(Deno.execPath())) {
    fail(
      "DENORT_BIN points at the deno CLI, which ignores the embedded program; use a denort binary",
    );
  }
}

// A compiled binary ignores DENO_V8_FLAGS, through which `deno run` gets the second stage's
// young-generation cap (src/signal_source.ts): bake the same flag in.
const V8_FLAGS = "--v8-flags=--max-semi-space-size=1";
const command = new Deno.Command(Deno.execPath(), {
  args: ["compile", "-A", "--no-check", V8_FLAGS, "--output", OUTPUT, ENTRY],
  stdout: "inherit",
  stderr: "piped",
  signal: AbortSignal.timeout(180_000),
});
const result = await command.output().catch((error) =>
  fail(`deno compile did not finish: ${error}`)
);
if (!result.success) {
  const stderr = new TextDecoder().decode(result.stderr);
  const version = Deno.version.deno;
  if (/denort|dl\.deno\.land|dns error|error sending request|Download/i.test(stderr)) {
    fail(
      `cannot get denort ${version} (no network?): set DENORT_BIN to a denort ${version} binary ` +
        `or put denort-${Deno.build.target}.zip in $DENO_DIR/dl/release/v${version}/`,
    );
  }
  fail(stderr.trim().split("\n").at(-1) ?? "deno compile failed");
}
console.error(`compile: wrote ${OUTPUT}`);
