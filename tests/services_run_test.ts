/**
 * The services supervisor with real processes, denit as PID 1 of a new PID
 * namespace: start order and readiness, stop in reverse order with each
 * service's own signal, grace then SIGKILL, exit codes, signal policies.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { freePort } from "./_e2e_helpers.ts";
import { waitFor } from "./_helpers.ts";
import {
  all,
  DENO,
  events,
  indexOf,
  ROOT,
  servicesDir,
  startServices,
  waitForEvent,
} from "./_services_helpers.ts";

const LISTEN = `${ROOT}/tests/fixtures/services/listen.ts`;
const listen = (kind: string, where: string | number) =>
  JSON.stringify([DENO, "run", "-A", "--no-lock", LISTEN, kind, String(where)]);

/** A shell loop that says when it stops; `$1` in the trap is its name. */
const loop = (name: string, extra = "") =>
  JSON.stringify(
    `trap 'echo ${name}-got-term; exit 0' TERM; ${extra} while :; do sleep 0.05; done`,
  );

/** No process was left for the drain: PID 1 had no child after the last service. */
function nothingLeft(stderr: string): void {
  const list = events(stderr);
  equal(indexOf(list, "drain.started"), -1, "the drain found processes left");
  equal(indexOf(list, "drain.killed"), -1, "the drain had to kill");
}

Deno.test("start in dependency order once each is ready (file, tcp, unix, command); stop in reverse", async () => {
  const port = freePort();
  await using dir = await servicesDir((d) =>
    `{
    services: [
      { name: "marker", command: ${
      loop("marker", `sleep 0.2; touch ${d}/marker;`)
    }, ready: { file: "${d}/marker" } },
      { name: "tcp", command: ${
      listen("tcp", port)
    }, dependsOn: ["marker"], ready: { tcp: ${port} } },
      { name: "unix", command: ${
      listen("unix", `${d}/s.sock`)
    }, dependsOn: ["tcp"], ready: { unix: "${d}/s.sock" } },
      { name: "probe", command: ${loop("probe")}, dependsOn: ["unix"],
        ready: { command: "test -e ${d}/go" } },
      { name: "last", command: ${loop("last")}, dependsOn: ["probe", "marker"] },
    ],
  }`
  );
  await using denit = startServices(dir.file);
  await waitForEvent(denit, "service.started", "probe");
  // "last" waits for probe's readiness command to pass.
  equal(indexOf(events(denit.stderr.text), "service.started", "last"), -1);
  await Deno.writeTextFile(`${dir.path}/go`, "");
  await waitForEvent(denit, "service.ready", "last");
  await denit.signal("SIGTERM");
  const result = await denit.exit();
  equal(result.code, 0, result.stderr);
  const list = events(result.stderr);
  const order = ["marker", "tcp", "unix", "probe", "last"];
  for (let i = 1; i < order.length; i++) {
    ok(
      indexOf(list, "service.ready", order[i - 1]) < indexOf(list, "service.started", order[i]),
      `${order[i]} started before ${order[i - 1]} was ready`,
    );
  }
  // Reverse: each stop signal only after everything depending on it has exited.
  for (let i = 1; i < order.length; i++) {
    ok(
      indexOf(list, "service.exited", order[i]) < indexOf(list, "service.stopping", order[i - 1]),
      `${order[i - 1]} was asked to stop before ${order[i]} had exited`,
    );
  }
  match(result.stdout, /last-got-term/);
  nothingLeft(result.stderr);
});

Deno.test("each service gets its own stop signal and signals go through its own policy", async () => {
  await using dir = await servicesDir(() =>
    `{
    services: [
      { name: "a", command: ${
      JSON.stringify(
        "trap 'echo a-usr2' USR2; trap 'echo a-hup' HUP; trap 'echo a-usr1-stop; exit 0' USR1; echo a-up; while :; do sleep 0.05; done",
      )
    }, signals: { SIGHUP: "SIGUSR2" }, stopSignal: "SIGUSR1" },
      { name: "b", command: ${
      JSON.stringify(
        "trap 'echo b-hup' HUP; trap 'echo b-int' INT; trap 'echo b-term-stop; exit 0' TERM; echo b-up; while :; do sleep 0.05; done",
      )
    }, signals: { SIGHUP: null, SIGUSR2: "SIGINT" } },
    ],
  }`
  );
  await using denit = startServices(dir.file);
  await denit.stdout.waitForLine("a-up");
  await denit.stdout.waitForLine("b-up");
  const count = (line: string) => denit.stdout.lines.filter((l) => l === line).length;
  // One at a time: the same signal twice to one process may coalesce.
  await denit.signal("SIGHUP");
  await waitFor(() => count("a-usr2") === 1, "a-usr2 once");
  await denit.signal("SIGUSR2");
  await waitFor(() => count("a-usr2") === 2 && count("b-int") === 1, "a-usr2 twice, b-int");
  await denit.signal("SIGTERM");
  const result = await denit.exit();
  equal(result.code, 0, result.stderr);
  const out = result.stdout.split("\n");
  // a: HUP became USR2, USR2 stayed USR2; b: HUP dropped, USR2 became INT. Both stop on their own.
  deepEqual(out.filter((l) => l.startsWith("a-")), ["a-up", "a-usr2", "a-usr2", "a-usr1-stop"]);
  deepEqual(out.filter((l) => l.startsWith("b-")), ["b-up", "b-int", "b-term-stop"]);
  const stopping = all(events(result.stderr), "service.stopping");
  deepEqual(stopping.map((e) => [e.service, e.signal]).sort(), [["a", "SIGUSR1"], [
    "b",
    "SIGTERM",
  ]]);
  nothingLeft(result.stderr);
});

