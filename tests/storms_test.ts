/**
 * Storms: 10,000 orphans and 10,000 signals against denit as PID 1.
 * Nothing is timed; deadlines only stop hangs.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { startDenit } from "./_helpers/denit.ts";
import { fixture } from "./_helpers/fixtures.ts";
import { waitFor } from "./_helpers/async.ts";
import { childrenOf, mainChildOf, rssKb, run, zombiesOf } from "./_helpers/process.ts";

const ORPHANS = 10_000;
const SIGNALS = 10_000;
const SIGRTMIN_3 = 37;

Deno.test("denit reaps 10,000 orphans, then still forwards SIGTERM and passes on the code", async () => {
  const storm = await fixture("orphan_storm");
  await using denit = startDenit([storm, String(ORPHANS), "42"]);
  await denit.stdout.waitForLine(/^ready/);
  await denit.stdout.waitForLine(`done ${ORPHANS}`, 60_000);
  const pid = await denit.denitPid();
  const child = await mainChildOf(pid);
  // Every orphan is reaped: only the main child is left under denit, and it is no zombie.
  await waitFor(
    () => childrenOf(pid).length === 1 && zombiesOf(pid).length === 0,
    `no zombie left under denit (children: ${childrenOf(pid).length})`,
    20_000,
  );
  deepEqual(childrenOf(pid), [child]);
  await denit.signal("SIGTERM");
  const result = await denit.exit(10_000);
  equal(result.code, 42, result.stderr);
  deepEqual(denit.stdout.lines.slice(2), ["15"]);
});

Deno.test("denit survives 10,000 mixed signals, delivers the last (queued RT) one and keeps its RSS bounded", async () => {
  const [printSignals, sender] = await Promise.all([
    fixture("print_signals"),
    fixture("signal_storm"),
  ]);
  await using denit = startDenit([printSignals, "15"]);
  await denit.stdout.waitForLine(/^ready/);
  const pid = await denit.denitPid();
  const child = await mainChildOf(pid);
  // Warm up once (first forwarding binds FFI symbols and compiles code), then measure.
  await denit.signal("SIGWINCH");
  await denit.stdout.waitForLine("28");
  const before = rssKb(pid);
  const sent = await run([sender, String(pid), String(SIGNALS), String(SIGRTMIN_3)]);
  equal(sent.code, 0, sent.stderr);
  // The final signal is a queued RT signal: it cannot coalesce, so it must arrive.
  await denit.stdout.waitForLine(String(SIGRTMIN_3), 30_000);
  const after = rssKb(pid);
  // The child lived through the storm (print_signals never dies on these signals).
  ok(childrenOf(pid).includes(child), "the child is still running");
  const kinds = new Set(denit.stdout.lines.slice(1));
  for (const signo of ["10", "12", "1", "28"]) ok(kinds.has(signo), `signal ${signo} arrived`);
  // Bounded: a leak of even 100 bytes per signal would add about 1 MB; allow GC noise.
  ok(after - before < 8 * 1024, `RSS grew from ${before} kB to ${after} kB`);
  await denit.signal("SIGTERM");
  const result = await denit.exit(10_000);
  equal(result.code, 0, result.stderr);
  // deno-lint-ignore no-console
  console.log(`signal storm: ${sent.stdout.trim()}; denit RSS ${before} kB -> ${after} kB`);
});
