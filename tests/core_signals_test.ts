/**
 * Core: signal forwarding. Every forwardable signal (standard and real-time)
 * reaches the child's whole process group by default and only the child with
 * -c; rewrites and drops by name or number; bursts sent once the child runs
 * are never lost; SIGUSR1 opens no inspector. As PID 1 and not.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { fixture, startDenit, waitFor } from "./_helpers.ts";
import { burst, MODES, signalFamily, sleep, socketsOf } from "./_core_helpers.ts";

/** HUP INT QUIT USR1 USR2 PIPE ALRM CONT URG WINCH PWR and RT 34, 40, 64 (TERM ends the run). */
const FORWARDABLE = [1, 2, 3, 10, 12, 13, 14, 18, 23, 28, 30, 34, 40, 64];

for (const { pid1, label } of MODES) {
  Deno.test(`denit forwards each forwardable signal to the child's process group, ${label}`, async () => {
    const lines = await signalFamily([], pid1, FORWARDABLE);
    for (const signo of [...FORWARDABLE, 15]) {
      ok(lines.includes(`child ${signo}`), `child got ${signo}: ${lines}`);
      ok(lines.includes(`grandchild ${signo}`), `grandchild got ${signo}: ${lines}`);
    }
  });

  Deno.test(`denit -c and --single-child forward to the child only, ${label}`, async () => {
    for (const flag of ["-c", "--single-child"]) {
      const lines = await signalFamily([flag], pid1, [1, 10, 12, 28, 34, 64]);
      deepEqual(lines.filter((line) => line.startsWith("grandchild")), [], flag);
      for (const signo of [1, 10, 12, 28, 34, 64, 15]) {
        ok(lines.includes(`child ${signo}`), `${flag}: child got ${signo}: ${lines}`);
      }
    }
  });

  Deno.test(`denit rewrites and drops signals given by name or number, ${label}`, async () => {
    const printSignals = await fixture("print_signals");
    const variants = [
      ["-r", "TERM:QUIT", "-r", "USR1:0"],
      ["-r", "15:3", "-r", "USR1:drop"],
      ["--rewrite=SIGTERM:SIGQUIT", "-r10:0"],
      ["-r", "term:quit", "-r", "10:DROP"],
    ];
    for (const rewrites of variants) {
      await using denit = startDenit([...rewrites, printSignals, "3"], { pid1 });
      await denit.stdout.waitForLine(/^ready/);
      await denit.signal("SIGUSR1"); // dropped
      await denit.signal("SIGUSR2"); // passes unchanged: proves USR1 was read and dropped first
      await denit.stdout.waitForLine("12");
      await denit.signal("SIGTERM"); // arrives as SIGQUIT (3), which ends print_signals
      const result = await denit.exit();
      equal(result.code, 0, `${rewrites}: ${result.stderr}`);
      deepEqual(denit.stdout.lines.slice(1), ["12", "3"], rewrites.join(" "));
    }
  });

  Deno.test(`signals sent after the child runs are never lost, bursts included, ${label}`, async () => {
    const printSignals = await fixture("print_signals");
    await using denit = startDenit([printSignals, "15"], { pid1 });
    await denit.stdout.waitForLine(/^ready/);
    const pid = await denit.denitPid();
    // Real-time signals queue: 200 sent back to back arrive 200 times.
    await burst(pid, 40, 200);
    await waitFor(
      () => denit.stdout.lines.filter((line) => line === "40").length === 200,
      "200 × signal 40 at the child",
    );
    // Distinct standard signals sent back to back each arrive (only equal ones may merge).
    const distinct = [1, 2, 3, 10, 12, 14, 23, 28, 30, 34, 64];
    const script = distinct.map((signo) => `kill -${signo} ${pid}`).join("; ");
    const sh = await new Deno.Command("sh", { args: ["-c", script] }).output();
    ok(sh.success);
    for (const signo of distinct) await denit.stdout.waitForLine(String(signo));
    await denit.signal("SIGTERM");
    const result = await denit.exit();
    equal(result.code, 0, result.stderr);
    const lines = denit.stdout.lines.slice(1);
    equal(lines.filter((line) => line === "40").length, 200, "no real-time signal lost or doubled");
    for (const signo of distinct) {
      equal(lines.filter((line) => line === String(signo)).length, 1, `signal ${signo} once`);
    }
  });

  Deno.test(`after SIGUSR1 nothing listens on port 9229, ${label}`, async () => {
    const printSignals = await fixture("print_signals");
    await using denit = startDenit([printSignals, "15"], { pid1 });
    await denit.stdout.waitForLine(/^ready/);
    // Deno arms its SIGUSR1 inspector hook 500 ms after start: send after that.
    await sleep(700);
    // Deno keeps internal socketpairs from start-up; an inspector would add a listener.
    const pid = await denit.denitPid();
    const socketsBefore = socketsOf(pid);
    for (let i = 0; i < 3; i++) {
      await denit.signal("SIGUSR1");
      await denit.stdout.waitForLine("10");
    }
    await sleep(300); // an inspector would be listening by now
    const tables = [await Deno.readTextFile("/proc/net/tcp")];
    try {
      tables.push(await Deno.readTextFile("/proc/net/tcp6"));
    } catch {
      // no IPv6
    }
    // 9229 = 0x240D; state 0A = LISTEN
    for (const table of tables) ok(!/:240D [0-9A-F:]+ 0A /.test(table), "port 9229 listens");
    deepEqual(socketsOf(pid), socketsBefore, "SIGUSR1 opened no socket in denit");
    await denit.signal("SIGTERM");
    equal((await denit.exit()).code, 0);
  });
}