Deno.test("a service that ignores its stop signal is SIGKILLed at its grace and the sequence goes on", async () => {
  await using dir = await servicesDir(() =>
    `{
    services: [
      { name: "backend", command: ${loop("backend")} },
      { name: "stubborn", command: ${
      JSON.stringify("trap '' TERM; echo stubborn-up; while :; do sleep 0.05; done")
    }, dependsOn: ["backend"], stopGrace: "300ms" },
    ],
  }`
  );
  await using denit = startServices(dir.file);
  await denit.stdout.waitForLine("stubborn-up");
  await denit.signal("SIGTERM");
  const result = await denit.exit();
  equal(result.code, 0, result.stderr);
  const list = events(result.stderr);
  ok(indexOf(list, "service.killed", "stubborn") >= 0, "stubborn was not SIGKILLed");
  equal(all(list, "service.exited", "stubborn")[0]?.signal, "SIGKILL");
  ok(indexOf(list, "service.exited", "stubborn") < indexOf(list, "service.stopping", "backend"));
  match(result.stdout, /backend-got-term/);
  nothingLeft(result.stderr);
});

Deno.test("a failing oneshot: nothing else starts, denit exits with its code", async () => {
  await using dir = await servicesDir((d) =>
    `{
    services: [
      { name: "ok", oneshot: true, command: "true" },
      { name: "migrate", oneshot: true, command: "exit 3", dependsOn: ["ok"] },
      { name: "web", command: "touch ${d}/web-started; sleep 100", dependsOn: ["migrate"] },
    ],
  }`
  );
  await using denit = startServices(dir.file);
  const result = await denit.exit();
  equal(result.code, 3, result.stderr);
  await Deno.stat(`${dir.path}/web-started`).then(() => ok(false, "web started"), () => {});
  equal(indexOf(events(result.stderr), "service.started", "web"), -1);
  nothingLeft(result.stderr);
});

Deno.test("a oneshot that succeeds runs before its dependents", async () => {
  await using dir = await servicesDir((d) =>
    `{
    services: [
      { name: "config", oneshot: true, command: "sleep 0.2; echo configured > ${d}/conf" },
      { name: "web", command: ${loop("web", `cat ${d}/conf;`)}, dependsOn: ["config"] },
    ],
  }`
  );
  await using denit = startServices(dir.file);
  await denit.stdout.waitForLine("configured");
  await denit.signal("SIGTERM");
  const result = await denit.exit();
  equal(result.code, 0, result.stderr);
  const list = events(result.stderr);
  ok(indexOf(list, "service.exited", "config") < indexOf(list, "service.started", "web"));
});

Deno.test("a crashing critical service is restarted with backoff, gives up at its limit, and denit exits with its code", async () => {
  await using dir = await servicesDir(() =>
    `{
    services: [
      { name: "steady", command: ${loop("steady")} },
      { name: "crashy", command: "exit 7", critical: true, restart: "on-failure",
        restartLimit: { count: 2, window: 60 }, backoff: { initial: 0.05, max: 0.08 } },
    ],
  }`
  );
  await using denit = startServices(dir.file);
  const result = await denit.exit();
  equal(result.code, 7, result.stderr);
  const list = events(result.stderr);
  equal(all(list, "service.started", "crashy").length, 3);
  deepEqual(all(list, "service.restarting", "crashy").map((e) => e.delayMs), [50, 80]);
  ok(indexOf(list, "service.gave_up", "crashy") >= 0);
  match(result.stdout, /steady-got-term/);
  nothingLeft(result.stderr);
});

