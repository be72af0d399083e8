/**
 * Which received signals start a stop (pre-stop, stop timeout): `--stop-signal`
 * is repeatable or a list; under a preset every signal the preset treats as
 * "stop" does (TERM, INT and QUIT: the official nginx and php images set
 * `STOPSIGNAL SIGQUIT`). Signals that can never reach denit are refused.
 * Real nginx and php-fpm: tests/e2e_nginx_test.ts, tests/e2e_php_fpm_test.ts.
 */
import { deepEqual, equal, match, ok, throws } from "node:assert/strict";
import { parseCommandLine } from "../src/cli.ts";
import type { Config } from "../src/cli.ts";
import { DenitError } from "../src/errors.ts";
import { runDenit, startDenit } from "./_helpers/denit.ts";

function config(args: string[], env: Record<string, string> = {}): Config {
  const invocation = parseCommandLine([...args, "true"], env);
  if (invocation.kind !== "run") throw new Error(`expected run, got ${invocation.kind}`);
  return invocation.config;
}

Deno.test("--stop-signal is repeatable or a list; the flags replace DENIT_STOP_SIGNAL", () => {
  equal(config([]).stopSignals, null);
  deepEqual(config(["--stop-signal", "QUIT", "--stop-signal", "SIGINT"]).stopSignals, [
    "SIGQUIT",
    "SIGINT",
  ]);
  deepEqual(config(["--stop-signal", "QUIT,TERM"]).stopSignals, ["SIGQUIT", "SIGTERM"]);
  deepEqual(config([], { DENIT_STOP_SIGNAL: "USR1, USR2" }).stopSignals, ["SIGUSR1", "SIGUSR2"]);
  deepEqual(config(["--stop-signal=QUIT"], { DENIT_STOP_SIGNAL: "USR1" }).stopSignals, ["SIGQUIT"]);
});

Deno.test("signals that can never trigger are refused as stop signals and rewrite sources (125)", () => {
  const cases: Array<[string[], RegExp]> = [
    [["--stop-signal", "KILL"], /--stop-signal: SIGKILL can never trigger \(it cannot be caught\)/],
    [["--stop-signal", "STOP"], /SIGSTOP can never trigger/],
    [["--stop-signal", "TERM,CHLD"], /SIGCHLD can never trigger \(it drives the reaper/],
    [["-r", "CHLD:TERM"], /Invalid rewrite "CHLD:TERM": SIGCHLD can never be rewritten/],
    [["-r", "9:TERM"], /SIGKILL can never be rewritten/],
  ];
  for (const [args, message] of cases) {
    throws(() => parseCommandLine([...args, "true"], {}), (error) => {
      ok(error instanceof DenitError, String(error));
      equal(error.exitCode, 125);
      match(error.message, message);
      ok(!error.message.includes("\n"));
      return true;
    });
  }
});

Deno.test("fault signals are accepted as stop signals and rewrite sources: kill can send them", () => {
  // denit blocks and forwards SEGV, BUS… sent with kill(2), so they can start a stop.
  deepEqual(parseCommandLine(["--stop-signal", "SEGV", "true"], {}).kind, "run");
  deepEqual(parseCommandLine(["-r", "SEGV:TERM", "true"], {}).kind, "run");
});

Deno.test("denit refuses --stop-signal KILL with 125 and one line, before any child", async () => {
  const result = await runDenit(["--stop-signal", "KILL", "sh", "-c", "echo ran"], { pid1: false });
  equal(result.code, 125);
  equal(result.stdout, "");
  equal(result.stderr.trim().split("\n").length, 1, result.stderr);
});

for (const signal of ["SIGQUIT", "SIGINT"] as const) {
  Deno.test(`--stop-signal QUIT --stop-signal INT: ${signal} starts the pre-stop and the stop timer`, async () => {
    await using denit = startDenit([
      "--stop-signal",
      "QUIT",
      "--stop-signal",
      "INT",
      "--pre-stop",
      "echo pre-stop ran",
      "--stop-timeout",
      "0.3",
      "--log-format",
      "json",
      "sh",
      "-c",
      "trap '' QUIT INT TERM; echo up; sleep 30",
    ]);
    await denit.stdout.waitForLine("up");
    await denit.signal(signal);
    const result = await denit.exit(15_000);
    equal(result.code, 137, result.stderr);
    match(result.stdout, /^pre-stop ran$/m);
    const events = result.stderr.trim().split("\n").map((line) => JSON.parse(line).event);
    for (const event of ["prestop.started", "prestop.finished", "stop.armed", "stop.timeout"]) {
      ok(events.includes(event), `${event} missing: ${events}`);
    }
  });
}

Deno.test("without --stop-signal and without a preset, SIGQUIT does not start a stop", async () => {
  await using denit = startDenit([
    "--stop-timeout",
    "0.2",
    "--log-format",
    "json",
    "sh",
    "-c",
    "trap 'echo quit; exit 3' QUIT; echo up; while :; do sleep 0.05; done",
  ]);
  await denit.stdout.waitForLine("up");
  await denit.signal("SIGQUIT");
  const result = await denit.exit(15_000);
  equal(result.code, 3, result.stderr);
  ok(!result.stderr.includes("stop.armed"), result.stderr);
});
