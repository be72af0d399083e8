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
