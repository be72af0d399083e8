/**
 * The re-exec (stage two runs with signals blocked): a stale re-exec marker in
 * the environment changes nothing, as PID 1.
 */
import { equal } from "node:assert/strict";
import { runDenit, startDenit } from "./_helpers/denit.ts";

Deno.test("a stale DENIT_REEXEC marker as PID 1 changes nothing: signals, exit, DENO_V8_FLAGS", async () => {
  for (const marker of ["1", "1:--stale-flags"]) {
    const quick = await runDenit(["true"], {
      pid1: true,
      env: { DENIT_REEXEC: marker },
      timeoutMs: 15_000,
    });
    equal(quick.code, 0, quick.stderr);
    const flags = await runDenit(["sh", "-c", 'printf "%s|%s" "$DENO_V8_FLAGS" "$DENIT_REEXEC"'], {
      pid1: true,
      env: { DENIT_REEXEC: marker, DENO_V8_FLAGS: "--max-old-space-size=300" },
      timeoutMs: 15_000,
    });
    equal(flags.stdout, "--max-old-space-size=300|", flags.stderr);
    await using denit = startDenit([
      "sh",
      "-c",
      'trap "exit 42" TERM; echo ready; while :; do sleep 0.1; done',
    ], {
      pid1: true,
      env: { DENIT_REEXEC: marker },
    });
    await denit.stdout.waitForLine("ready");
    await denit.signal("SIGTERM");
    const result = await denit.exit(15_000);
    equal(result.code, 42, result.stderr);
  }
});