Deno.test("a non-critical service that gives up is left down; the others keep running", async () => {
  await using dir = await servicesDir(() =>
    `{
    services: [
      { name: "steady", command: ${loop("steady", "echo steady-up;")} },
      { name: "crashy", command: "exit 5", restart: "always", restartLimit: { count: 1, window: 60 },
        backoff: { initial: 0.01, max: 0.01 } },
    ],
  }`
  );
  await using denit = startServices(dir.file);
  await waitForEvent(denit, "service.gave_up", "crashy");
  await denit.signal("SIGTERM");
  const result = await denit.exit();
  equal(result.code, 0, result.stderr);
  equal(all(events(result.stderr), "service.started", "crashy").length, 2);
  match(result.stdout, /steady-got-term/);
});

Deno.test("a service killed from outside is restarted and becomes ready again", async () => {
  await using dir = await servicesDir((d) =>
    `{
    services: [
      { name: "worker", command: ${
      loop("worker", `echo $$ > ${d}/pid; touch ${d}/ready-$$;`)
    }, ready: { command: "test -e ${d}/ready-$(cat ${d}/pid)" },
        backoff: { initial: 0.01, max: 0.01 } },
    ],
  }`
  );
  await using denit = startServices(dir.file);
  await waitForEvent(denit, "service.ready", "worker");
  const first = all(events(denit.stderr.text), "service.started", "worker")[0]!.pid as number;
  // The namespace's pid is not ours: find the worker by its pid file's host twin through /proc.
  const hostPid = await hostPidOf(await denit.denitPid(), first);
  Deno.kill(hostPid, "SIGKILL");
  await waitFor(
    () => all(events(denit.stderr.text), "service.ready", "worker").length === 2,
    "worker ready again",
  );
  const list = events(denit.stderr.text);
  equal(all(list, "service.exited", "worker")[0]?.signal, "SIGKILL");
  equal(all(list, "service.restarting", "worker").length, 1);
  await denit.signal("SIGTERM");
  equal((await denit.exit()).code, 0);
});

Deno.test("--services with -- PROGRAM: the program starts after the sidecar, its exit ends the container and stops the sidecar gracefully", async () => {
  await using dir = await servicesDir((d) =>
    `{
    services: [
      { name: "sidecar", command: ${
      loop("sidecar", `touch ${d}/sidecar-up;`)
    }, ready: { file: "${d}/sidecar-up" } },
    ],
  }`
  );
  await using denit = startServices(dir.file, [], [
    "sh",
    "-c",
    `test -e ${dir.path}/sidecar-up && echo main-saw-sidecar; exit 4`,
  ]);
  const result = await denit.exit();
  equal(result.code, 4, result.stderr);
  match(result.stdout, /main-saw-sidecar/);
  match(result.stdout, /sidecar-got-term/);
  const list = events(result.stderr);
  equal(all(list, "service.exited", "sidecar")[0]?.code, 0);
  equal(all(list, "service.exited", "main")[0]?.code, 4);
  nothingLeft(result.stderr);
});

Deno.test("-- PROGRAM is stopped first on SIGTERM; denit exits with its code", async () => {
  await using dir = await servicesDir(() =>
    `{
    services: [{ name: "sidecar", command: ${loop("sidecar")} }],
  }`
  );
  await using denit = startServices(dir.file, [], ["sh", "-c", "echo main-up; exec sleep 100"]);
  await denit.stdout.waitForLine("main-up");
  await denit.signal("SIGTERM");
  const result = await denit.exit();
  equal(result.code, 143, result.stderr);
  const list = events(result.stderr);
  ok(indexOf(list, "service.exited", "main") < indexOf(list, "service.stopping", "sidecar"));
});

Deno.test("a main service in the file ends the container with its code", async () => {
  await using dir = await servicesDir((d) =>
    `{
    services: [
      { name: "side", command: ${loop("side", `touch ${d}/side;`)}, ready: { file: "${d}/side" } },
      { name: "app", command: "exit 9", main: true, dependsOn: ["side"] },
    ],
  }`
  );
  await using denit = startServices(dir.file);
  const result = await denit.exit();
  equal(result.code, 9, result.stderr);
  match(result.stdout, /side-got-term/);
});

Deno.test("--stop-timeout caps the whole sequence", async () => {
  await using dir = await servicesDir(() =>
    `{
    services: [{ name: "stubborn", command: ${
      JSON.stringify("trap '' TERM; echo up; while :; do sleep 0.05; done")
    }, stopGrace: 3600 }],
  }`
  );
  await using denit = startServices(dir.file, ["--stop-timeout", "300ms"]);
  await denit.stdout.waitForLine("up");
  await denit.signal("SIGTERM");
  const result = await denit.exit();
  equal(result.code, 0, result.stderr);
  const list = events(result.stderr);
  ok(indexOf(list, "stop.timeout") >= 0);
  equal(all(list, "service.exited", "stubborn")[0]?.signal, "SIGKILL");
});

