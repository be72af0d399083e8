/**
 * Resource faults: a spawn that fails with EAGAIN (RLIMIT_NPROC for an
 * unprivileged user) ends denit with 125 before any child, a plugin's ctx.run()
 * that cannot spawn rejects while PID 1 keeps running, and a hanging helper is
 * killed at its hook's deadline.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { MOD, publicRuntime, runDenit, startDenit } from "./_helpers/denit.ts";
import type { PublicRuntime } from "./_helpers/denit.ts";
import { fixture } from "./_helpers/fixtures.ts";

const NOBODY = "65534";

/** What runs denit as uid 65534 with at most `nproc` processes for that user (inside the PID namespace). */
function limited(nproc: number, home: string): string[] {
  return [
    "setpriv",
    `--reuid=${NOBODY}`,
    `--regid=${NOBODY}`,
    "--clear-groups",
    "env",
    `DENO_DIR=${home}`,
    `HOME=${home}`,
    "prlimit",
    `--nproc=${nproc}`,
  ];
}

/**
 * How nobody starts denit: a copy of Deno and denit it can read (the checkout may be in a 0700
 * directory, Deno under /root/.npm), from a directory it can read.
 */
function asNobody(nproc: number, home: string, runtime: PublicRuntime) {
  return { wrapper: limited(nproc, home), runtime, cwd: runtime.dir };
}

/** Run denit as PID 1 under {@link limited} to the end. */
async function withProcessLimit(
  nproc: number,
  args: string[],
  home: string,
  runtime: PublicRuntime,
) {
  const denit = startDenit(args, asNobody(nproc, home, runtime));
  const result = await denit.exit(30_000);
  return { code: result.code, stderr: result.stderr };
}

async function nobodyHome(): Promise<string> {
  const home = await Deno.makeTempDir({ prefix: "denit-nproc-" });
  await Deno.chown(home, Number(NOBODY), Number(NOBODY));
  return home;
}

Deno.test("a spawn that fails with EAGAIN ends denit with 125 and one line, before any child", async () => {
  const home = await nobodyHome();
  await using runtime = await publicRuntime();
  try {
    let eagain = 0;
    for (let nproc = 2; nproc <= 10; nproc++) {
      const marker = `${home}/child-ran-${nproc}`;
      const result = await withProcessLimit(nproc, ["touch", marker], home, runtime);
      const ran = await Deno.stat(marker).then(() => true, () => false);
      if (result.code === 125) {
        equal(result.stderr.trim().split("\n").length, 1, result.stderr);
        match(result.stderr, /Cannot execute "touch": EAGAIN/);
        equal(ran, false, "a child ran although denit reported a spawn failure");
        eagain++;
      } else if (result.code === 0) {
        ok(ran);
      } else {
        // Below a few tasks Deno itself cannot start its threads, before any denit code runs.
        match(result.stderr, /Deno could not start/, `nproc=${nproc}: ${result.stderr}`);
      }
    }
    ok(eagain > 0, "no process limit made the spawn fail with EAGAIN");
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("a plugin's ctx.run() that cannot spawn rejects, and PID 1 keeps forwarding", async () => {
  const home = await nobodyHome();
  await using runtime = await publicRuntime();
  try {
    await Deno.writeTextFile(
      `${home}/runner.ts`,
      `import { definePlugin } from "${runtime.mod}";
export default definePlugin({ name: "runner", onSignal: async (event, _decision, ctx) => {
  if (event.signal !== "SIGTERM") return;
  try { await ctx.run(["true"]); ctx.log.warn("helper ran"); }
  catch (error) { ctx.log.warn("run rejected: " + error.message); }
} });
`,
    );
    const printSignals = await fixture("print_signals");
    await Deno.copyFile(printSignals, `${home}/print_signals`);
    await Deno.chmod(`${home}/print_signals`, 0o755);
    let rejected = 0;
    for (let nproc = 4; nproc <= 12 && rejected === 0; nproc++) {
      const denit = startDenit(
        ["--plugin", `${home}/runner.ts`, `${home}/print_signals`, "15"],
        asNobody(nproc, home, runtime),
      );
      // Either the child says ready, or denit (or Deno) gives up at this limit.
      const ended = denit.process.status.then(() => false);
      const ready = await Promise.race([
        denit.stdout.waitForLine(/^ready/, 15_000).then(() => true, () => false),
        ended,
      ]);
      // Deno itself may die when it cannot create a thread it starts lazily (at some limits
      // it does, after the child runs): then there is no denit left to signal.
      if (ready) await denit.signal("SIGTERM").catch(() => {});
      const { code } = await denit.exit(20_000);
      const stdout = denit.stdout;
      const stderr = denit.stderr;
      const status = { code };
      if (stderr.text.includes("run rejected")) {
        match(stderr.text, /run rejected: Cannot execute "true": EAGAIN/);
        equal(status.code, 0, stderr.text); // the SIGTERM was still forwarded
        equal(stdout.lines.at(-1), "15");
        rejected++;
      }
    }
    ok(rejected > 0, "no process limit made ctx.run() fail");
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("a helper that hangs is killed at its hook's deadline and the signal still goes out", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/hang.ts`,
      `import { definePlugin } from "${MOD}";
export default definePlugin({ name: "hang", onSignal: { timeoutMs: 300, handler: async (event, _d, ctx) => {
  if (event.signal !== "SIGUSR2") return;
  const status = await ctx.run(["sleep", "30"]);
  ctx.log.warn("helper ended " + status.exitCode);
} } });
`,
    );
    const script = "trap 'echo usr2' USR2; kill -USR2 1; sleep 2 & wait; sleep 0.2; exit 3";
    const result = await runDenit(["--plugin", `${dir}/hang.ts`, "sh", "-c", script]);
    equal(result.code, 3, result.stderr);
    match(result.stderr, /Plugin "hang" timed out in onSignal after 300 ms/);
    match(result.stderr, /helper ended 137/);
    deepEqual(result.stdout.trim().split("\n"), ["usr2"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
