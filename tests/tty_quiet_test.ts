/**
 * Nothing but the child's bytes on the terminal: on a pty with a window size
 * (where `deno run` draws a progress line), stage two is quiet whatever the
 * user typed, so with the documented `deno run -q` the child's output is the
 * first thing on the terminal, in each compat mode, as PID 1 and not.
 */
import { equal } from "node:assert/strict";
import { asPid1, denitArgv, DenitProcess, DENO, MOD } from "./_helpers/denit.ts";
import { waitFor } from "./_helpers/async.ts";
import { descendantsOf } from "./_helpers/process.ts";
import { underPty } from "./_helpers/pty.ts";

/** Run `argv` on a fresh pty of 80x24 columns and rows. */
function onSizedPty(argv: readonly string[]): Promise<string> {
  return underPty(["sh", "-c", 'stty cols 80 rows 24 && exec "$@"', "sh", ...argv]);
}

Deno.test("with deno run -q the child's output is the first thing on the terminal", async () => {
  for (const compat of ["denit", "tini", "dumb-init"]) {
    for (const pid1 of [false, true]) {
      const denit = [DENO, "run", "-q", "-A", "--no-lock", MOD, "--compat", compat];
      const argv = [...denit, "--", "sh", "-c", "echo hi"];
      const output = await onSizedPty(pid1 ? asPid1(argv) : argv);
      equal(JSON.stringify(output), JSON.stringify("hi\n"), `${compat}, pid1 ${pid1}`);
    }
  }
});

Deno.test("stage two runs with -q whatever the user typed", async () => {
  for (const short of [false, true]) {
    // `deno run -A mod.ts` and the short form `deno -A mod.ts`.
    const argv = short ? [DENO, "-A", "--no-lock", MOD, "sleep", "30"] : denitArgv(["sleep", "30"]);
    await using denit = new DenitProcess(
      new Deno.Command(argv[0]!, {
        args: argv.slice(1),
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn(),
      false,
    );
    const pid = denit.process.pid;
    // Stage two has started once the child runs (same pid, new command line).
    await waitFor(() => descendantsOf(pid).length > 0, "the child");
    const cmdline = (await Deno.readTextFile(`/proc/${pid}/cmdline`)).split("\0");
    equal(cmdline[short ? 1 : 2], "-q", JSON.stringify(cmdline));
    equal(cmdline.filter((arg) => arg === "-q").length, 1, JSON.stringify(cmdline));
  }
});
