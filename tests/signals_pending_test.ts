/**
 * `signalsPending()` on the real libc: the warm-up after the spawn asks it before each step
 * (src/warm_up.ts), so it must see a blocked signal that waits, and stop seeing it once the
 * signalfd has handed it over.
 */
import { deepEqual, equal } from "node:assert/strict";
import { DENO, ROOT } from "./_helpers/denit.ts";
import { fixture } from "./_helpers/fixtures.ts";

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
  // SIGUSR2 blocked in every thread from the start, as stage two has its set: sent to the
  // process, it waits in the process's queue.
  const output = await new Deno.Command(await fixture("sigwrap"), {
    args: ["-", "12", DENO, "eval", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  equal(output.code, 0, stderr);
  deepEqual(JSON.parse(new TextDecoder().decode(output.stdout)), [false, true, 12, false]);
});
