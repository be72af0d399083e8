/**
 * `deno task demo [nginx]`: denit doing its job on a real workload.
 *
 * denit runs as PID 1 of a new PID namespace with an HTTP server as its child
 * (scripts/demo_server.ts, or nginx with `deno task demo nginx`). A slow request
 * is in flight when SIGTERM arrives, as `docker stop` sends it. denit runs the
 * pre-stop command (the server keeps answering), rewrites SIGTERM to SIGQUIT
 * (graceful for this server and for nginx), and exits 0 once the server has
 * finished the request. The timeline is printed from denit's JSON log.
 *
 * Needs Linux; as root it uses `unshare` for the PID namespace, otherwise it
 * runs denit as a plain subreaper and says so.
 *
 * @module
 */
// deno-lint-ignore-file no-console -- a demo talks on the terminal

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const useNginx = Deno.args[0] === "nginx";
const started = Date.now();
const at = (time = Date.now()) => `+${((time - started) / 1000).toFixed(3)}s`.padStart(9);
const say = (text: string) => console.log(`${at()}  demo   ${text}`);

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function canUnshare(): Promise<boolean> {
  if (Deno.uid() !== 0) return false;
  try {
    return (await new Deno.Command("unshare", { args: ["--pid", "--fork", "true"] }).output())
      .success;
  } catch {
    return false;
  }
}

const port = freePort();
const upstreamPort = freePort();
const temp = await Deno.makeTempDir({ prefix: "denit-demo-" });
let workload: string[];
let preset: string[];
if (useNginx) {
  await Deno.writeTextFile(
    `${temp}/upstream.ts`,
    `Deno.serve({ hostname: "127.0.0.1", port: ${upstreamPort}, onListen() {} },
      async () => { await new Promise((r) => setTimeout(r, 2000)); return new Response("slow response, complete\\n"); });`,
  );
  await Deno.writeTextFile(
    `${temp}/nginx.conf`,
    `worker_processes 1; user root; error_log ${temp}/error.log; pid ${temp}/nginx.pid;
events { worker_connections 64; }
http { access_log off; client_body_temp_path ${temp}/b; proxy_temp_path ${temp}/p; fastcgi_temp_path ${temp}/f;
  uwsgi_temp_path ${temp}/u; scgi_temp_path ${temp}/s;
  server { listen 127.0.0.1:${port};
    location /slow { proxy_pass http://127.0.0.1:${upstreamPort}; proxy_buffering off; }
    location / { return 200 "hello\\n"; } } }
`,
  );
  workload = ["/usr/sbin/nginx", "-p", temp, "-c", `${temp}/nginx.conf`, "-g", "daemon off;"];
  preset = ["--preset", "nginx"];
} else {
  workload = [
    Deno.execPath(),
    "run",
    "-q",
    "-A",
    "--no-lock",
    `${ROOT}/scripts/demo_server.ts`,
    String(port),
  ];
  preset = ["-r", "TERM:QUIT"];
}

const upstream = useNginx
  ? new Deno.Command(Deno.execPath(), { args: ["run", "-A", "--no-lock", `${temp}/upstream.ts`] })
    .spawn()
  : null;
const pid1 = await canUnshare();
const denitArgv = [
  Deno.execPath(),
  "run",
  "-q",
  "-A",
  "--no-lock",
  `${ROOT}/mod.ts`,
  "--log-format",
  "json",
  ...preset,
  "--pre-stop",
  "sleep 1",
  "--",
  ...workload,
];
const argv = pid1
  ? ["unshare", "--pid", "--fork", "--mount-proc", "--kill-child", ...denitArgv]
  : denitArgv;
console.log(
  `denit demo: ${useNginx ? "nginx" : "a Deno HTTP server"} under denit${
    pid1 ? " as PID 1 of a new PID namespace" : " (not PID 1: needs root and unshare)"
  }`,
);
console.log(`  ${argv.slice(pid1 ? 5 : 0).join(" ")}\n`);

const denit = new Deno.Command(argv[0]!, { args: argv.slice(1), stdout: "null", stderr: "piped" })
  .spawn();
const stderr = denit.stderr.pipeThrough(new TextDecoderStream());
const log: string[] = [];
const collected = (async () => {
  for await (const chunk of stderr) log.push(chunk);
})();

async function get(path: string): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return await response.text();
}

async function waitForPort(port: number): Promise<void> {
  for (const deadline = Date.now() + 15_000;;) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`nothing listens on ${port}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

let code = 1;
try {
  await waitForPort(port);
  if (useNginx) await waitForPort(upstreamPort);
  say(`server is up on 127.0.0.1:${port}; GET /slow (takes 2 s)`);
  const slow = get("/slow").then(
    (body) => (say(`GET /slow finished: ${JSON.stringify(body.trim())}`), body),
    (error) => (say(`GET /slow was cut: ${error.message}`), ""),
  );
  await new Promise((resolve) => setTimeout(resolve, 300));
  const denitPid = pid1
    ? Number(
      Deno.readTextFileSync(`/proc/${denit.pid}/task/${denit.pid}/children`).trim().split(" ")[0],
    )
    : denit.pid;
  const where = pid1 ? `pid ${denitPid} here, PID 1 inside` : `pid ${denitPid}`;
  say(`SIGTERM to denit (${where}), as \`docker stop\` sends`);
  Deno.kill(denitPid, "SIGTERM");
  await new Promise((resolve) => setTimeout(resolve, 400));
  say(`during the pre-stop, GET / answers ${JSON.stringify((await get("/")).trim())}`);
  const body = await slow;
  code = (await denit.status).code;
  await collected;
  say(`denit exited with code ${code}`);
  console.log("\ndenit's log (--log-format json), as a timeline:");
  for (const line of log.join("").split("\n").filter(Boolean)) {
    try {
      const event = JSON.parse(line);
      console.log(`${at(Date.parse(event.ts))}  denit  ${event.event.padEnd(16)} ${event.msg}`);
    } catch {
      console.log(`           ${line}`);
    }
  }
  const complete = body.includes("complete") && code === 0;
  console.log(
    complete
      ? "\nThe request in flight finished whole and denit exited 0: a graceful stop."
      : "\nThe request was cut or denit failed: not a graceful stop.",
  );
  if (!complete) code = 1;
} finally {
  try {
    denit.kill("SIGKILL");
  } catch {
    // already gone
  }
  await denit.status;
  upstream?.kill("SIGKILL");
  await upstream?.status;
  await Deno.remove(temp, { recursive: true });
}
Deno.exit(code);
