/**
 * Real nginx (nginx-light) in front of real php-fpm (php8.2-fpm) under denit
 * as PID 1, from one services file: php-fpm first, nginx only once the
 * FastCGI socket accepts; a 2 s PHP request in flight on SIGTERM (and on
 * SIGQUIT) completes whole; nginx has exited before php-fpm gets its stop
 * signal; exit 0; nothing left. And php-fpm's master SIGKILLed from outside is
 * restarted and nginx serves PHP again.
 */
import { equal, ok } from "node:assert/strict";
import { waitFor } from "./_helpers/async.ts";
import { installed as isInstalled } from "./_helpers/fixtures.ts";
import { all, events, indexOf, waitForEvent } from "./_helpers/logs.ts";
import { freePort, get, portOpen, writePhpFpmConfig } from "./_helpers/servers.ts";
import { servicesDir, startServices } from "./_helpers/services.ts";

const NGINX = "/usr/sbin/nginx";
const FPM = "/usr/sbin/php-fpm8.2";
const installed = await isInstalled("nginx-light", [NGINX]) &&
  await isInstalled("php8.2-fpm", [FPM]);

async function stack() {
  const port = freePort();
  const dir = await servicesDir((d) =>
    `{
    services: [
      {
        name: "php-fpm",
        command: ["${FPM}", "-F", "-R", "-y", "${d}/php-fpm.conf"],
        preset: "php-fpm",
        ready: { unix: "${d}/fpm.sock" },
        restart: "on-failure",
        backoff: { initial: 0.1, max: 1 },
        critical: true,
        stopGrace: 15,
      },
      {
        name: "nginx",
        command: ["${NGINX}", "-p", "${d}", "-c", "${d}/nginx.conf", "-g", "daemon off;"],
        preset: "nginx",
        dependsOn: ["php-fpm"],
        ready: { tcp: ${port} },
        main: true,
        stopGrace: 15,
      },
    ],
  }`
  );
  const d = dir.path;
  await writePhpFpmConfig(d, `${d}/fpm.sock`);
  await Deno.writeTextFile(
    `${d}/nginx.conf`,
    `worker_processes 1;
user root;
error_log ${d}/error.log;
pid ${d}/nginx.pid;
events { worker_connections 64; }
http {
  access_log ${d}/access.log;
  client_body_temp_path ${d}/body;
  proxy_temp_path ${d}/proxy;
  fastcgi_temp_path ${d}/fastcgi;
  uwsgi_temp_path ${d}/uwsgi;
  scgi_temp_path ${d}/scgi;
  server {
    listen 127.0.0.1:${port};
    location ~ \\.php$ {
      fastcgi_pass unix:${d}/fpm.sock;
      fastcgi_param SCRIPT_FILENAME ${d}$fastcgi_script_name;
      fastcgi_param REQUEST_METHOD $request_method;
    }
  }
}
`,
  );
  // A loop, not sleep(2): a signal to the worker would cut sleep() short.
  await Deno.writeTextFile(
    `${d}/slow.php`,
    `<?php touch("${d}/in-flight"); $end = microtime(true) + 2;
while (microtime(true) < $end) usleep(20000);
echo str_repeat("x", 4096), "php-done\\n";\n`,
  );
  await Deno.writeTextFile(`${d}/hello.php`, `<?php echo "hello from pid ", getmypid(), "\\n";\n`);
  return { dir, port };
}

for (const stopSignal of ["SIGTERM", "SIGQUIT"] as const) {
  Deno.test({
    name:
      `nginx + php-fpm: php-fpm first, nginx once the socket accepts; ${stopSignal} lets a 2 s PHP request finish, nginx exits before php-fpm is stopped, exit 0`,
    ignore: !installed,
    async fn() {
      const { dir, port } = await stack();
      await using _dir = dir;
      await using denit = startServices(dir.file);
      await waitForEvent(denit, "service.ready", "nginx");
      await portOpen(port, "nginx");
      const request = get(`http://127.0.0.1:${port}/slow.php`);
      await waitFor(
        () => Deno.stat(`${dir.path}/in-flight`).then(() => true, () => false),
        "the PHP request to start",
      );
      await denit.signal(stopSignal);
      const response = await request;
      equal(response.status, 200);
      ok(response.body.endsWith("php-done\n"), `the response was cut: ${response.body.slice(-40)}`);
      const result = await denit.exit();
      equal(result.code, 0, result.stderr);
      const list = events(result.stderr);
      // Start: php-fpm's socket accepted before nginx was started.
      ok(indexOf(list, "service.ready", "php-fpm") < indexOf(list, "service.started", "nginx"));
      // Stop: nginx gracefully (QUIT), and gone before php-fpm is asked to stop (QUIT too).
      equal(all(list, "service.stopping", "nginx")[0]?.signal, "SIGQUIT");
      equal(all(list, "service.stopping", "php-fpm")[0]?.signal, "SIGQUIT");
      ok(indexOf(list, "service.exited", "nginx") < indexOf(list, "service.stopping", "php-fpm"));
      equal(all(list, "service.exited", "nginx")[0]?.code, 0);
      equal(all(list, "service.exited", "php-fpm")[0]?.code, 0);
      // Nothing left: PID 1 had no child once the services were gone.
      equal(indexOf(list, "drain.started"), -1);
    },
  });
}

Deno.test({
  name:
    "nginx + php-fpm: php-fpm's master SIGKILLed from outside is restarted and nginx serves PHP again",
  ignore: !installed,
  async fn() {
    const { dir, port } = await stack();
    await using _dir = dir;
    await using denit = startServices(dir.file);
    await waitForEvent(denit, "service.ready", "nginx");
    equal((await get(`http://127.0.0.1:${port}/hello.php`)).status, 200);
    const master = Number((await Deno.readTextFile(`${dir.path}/fpm.pid`)).trim());
    // fpm.pid holds the namespace's pid; find the host pid among denit's children.
    const denitPid = await denit.denitPid();
    const children = (await Deno.readTextFile(`/proc/${denitPid}/task/${denitPid}/children`))
      .trim().split(" ").map(Number);
    const hostMaster = children.find((pid) => {
      const status = Deno.readTextFileSync(`/proc/${pid}/status`);
      return /^NSpid:\s+\d+\s+(\d+)$/m.exec(status)?.[1] === String(master);
    });
    ok(hostMaster !== undefined, "php-fpm's master not found");
    Deno.kill(hostMaster, "SIGKILL");
    await waitFor(
      () => all(events(denit.stderr.text), "service.ready", "php-fpm").length === 2,
      "php-fpm ready again",
    );
    const again = await get(`http://127.0.0.1:${port}/hello.php`);
    equal(again.status, 200);
    ok(again.body.startsWith("hello from pid"), again.body);
    const list = events(denit.stderr.text);
    equal(all(list, "service.exited", "php-fpm")[0]?.signal, "SIGKILL");
    equal(all(list, "service.restarting", "php-fpm")[0]?.delayMs, 100);
    await denit.signal("SIGTERM");
    equal((await denit.exit()).code, 0);
  },
});
