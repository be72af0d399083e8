/**
 * The command line, as real denit processes. Every bad input exits 125 with exactly one stderr
 * line naming the bad value; a missing program 127, a directory or a
 * non-executable file 126, each with one line naming the program. Options end
 * at the first non-option, `--` is optional, `-h`/`-V` exit 0.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { MODES, runDenit } from "./_helpers/denit.ts";
import { pool } from "./_helpers/async.ts";
import { tempDir } from "./_helpers/fs.ts";

interface BadCase {
  args: string[];
  env?: Record<string, string>;
  /** What the one stderr line must contain. */
  names: string;
}

const BAD_USAGE: BadCase[] = [
  { args: ["--bogus", "true"], names: `"--bogus"` },
  { args: ["-x", "true"], names: `"-x"` },
  { args: ["-vx", "true"], names: `"-x"` },
  { args: ["--single-child=yes", "true"], names: `"--single-child"` },
  { args: [], names: "Missing program" },
  { args: ["-v"], names: "Missing program" },
  { args: ["--"], names: "Missing program" },
  { args: [""], names: "empty" },
  { args: ["-r"], names: `"-r"` },
  { args: ["-r", "TERM", "true"], names: `"TERM"` },
  { args: ["-r", "TERM:", "true"], names: `"TERM:"` },
  { args: ["-r", "FOO:BAR", "true"], names: `"FOO:BAR"` },
  { args: ["-r", "KILL:TERM", "true"], names: `"KILL:TERM"` },
  { args: ["-r", "1:2:3", "true"], names: `"1:2:3"` },
  { args: ["--rewrite=USR1:65", "true"], names: `"USR1:65"` },
  { args: ["-e", "256", "true"], names: `"256"` },
  { args: ["-e", "x", "true"], names: `"x"` },
  { args: ["-e", "-1", "true"], names: `"-1"` },
  { args: ["--drain-timeout", "abc", "true"], names: `"abc"` },
  { args: ["--drain-timeout", "-1", "true"], names: `"-1"` },
  { args: ["--drain-timeout=1h", "true"], names: `"1h"` },
  { args: ["--drain-timeout"], names: `"--drain-timeout"` },
  { args: ["--compat", "runit", "true"], names: `"runit"` },
  { args: ["--compat=", "true"], names: `""` },
  { args: ["--log-format", "xml", "true"], names: `"xml"` },
  { args: ["true"], env: { DENIT_DRAIN_TIMEOUT: "soon" }, names: `"soon"` },
  { args: ["true"], env: { DENIT_REWRITE: "TERM:NOPE" }, names: `"TERM:NOPE"` },
  { args: ["true"], env: { TINI_SUBREAPER: "maybe" }, names: `"maybe"` },
  // From the former init_lifecycle_test.ts's copy of this test.
  { args: ["-r", "15", "true"], names: `"15"` },
  { args: ["-r", "TERM:BOGUS", "true"], names: `"TERM:BOGUS"` },
  { args: ["-e", "300", "true"], names: `"300"` },
  { args: ["--drain-timeout", "later", "true"], names: `"later"` },
  { args: ["--compat", "systemd", "true"], names: `"systemd"` },
];

function describe(c: BadCase): string {
  return JSON.stringify(c.env ? { env: c.env, args: c.args } : c.args);
}

Deno.test("every bad usage exits 125 with one stderr line naming the bad value", async () => {
  const results = await pool(BAD_USAGE, 8, async (c) => {
    const result = await runDenit(c.args, { pid1: false, ...(c.env ? { env: c.env } : {}) });
    const lines = result.stderr.split("\n").filter((line) => line !== "");
    const problems: string[] = [];
    if (result.code !== 125) problems.push(`exit ${result.code}`);
    if (lines.length !== 1) problems.push(`${lines.length} stderr lines`);
    if (!result.stderr.includes(c.names)) problems.push(`no ${c.names}`);
    if (result.stdout !== "") problems.push("stdout not empty");
    return problems.length === 0 ? "" : `${describe(c)}: ${problems.join(", ")}: ${result.stderr}`;
  });
  deepEqual(results.filter((r) => r !== ""), []);
});

