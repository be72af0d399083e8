/**
 * Main services: `--services FILE -- PROGRAM` (the program beside its
 * sidecars) and `main: true` in the file. Real processes as PID 1.
 */
import { equal, match, ok } from "node:assert/strict";
import { all, events, indexOf } from "./_helpers/logs.ts";
import { loop, nothingLeft, servicesDir, startServices } from "./_helpers/services.ts";

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
