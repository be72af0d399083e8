/**
 * The short soak (`deno task soak --short`): 50,000 queued real-time signals
 * forwarded and 5,000 orphans reaped by one denit as PID 1, with RSS growth
 * under 3 MiB after warm-up (2 MiB in the full soak), fds unchanged, no zombie and every
 * status delivered.
 */
import { equal, match } from "node:assert/strict";
import { ROOT } from "./_helpers/denit.ts";

Deno.test("the short soak holds every property (signals, orphans, RSS, fds, exit status)", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-lock", `${ROOT}/scripts/soak.ts`, "--short"],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(120_000),
  }).output();
  const text = new TextDecoder().decode(output.stdout);
  equal(output.code, 0, text + new TextDecoder().decode(output.stderr));
  match(text, /ok {3}every signal reached the child \(50000 of 50000\)/);
});