for (const { pid1, label } of MODES) {
  Deno.test(`a program that cannot run gives 127 or 126 with one line naming it, ${label}`, async () => {
    await using dir = await tempDir();
    const notExecutable = `${dir.path}/not-executable.sh`;
    await Deno.writeTextFile(notExecutable, "#!/bin/sh\nexit 0\n", { mode: 0o644 });
    const cases: Array<[string, number]> = [
      ["/doesnotexist", 127],
      ["denit-core-no-such-command", 127], // looked up in PATH
      [`${dir.path}/missing/program`, 127],
      ["/etc", 126],
      [notExecutable, 126],
    ];
    for (const [program, code] of cases) {
      const result = await runDenit([program, "arg"], { pid1 });
      equal(result.code, code, `${program}: ${result.stderr}`);
      const lines = result.stderr.split("\n").filter((line) => line !== "");
      equal(lines.length, 1, `${program}: ${result.stderr}`);
      ok(lines[0]!.includes(JSON.stringify(program)), `${program}: ${lines[0]}`);
      const errno = code === 127 ? ": ENOENT" : ": EACCES";
      ok(lines[0]!.includes(errno), `${program}: ${lines[0]}`);
    }
  });
}

Deno.test("options end at the first non-option and -- is optional", async () => {
  const cases: Array<[string[], string]> = [
    [["echo", "-v"], "-v\n"],
    [["printf", "%s\n", "--help", "-h"], "--help\n-h\n"],
    [["echo", "-c", "-r", "x"], "-c -r x\n"],
    [["--", "echo", "-v"], "-v\n"],
    [["-v", "--", "echo", "--", "-V"], "-- -V\n"],
    [["-c", "echo", "--", "x"], "-- x\n"],
    [["--drain-timeout", "1", "echo", "--drain-timeout"], "--drain-timeout\n"],
    [["-r15:3", "echo", "a"], "a\n"],
  ];
  const results = await pool(cases, 8, async ([args]) => await runDenit(args, { pid1: false }));
  for (const [index, [args, stdout]] of cases.entries()) {
    const result = results[index]!;
    equal(result.code, 0, `${args}: ${result.stderr}`);
    equal(result.stdout, stdout, JSON.stringify(args));
  }
});

Deno.test("-h, --help, -V and --version exit 0 without running anything", async () => {
  const [h, help, v, version, tini, dumb, late] = await pool(
    [
      ["-h"],
      ["--help"],
      ["-V"],
      ["--version"],
      ["--compat", "tini", "--version"],
      ["--compat", "dumb-init", "-V"],
      ["-V", "sh", "-c", "echo ran"],
    ],
    7,
    async (args) => await runDenit(args, { pid1: false }),
  );
  for (const result of [h!, help!, v!, version!, tini!, dumb!, late!]) {
    equal(result.code, 0, result.stderr);
    equal(result.stderr, "");
  }
  ok(h!.stdout.startsWith("denit "), h!.stdout);
  ok(h!.stdout.includes("--drain-timeout"));
  ok(h!.stdout.includes("Usage: denit "), h!.stdout);
  equal(help!.stdout, h!.stdout);
  ok(/^denit \d+\.\d+\.\d+ \(deno \d+\.\d+\.\d+\)\n$/.test(v!.stdout), v!.stdout);
  equal(version!.stdout, v!.stdout);
  ok(tini!.stdout.startsWith("tini version "), tini!.stdout);
  ok(/^dumb-init v/.test(dumb!.stdout), dumb!.stdout);
  equal(late!.stdout, v!.stdout, "-V before the program: nothing runs");
});

// Not tested: denit started under the name `tini` (compatFromProgramName). Under
// `deno run` argv[0] is always deno; the unit tests cover the name mapping.
