/**
 * Real nginx (Debian's nginx-light) in the foreground under denit as PID 1:
 * a graceful stop keeps an in-flight request whole, the control without the
 * rewrite cuts it, HUP reloads, USR1 reopens logs, and --pre-stop keeps serving.
 */
import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import { startDenit } from "./_helpers/denit.ts";
import { installed as isInstalled } from "./_helpers/fixtures.ts";
import { waitFor } from "./_helpers/async.ts";
import { tempDir } from "./_helpers/fs.ts";
import { freePort, get, portOpen, slowUpstream, STOP_SENDERS } from "./_helpers/servers.ts";

const NGINX = "/usr/sbin/nginx";
const installed = await isInstalled("nginx-light", [NGINX]);

function config(dir: string, port: number, upstream: number, body: string): string {
  return `worker_processes 1;
user root;
error_log ${dir}/error.log;
pid ${dir}/nginx.pid;
events { worker_connections 64; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    location /slow { proxy_pass http://127.0.0.1:${upstream}; proxy_buffering off; }
    location / { return 200 "${body}\\n"; }
  }
}
`;
}

async function nginx(dir: string, args: string[], upstream: number) {
  const port = freePort();
  await Deno.writeTextFile(`${dir}/nginx.conf`, config(dir, port, upstream, "v1"));
  const denit = startDenit([
    ...args,
    NGINX,
    "-p",
    dir,
    "-c",
    `${dir}/nginx.conf`,
    "-g",
    "daemon off;",
  ]);
  await portOpen(port, "nginx");
  return { denit, port };
}

Deno.test({
  name: "nginx --preset nginx: SIGTERM lets an in-flight request finish whole, then denit exits 0",
  ignore: !installed,
  async fn() {
    for (const args of [["--preset", "nginx"], ["-r", "TERM:QUIT"]]) {
      await using dir = await tempDir("denit-nginx-");
      await using upstream = slowUpstream(1500);
      const { denit, port } = await nginx(dir.path, args, upstream.port);
      await using _ = denit;
      const request = get(`http://127.0.0.1:${port}/slow`);
      await upstream.requested;
      await denit.signal("SIGTERM"); // what `docker stop` sends
      const response = await request;
      equal(response.status, 200);
      ok(response.body.endsWith("-complete\n"), "the body was cut");
      equal((await denit.exit()).code, 0);
    }
  },
});

Deno.test({
  name: "nginx without the rewrite: SIGTERM (fast shutdown) cuts the in-flight request",
  ignore: !installed,
  async fn() {
    await using dir = await tempDir("denit-nginx-");
    await using upstream = slowUpstream(1500);
    const { denit, port } = await nginx(dir.path, [], upstream.port);
    await using _ = denit;
    const request = get(`http://127.0.0.1:${port}/slow`);
    await upstream.requested;
    await denit.signal("SIGTERM");
    await rejects(request);
    await denit.exit();
  },
});

Deno.test({
  name: "nginx: SIGHUP reloads a changed config without dropping a request; SIGUSR1 reopens logs",
  ignore: !installed,
  async fn() {
    await using dir = await tempDir("denit-nginx-");
    await using upstream = slowUpstream(1500);
    const { denit, port } = await nginx(dir.path, ["--preset", "nginx"], upstream.port);
    await using _ = denit;
    equal((await get(`http://127.0.0.1:${port}/`)).body, "v1\n");
    const request = get(`http://127.0.0.1:${port}/slow`);
    await upstream.requested;
    await Deno.writeTextFile(`${dir.path}/nginx.conf`, config(dir.path, port, upstream.port, "v2"));
    await denit.signal("SIGHUP");
    await waitFor(
      async () => (await get(`http://127.0.0.1:${port}/`)).body === "v2\n",
      "the reload",
    );
    ok((await request).body.endsWith("-complete\n"), "the reload cut the in-flight request");

    await Deno.rename(`${dir.path}/access.log`, `${dir.path}/access.log.1`);
    await denit.signal("SIGUSR1");
    await waitFor(async () => {
      await get(`http://127.0.0.1:${port}/`);
      return await Deno.stat(`${dir.path}/access.log`).then(() => true, () => false);
    }, "a new access.log");
    await denit.signal("SIGTERM");
    equal((await denit.exit()).code, 0);
  },
});

Deno.test({
  name:
    "nginx --pre-stop: nginx answers during the pre-stop, then quits gracefully; the JSON log shows it",
  ignore: !installed,
  async fn() {
    await using dir = await tempDir("denit-nginx-");
    await using upstream = slowUpstream(500);
    const { denit, port } = await nginx(
      dir.path,
      ["--preset", "nginx", "--pre-stop", "sleep 1.5", "--log-format", "json"],
      upstream.port,
    );
    await using _ = denit;
    await denit.signal("SIGTERM");
    await denit.stderr.waitForLine(/prestop\.started/);
    equal((await get(`http://127.0.0.1:${port}/`)).body, "v1\n"); // still serving
    ok(!denit.stderr.text.includes("prestop.finished"), "the pre-stop ended before the request");
    const result = await denit.exit();
    equal(result.code, 0, result.stderr);
    const events = result.stderr.trim().split("\n").map((line) => JSON.parse(line));
    const timeline = events
      .filter((e) =>
        ["prestop.started", "prestop.finished", "signal.forwarded", "child.exited", "exit"]
          .includes(e.event)
      )
      .map((e) => e.event === "signal.forwarded" ? `${e.event}:${e.signal}` : e.event);
    deepEqual(timeline, [
      "prestop.started",
      "prestop.finished",
      "signal.forwarded:SIGQUIT",
      "child.exited",
      "exit",
    ]);
  },
});

for (const [signal, sender] of Object.entries(STOP_SENDERS)) {
  Deno.test({
    name: `nginx --preset nginx: ${signal} (${sender}) starts the pre-stop and the stop timer`,
    ignore: !installed,
    async fn() {
      await using dir = await tempDir("denit-nginx-");
      // Longer than pre-stop + stop timeout: the graceful quit waits for it, the timer does not.
      await using upstream = slowUpstream(5000);
      const { denit, port } = await nginx(
        dir.path,
        [
          "--preset",
          "nginx",
          "--pre-stop",
          "sleep 1",
          "--stop-timeout",
          "1.5",
          "--log-format",
          "json",
        ],
        upstream.port,
      );
      await using _ = denit;
      const request = get(`http://127.0.0.1:${port}/slow`);
      await upstream.requested;
      await denit.signal(signal as Deno.Signal);
      await rejects(request); // cut by the stop timer's SIGKILL
      const result = await denit.exit();
      equal(result.code, 137, result.stderr);
      const events = result.stderr.trim().split("\n").map((line) => JSON.parse(line));
      const timeline = events
        .filter((e) =>
          [
            "prestop.started",
            "prestop.finished",
            "signal.forwarded",
            "stop.armed",
            "stop.timeout",
            "child.exited",
          ].includes(e.event)
        )
        .map((e) => e.event === "signal.forwarded" ? `${e.event}:${e.signal}` : e.event);
      deepEqual(timeline.slice(0, 6), [
        "prestop.started",
        "prestop.finished",
        "signal.forwarded:SIGQUIT",
        "stop.armed",
        "stop.timeout",
        "child.exited",
      ]);
    },
  });
}
