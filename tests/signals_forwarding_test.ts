/**
 * Signal forwarding. Every forwardable signal (standard and real-time) reaches
 * the child's whole process group by default and only the child with -c (and
 * in tini's mode unless -g); rewrites and drops by name or number; bursts sent
 * once the child runs are never lost; a signal that arrives while the child is
 * still starting is not lost; SIGUSR1 opens no inspector; a dropped SIGTSTP
 * does not stop denit. As PID 1 and not.
 */
import { deepEqual, equal, notEqual, ok } from "node:assert/strict";
import { asPid1, denitArgv, DenitProcess, MODES, startDenit } from "./_helpers/denit.ts";
import { fixture } from "./_helpers/fixtures.ts";
import { sleep, waitFor } from "./_helpers/async.ts";
import { burst, procStat, socketsOf } from "./_helpers/process.ts";

/** HUP INT QUIT USR1 USR2 PIPE ALRM CONT URG WINCH PWR and RT 34, 40, 64 (TERM ends the run). */
const FORWARDABLE = [1, 2, 3, 10, 12, 13, 14, 18, 23, 28, 30, 34, 40, 64];

/**
 * Run the signal_family fixture (a child and a grandchild in its group that print
 * each signal they get) under denit with `args`, send each of `send` (each seen by
 * the child before the next: the kernel merges pending standard signals), end with
 * SIGTERM; returns what both printed after "ready".
 */
async function signalFamily(
  args: readonly string[],
  pid1: boolean,
  send: readonly number[],
): Promise<string[]> {
  const binary = await fixture("signal_family");
  await using denit = startDenit([...args, binary], { pid1 });
  await denit.stdout.waitForLine(/^ready /);
  for (const signo of send) {
    await denit.signal(signo);
    await denit.stdout.waitForLine(`child ${signo}`);
  }
  await denit.signal("SIGTERM");
  const result = await denit.exit();
  equal(result.code, 0, result.stderr);
  return denit.stdout.lines.slice(1);
}

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

Deno.test("denit --compat tini forwards to the child only unless -g", async () => {
  const plain = await signalFamily(["--compat", "tini"], true, [12]);
  deepEqual(plain.filter((l) => l.startsWith("grandchild")), []);
  const group = await signalFamily(["--compat", "tini", "-g"], true, [12]);
  ok(group.includes("grandchild 12"));
});

Deno.test("denit rewrites a signal to one other than the stop signal and drops HUP by number and WINCH, in order, as PID 1", async () => {
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

Deno.test("denit forwards a signal that arrives while the child is still starting", async () => {
  const printSignals = await fixture("print_signals");
  await using denit = startDenit([
    "--log-format",
    "json",
    "sh",
    "-c",
    `sleep 0.3; exec ${printSignals} 15`,
  ]);
  await denit.stderr.waitForLine(/child\.spawned/);
  await denit.signal("SIGUSR2");
  const result = await denit.exit();
  // sh dies of the USR2 before exec (default action): denit passes that on.
  equal(result.code, 140);
});

Deno.test("-r TSTP:drop does not stop denit when it is not PID 1", async () => {
  const printSignals = await fixture("print_signals");
  await using denit = startDenit(["-r", "TSTP:drop", printSignals, "15"], { pid1: false });
  await denit.stdout.waitForLine(/^ready/);
  await denit.signal("SIGTSTP");
  await denit.signal("SIGUSR1");
  // A stopped denit would forward nothing more.
  await denit.stdout.waitForLine("10");
  notEqual(procStat(denit.process.pid)?.state, "T");
  await denit.signal("SIGTERM");
  const result = await denit.exit();
  equal(result.code, 0, result.stderr);
  equal(denit.stdout.lines.includes("20"), false, "TSTP was dropped");
});

for (const { pid1, label } of MODES) {
  Deno.test(`a SIGPIPE denit raises itself (its log's reader is gone) is not forwarded, ${label}`, async () => {
    // Each log line denit writes to its closed stderr raises a SIGPIPE that denit itself
    // sent; the child would take it for a signal from outside. It notes every SIGPIPE.
    // Its own stderr goes to /dev/null: a shell that wrote to the closed pipe would raise one.
    const script = 'exec 2>/dev/null; trap "echo PIPE" PIPE; trap "exit 0" TERM; echo ready; ' +
      "while :; do sleep 0.05; done";
    const inner = denitArgv(["--log-format", "json", "sh", "-c", script]);
    const argv = pid1 ? asPid1(inner) : inner;
    const process = new Deno.Command(argv[0]!, {
      args: argv.slice(1),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    // The read end closes long before denit's first line (its start-up takes tens of ms).
    await process.stderr.cancel();
    await using denit = new DenitProcess(process, pid1);
    await denit.stdout.waitForLine("ready"); // "Spawned child" was logged before: a SIGPIPE
    await denit.signal("SIGTERM");
    const result = await denit.exit();
    equal(result.code, 0);
    deepEqual(denit.stdout.lines, ["ready"], "the child got no SIGPIPE");
  });
}
