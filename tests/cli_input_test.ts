/**
 * Input that means what it says: the pre-stop's two forms, unknown signals
 * named as such, one verbosity range, a hint for a misspelt option, a help
 * that fits 80 columns, the Deno version in -V, a bad variable that does not
 * block --help, one-line errors whatever the program's name holds, and
 * definePlugin refusing unknown keys at `deno check` time.
 */
import { equal, match, ok, throws } from "node:assert/strict";
import { parseCommandLine, parseCommandText } from "../src/cli.ts";
import { DenitError } from "../src/errors.ts";
import { DENO, MOD, runDenit } from "./_helpers/denit.ts";

function refusal(args: string[], env: Record<string, string> = {}): string {
  let message = "";
  throws(() => parseCommandLine([...args, "true"], env), (error) => {
    ok(error instanceof DenitError, String(error));
    equal(error.exitCode, 125);
    ok(!error.message.includes("\n"), error.message);
    message = error.message;
    return true;
  });
  return message;
}

Deno.test("--pre-stop: only a JSON array of strings is argv; anything else is a shell command", () => {
  const test = "[ -f /etc/hostname ] && sleep 1";
  equal(parseCommandText("--pre-stop", test).argv.join(" "), `/bin/sh -c ${test}`);
  equal(parseCommandText("--pre-stop", '["sleep", "1"]').argv.join(" "), "sleep 1");
  equal(parseCommandText("--pre-stop", "[[ -n x ]]").argv[0], "/bin/sh");
  equal(parseCommandText("--pre-stop", "[]").argv[0], "/bin/sh");
});

Deno.test("a pre-stop written as a shell test runs (it is not refused as bad JSON)", async () => {
  const result = await runDenit([
    "--pre-stop",
    "[ -f /etc/hostname ] && echo pre-stop ran",
    "sh",
    "-c",
    "trap 'exit 0' TERM; kill -TERM 1; while :; do sleep 0.05; done",
  ]);
  equal(result.code, 0, result.stderr);
  match(result.stdout, /^pre-stop ran$/m);
});

Deno.test("an unknown signal is named as such, in rewrites and signal options", () => {
  match(refusal(["-r", "TERM:QUITT"]), /^Invalid rewrite "TERM:QUITT": unknown signal "QUITT"$/);
  match(refusal(["-r", "TERMM:QUIT"]), /unknown signal "TERMM"/);
  match(refusal(["--stop-signal", "QUITT"]), /--stop-signal: unknown signal "QUITT"/);
  match(refusal(["-p", "HUPP"]), /unknown signal "HUPP"/);
  match(refusal(["-r", "TERM"]), /expected FROM:TO/);
});

Deno.test("verbosity has one range, 0 to 4, from flags and the environment", () => {
  for (const value of ["-1", "9", "5", "10", "x"]) {
    match(refusal(["--verbosity", value]), /expected 0 to 4/);
    match(refusal([], { DENIT_VERBOSITY: value }), /expected 0 to 4/);
  }
  for (const value of ["0", "4"]) {
    const invocation = parseCommandLine(["--verbosity", value, "true"], {});
    equal(invocation.kind === "run" && invocation.config.verbosity, Number(value));
  }
});

Deno.test("a misspelt long option gets a hint; a foreign one does not", () => {
  match(refusal(["--stop-timout", "1"]), /: did you mean --stop-timeout\? \(see denit --help\)$/);
  match(refusal(["--pre-stopp", "x"]), /did you mean --pre-stop\?/);
  match(refusal(["--verbos"]), /did you mean --verbose\?/);
  ok(!refusal(["--frobnicate"]).includes("did you mean"));
});

Deno.test("--help fits 80 columns and says how durations are written", async () => {
  const result = await runDenit(["--help"], { pid1: false });
  equal(result.code, 0);
  for (const line of result.stdout.split("\n")) ok(line.length <= 80, `too wide: ${line}`);
  match(result.stdout, /Durations .* seconds .*500ms/s);
});

Deno.test("-V adds the Deno version; tini mode keeps the line Docker parses", async () => {
  const version = await runDenit(["-V"], { pid1: false });
  equal(version.code, 0);
  match(version.stdout, new RegExp(`^denit \\S+ \\(deno ${Deno.version.deno}\\)\\n$`));
  const tini = await runDenit(["--compat", "tini", "--version"], { pid1: false });
  match(tini.stdout, /^tini version \S+_denit\n$/);
});

Deno.test("a garbage DENIT_VERBOSITY does not stop --help or --version; it still stops a run", async () => {
  const env = { DENIT_VERBOSITY: "loud", DENIT_STOP_TIMEOUT: "soon" };
  for (const flag of ["--help", "-V", "--license"]) {
    const result = await runDenit([flag], { pid1: false, env });
    equal(result.code, 0, `${flag}: ${result.stderr}`);
  }
  const run = await runDenit(["true"], { pid1: false, env });
  equal(run.code, 125);
  equal(run.stderr.trim().split("\n").length, 1, run.stderr);
});

Deno.test("a newline in the program's name keeps the error on one line", async () => {
  for (const pid1 of [false, true]) {
    const result = await runDenit(["no\nsuch-program"], { pid1 });
    equal(result.code, 127);
    equal(result.stderr.trimEnd().split("\n").length, 1, result.stderr);
    match(result.stderr, /no\\nsuch-program/);
  }
});

Deno.test("definePlugin refuses an unknown key (a misspelt hook) at deno check time", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const write = (name: string, body: string) =>
      Deno.writeTextFile(
        `${dir}/${name}`,
        `import { definePlugin } from "${MOD}";\nexport default definePlugin(${body});\n`,
      );
    await write("typo.ts", `{ name: "typo", onSignals() {} }`);
    await write(
      "good.ts",
      `{ name: "good", onSignal: (e) => e.signal === "SIGTERM" ? { signal: "SIGQUIT" } : undefined }`,
    );
    const check = async (file: string) => {
      const output = await new Deno.Command(DENO, {
        args: ["check", "--no-lock", "--no-config", `${dir}/${file}`],
        stdout: "piped",
        stderr: "piped",
      }).output();
      return { ok: output.success, text: new TextDecoder().decode(output.stderr) };
    };
    const [typo, good] = await Promise.all([check("typo.ts"), check("good.ts")]);
    equal(typo.ok, false, "deno check accepted a misspelt hook");
    match(typo.text, /onSignals/);
    equal(good.ok, true, good.text);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
