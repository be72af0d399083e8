/**
 * Smaller promises, same rule (say what happens, lose nothing): without /proc
 * the drain still reaches the child's process group and says so; a dropped
 * SIGTSTP (`-r TSTP:drop`) does not stop denit; a plugin's remote import does
 * not print Deno's `Download` line on denit's stderr.
 */
import { equal, match, notEqual } from "node:assert/strict";
import { fixture, MOD, runDenit, startDenit } from "./_helpers.ts";
import { isAlive, killIfAlive, MODES, procStat, tempDir } from "./_core_helpers.ts";

Deno.test("without /proc (not PID 1) the drain reaches the child's process group and says so", async () => {
  const hideProc = ["unshare", "-m", "sh", "-c", 'mount -t tmpfs none /proc && exec "$@"', "sh"];
  const result = await runDenit(
    ["--drain-timeout", "1", "sh", "-c", "sleep 1000 >/dev/null 2>&1 & echo $!"],
    { pid1: false, wrapper: hideProc },
  );
  const left = Number(result.stdout.trim());
  try {
    equal(result.code, 0, result.stderr);
    equal(isAlive(left), false, `the background sleep ${left} survived: ${result.stderr}`);
    match(result.stderr, /Cannot list the processes left without \/proc: signalling process group/);
  } finally {
    killIfAlive(left);
  }
});

Deno.test("-r TSTP:drop does not stop denit when it is not PID 1", async () => {
  const printSignals = await fixture("print_signals");
  await using denit = startDenit(["-r", "TSTP:drop", printSignals, "15"], { pid1: false });
  await denit.stdout.waitForLine(/^ready/);
  await denit.signal("SIGTSTP");
  await denit.signal("SIGUSR1");
  // A stopped denit would forward nothing more.
  await denit.stdout.waitForLine("10");
  notEqual(procStat(denit.process.pid)?.state, "T");
  await denit.signal("SIGTERM");
  const result = await denit.exit();
  equal(result.code, 0, result.stderr);
  equal(denit.stdout.lines.includes("20"), false, "TSTP was dropped");
});

Deno.test("a plugin's remote import prints no Download line on denit's stderr", async () => {
  await using dir = await tempDir();
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () =>
      new Response("export const answer = 42;\n", {
        headers: { "content-type": "application/typescript" },
      }),
  );
  const plugin = `${dir.path}/remote.ts`;
  await Deno.writeTextFile(
    plugin,
    `import { answer } from "http://127.0.0.1:${server.addr.port}/dep.ts";
     import { definePlugin } from "${MOD}";
     export default definePlugin({ name: "r", setup: () => ({ argv: ["echo", String(answer)] }) });`,
  );
  await Deno.mkdir(`${dir.path}/cache`, { mode: 0o700 });
  const result = await runDenit(["--plugin", plugin, "true"], {
    pid1: false,
    env: { DENO_DIR: `${dir.path}/cache` },
  });
  equal(result.code, 0, result.stderr);
  equal(result.stdout, "42\n");
  equal(result.stderr, "");
});

for (const { pid1, label } of MODES) {
  Deno.test(`denit runs at the README's minimum limits: 23 open files, 64 GiB of address space, ${label}`, async () => {
    const limits = ["prlimit", "--nofile=23", `--as=${64 * 2 ** 30}`];
    const result = await runDenit(["sh", "-c", "ulimit -n; echo ok"], { pid1, wrapper: limits });
    equal(result.code, 0, result.stderr);
    equal(result.stdout, "23\nok\n");
  });
}
