/**
 * The graceful stop, as real PID 1: `--pre-stop` runs while the child keeps
 * serving and a second SIGTERM cuts it short, `--pre-stop-timeout` cuts a slow
 * one, `--stop-timeout` SIGKILLs a child that ignores its stop signal, and the
 * JSON log shows the stop timeline in order. Which signals start a stop:
 * stop_signal_test.ts.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { startDenit } from "./_helpers/denit.ts";
import { fixture } from "./_helpers/fixtures.ts";
import { jsonLines } from "./_helpers/logs.ts";

Deno.test("--pre-stop-timeout cuts a slow pre-stop command, then the stop signal is forwarded", async () => {
  const printSignals = await fixture("print_signals");
  await using denit = startDenit([
    "--log-format",
    "json",
    "--pre-stop",
    "sleep 30",
    "--pre-stop-timeout",
    "0.3",
    printSignals,
    "15",
  ]);
  await denit.stdout.waitForLine(/^ready/);
  await denit.signal("SIGTERM");
  const result = await denit.exit(10_000);
  equal(result.code, 0, result.stderr);
  const finished = jsonLines(result.stderr).find((r) => r.event === "prestop.finished");
  ok(finished, result.stderr);
  equal(finished.cut, true, result.stderr);
  // The pre-stop ended at its own timeout, not at the hook's longer deadline.
  ok(!jsonLines(result.stderr).some((r) => r.event === "plugin.timeout"), result.stderr);
  deepEqual(denit.stdout.lines.slice(1), ["15"]);
});

Deno.test("--log-format json shows the stop timeline in order", async () => {
  const printSignals = await fixture("print_signals");
  await using denit = startDenit([
    "--log-format",
    "json",
    "-r",
    "TERM:QUIT", // signal.decided is logged when a plugin changes the decision
    "--pre-stop",
    '["sh","-c","exit 0"]',
    printSignals,
    "3",
  ]);
  await denit.stdout.waitForLine(/^ready/);
  await denit.signal("SIGTERM");
  const result = await denit.exit(10_000);
  equal(result.code, 0, result.stderr);
  const timeline = [
    "signal.received",
    "signal.decided",
    "prestop.started",
    "prestop.finished",
    "signal.forwarded",
    "child.exited",
    "exit",
  ];
  const events = jsonLines(result.stderr).map((r) => r.event as string).filter((e) =>
    timeline.includes(e)
  );
  // signal.decided may come before or after the pre-stop; everything else is ordered.
  const at = (event: string) => events.indexOf(event);
  for (const event of timeline) ok(at(event) >= 0, `${event} missing: ${events.join(" ")}`);
  ok(at("signal.received") < at("prestop.started"), events.join(" "));
  ok(at("prestop.started") < at("prestop.finished"), events.join(" "));
  ok(at("prestop.finished") < at("signal.forwarded"), events.join(" "));
  ok(at("signal.decided") < at("signal.forwarded"), events.join(" "));
  ok(at("signal.forwarded") < at("child.exited"), events.join(" "));
  equal(events.at(-1), "exit", events.join(" "));
});

Deno.test("--pre-stop runs while the child keeps serving, then the stop signal is forwarded", async () => {
  const printSignals = await fixture("print_signals");
  await using denit = startDenit([
    "--log-format",
    "json",
    "--pre-stop",
    "sleep 0.4",
    printSignals,
    "15",
  ]);
  await denit.stdout.waitForLine(/^ready/);
  await denit.signal("SIGTERM");
  await denit.stderr.waitForLine(/prestop\.started/);
  await denit.signal("SIGUSR2"); // still served during the pre-stop
  await denit.stdout.waitForLine("12");
  ok(!denit.stdout.lines.includes("15"), "SIGTERM went through before the pre-stop ended");
  const result = await denit.exit();
  equal(result.code, 0);
  const events = result.stderr.trim().split("\n").map((l) => JSON.parse(l).event);
  const order = ["prestop.started", "prestop.finished", "signal.forwarded", "child.exited", "exit"];
  deepEqual(events.filter((e: string) => order.includes(e) && e !== "signal.forwarded").length, 4);
  ok(events.lastIndexOf("signal.forwarded") > events.indexOf("prestop.finished"));
});

Deno.test("a second SIGTERM cuts the pre-stop short", async () => {
  const printSignals = await fixture("print_signals");
  await using denit = startDenit(["-v", "--pre-stop", '["sleep","30"]', printSignals, "15"]);
  await denit.stdout.waitForLine(/^ready/);
  await denit.signal("SIGTERM");
  await denit.stderr.waitForLine(/Pre-stop started/);
  await denit.signal("SIGTERM");
  const result = await denit.exit(10_000);
  equal(result.code, 0);
  match(result.stderr, /cutting the pre-stop command short/);
});

Deno.test("--stop-timeout SIGKILLs a child that ignores SIGTERM and denit exits 137", async () => {
  await using denit = startDenit([
    "--stop-timeout",
    "0.3",
    "sh",
    "-c",
    "trap '' TERM; echo up; sleep 30",
  ]);
  await denit.stdout.waitForLine("up");
  await denit.signal("SIGTERM");
  const result = await denit.exit(10_000);
  equal(result.code, 137, result.stderr);
  match(result.stderr, /Stop timeout of 300 ms passed/);
});
