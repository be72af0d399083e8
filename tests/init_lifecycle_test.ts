/**
 * The life of a child under denit as PID 1 (and as a subreaper): exit codes,
 * the child's clean state, reaping, the drain after the child exits, and
 * denit's own errors.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { fixture, runDenit, startDenit } from "./_helpers.ts";

/** Run `jobs` at most `width` at a time. */
async function inBatches<T, R>(
  items: T[],
  width: number,
  job: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += width) {
    results.push(...await Promise.all(items.slice(start, start + width).map(job)));
  }
  return results;
}

Deno.test("denit passes on every exit code 0-255 as PID 1", async () => {
  const codes = Array.from({ length: 256 }, (_, code) => code);
  const results = await inBatches(codes, 16, (code) => runDenit(["sh", "-c", `exit ${code}`]));
  deepEqual(results.map((r) => r.code), codes);
});

Deno.test("denit exits 128+n when a signal kills the child, as PID 1 and not", async () => {
  for (const pid1 of [true, false]) {
    for (const [signal, code] of [["TERM", 143], ["KILL", 137], ["SEGV", 139], ["USR2", 140]]) {
      const result = await runDenit(["sh", "-c", `kill -${signal} $$`], { pid1 });
      equal(result.code, code, `${signal} pid1=${pid1}: ${result.stderr}`);
    }
  }
});

Deno.test("denit gives the child argv, env, cwd and stdio unchanged and no marker", async () => {
  const args = ["", "two words", "ünïcödé", "--", "-v", "$HOME"];
  const script =
    'printf "%s|" "$@"; echo; pwd; env | sort; echo err >&2; read line; echo "in:$line"';
  const denit = startDenit(["sh", "-c", script, "sh", ...args], {
    cwd: "/usr",
    env: { DENIT_TEST_VALUE: "a=b c" },
    stdin: "piped",
  });
  const writer = denit.process.stdin.getWriter();
  await writer.write(new TextEncoder().encode("hello\n"));
  await writer.close();
  const result = await denit.exit();
  equal(result.code, 0, result.stderr);
  const [argv, cwd, ...rest] = result.stdout.split("\n");
  equal(argv, args.join("|") + "|");
  equal(cwd, "/usr");
  ok(rest.includes("DENIT_TEST_VALUE=a=b c"));
  ok(!rest.some((line) => line.startsWith("DENIT_REEXEC")), "the re-exec marker leaked");
  ok(rest.includes("in:hello"));
  match(result.stderr, /^err$/m);
});

Deno.test("denit starts the child with default dispositions and an empty mask", async () => {
  // cat, not grep: GNU grep catches SIGSEGV itself.
  const result = await runDenit(["cat", "/proc/self/status"], { pid1: false });
  equal(result.code, 0);
  for (const field of ["SigBlk", "SigIgn", "SigCgt"]) {
    match(result.stdout, new RegExp(`^${field}:\\s+0{16}$`, "m"), `${field}: ${result.stdout}`);
  }
  // Also when denit's own parent ignored SIGPIPE and SIGUSR1.
  const wrapped = await new Deno.Command("sh", {
    args: [
      "-c",
      'trap "" PIPE USR1; exec "$@"',
      "sh",
      "unshare",
      "-pf",
      "--mount-proc",
      "--kill-child",
      Deno.execPath(),
      "run",
      "-A",
      new URL("../mod.ts", import.meta.url).pathname,
      "cat",
      "/proc/self/status",
    ],
    stdout: "piped",
  }).output();
  const text = new TextDecoder().decode(wrapped.stdout);
  match(text, /^SigIgn:\s+0{16}$/m, text);
});

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

Deno.test("denit reports a missing or unexecutable program with 127 or 126 and one line", async () => {
  const notFound = await runDenit(["/does/not/exist"]);
  equal(notFound.code, 127);
  equal(notFound.stderr.trim().split("\n").length, 1);
  match(notFound.stderr, /Cannot execute "\/does\/not\/exist": ENOENT/);
  const directory = await runDenit(["/etc"]);
  equal(directory.code, 126);
  match(directory.stderr, /"\/etc": EACCES/);
  equal((await runDenit(["nonexistent-program-xyz"])).code, 127);
});

Deno.test("denit rejects bad usage with 125 and one line naming the value", async () => {
  const cases: Array<[string[], RegExp]> = [
    [["--bogus", "true"], /"--bogus"/],
    [[], /Missing program/],
    [["-r", "15", "true"], /"15"/],
    [["-r", "TERM:BOGUS", "true"], /"TERM:BOGUS"/],
    [["-e", "300", "true"], /"300"/],
    [["--drain-timeout", "later", "true"], /"later"/],
    [["--compat", "systemd", "true"], /"systemd"/],
  ];
  const results = await Promise.all(cases.map(([args]) => runDenit(args, { pid1: false })));
  results.forEach((result, index) => {
    const [args, pattern] = cases[index]!;
    equal(result.code, 125, args.join(" "));
    equal(result.stderr.trim().split("\n").length, 1, result.stderr);
    match(result.stderr, pattern);
    equal(result.stdout, "");
  });
});

Deno.test("denit ends its options at the first non-option and answers -h and -V", async () => {
  equal((await runDenit(["echo", "-v"], { pid1: false })).stdout, "-v\n");
  const help = await runDenit(["-h"], { pid1: false });
  equal(help.code, 0);
  match(help.stdout, /Usage: denit/);
  match(
    (await runDenit(["-V"], { pid1: false })).stdout,
    /^denit \d+\.\d+\.\d+ \(deno \d+\.\d+\.\d+\)\n$/,
  );
  match(
    (await runDenit(["--compat", "tini", "--version"], { pid1: false })).stdout,
    /^tini version /,
  );
});

Deno.test("denit --log-format json writes one event object per line", async () => {
  const result = await runDenit(["--log-format", "json", "true"]);
  const events = result.stderr.trim().split("\n").map((line) => JSON.parse(line));
  deepEqual(events.map((e) => e.event), ["child.spawned", "child.exited", "exit"]);
  ok(events.every((e) => typeof e.mono === "number" && typeof e.ts === "string"));
});

Deno.test("denit forwards a signal that arrives while the child is still starting", async () => {
  const printSignals = await fixture("print_signals");
  await using denit = startDenit([
    "--log-format",
    "json",
    "sh",
    "-c",
    `sleep 0.3; exec ${printSignals} 15`,
  ]);
  await denit.stderr.waitForLine(/child\.spawned/);
  await denit.signal("SIGUSR2");
  const result = await denit.exit();
  // sh dies of the USR2 before exec (default action): denit passes that on.
  equal(result.code, 140);
});
