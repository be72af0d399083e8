/**
 * PID 1 must not hang or die: every wait status decodes (signals 32 and 33
 * included), a failure while handing on one status loses no other, and a stale
 * re-exec marker in the environment changes nothing.
 */
import { deepEqual, equal } from "node:assert/strict";
import type { Libc, WaitResult } from "../src/ffi/libc.ts";
import { decodeWaitStatus, Reaper } from "../src/reaper.ts";
import type { ExitStatus } from "../src/reaper.ts";
import { runDenit, startDenit } from "./_helpers.ts";
import { MODES, pool } from "./_core_helpers.ts";

Deno.test("decodeWaitStatus() decodes a child killed by any signal 1-64 as 128+n", () => {
  for (let signo = 1; signo <= 64; signo++) {
    for (const core of [0, 0x80]) {
      const status = decodeWaitStatus(9, signo | core);
      equal(status.exitCode, 128 + signo);
      equal(status.code, null);
    }
  }
  equal(decodeWaitStatus(9, 32).signal, "SIG32");
  equal(decodeWaitStatus(9, 33).signal, "SIG33");
  equal(decodeWaitStatus(9, 34).signal, "SIGRTMIN");
});

Deno.test("Reaper.reap() delivers every status even when one orphan callback throws", async () => {
  const results: WaitResult[] = [
    { kind: "exited", pid: 11, status: 0 },
    { kind: "exited", pid: 10, status: 33 },
    { kind: "exited", pid: 12, status: 0 },
    { kind: "running" },
  ];
  const libc = { waitAny: () => results.shift() ?? { kind: "no-children" } } as unknown as Libc;
  const orphans: number[] = [];
  const reaper = new Reaper(libc, (pid) => {
    orphans.push(pid);
    if (pid === 11) throw new Error("boom");
  });
  const main: Promise<ExitStatus> = reaper.watch(10);
  let thrown: unknown = null;
  try {
    reaper.reap();
  } catch (error) {
    thrown = error;
  }
  equal((thrown as Error).message, "boom");
  deepEqual(orphans, [11, 12]);
  equal((await main).exitCode, 161);
});

for (const { pid1, label } of MODES) {
  Deno.test(`denit exits 160 and 161 when signal 32 or 33 kills the child ${label}`, async () => {
    const results = await pool([32, 33], 2, async (signo) => {
      const result = await runDenit(["sh", "-c", `kill -${signo} $$; exit 99`], {
        pid1,
        timeoutMs: 15_000,
      });
      return `${signo}→${result.code} ${result.stderr.includes("Cannot") ? result.stderr : ""}`;
    });
    deepEqual(results, ["32→160 ", "33→161 "]);
  });
}

Deno.test("a stale DENIT_REEXEC marker as PID 1 changes nothing: signals, exit, DENO_V8_FLAGS", async () => {
  for (const marker of ["1", "1:--stale-flags"]) {
    const quick = await runDenit(["true"], {
      pid1: true,
      env: { DENIT_REEXEC: marker },
      timeoutMs: 15_000,
    });
    equal(quick.code, 0, quick.stderr);
    const flags = await runDenit(["sh", "-c", 'printf "%s|%s" "$DENO_V8_FLAGS" "$DENIT_REEXEC"'], {
      pid1: true,
      env: { DENIT_REEXEC: marker, DENO_V8_FLAGS: "--max-old-space-size=300" },
      timeoutMs: 15_000,
    });
    equal(flags.stdout, "--max-old-space-size=300|", flags.stderr);
    await using denit = startDenit([
      "sh",
      "-c",
      'trap "exit 42" TERM; echo ready; while :; do sleep 0.1; done',
    ], {
      pid1: true,
      env: { DENIT_REEXEC: marker },
    });
    await denit.stdout.waitForLine("ready");
    await denit.signal("SIGTERM");
    const result = await denit.exit(15_000);
    equal(result.code, 42, result.stderr);
  }
});
