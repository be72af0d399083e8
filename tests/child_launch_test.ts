/**
 * What the child gets: its argv, environment (exactly denit's: nothing
 * added, DENIT_REEXEC included, nothing removed), working directory and the
 * very same stdin/stdout/stderr, and a clean signal state (nothing blocked,
 * ignored or caught) even when denit's own parent ignored or blocked signals.
 * As PID 1 and not.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { MODES, runDenit, startDenit } from "./_helpers/denit.ts";
import { fixture } from "./_helpers/fixtures.ts";
import { waitFor } from "./_helpers/async.ts";
import { tempDir } from "./_helpers/fs.ts";

const ARGS = [
  "",
  "two words",
  "  padded  ",
  "ünïcödé 🐢 日本",
  "-v",
  "--",
  "--help",
  "$HOME",
  "*",
  "line1\nline2",
  `'"\\`,
  "",
];

const ENV: Record<string, string> = {
  PATH: "/usr/local/bin:/usr/bin:/bin",
  EMPTY: "",
  SPACES: " a b ",
  UNICODE: "ünïcödé 🐢",
  EQUALS: "x=y=z",
  NEWLINE: "l1\nl2",
  DENIT_VERBOSITY: "1",
  HOME: "/nonexistent-home",
  // Odd values (from the former hardening_inherit_test.ts's copy of this test).
  EQUALS_TAIL: "a=b==c=",
  NEWLINES: "line one\nline two\n\nend\n",
  QUOTES: `'single' "double" \`back\` $HOME \\`,
  "WEIRD.NAME-with_chars": "x",
  LONG: "v".repeat(100_000),
};

for (const { pid1, label } of MODES) {
  Deno.test(`the child gets argv unchanged, ${label}`, async () => {
    const result = await runDenit(["printf", "<%s>", ...ARGS], { pid1 });
    equal(result.code, 0, result.stderr);
    equal(result.stdout, ARGS.map((arg) => `<${arg}>`).join(""));
    const cmdline = await runDenit(["cat", "/proc/self/cmdline"], { pid1 });
    equal(cmdline.stdout, "cat\0/proc/self/cmdline\0", "argv[0] is the program as given");
  });

  Deno.test(`the child gets exactly denit's environment, no DENIT_REEXEC, ${label}`, async () => {
    // Stage two runs with denit's own DENO_V8_FLAGS: the child must get the user's, or none.
    for (const env of [ENV, { ...ENV, DENO_V8_FLAGS: "--stack-size=900" }]) {
      const result = await runDenit(["cat", "/proc/self/environ"], {
        pid1,
        env,
        clearEnv: true,
      });
      equal(result.code, 0, result.stderr);
      const entries = result.stdout.split("\0").filter((entry) => entry !== "");
      deepEqual(
        entries.sort(),
        Object.entries(env).map(([key, value]) => `${key}=${value}`).sort(),
      );
    }
  });

  Deno.test(`the child inherits the working directory, ${label}`, async () => {
    await using dir = await tempDir();
    const cwd = `${dir.path}/a dir ünï`;
    await Deno.mkdir(cwd);
    const result = await runDenit(["readlink", "/proc/self/cwd"], { pid1, cwd });
    equal(result.code, 0, result.stderr);
    equal(result.stdout, `${cwd}\n`);
  });

  Deno.test(`the child uses denit's own stdin, stdout and stderr, ${label}`, async () => {
    const script = 'readlink /proc/$$/fd/0 /proc/$$/fd/1 /proc/$$/fd/2; cat; echo "to stderr" >&2';
    await using denit = startDenit(["sh", "-c", script], { pid1, stdin: "piped" });
    await waitFor(() => denit.stdout.lines.length >= 3, "the child's fd list");
    const pid = await denit.denitPid();
    const own = [0, 1, 2].map((fd) => Deno.readLinkSync(`/proc/${pid}/fd/${fd}`));
    deepEqual(denit.stdout.lines.slice(0, 3), own, "the same pipes, not copies");
    // Then data flows through unchanged, binary included.
    const data = new Uint8Array(300_000).map((_, i) => (i * 7919) % 256);
    const writer = denit.process.stdin.getWriter();
    await writer.write(data);
    await writer.close();
    const result = await denit.exit();
    equal(result.code, 0, result.stderr);
    equal(result.stderr, "to stderr\n");
    const expected = own.join("\n") + "\n" + new TextDecoder().decode(data);
    ok(result.stdout === expected, "stdout differs from the input");
  });

  Deno.test(`the child starts with nothing blocked, ignored or caught, ${label}`, async () => {
    // Plain, then under a parent that ignored PIPE, USR1, INT, TERM, HUP and blocked
    // HUP, INT, USR1, USR2, TERM, RT 34 and 64 (a careless shell or runtime).
    const wrap = await fixture("sigwrap");
    for (const wrapper of [[], [wrap, "13,10,2,15,1", "1,2,10,12,15,34,64"]]) {
      // cat, not grep: GNU grep catches SIGSEGV itself.
      const result = await runDenit(["cat", "/proc/self/status"], { pid1, wrapper });
      equal(result.code, 0, result.stderr);
      for (const field of ["SigBlk", "SigIgn", "SigCgt"]) {
        match(result.stdout, new RegExp(`^${field}:\\s+0{16}$`, "m"), `${field} ${wrapper}`);
      }
    }
  });

  Deno.test(`signals still reach the child when denit's parent ignored and blocked them, ${label}`, async () => {
    const wrap = await fixture("sigwrap");
    const printSignals = await fixture("print_signals");
    await using denit = startDenit([printSignals, "15"], {
      pid1,
      wrapper: [wrap, "10,15,1", "10,15,1,34"],
    });
    await denit.stdout.waitForLine(/^ready/);
    for (const [signal, line] of [[1, "1"], [10, "10"], [34, "34"]] as const) {
      await denit.signal(signal);
      await denit.stdout.waitForLine(line);
    }
    await denit.signal("SIGTERM");
    const result = await denit.exit();
    equal(result.code, 0, result.stderr);
    deepEqual(denit.stdout.lines.slice(1), ["1", "10", "34", "15"]);
  });
}
