/**
 * Reaping and the drain, as PID 1 and as a subreaper: orphans are reaped and
 * no zombie is left; after the child exits the processes left get SIGTERM and
 * then SIGKILL at --drain-timeout (through the process group when there is no
 * /proc); `--compat tini` leaves at once.
 */
import { equal, match, ok } from "node:assert/strict";
import { runDenit } from "./_helpers/denit.ts";
import { isAlive, killIfAlive } from "./_helpers/process.ts";

Deno.test("denit reaps 1,000 orphans as PID 1 and leaves no zombie", async () => {
  const script = "for i in $(seq 1000); do (sleep 0.01 &) ; done; sleep 1; " +
    "ps -eo stat= | grep -c '^Z' || true";
  const result = await runDenit(["sh", "-c", script], { timeoutMs: 60_000 });
  equal(result.code, 0, result.stderr);
  equal(result.stdout.trim(), "0");
});

Deno.test("denit reaps orphans when not PID 1, as a child subreaper", async () => {
  const script =
    "(sh -c 'sleep 0.2 &' &); sleep 0.6; ps -o stat= --ppid $PPID | grep -c '^Z' || true";
  const result = await runDenit(["-w", "sh", "-c", script], { pid1: false });
  equal(result.stdout.trim(), "0");
  match(result.stderr, /Reaped zombie process with pid=/);
});

Deno.test("denit drains: a grandchild that ignores SIGTERM is killed after --drain-timeout", async () => {
  const script = "sh -c 'trap \"\" TERM; sleep 30' & sleep 0.2; exit 5";
  const result = await runDenit(["-v", "--drain-timeout", "0.3", "sh", "-c", script]);
  equal(result.code, 5, result.stderr);
  match(result.stderr, /Killing the processes left/);
});

Deno.test("denit drains: a grandchild that handles SIGTERM gets it and denit waits for it", async () => {
  const marker = await Deno.makeTempFile();
  try {
    const script =
      `sh -c 'trap "echo got-term > ${marker}; exit 0" TERM; sleep 30 & wait' & sleep 0.2; exit 6`;
    const result = await runDenit(["-v", "sh", "-c", script]);
    equal(result.code, 6, result.stderr);
    equal((await Deno.readTextFile(marker)).trim(), "got-term");
    match(result.stderr, /Every process left has exited/);
  } finally {
    await Deno.remove(marker);
  }
});

Deno.test("denit --compat tini leaves at once when the child exits", async () => {
  const script = "sh -c 'trap \"\" TERM; sleep 30' & sleep 0.2; exit 4";
  const result = await runDenit(["--compat", "tini", "-v", "sh", "-c", script]);
  equal(result.code, 4);
  ok(!result.stderr.includes("Killing"), result.stderr);
});

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
