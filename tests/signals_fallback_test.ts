/**
 * The listener fallback (no re-exec possible, forced here with
 * DENIT_SIGNAL_MODE=listeners): denit warns, still forwards SIGTERM, survives
 * SIGINT/SIGHUP as PID 1, and keeps Deno's SIGUSR1 debugger closed.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { startDenit } from "./_helpers/denit.ts";
import { sleep } from "./_helpers/async.ts";
import { fixture } from "./_helpers/fixtures.ts";

const LISTENERS = { DENIT_SIGNAL_MODE: "listeners" };

function inspectorListening(): boolean {
  // 9229 = 0x240D; state 0A = LISTEN
  return /:240D [0-9A-F:]+ 0A /.test(Deno.readTextFileSync("/proc/net/tcp"));
}

Deno.test("in listener mode denit warns, forwards signals and survives SIGINT/SIGHUP as PID 1", async () => {
  const printSignals = await fixture("print_signals");
  await using denit = startDenit([printSignals, "15"], { env: LISTENERS });
  await denit.stdout.waitForLine(/^ready/);
  await sleep(700); // past Deno's 500 ms signal set-up
  await denit.signal("SIGINT");
  await denit.stdout.waitForLine("2");
  await denit.signal("SIGHUP");
  await denit.stdout.waitForLine("1");
  await denit.signal("SIGTERM");
  const result = await denit.exit();
  equal(result.code, 0, result.stderr);
  deepEqual(denit.stdout.lines.slice(1), ["2", "1", "15"]);
  match(result.stderr, /using Deno's signal listeners/);
});

Deno.test("in listener mode SIGUSR1 bursts open no debugger on 127.0.0.1:9229", async () => {
  const printSignals = await fixture("print_signals");
  await using denit = startDenit([printSignals, "15"], { env: LISTENERS });
  await denit.stdout.waitForLine(/^ready/);
  // Deno installs its SIGUSR1 handler 500 ms after start and denit replaces it within about
  // 20 ms (a SIGUSR1 in between can still open the debugger: README, "Limits"). Send after that.
  await sleep(1200);
  for (let round = 0; round < 5; round++) {
    await sleep(100);
    for (let burst = 0; burst < 5; burst++) await denit.signal("SIGUSR1");
  }
  await sleep(300);
  ok(!inspectorListening(), "Deno opened its inspector on SIGUSR1");
  ok(!denit.stderr.text.includes("Debugger listening"), denit.stderr.text);
  await denit.signal("SIGTERM");
  equal((await denit.exit()).code, 0);
});

Deno.test("in listener mode a signal no listener takes leaves denit running, not as PID 1", async () => {
  const printSignals = await fixture("print_signals");
  await using denit = startDenit([printSignals, "15"], { env: LISTENERS, pid1: false });
  await denit.stdout.waitForLine(/^ready/);
  // What no listener takes is ignored (fault signals sent with kill included), never SIGCHLD.
  const status = await Deno.readTextFile(`/proc/${await denit.denitPid()}/status`);
  const ignored = BigInt(`0x${/^SigIgn:\s*([0-9a-f]+)/m.exec(status)![1]}`);
  const isIgnored = (signo: number) => (ignored >> BigInt(signo - 1) & 1n) === 1n;
  deepEqual([37, 64, 6, 11, 7, 31, 17].map(isIgnored), [true, true, true, true, true, true, false]);
  // SIGRTMIN+3 has no listener (Deno listens to none of the real-time signals); its default
  // action would end denit and leave the child to the host's init.
  await denit.signal(37);
  // Nor do fault signals sent with kill (Deno's SIGSEGV handler would let the second one).
  for (const signo of [6, 11, 11, 7, 7]) await denit.signal(signo);
  await sleep(200);
  await denit.signal("SIGTERM");
  const result = await denit.exit();
  equal(result.code, 0, result.stderr);
  deepEqual(denit.stdout.lines.slice(1), ["15"]);
});
