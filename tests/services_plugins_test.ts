/**
 * Plugins with --services: each signal is seen once, a verdict may target one
 * service by name, and onChildExit fires per service with willRestart.
 */
import { deepEqual, equal } from "node:assert/strict";
import { ROOT } from "./_helpers/denit.ts";
import { waitFor } from "./_helpers/async.ts";
import { all, events } from "./_helpers/logs.ts";
import { loop, servicesDir, startServices } from "./_helpers/services.ts";

const PLUGIN = `${ROOT}/tests/fixtures/services/plugin_by_name.ts`;

Deno.test("plugins: one call per signal, a by-name target, onChildExit per service with willRestart", async () => {
  await using dir = await servicesDir((d) => {
    const body = (name: string) =>
      `trap 'echo ${name}-hup' HUP; trap 'echo ${name}-usr1' USR1; trap 'exit 0' TERM; echo ${name}-up; while :; do sleep 0.05; done`;
    return `{
      services: [
        { name: "a", command: ${
      JSON.stringify(`if [ -e ${d}/once ]; then ${body("a")}; else touch ${d}/once; exit 3; fi`)
    }, backoff: { initial: 0.01, max: 0.01 } },
        { name: "b", command: ${JSON.stringify(body("b"))} },
      ],
    }`;
  });
  await using denit = startServices(dir.file, ["--plugin", PLUGIN]);
  await denit.stdout.waitForLine("a-up");
  await denit.stdout.waitForLine("b-up");
  await denit.signal("SIGHUP");
  await denit.stdout.waitForLine("b-hup");
  await denit.signal("SIGUSR1");
  await waitFor(
    () => denit.stdout.lines.includes("a-usr1") && denit.stdout.lines.includes("b-usr1"),
    "both services to get SIGUSR1",
  );
  await denit.signal("SIGTERM");
  const result = await denit.exit();
  equal(result.code, 0, result.stderr);
  // HUP went to b only: a never printed a-hup, though it traps it.
  equal(result.stdout.includes("a-hup"), false, result.stdout);
  const list = events(result.stderr);
  const after = all(list, "test.after");
  deepEqual(after.map((e) => [e.signal, e.target, e.delivered]), [
    ["SIGHUP", "service:b", true],
    ["SIGUSR1", "group", true],
    ["SIGTERM", "group", true],
  ]);
  const exits = all(list, "test.exit").map((e) => [e.service, e.willRestart, e.exitCode]);
  deepEqual(exits.slice(0, 1), [["a", true, 3]]);
  deepEqual(exits.slice(1).sort(), [["a", false, 0], ["b", false, 0]]);
});

Deno.test("a signal stop keeps the main service's code an async onChildExit maps", async () => {
  await using dir = await servicesDir(() =>
    `{ services: [{ name: "side", command: ${loop("side", "echo side-up;")} }] }`
  );
  // The hook answers after the rest of the stop is done (the sidecar exits at once).
  const plugin = `${dir.path}/slow_map.ts`;
  await Deno.writeTextFile(
    plugin,
    `export default {
      name: "slow-map",
      async onChildExit(exit) {
        await new Promise((resolve) => setTimeout(resolve, 300));
        return exit.service === "main" && exit.exitCode === 7 ? { exitCode: 42 } : undefined;
      },
    };\n`,
  );
  await using denit = startServices(dir.file, ["--plugin", plugin], [
    "sh",
    "-c",
    "trap 'exit 7' TERM; echo main-up; while :; do sleep 0.05; done",
  ]);
  await denit.stdout.waitForLine("main-up");
  await denit.stdout.waitForLine("side-up");
  await denit.signal("SIGTERM");
  const result = await denit.exit();
  equal(result.code, 42, result.stderr);
  const mapped = all(events(result.stderr), "exit.mapped");
  deepEqual(mapped.map((e) => [e.from, e.to]), [[7, 42]]);
});
