/** The setup hook as real PID 1: it replaces the child's argv, env and cwd before the spawn. */
import { deepEqual, equal } from "node:assert/strict";
import { ROOT, runDenit } from "./_helpers/denit.ts";

Deno.test("a setup hook replaces the child's argv, env and cwd", async () => {
  const result = await runDenit(
    ["--plugin", `${ROOT}/tests/fixtures/plugins/setup_launch.ts`, "original-program"],
    { cwd: "/" },
  );
  equal(result.code, 0, result.stderr);
  // cwd, the added variable, denit's own re-exec marker removed, the original argv passed on.
  deepEqual(result.stdout.trim().split("\n"), [
    "/usr/share",
    "from-setup",
    "unset",
    "original-program",
  ]);
});
