/**
 * Signal forwarding as PID 1 in tini's mode (the child only unless -g) and a
 * rewrite to another signal. Every forwardable signal, `-c`, drops and the
 * inspector on SIGUSR1 are in core_signals_test.ts, as PID 1 and not.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { fixture, startDenit, waitFor } from "./_helpers.ts";
import { signalFamily } from "./_core_helpers.ts";

Deno.test("denit --compat tini forwards to the child only unless -g", async () => {
  const plain = await signalFamily(["--compat", "tini"], true, [12]);
  deepEqual(plain.filter((l) => l.startsWith("grandchild")), []);
  const group = await signalFamily(["--compat", "tini", "-g"], true, [12]);
  ok(group.includes("grandchild 12"));
});

Deno.test("denit rewrites and drops signals given by name or number", async () => {
  const printSignals = await fixture("print_signals");
  await using denit = startDenit([
    "-r",
    "USR1:USR2",
    "-r",
    "1:0",
    "-r",
    "WINCH:drop",
    "-r",
    "TERM:QUIT",
    printSignals,
    "3",
  ]);
  await denit.stdout.waitForLine(/^ready/);
  // Each dropped signal is followed by a forwarded USR1 (as USR2) that the test waits for: the
  // kernel hands pending signals over lowest number first, so without the wait QUIT (3) could
  // overtake USR2 (12) and the child would exit before printing it.
  const printed = (count: number) => () =>
    denit.stdout.lines.filter((line) => line === "12").length >= count ? true : undefined;
  await denit.signal("SIGHUP");
  await denit.signal("SIGUSR1");
  await waitFor(printed(1), "the first USR2");
  await denit.signal("SIGWINCH");
  await denit.signal("SIGUSR1");
  await waitFor(printed(2), "the second USR2");
  await denit.signal("SIGTERM");
  const result = await denit.exit();
  equal(result.code, 0);
  deepEqual(denit.stdout.lines.slice(1), ["12", "12", "3"]);
});
