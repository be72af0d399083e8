/**
 * Services that exit: oneshots before their dependents (a failure aborts
 * start-up), restart with backoff up to a limit, critical services, and
 * denit's exit once every service has ended for good. Real processes as PID 1.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { waitFor } from "./_helpers/async.ts";
import { hostPidOf } from "./_helpers/process.ts";
import { all, events, indexOf, waitForEvent } from "./_helpers/logs.ts";
import { loop, nothingLeft, servicesDir, startServices } from "./_helpers/services.ts";

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
  await using dir = await servicesDir((d) =>
    `{
    services: [
      { name: "steady", command: ${
      loop("steady", `touch ${d}/steady;`)
    }, ready: { file: "${d}/steady" } },
      { name: "crashy", command: "exit 7", critical: true, restart: "on-failure", dependsOn: ["steady"],
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
  await denit.stdout.waitForLine("steady-up");
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

Deno.test("readyTimeout runs from the first start: a service that keeps failing before it is ready ends the start-up", async () => {
  // Each attempt fails after 0.4 s, well inside a fresh 1.5 s, and the restart limit never
  // trips (one restart per 0.3 s window): only a deadline kept across restarts can end it.
  await using dir = await servicesDir((d) =>
    `{
    services: [
      {
        name: "db",
        command: "sleep 0.4; exit 3",
        ready: { file: ${JSON.stringify(`${d}/never`)} },
        readyTimeout: 1.5,
        restartLimit: { count: 3, window: 0.3 },
        backoff: { initial: 0.05, max: 0.05 },
      },
      { name: "web", command: ${loop("web", "echo web-up;")}, dependsOn: ["db"] },
    ],
  }`
  );
  await using denit = startServices(dir.file);
  const result = await denit.exit(10_000);
  equal(result.code, 1, result.stderr);
  ok(indexOf(events(result.stderr), "service.ready_timeout", "db") >= 0, result.stderr);
  equal(result.stdout.includes("web-up"), false, "web never started");
});
