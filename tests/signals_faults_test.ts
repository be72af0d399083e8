/**
 * A fault signal someone sends with `kill` (ILL, TRAP, ABRT, BUS, FPE, SEGV,
 * SYS) is a message: denit forwards it and neither dies nor stops reading
 * signals. A real fault still ends the process that has the signal blocked:
 * the kernel unblocks it and applies its default action.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { asPid1, DENO, MODES, Output, ROOT, startDenit } from "./_helpers/denit.ts";
import { fixture } from "./_helpers/fixtures.ts";
import { sleep } from "./_helpers/async.ts";
import { killIfAlive } from "./_helpers/process.ts";
import { tempDir } from "./_helpers/fs.ts";

const SENT_FAULTS = [4, 5, 6, 7, 8, 11, 31];

for (const { pid1, label } of MODES) {
  Deno.test(`denit forwards fault signals sent with kill and keeps reading, ${label}`, async () => {
    const binary = await fixture("signal_family");
    await using denit = startDenit(["-c", binary], { pid1 });
    const ready = await denit.stdout.waitForLine(/^ready /);
    // Not as PID 1, a denit killed by a signal orphans these two outside its tree.
    const family = ready.split(" ").slice(1).map(Number);
    let result;
    try {
      for (const signo of SENT_FAULTS) {
        await denit.signal(signo);
        await denit.stdout.waitForLine(`child ${signo}`);
      }
      await denit.signal("SIGTERM");
      result = await denit.exit();
    } finally {
      if (!pid1) family.forEach(killIfAlive);
    }
    equal(result.code, 0, result.stderr);
    equal(result.stderr, "");
    deepEqual(
      denit.stdout.lines.slice(1),
      [...SENT_FAULTS, 15].map((signo) => `child ${signo}`),
    );
  });

  Deno.test(`a real fault still kills a Deno that blocks every fault signal, ${label}`, async () => {
    const script = `
      import { openLibc } from "${ROOT}/src/ffi/libc.ts";
      import { collectedSignals } from "${ROOT}/src/signals.ts";
      const libc = openLibc();
      libc.blockSignals(collectedSignals());
      if (!libc.blockedSignals().includes(11)) Deno.exit(3);
      new Deno.UnsafePointerView(Deno.UnsafePointer.create(8n)).getInt32();
      Deno.exit(4);
    `;
    const inner = [DENO, "eval", script];
    const argv = pid1 ? asPid1(inner) : inner;
    const output = await new Deno.Command(argv[0]!, {
      args: argv.slice(1),
      stdout: "null",
      stderr: "null",
    }).output();
    ok(output.signal === "SIGSEGV" || output.code === 139, `code ${output.code} ${output.signal}`);
  });
}

Deno.test("the signalfd reader retries a wait a signal handler interrupted (EINTR)", async () => {
  // A Deno with SIGUSR2 blocked in every thread from the start (as stage two has its set),
  // reading a signalfd for it, while SIGSEGV, for which V8 has a handler, is sent to the
  // process and, blocked in the main thread, lands on the thread that waits.
  await using dir = await tempDir();
  const script = `${dir.path}/eintr.ts`;
  await Deno.writeTextFile(
    script,
    `import { openLibc } from "${ROOT}/src/ffi/libc.ts";
     const libc = openLibc();
     const fd = libc.openSignalFd([12]);
     const reading = libc.readSignalFd(fd);
     libc.blockSignals([11]);
     console.log("ready");
     try {
       console.log("got", (await reading).map((info) => info.signo).join(","));
     } catch (error) {
       console.log("error", (error as Error).message);
     }
     Deno.exit(0);`,
  );
  const wrapper = await fixture("sigwrap");
  const child = new Deno.Command(wrapper, {
    args: ["-", "12", DENO, "run", "-A", "--no-lock", script],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = new Output(child.stdout);
  const errors = new Output(child.stderr);
  try {
    await output.waitForLine("ready");
    // One: V8's handler puts the default action back for a SIGSEGV that is no fault of its
    // own, so a second one would end the process.
    Deno.kill(child.pid, "SIGSEGV");
    await sleep(50); // pacing, not an assertion: let it land before the signal to read
    Deno.kill(child.pid, "SIGUSR2");
    const status = await child.status;
    await Promise.all([output.closed(), errors.closed()]);
    equal(status.code, 0, errors.text);
    deepEqual(output.lines, ["ready", "got 12"]);
  } finally {
    killIfAlive(child.pid);
  }
});
