/**
 * The services supervisor with real processes, denit as PID 1 of a new PID
 * namespace: start order and readiness, stop in reverse order with each
 * service's own signal, grace then SIGKILL, --stop-timeout, --pre-stop.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { DENO, ROOT, startDenit } from "./_helpers/denit.ts";
import { waitFor } from "./_helpers/async.ts";
import { all, events, indexOf, waitForEvent } from "./_helpers/logs.ts";
import { freePort } from "./_helpers/servers.ts";
import { loop, nothingLeft, servicesDir, startServices } from "./_helpers/services.ts";

const LISTEN = `${ROOT}/tests/fixtures/services/listen.ts`;
const listen = (kind: string, where: string | number) =>
  JSON.stringify([DENO, "run", "-A", "--no-lock", LISTEN, kind, String(where)]);

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
      { name: "last", command: ${loop("last", "echo last-up;")}, dependsOn: ["probe", "marker"] },
    ],
  }`
  );
  await using denit = startServices(dir.file);
  await waitForEvent(denit, "service.started", "probe");
  // "last" waits for probe's readiness command to pass.
  equal(indexOf(events(denit.stderr.text), "service.started", "last"), -1);
  await Deno.writeTextFile(`${dir.path}/go`, "");
  await waitForEvent(denit, "service.ready", "last");
  await denit.stdout.waitForLine("last-up"); // its trap is set
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
      { name: "backend", command: ${loop("backend", "echo backend-up;")} },
      { name: "stubborn", command: ${
      JSON.stringify("trap '' TERM; echo stubborn-up; while :; do sleep 0.05; done")
    }, dependsOn: ["backend"], stopGrace: "300ms" },
    ],
  }`
  );
  await using denit = startServices(dir.file);
  await denit.stdout.waitForLine("stubborn-up");
  await denit.stdout.waitForLine("backend-up");
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
  ok(indexOf(events(result.stderr), "service.stopping", "slow") >= 0);
});

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

  await using viaEnv = startDenit(["--log-format", "json"], {
    env: { DENIT_SERVICES: dir.file },
  });
  await viaEnv.stdout.waitForLine("web-up");
  await viaEnv.signal("SIGTERM");
  equal((await viaEnv.exit()).code, 0);
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

Deno.test("not as PID 1 (a child subreaper): the same start order and reverse stop", async () => {
  await using dir = await servicesDir((d) =>
    `{
    services: [
      { name: "db", command: ${loop("db", `touch ${d}/db;`)}, ready: { file: "${d}/db" } },
      { name: "web", command: ${loop("web", "echo web-up;")}, dependsOn: ["db"] },
    ],
  }`
  );
  await using denit = startServices(dir.file, [], [], { pid1: false });
  await denit.stdout.waitForLine("web-up");
  await denit.signal("SIGTERM");
  const result = await denit.exit();
  equal(result.code, 0, result.stderr);
  deepEqual(result.stdout.split("\n").filter((l) => l.endsWith("-got-term")), [
    "web-got-term",
    "db-got-term",
  ]);
  nothingLeft(result.stderr);
});

/**
 * Scripts in `dir`: a web worker that creates `alive`, and on SIGTERM takes 0.5 s to finish and
 * removes it; a db that on SIGTERM prints whether the worker was done (db-stopped-after) or not.
 */
function workerAndDb(dir: string): { worker: string; db: string } {
  const alive = JSON.stringify(`${dir}/alive`);
  return {
    worker: `touch ${alive}; trap 'sleep 0.5; rm -f ${alive}; exit 0' TERM; ` +
      "echo web-up; while :; do sleep 0.05; done",
    db: `trap 'if [ -e ${alive} ]; then echo db-stopped-early; else echo db-stopped-after; ` +
      "fi; exit 0' TERM; echo db-up; while :; do sleep 0.05; done",
  };
}

