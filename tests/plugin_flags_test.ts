/**
 * Built-in stop features and plugin failures seen through the flags and the
 * JSON log, as real PID 1: `-r`, `--pre-stop-timeout`, the stop timeline's
 * event order, afterSignal's `delivered`, and plugin.error / plugin.timeout
 * records carrying the plugin's name and hook.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { ROOT, startDenit } from "./_helpers/denit.ts";
import { fixture } from "./_helpers/fixtures.ts";

const FIXTURES = `${ROOT}/tests/fixtures/plugins`;

// deno-lint-ignore no-explicit-any
type Record_ = Record<string, any>;

function records(stderr: string): Record_[] {
  return stderr.trim().split("\n").filter((line) => line.startsWith("{")).map((line) =>
    JSON.parse(line)
  );
}

Deno.test("-r rewrites TERM to QUIT and -r USR1:0 drops USR1 before forwarding", async () => {
  const printSignals = await fixture("print_signals");
  await using denit = startDenit(["-r", "TERM:QUIT", "-r", "USR1:0", printSignals, "3"]);
  await denit.stdout.waitForLine(/^ready/);
  await denit.signal("SIGUSR1");
  await denit.signal("SIGHUP");
  await denit.stdout.waitForLine("1");
  await denit.signal("SIGTERM");
  const result = await denit.exit(10_000);
  equal(result.code, 0, result.stderr);
  deepEqual(denit.stdout.lines.slice(1), ["1", "3"]);
});

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
  const finished = records(result.stderr).find((r) => r.event === "prestop.finished");
  ok(finished, result.stderr);
  equal(finished.cut, true, result.stderr);
  // The pre-stop ended at its own timeout, not at the hook's longer deadline.
  ok(!records(result.stderr).some((r) => r.event === "plugin.timeout"), result.stderr);
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
  const events = records(result.stderr).map((r) => r.event as string).filter((e) =>
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

Deno.test("afterSignal sees delivered false for a dropped signal and true for a forwarded one", async () => {
  const printSignals = await fixture("print_signals");
  await using denit = startDenit([
    "--log-format",
    "json",
    "--plugin",
    `${FIXTURES}/after_audit.ts`,
    printSignals,
    "15",
  ]);
  await denit.stdout.waitForLine(/^ready/);
  await denit.signal("SIGUSR1");
  await denit.stderr.waitForLine(/"test\.after".*"SIGUSR1"/);
  await denit.signal("SIGTERM");
  const result = await denit.exit(10_000);
  equal(result.code, 0, result.stderr);
  const after = records(result.stderr).filter((r) => r.event === "test.after");
  deepEqual(
    after.map((r) => [r.received, r.sent, r.delivered]),
    [["SIGUSR1", null, false], ["SIGTERM", "SIGTERM", true]],
  );
  deepEqual(denit.stdout.lines.slice(1), ["15"]);
});

Deno.test("a throwing and a hanging plugin are logged as JSON with plugin and hook; the earlier decision is still forwarded", async () => {
  const printSignals = await fixture("print_signals");
  await using denit = startDenit([
    "--log-format",
    "json",
    "--plugin",
    `${FIXTURES}/rewrite_hup_pre.ts`,
    "--plugin",
    `${FIXTURES}/throw_on_signal.ts`,
    "--plugin",
    `${FIXTURES}/hang_on_signal.ts`,
    printSignals,
    "15",
  ]);
  await denit.stdout.waitForLine(/^ready/);
  await denit.signal("SIGHUP");
  await denit.stdout.waitForLine("12"); // HUP→USR2 by the pre plugin, kept despite the failures
  await denit.signal("SIGTERM");
  const result = await denit.exit(10_000);
  equal(result.code, 0, result.stderr);
  deepEqual(denit.stdout.lines.slice(1), ["12", "15"]);
  const failures = records(result.stderr)
    .filter((r) => r.event === "plugin.error" || r.event === "plugin.timeout")
    .map((r) => `${r.event} ${r.plugin} ${r.hook}`);
  for (
    const expected of [
      "plugin.error thrower onSignal",
      "plugin.error thrower afterSignal",
      "plugin.timeout hanger onSignal",
    ]
  ) ok(failures.includes(expected), `${expected} missing: ${failures.join(", ")}`);
});
