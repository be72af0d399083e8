/**
 * A custom exit-code policy: a container that was asked to stop and did is a
 * success, whatever code the program chose for it.
 *
 * - killed by SIGTERM or SIGINT (143, 130), or exited with one of them → 0
 * - killed by SIGKILL (137) stays 137: the stop was not graceful
 * - codes listed in `EXPECTED_EXIT_CODES` (comma-separated) → 0
 *
 * ```sh
 * EXPECTED_EXIT_CODES=3,4 denit --plugin examples/plugins/exit_code_policy.ts -- my-job
 * ```
 *
 * @module
 */

import { definePlugin } from "../../mod.ts";

const expected = new Set(
  (Deno.env.get("EXPECTED_EXIT_CODES") ?? "").split(",").filter(Boolean).map(Number),
);

export default definePlugin({
  name: "exit-code-policy",
  order: "post",
  onChildExit(exit, ctx) {
    const stopped = exit.signal === "SIGTERM" || exit.signal === "SIGINT" ||
      exit.exitCode === 143 || exit.exitCode === 130;
    if (stopped || expected.has(exit.exitCode)) {
      ctx.log.info(`Exit code ${exit.exitCode} counts as success`, { event: "policy.success" });
      return { exitCode: 0 };
    }
  },
});