Deno.test("a service not ready within readyTimeout fails start-up: everything stops, exit 1", async () => {
  await using dir = await servicesDir((d) =>
    `{
    services: [
      { name: "slow", command: ${
      loop("slow")
    }, ready: { file: "${d}/never" }, readyTimeout: "300ms" },
      { name: "after", command: "touch ${d}/after", dependsOn: ["slow"] },
    ],
  }`
  );
  await using denit = startServices(dir.file);
  const result = await denit.exit();
  equal(result.code, 1, result.stderr);
  ok(indexOf(events(result.stderr), "service.ready_timeout", "slow") >= 0);
  await Deno.stat(`${dir.path}/after`).then(() => ok(false, "after started"), () => {});
  match(result.stdout, /slow-got-term/);
});

/** The host pid of the process whose pid in denit's namespace is `nsPid`. */
async function hostPidOf(denitHostPid: number, nsPid: number): Promise<number> {
  return await waitFor(() => {
    for (const entry of Deno.readDirSync("/proc")) {
      if (!/^\d+$/.test(entry.name)) continue;
      try {
        const status = Deno.readTextFileSync(`/proc/${entry.name}/status`);
        const nspid = /^NSpid:\s+(.*)$/m.exec(status)?.[1]?.split(/\s+/).map(Number) ?? [];
        const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]);
        if (nspid.length === 2 && nspid[1] === nsPid && ppid === denitHostPid) {
          return Number(entry.name);
        }
      } catch {
        // gone
      }
    }
    return 0;
  }, `pid ${nsPid} of the namespace`);
}

Deno.test("a simple string command runs as the service's pid (exec'ed, not under a shell)", async () => {
  await using dir = await servicesDir(() =>
    `{
    services: [
      { name: "simple", command: ${
      JSON.stringify(`sh -c 'echo "simple-ppid=$PPID"; exec sleep 100'`)
    } },
      { name: "compound", command: ${
      JSON.stringify(`true; sh -c 'echo "compound-ppid=$PPID"; exec sleep 100'`)
    } },
    ],
  }`
  );
  await using denit = startServices(dir.file);
  // Under exec, the inner shell's parent is denit (pid 1); under a shell it would not be.
  await denit.stdout.waitForLine("simple-ppid=1");
  const compound = await denit.stdout.waitForLine(/^compound-ppid=/);
  ok(compound !== "compound-ppid=1", compound);
  await denit.signal("SIGTERM");
  equal((await denit.exit()).code, 0);
});

Deno.test("--pre-stop runs before the first service gets its stop signal; DENIT_SERVICES works like --services", async () => {
  await using dir = await servicesDir(() =>
    `{
    services: [{ name: "web", command: ${loop("web", "echo web-up;")} }],
  }`
  );
  await using denit = startServices(dir.file, ["--pre-stop", "echo pre-stop-ran"]);
  await denit.stdout.waitForLine("web-up");
  await denit.signal("SIGTERM");
  const result = await denit.exit();
  equal(result.code, 0, result.stderr);
  const list = events(result.stderr);
  ok(indexOf(list, "prestop.finished") >= 0, "the pre-stop command did not run");
  ok(indexOf(list, "prestop.finished") < indexOf(list, "service.stopping", "web"));
  deepEqual(result.stdout.split("\n").filter(Boolean), ["web-up", "pre-stop-ran", "web-got-term"]);

  const { startDenit } = await import("./_helpers.ts");
  await using viaEnv = startDenit(["--log-format", "json"], {
    env: { DENIT_SERVICES: dir.file },
  });
  await viaEnv.stdout.waitForLine("web-up");
  await viaEnv.signal("SIGTERM");
  equal((await viaEnv.exit()).code, 0);
});

Deno.test("when every service has ended for good, denit exits: 0, or the first failure's code", async () => {
  await using ok0 = await servicesDir(() =>
    `{
    services: [
      { name: "a", oneshot: true, command: "true" },
      { name: "b", command: "echo b-ran", restart: "no", dependsOn: ["a"] },
    ],
  }`
  );
  const first = await startServices(ok0.file).exit();
  equal(first.code, 0, first.stderr);
  match(first.stdout, /b-ran/);
  await using failed = await servicesDir(() =>
    `{
    services: [
      { name: "a", command: "exit 6", restart: "no" },
      { name: "b", command: "exit 0", restart: "no" },
    ],
  }`
  );
  const second = await startServices(failed.file).exit();
  equal(second.code, 6, second.stderr);
});

Deno.test("a services file made with defineServices from mod.ts", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denit-services-define-" });
  try {
    await using denit = startServices(`${ROOT}/tests/fixtures/services/two_loops.ts`, [], [], {
      env: { SERVICES_DIR: dir },
    });
    await denit.stdout.waitForLine("web-up");
    await denit.signal("SIGTERM");
    const result = await denit.exit();
    equal(result.code, 0, result.stderr);
    deepEqual(result.stdout.split("\n").filter((l) => l.endsWith("-stopping")), [
      "web-stopping",
      "db-stopping",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
