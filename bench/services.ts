/**
 * `deno task bench:services`: denit `--services` against supervisord (Debian's
 * `supervisor`) on the same nginx + php-fpm stack, each as PID 1 of a new PID
 * namespace. Per run: time from exec to both ready (nginx answers a PHP page),
 * RSS of PID 1 with both up, and what happens to a 2 s PHP request in flight
 * when SIGTERM arrives. Printed side by side (medians of RUNS runs).
 *
 * Usage: deno run -A bench/services.ts [RUNS]
 *
 * @module
 */

// deno-lint-ignore-file no-console -- the benchmark reports on the terminal

const NGINX = "/usr/sbin/nginx";
const FPM = "/usr/sbin/php-fpm8.2";
const SUPERVISORD = "/usr/bin/supervisord";
const REPO = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const DENO = Deno.execPath();
const RUNS = Number(Deno.args[0] ?? "3");
/** supervisord-term: the same supervisord.conf without `stopsignal=QUIT`. */
const INITS = ["denit", "supervisord", "supervisord-term"];
const TITLES = ["denit --services", "supervisord 4.2", "supervisord, default stopsignal"];

interface Run {
  readyMs: number;
  rssKiB: number;
  request: string;
  exitCode: number;
  stopMs: number;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function writeStack(d: string, port: number): Promise<void> {
  await Deno.writeTextFile(
    `${d}/php-fpm.conf`,
    `[global]\nerror_log = ${d}/fpm.log\nprocess_control_timeout = 10s\ndaemonize = no\n\n` +
      `[www]\nuser = root\ngroup = root\nlisten = ${d}/fpm.sock\npm = static\npm.max_children = 2\n`,
  );
  await Deno.writeTextFile(
    `${d}/nginx.conf`,
    `worker_processes 1;\nuser root;\nerror_log ${d}/error.log;\npid ${d}/nginx.pid;\n` +
      `events { worker_connections 64; }\nhttp {\n  access_log off;\n` +
      `  client_body_temp_path ${d}/body;\n  fastcgi_temp_path ${d}/fastcgi;\n` +
      `  server {\n    listen 127.0.0.1:${port};\n    location ~ \\.php$ {\n` +
      `      fastcgi_pass unix:${d}/fpm.sock;\n` +
      `      fastcgi_param SCRIPT_FILENAME ${d}$fastcgi_script_name;\n` +
      `      fastcgi_param REQUEST_METHOD $request_method;\n    }\n  }\n}\n`,
  );
  await Deno.writeTextFile(`${d}/hello.php`, `<?php echo "hello\\n";\n`);
  await Deno.writeTextFile(
    `${d}/slow.php`,
    `<?php touch("${d}/in-flight"); $end = microtime(true) + 2; ` +
      `while (microtime(true) < $end) usleep(20000); echo "php-done\\n";\n`,
  );
  const fpm = `${FPM} -F -R -y ${d}/php-fpm.conf`;
  const nginx = `${NGINX} -p ${d} -c ${d}/nginx.conf -g "daemon off;"`;
  await Deno.writeTextFile(
    `${d}/services.ts`,
    `export default { services: [
  { name: "php-fpm", command: ${JSON.stringify(fpm)}, preset: "php-fpm",
    ready: { unix: "${d}/fpm.sock" } },
  { name: "nginx", command: ${
      JSON.stringify(nginx)
    }, preset: "nginx", dependsOn: ["php-fpm"], ready: { tcp: ${port} }, main: true },
] };\n`,
  );
  // The README's supervisord.conf: priorities for order, QUIT for a graceful stop.
  await Deno.writeTextFile(
    `${d}/supervisord.conf`,
    `[supervisord]\nnodaemon=true\nuser=root\nlogfile=${d}/supervisord.log\n` +
      `pidfile=${d}/supervisord.pid\nchildlogdir=${d}\n\n` +
      `[program:php-fpm]\ncommand=${fpm}\npriority=10\nstopsignal=QUIT\nstopwaitsecs=30\n` +
      `autorestart=unexpected\n\n` +
      `[program:nginx]\ncommand=${nginx}\npriority=20\nstopsignal=QUIT\nstopwaitsecs=30\n`,
  );
  // The same without stopsignal: supervisord's default (TERM), what a first attempt looks like.
  const graceful = await Deno.readTextFile(`${d}/supervisord.conf`);
  await Deno.writeTextFile(
    `${d}/supervisord-term.conf`,
    graceful.replaceAll("stopsignal=QUIT\n", ""),
  );
}

function argvFor(init: string, d: string): string[] {
  if (init === "denit") {
    return [DENO, "run", "-A", "--no-lock", `${REPO}/mod.ts`, "--services", `${d}/services.ts`];
  }
  return [SUPERVISORD, "-n", "-c", `${d}/${init}.conf`];
}

async function get(url: string): Promise<{ status: number; body: string } | null> {
  try {
    const response = await fetch(url);
    return { status: response.status, body: await response.text() };
  } catch {
    return null;
  }
}

async function until<T>(check: () => Promise<T | null | false>, what: string): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function rssKiB(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? NaN);
}

