/**
 * Unit tests on the reaper with a fake libc facade: every wait status decodes
 * (signals 32 and 33 included), watched pids go to their waiters and the rest
 * to the orphan callback, and a failure while handing on one status loses no
 * other.
 */
import { deepEqual, equal } from "node:assert/strict";
import type { Libc, WaitResult } from "../src/ffi/libc.ts";
import { decodeWaitStatus, Reaper } from "../src/reaper.ts";
import type { ExitStatus } from "../src/reaper.ts";

/** A libc facade whose waitpid answers from a script. */
function fakeLibc(results: WaitResult[]): Libc {
  return { waitAny: () => results.shift() ?? { kind: "no-children" } } as unknown as Libc;
}

Deno.test("decodeWaitStatus() reads exit codes and killing signals", () => {
  deepEqual(decodeWaitStatus(7, 3 << 8), { pid: 7, code: 3, signal: null, exitCode: 3 });
  deepEqual(decodeWaitStatus(7, 9), { pid: 7, code: null, signal: "SIGKILL", exitCode: 137 });
  deepEqual(decodeWaitStatus(7, 15 | 0x80), {
    pid: 7,
    code: null,
    signal: "SIGTERM",
    exitCode: 143,
  });
});

Deno.test("Reaper.reap() routes watched pids to waiters and the rest to the orphan callback", async () => {
  const orphans: ExitStatus[] = [];
  const libc = fakeLibc([
    { kind: "exited", pid: 11, status: 0 },
    { kind: "exited", pid: 10, status: 5 << 8 },
    { kind: "running" },
  ]);
  const reaper = new Reaper(libc, (pid, status) => orphans.push(decodeWaitStatus(pid, status)));
  const main = reaper.watch(10);
  equal(reaper.reap(), 2);
  equal(reaper.childrenLeft, true);
  equal((await main).exitCode, 5);
  deepEqual(orphans.map((o) => o.pid), [11]);
  equal(reaper.reap(), 0);
  equal(reaper.childrenLeft, false);
});

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
