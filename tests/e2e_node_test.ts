/**
 * A Node.js HTTP server as denit's child, as PID 1: SIGTERM reaches it and it
 * exits 0; the orphans its child processes leave are reaped; and one that
 * ignores SIGTERM is SIGKILLed by --stop-timeout.
 */
import { equal } from "node:assert/strict";
import { ROOT, startDenit } from "./_helpers/denit.ts";
import { waitFor } from "./_helpers/async.ts";
import { descendantsOf, procStat } from "./_helpers/process.ts";
import { freePort, get } from "./_helpers/servers.ts";

const SERVER = `${ROOT}/tests/fixtures/e2e/node_server.mjs`;

/** `pid`'s descendants, from /proc: how many are zombies and how many are `sleep` (any state). */
function descendants(pid: number): { zombies: number; sleeps: number } {
  const stats = descendantsOf(pid).map(procStat);
  return {
    zombies: stats.filter((stat) => stat?.state === "Z").length,
    sleeps: stats.filter((stat) => stat?.comm === "sleep").length,
  };
}

Deno.test("a Node.js server under denit: SIGTERM reaches it, it exits 0, its orphans are reaped", async () => {
  const port = freePort();
  await using denit = startDenit(["node", SERVER], { env: { PORT: String(port) } });
  await denit.stdout.waitForLine(`ready ${port}`);
  equal((await get(`http://127.0.0.1:${port}/`)).body, "node-ok\n");
  const denitPid = await denit.denitPid();
  // The grandchildren (`sleep 0.2`) exit as orphans of denit: wait until none is left, running
  // or zombie (a zombie keeps its name), and no zombie at all.
  await waitFor(() => {
    const { zombies, sleeps } = descendants(denitPid);
    return zombies === 0 && sleeps === 0;
  }, "the orphaned sleeps reaped, no zombie under denit");
  await denit.signal("SIGTERM");
  equal((await denit.exit()).code, 0);
});

Deno.test("a Node.js server that ignores SIGTERM is SIGKILLed after --stop-timeout", async () => {
  const port = freePort();
  await using denit = startDenit(["--stop-timeout", "1", "node", SERVER], {
    env: { PORT: String(port), IGNORE_SIGTERM: "1" },
  });
  await denit.stdout.waitForLine(`ready ${port}`);
  await denit.signal("SIGTERM");
  const result = await denit.exit(10_000); // well before a runtime's 10 s SIGKILL
  equal(result.code, 137, result.stderr);
});