async function once(init: string): Promise<Run> {
  const d = await Deno.makeTempDir({ prefix: `denit-bench-services-${init}-` });
  const port = freePort();
  await writeStack(d, port);
  const started = performance.now();
  const child = new Deno.Command("unshare", {
    args: ["--pid", "--fork", "--mount-proc", "--kill-child", ...argvFor(init, d)],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    await until(
      async () => (await get(`http://127.0.0.1:${port}/hello.php`))?.status === 200,
      "ready",
    );
    const readyMs = performance.now() - started;
    const pid1 = await until(async () => {
      const text = (await Deno.readTextFile(`/proc/${child.pid}/task/${child.pid}/children`))
        .trim();
      return text === "" ? null : Number(text.split(" ")[0]);
    }, "PID 1");
    // Let start-up allocation settle before reading RSS (same pause for both).
    await new Promise((resolve) => setTimeout(resolve, 500));
    const rss = rssKiB(pid1);
    const request = get(`http://127.0.0.1:${port}/slow.php`);
    await until(() => Deno.stat(`${d}/in-flight`).then(() => true, () => false), "in flight");
    const stopAt = performance.now();
    Deno.kill(pid1, "SIGTERM");
    const response = await request;
    const status = await child.status;
    const stopMs = performance.now() - stopAt;
    const outcome = response === null
      ? "connection cut"
      : response.body.endsWith("php-done\n")
      ? `completed (${response.status})`
      : `cut (${response.status})`;
    return { readyMs, rssKiB: rss, request: outcome, exitCode: status.code, stopMs };
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await child.status;
    await Deno.remove(d, { recursive: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  for (const path of [NGINX, FPM, SUPERVISORD]) {
    try {
      await Deno.stat(path);
    } catch {
      console.error(
        `bench:services: ${path} is missing (apt-get install nginx-light php8.2-fpm supervisor)`,
      );
      Deno.exit(1);
    }
  }
  const results = new Map<string, Run[]>();
  for (let run = 0; run < RUNS; run++) {
    for (const init of INITS) {
      const result = await once(init);
      results.set(init, [...results.get(init) ?? [], result]);
      console.error(
        `run ${run + 1}/${RUNS} ${init}: ready ${
          result.readyMs.toFixed(0)
        } ms, RSS ${result.rssKiB} KiB, ` +
          `request ${result.request}, exit ${result.exitCode} after ${result.stopMs.toFixed(0)} ms`,
      );
    }
  }
  const rows: Array<[string, (runs: Run[]) => string]> = [
    ["exec to both ready (median)", (r) => `${median(r.map((x) => x.readyMs)).toFixed(0)} ms`],
    [
      "RSS of PID 1, both up (median)",
      (r) => `${(median(r.map((x) => x.rssKiB)) / 1024).toFixed(1)} MiB`,
    ],
    [
      "2 s PHP request in flight on SIGTERM",
      (r) => [...new Set(r.map((x) => x.request))].join(" / "),
    ],
    ["exit code after SIGTERM", (r) => [...new Set(r.map((x) => x.exitCode))].join(" / ")],
    ["SIGTERM to exit (median)", (r) => `${median(r.map((x) => x.stopMs)).toFixed(0)} ms`],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  const column = (texts: string[]) => texts.map((text) => text.padEnd(32)).join("").trimEnd();
  console.log(`${"".padEnd(width)}  ${column(TITLES)}`);
  for (const [name, show] of rows) {
    console.log(`${name.padEnd(width)}  ${column(INITS.map((init) => show(results.get(init)!)))}`);
  }
  console.log(
    `(${RUNS} runs each, nginx-light + php8.2-fpm, each init as PID 1 of a PID namespace)`,
  );
}

if (import.meta.main) await main();
