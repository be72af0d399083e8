/**
 * `output: "prefix"` and `ready: { notifyFd }` with real processes as PID 1:
 * whole lines, prefixed, stdout to stdout and stderr to stderr, a line split
 * across writes joined, no interleaving between services; readiness when the
 * service writes a newline to its fd.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { asPid1, denitArgv, Output } from "./_helpers/denit.ts";
import { waitFor } from "./_helpers/async.ts";
import { descendantsOf } from "./_helpers/process.ts";
import { events, indexOf } from "./_helpers/logs.ts";
import { servicesDir, startServices } from "./_helpers/services.ts";

Deno.test("output prefix: whole lines, prefixed, to the right stream, never interleaved", async () => {
  // Each writer prints 200 lines of 300 bytes, each in three writes with pauses between.
  const writer = (name: string, fd: number) =>
    JSON.stringify(
      `i=0; while [ $i -lt 200 ]; do printf '${name}-%03d-' $i >&${fd}; printf '%0290d' 0 >&${fd}; ` +
        `[ $((i % 50)) -eq 0 ] && sleep 0.01; printf '\\n' >&${fd}; i=$((i+1)); done; printf 'no-newline' >&${fd}`,
    );
  await using dir = await servicesDir(() =>
    `{
    services: [
      { name: "one", command: ${writer("one", 1)}, output: "prefix", restart: "no" },
      { name: "two", command: ${writer("two", 1)}, output: "prefix", restart: "no" },
      { name: "err", command: ${writer("err", 2)}, output: "prefix", restart: "no" },
      { name: "plain", command: "echo plain-line", restart: "no" },
      { name: "keep", command: "exec sleep 100", dependsOn: ["one", "two", "err"] },
    ],
  }`
  );
  await using denit = startServices(dir.file);
  await denit.stdout.waitForLine(/^one \| no-newline$/);
  await denit.stdout.waitForLine(/^two \| no-newline$/);
  await denit.stderr.waitForLine(/^err \| no-newline$/);
  await denit.signal("SIGTERM");
  const result = await denit.exit();
  equal(result.code, 0, result.stderr);
  const stdout = result.stdout.split("\n").filter((l) => l !== "");
  ok(stdout.includes("plain-line"), "inherit output went missing");
  for (const name of ["one", "two"]) {
    const lines = stdout.filter((l) => l.startsWith(`${name} | `));
    equal(lines.length, 201);
    for (const [i, line] of lines.slice(0, 200).entries()) {
      equal(line, `${name} | ${name}-${String(i).padStart(3, "0")}-${"0".repeat(290)}`);
    }
  }
  // Nothing else on stdout: every line is whole, prefixed, and not mixed with another.
  deepEqual(
    stdout.filter((l) => !/^(one|two) \| /.test(l) && l !== "plain-line"),
    [],
  );
  const errLines = result.stderr.split("\n").filter((l) => l.startsWith("err | "));
  equal(errLines.length, 201);
  equal(errLines[199], `err | err-199-${"0".repeat(290)}`);
  equal(stdout.some((l) => l.startsWith("err | ")), false);
});

Deno.test("ready notifyFd: ready when the service writes a newline to its fd, not before", async () => {
  await using dir = await servicesDir((d) =>
    `{
    services: [
      { name: "notifier", command: ${
      JSON.stringify(
        `trap 'exit 0' TERM; while [ ! -e ${d}/go ]; do sleep 0.05; done; echo >&5; exec 5>&-; while :; do sleep 0.05; done`,
      )
    }, ready: { notifyFd: 5 } },
      { name: "after", command: "echo after-started; exec sleep 100", dependsOn: ["notifier"] },
    ],
  }`
  );
  await using denit = startServices(dir.file);
  await waitFor(
    () => indexOf(events(denit.stderr.text), "service.started", "notifier") >= 0,
    "notifier started",
  );
  equal(indexOf(events(denit.stderr.text), "service.ready", "notifier"), -1);
  await Deno.writeTextFile(`${dir.path}/go`, "");
  await denit.stdout.waitForLine("after-started");
  await denit.signal("SIGTERM");
  const result = await denit.exit();
  equal(result.code, 0, result.stderr);
  const list = events(result.stderr);
  ok(indexOf(list, "service.ready", "notifier") < indexOf(list, "service.started", "after"));
});

Deno.test("output prefix: a stalled stdout blocks the writing service, never denit's signals or its stop", async () => {
  await using dir = await servicesDir(() =>
    `{
    services: [
      { name: "flood", command: "yes flood-line-that-is-long-enough | head -c 8000000", output: "prefix" },
      { name: "other", command: ${
      JSON.stringify(
        "trap 'echo other-got-usr1 >&2' USR1; echo other-up >&2; while :; do sleep 0.05; done",
      )
    } },
    ],
  }`
  );
  const argv = asPid1(denitArgv(["--log-format", "json", "--services", dir.file]));
  // stdout is piped and never read: once the pipe is full, every write to it waits.
  const child = new Deno.Command(argv[0]!, {
    args: argv.slice(1),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Output(child.stderr);
  try {
    const unshare = child.pid;
    const denitPid = await waitFor(() => {
      const text = Deno.readTextFileSync(`/proc/${unshare}/task/${unshare}/children`).trim();
      return text === "" ? 0 : Number(text.split(" ")[0]);
    }, "denit");
    // Back-pressure reached the service: some process of "flood" sleeps in pipe_write.
    await waitFor(() => {
      return descendantsOf(denitPid).some((pid) => {
        try {
          // "pipe_write", or "anon_pipe_write" on newer kernels.
          return Deno.readTextFileSync(`/proc/${pid}/wchan`).endsWith("pipe_write");
        } catch {
          return false;
        }
      });
    }, "the flood to block on its pipe");
    await stderr.waitForLine("other-up"); // its trap is set
    Deno.kill(denitPid, "SIGUSR1");
    await stderr.waitForLine("other-got-usr1");
    Deno.kill(denitPid, "SIGTERM");
    const status = await waitFor(
      async () => {
        const result = await Promise.race([
          child.status,
          new Promise<null>((resolve) => setTimeout(() => resolve(null), 50)),
        ]);
        return result;
      },
      "denit to exit",
      20_000,
    );
    equal(status.code, 0, stderr.text);
    ok(indexOf(events(stderr.text), "services.stopped") >= 0);
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await child.status;
    await child.stdout.cancel();
    await stderr.closed();
  }
});
