/**
 * The libc facade on the real libc, where the unit tests fake it:
 * - `signalsPending()`: the warm-up after the spawn asks it before each step
 *   (src/warm_up.ts), so it must see a blocked signal that waits, and stop seeing it once
 *   the signalfd has handed it over;
 * - `read`, `kill` and `waitpid` answer the same through their address, after 64 calls
 *   (when they get fast calls by themselves) and after `bindHotCalls()`, errno included.
 */
import { deepEqual, equal } from "node:assert/strict";
import { DENO, ROOT } from "./_helpers/denit.ts";
import { fixture } from "./_helpers/fixtures.ts";
import { run } from "./_helpers/process.ts";

/**
 * Deno running `script` with SIGUSR2 blocked in every thread from the start, as stage two has
 * its set: sent to the process, it waits in the process's queue. Killed after 30 s.
 */
async function withSigusr2Blocked(script: string) {
  return await run([await fixture("sigwrap"), "-", "12", DENO, "eval", script], {
    timeoutMs: 30_000,
  });
}

Deno.test("signalsPending(): no, then yes once a blocked signal is sent, then no once it is read", async () => {
  const script = `
    import { openLibc } from "${ROOT}/src/ffi/libc.ts";
    const SIGUSR2 = 12;
    const libc = openLibc();
    const before = libc.signalsPending();
    libc.kill(Deno.pid, SIGUSR2);
    const sent = libc.signalsPending();
    const [info] = await libc.readSignalFd(libc.openSignalFd([SIGUSR2]));
    console.log(JSON.stringify([before, sent, info?.signo, libc.signalsPending()]));
  `;
  const output = await withSigusr2Blocked(script);
  equal(output.code, 0, output.stderr);
  deepEqual(JSON.parse(output.stdout), [false, true, 12, false]);
});

Deno.test("read, kill and waitpid answer the same by address, after many calls and bound fast", async () => {
  const script = `
    import { openLibc } from "${ROOT}/src/ffi/libc.ts";
    const SIGUSR2 = 12;
    const NO_SUCH_PID = 2 ** 22 + 1;
    async function answers(libc, fd, times) {
      const seen = new Set();
      for (let i = 0; i < times; i++) {
        const sent = libc.kill(Deno.pid, SIGUSR2);
        const [info] = await libc.readSignalFd(fd);
        seen.add([sent, info?.signo, libc.kill(NO_SUCH_PID, 0), libc.waitAny().kind].join());
      }
      return [...seen];
    }
    // One facade: 20 rounds by address only (kill is called twice a round, under 64 calls),
    // then 60 more, in which each of the three gets its fast call by itself.
    const byAddress = openLibc();
    const fd = byAddress.openSignalFd([SIGUSR2]);
    const rounds = [await answers(byAddress, fd, 20), await answers(byAddress, fd, 60)];
    // Another facade, bound fast before its first call.
    const boundFirst = openLibc();
    boundFirst.bindHotCalls();
    rounds.push(await answers(boundFirst, fd, 10));
    console.log(JSON.stringify(rounds));
  `;
  const output = await withSigusr2Blocked(script);
  equal(output.code, 0, output.stderr);
  // 0: sent; 12: read back; 3: ESRCH; and no child to wait for.
  const same = ["0,12,3,no-children"];
  deepEqual(JSON.parse(output.stdout), [same, same, same]);
});
