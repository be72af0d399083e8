/**
 * Real php-fpm (Debian's php8.2-fpm) under denit as PID 1, talked to with
 * cgi-fcgi: --preset php-fpm turns SIGTERM into a graceful stop that lets a
 * 2-second request finish, and SIGUSR1 reopens the log without killing workers.
 */
import { deepEqual, equal, match } from "node:assert/strict";
import { startDenit } from "./_helpers/denit.ts";
import { installed as isInstalled } from "./_helpers/fixtures.ts";
import { sleep, waitFor } from "./_helpers/async.ts";
import { tempDir } from "./_helpers/fs.ts";
import { freePort, portOpen, STOP_SENDERS, writePhpFpmConfig } from "./_helpers/servers.ts";

const FPM = "/usr/sbin/php-fpm8.2";
const installed = await isInstalled("php8.2-fpm", [FPM]) &&
  await isInstalled("libfcgi-bin", ["/usr/bin/cgi-fcgi"]);

async function phpFpm(dir: string, args = ["--preset", "php-fpm"]) {
  const port = freePort();
  await writePhpFpmConfig(dir, `127.0.0.1:${port}`);
  // A loop, not sleep(2): a signal to the worker would cut sleep() short.
  await Deno.writeTextFile(
    `${dir}/slow.php`,
    `<?php $end = microtime(true) + 2; while (microtime(true) < $end) usleep(20000); echo "php-done\\n";\n`,
  );
  const denit = startDenit([...args, FPM, "-F", "-R", "-y", `${dir}/php-fpm.conf`]);
  await portOpen(port, "php-fpm");
  return { denit, port };
}

function request(dir: string, port: number): Promise<Deno.CommandOutput> {
  return new Deno.Command("cgi-fcgi", {
    args: ["-bind", "-connect", `127.0.0.1:${port}`],
    env: { SCRIPT_FILENAME: `${dir}/slow.php`, SCRIPT_NAME: "/slow.php", REQUEST_METHOD: "GET" },
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(20_000),
  }).output();
}

/** Host pids of php-fpm's workers: children of the master (denit's child). */
async function workers(denitPid: number): Promise<number[]> {
  const master = Number(
    (await Deno.readTextFile(`/proc/${denitPid}/task/${denitPid}/children`)).trim().split(" ")[0],
  );
  const text = (await Deno.readTextFile(`/proc/${master}/task/${master}/children`)).trim();
  return text === "" ? [] : text.split(" ").map(Number).sort();
}

Deno.test({
  name: "php-fpm --preset php-fpm: SIGTERM lets a 2 s request finish, then denit exits 0",
  ignore: !installed,
  async fn() {
    await using dir = await tempDir("denit-fpm-");
    const { denit, port } = await phpFpm(dir.path);
    await using _ = denit;
    const inFlight = request(dir.path, port);
    const denitPid = await denit.denitPid();
    await waitFor(async () => (await workers(denitPid)).length === 2, "two workers");
    await sleep(300); // let the worker pick it up
    await denit.signal("SIGTERM");
    const response = await inFlight;
    match(new TextDecoder().decode(response.stdout), /php-done/);
    equal((await denit.exit()).code, 0);
  },
});

Deno.test({
  name: "php-fpm without the preset: SIGTERM (immediate stop) cuts the request",
  ignore: !installed,
  async fn() {
    await using dir = await tempDir("denit-fpm-");
    const { denit, port } = await phpFpm(dir.path, []);
    await using _ = denit;
    const inFlight = request(dir.path, port);
    const denitPid = await denit.denitPid();
    await waitFor(async () => (await workers(denitPid)).length === 2, "two workers");
    await sleep(300);
    await denit.signal("SIGTERM");
    const response = await inFlight;
    equal(new TextDecoder().decode(response.stdout).includes("php-done"), false);
    await denit.exit();
  },
});

Deno.test({
  name: "php-fpm: SIGUSR1 reopens the log and reaches the master only (no worker dies)",
  ignore: !installed,
  async fn() {
    await using dir = await tempDir("denit-fpm-");
    const { denit } = await phpFpm(dir.path);
    await using _ = denit;
    const denitPid = await denit.denitPid();
    const before = await waitFor(async () => {
      const list = await workers(denitPid);
      return list.length === 2 ? list : null;
    }, "two workers");
    await Deno.rename(`${dir.path}/fpm.log`, `${dir.path}/fpm.log.1`);
    await denit.signal("SIGUSR1");
    await waitFor(
      () => Deno.stat(`${dir.path}/fpm.log`).then(() => true, () => false),
      "a new fpm.log",
    );
    deepEqual(await workers(denitPid), before);
    await denit.signal("SIGTERM");
    equal((await denit.exit()).code, 0);
  },
});

for (const [signal, sender] of Object.entries(STOP_SENDERS)) {
  Deno.test({
    name:
      `php-fpm --preset php-fpm --stop-timeout 1: ${signal} (${sender}) arms the timer and a 2 s request is cut`,
    ignore: !installed,
    async fn() {
      await using dir = await tempDir("denit-fpm-");
      const { denit, port } = await phpFpm(dir.path, [
        "--preset",
        "php-fpm",
        "--stop-timeout",
        "1",
        "--log-format",
        "json",
      ]);
      await using _ = denit;
      const inFlight = request(dir.path, port);
      const denitPid = await denit.denitPid();
      await waitFor(async () => (await workers(denitPid)).length === 2, "two workers");
      await sleep(300); // let the worker pick it up
      await denit.signal(signal as Deno.Signal);
      const response = await inFlight;
      equal(new TextDecoder().decode(response.stdout).includes("php-done"), false);
      const result = await denit.exit();
      equal(result.code, 137, result.stderr);
      const events = result.stderr.trim().split("\n").map((line) => JSON.parse(line).event);
      deepEqual(events.filter((e) => e === "stop.armed" || e === "stop.timeout"), [
        "stop.armed",
        "stop.timeout",
      ]);
    },
  });
}
