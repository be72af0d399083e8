import { deepEqual as assertEquals } from "node:assert/strict";
import { fixture, runDenit, startDenit } from "./_helpers.ts";

Deno.test("denit runs a program as PID 1 and passes on its exit code", async () => {
  const result = await runDenit(["sh", "-c", "echo $$; exit 7"]);
  assertEquals(result.code, 7);
  assertEquals(result.stdout.trim() === "1", false); // the child is not PID 1: denit is
});

Deno.test("denit forwards SIGTERM to the child as PID 1", async () => {
  const printSignals = await fixture("print_signals");
  await using denit = startDenit([printSignals, "15"]);
  await denit.stdout.waitForLine(/^ready/);
  await denit.signal("SIGTERM");
  const result = await denit.exit();
  assertEquals(result.code, 0);
  assertEquals(denit.stdout.lines.slice(1), ["15"]);
});
