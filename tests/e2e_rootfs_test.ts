/**
 * The FROM-scratch image without Docker: scripts/build_rootfs.ts builds the
 * root file system (runtime, the libraries its ELF NEEDED entries name, an
 * empty DENO_DIR), and denit runs in it as PID 1 of new PID and mount
 * namespaces, read-only, with static children: signals, reaping, exit codes.
 */
import { deepEqual, equal, match } from "node:assert/strict";
import { buildRootfs } from "../scripts/build_rootfs.ts";
import { Output, ROOT } from "./_helpers/denit.ts";
import { fixture } from "./_helpers/fixtures.ts";
import { waitFor } from "./_helpers/async.ts";

/** The static children need glibc's static library (libc6-dev); say so plainly when it is missing. */
async function assertStaticLibc(): Promise<void> {
  const output = await new Deno.Command("gcc", {
    args: ["-print-file-name=libc.a"],
    stdout: "piped",
  })
    .output();
  const path = new TextDecoder().decode(output.stdout).trim();
  if (!path.startsWith("/")) {
    throw new Error("gcc finds no libc.a for the static children: install libc6-dev");
  }
}

async function withRootfs(test: (rootfs: string, entrypoint: string[]) => Promise<void>) {
  await assertStaticLibc();
  const rootfs = await Deno.makeTempDir({ prefix: "denit-rootfs-" });
  const bundleDir = await Deno.makeTempDir({ prefix: "denit-bundle-" });
  try {
    const printSignals = await fixture("print_signals", ["-static"]);
    const orphans = await fixture("orphans", ["-static"]);
    const entrypoint = await buildRootfs(rootfs, {
      extras: [[printSignals, "/print_signals"], [orphans, "/orphans"]],
      freshBundle: `${bundleDir}/denit.js`,
    });
    await test(rootfs, entrypoint);
  } finally {
    await Deno.remove(rootfs, { recursive: true });
    await Deno.remove(bundleDir, { recursive: true });
  }
}

function start(rootfs: string, argv: string[]) {
  const process = new Deno.Command("unshare", {
    args: [
      "--pid",
      "--fork",
      "--mount",
      "--kill-child",
      `${ROOT}/tests/fixtures/run_rootfs.sh`,
      rootfs,
      ...argv,
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  return { process, stdout: new Output(process.stdout), stderr: new Output(process.stderr) };
}

Deno.test("denit runs as PID 1 in a read-only scratch root file system: exit codes and reaping", async () => {
  await withRootfs(async (rootfs, entrypoint) => {
    const run = start(rootfs, [...entrypoint, "/orphans", "50", "7"]);
    const status = await run.process.status;
    await Promise.all([run.stdout.closed(), run.stderr.closed()]);
    equal(status.code, 7, run.stderr.text);
    equal(run.stdout.text, "zombies 0\n");
    const missing = start(rootfs, [...entrypoint, "/no-such-program"]);
    equal((await missing.process.status).code, 127);
    await Promise.all([missing.stdout.closed(), missing.stderr.closed()]);
    match(missing.stderr.text, /Cannot execute "\/no-such-program": ENOENT/);
  });
});

Deno.test("denit forwards signals in the scratch root file system", async () => {
  await withRootfs(async (rootfs, entrypoint) => {
    const run = start(rootfs, [...entrypoint, "/print_signals", "15"]);
    try {
      await run.stdout.waitForLine(/^ready/);
      const unsharePid = run.process.pid;
      const denitPid = await waitFor(() => {
        const children = Deno.readTextFileSync(`/proc/${unsharePid}/task/${unsharePid}/children`)
          .trim();
        return children === "" ? 0 : Number(children.split(" ")[0]);
      }, "denit under unshare");
      Deno.kill(denitPid, "SIGUSR2");
      await run.stdout.waitForLine("12");
      Deno.kill(denitPid, "SIGTERM");
      equal((await run.process.status).code, 0);
      await Promise.all([run.stdout.closed(), run.stderr.closed()]);
      deepEqual(run.stdout.lines.slice(1), ["12", "15"]);
    } finally {
      try {
        run.process.kill("SIGKILL");
      } catch {
        // already gone
      }
    }
  });
});
