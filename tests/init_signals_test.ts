/**
 * Signal forwarding as PID 1: every forwardable signal reaches the child's
 * process group (default) or the child only (-c, --compat tini), rewrites and
 * drops apply, and nothing opens Deno's inspector.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { fixture, startDenit } from "./_helpers.ts";

const FORWARDED = [1, 2, 3, 10, 12, 13, 14, 18, 23, 28, 30, 34, 40, 64];

async function family(args: string[], send: number[]): Promise<string[]> {
  const binary = await fixture("signal_family");
  await using denit = startDenit([...args, binary]);
  await denit.stdout.waitForLine(/^ready /);
  for (const signo of send) {
    // One at a time, each seen before the next: the kernel merges pending standard signals.
    await denit.signal(signo);
    await denit.stdout.waitForLine(`child ${signo}`);
  }
  await denit.signal("SIGTERM");
  const result = await denit.exit();
  equal(result.code, 0, result.stderr);
  return denit.stdout.lines.slice(1);
}

Deno.test("denit forwards every forwardable signal, RT included, to the child's process group", async () => {
  const lines = await family([], FORWARDED);
  for (const signo of [...FORWARDED, 15]) {
    ok(lines.includes(`child ${signo}`), `child got ${signo}: ${lines}`);
    ok(lines.includes(`grandchild ${signo}`), `grandchild got ${signo}: ${lines}`);
  }
});

Deno.test("denit -c forwards to the child only", async () => {
  const lines = await family(["-c"], [10, 12, 34]);
  deepEqual(lines.filter((l) => l.startsWith("grandchild")), []);
  for (const signo of [10, 12, 34, 15]) ok(lines.includes(`child ${signo}`));
});

Deno.test("denit --compat tini forwards to the child only unless -g", async () => {
  const plain = await family(["--compat", "tini"], [12]);
  deepEqual(plain.filter((l) => l.startsWith("grandchild")), []);
  const group = await family(["--compat", "tini", "-g"], [12]);
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
  for (const signal of ["SIGUSR1", "SIGHUP", "SIGWINCH", "SIGTERM"] as const) {
    await denit.signal(signal);
  }
  const result = await denit.exit();
  equal(result.code, 0);
  deepEqual(denit.stdout.lines.slice(1), ["12", "3"]);
});

Deno.test("denit forwards SIGUSR1 without opening Deno's inspector on 127.0.0.1:9229", async () => {
  const printSignals = await fixture("print_signals");
  await using denit = startDenit([printSignals, "15"]);
  await denit.stdout.waitForLine(/^ready/);
  // Deno installs its SIGUSR1 inspector hook 500 ms after start: wait past that.
  await new Promise((resolve) => setTimeout(resolve, 800));
  for (let i = 0; i < 5; i++) await denit.signal("SIGUSR1");
  await denit.stdout.waitForLine("10");
  await new Promise((resolve) => setTimeout(resolve, 300));
  const tcp = await Deno.readTextFile("/proc/net/tcp");
  // 9229 = 0x240D; state 0A = LISTEN
  ok(!/:240D [0-9A-F:]+ 0A /.test(tcp), "something listens on port 9229");
  await denit.signal("SIGTERM");
  equal((await denit.exit()).code, 0);
});