Deno.test("a service is stopped once its whole group is gone: its dependency waits for its workers", async () => {
  // web's leader exits at once on SIGTERM; its worker (same group) takes 0.5 s to finish. Either
  // at web's turn, or before it: a pre-stop asks web's whole group to stop, and when web's turn
  // comes its leader is gone. Both ways db must wait for the worker.
  for (const preStop of [false, true]) {
    await using dir = await servicesDir((d) => {
      const { worker, db } = workerAndDb(d);
      const web = `echo $$ > ${JSON.stringify(`${d}/pgid`)}; sh -c ${
        JSON.stringify(worker)
      } & wait`;
      return `{
        services: [
          { name: "db", command: ${JSON.stringify(db)} },
          { name: "web", command: ${JSON.stringify(web)}, dependsOn: ["db"] },
        ],
      }`;
    });
    const extra = preStop ? ["--pre-stop", `kill -TERM -$(cat ${dir.path}/pgid); sleep 0.2`] : [];
    await using denit = startServices(dir.file, extra);
    await denit.stdout.waitForLine("web-up");
    await denit.signal("SIGTERM");
    const result = await denit.exit();
    equal(result.code, 0, result.stderr);
    ok(result.stdout.includes("db-stopped-after"), `pre-stop ${preStop}: ${result.stdout}`);
    nothingLeft(result.stderr);
  }
});

Deno.test("what a oneshot left in its group gets its stop signal at the oneshot's turn", async () => {
  await using dir = await servicesDir(() =>
    `{
    services: [
      { name: "setup", command: "sleep 30 & exit 0", oneshot: true },
      { name: "web", command: ${loop("web", "echo web-up;")}, dependsOn: ["setup"] },
    ],
  }`
  );
  await using denit = startServices(dir.file);
  await denit.stdout.waitForLine("web-up");
  await denit.signal("SIGTERM");
  const result = await denit.exit();
  equal(result.code, 0, result.stderr);
  const list = events(result.stderr);
  ok(all(list, "service.stopping", "setup").length === 1, result.stderr);
  equal(indexOf(list, "service.killed", "setup"), -1, "its sleep took SIGTERM; no SIGKILL needed");
  nothingLeft(result.stderr);
});

Deno.test("a group that took the number of a service's ended group is not stopped as that service's", async () => {
  // "gone" (a oneshot) ends; "other" then starts a new session whose leader gets gone's old pid
  // (ns_last_pid, in denit's own PID namespace). At gone's turn in the stop, that group is not
  // gone's: denit must not stop it as such (the drain deals with it after the services).
  await using dir = await servicesDir((d) => {
    const goneFile = JSON.stringify(`${d}/gone-pid`);
    const taken = JSON.stringify(`${d}/taken`);
    const other = `while [ ! -s ${goneFile} ]; do sleep 0.01; done; sleep 0.1; ` +
      `echo $(( $(cat ${goneFile}) - 1 )) > /proc/sys/kernel/ns_last_pid; ` +
      `setsid sh -c 'echo $$ > ${taken.slice(1, -1)}; exec sleep 30' & ` +
      "echo other-up; while :; do sleep 0.05; done";
    return `{
      services: [
        { name: "gone", command: ${JSON.stringify(`echo $$ > ${goneFile}`)}, oneshot: true },
        { name: "other", command: ${JSON.stringify(other)}, dependsOn: ["gone"] },
      ],
    }`;
  });
  await using denit = startServices(dir.file);
  await denit.stdout.waitForLine("other-up");
  await waitFor(async () => {
    try {
      return (await Deno.readTextFile(`${dir.path}/taken`)).trim() !== "";
    } catch {
      return false;
    }
  }, "the new session");
  const gonePid = (await Deno.readTextFile(`${dir.path}/gone-pid`)).trim();
  const takenPid = (await Deno.readTextFile(`${dir.path}/taken`)).trim();
  equal(takenPid, gonePid, "the new session leader took gone's old pid");
  await denit.signal("SIGTERM");
  const result = await denit.exit();
  equal(result.code, 0, result.stderr);
  deepEqual(all(events(result.stderr), "service.stopping", "gone"), [], result.stderr);
});
