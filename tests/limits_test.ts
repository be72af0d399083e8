/** denit runs at the Limits the README gives as its minimums, as PID 1 and not. */
import { equal } from "node:assert/strict";
import { MODES, runDenit } from "./_helpers/denit.ts";

for (const { pid1, label } of MODES) {
  Deno.test(`denit runs at the README's minimum limits: 23 open files, 64 GiB of address space, ${label}`, async () => {
    const limits = ["prlimit", "--nofile=23", `--as=${64 * 2 ** 30}`];
    const result = await runDenit(["sh", "-c", "ulimit -n; echo ok"], { pid1, wrapper: limits });
    equal(result.code, 0, result.stderr);
    equal(result.stdout, "23\nok\n");
  });
}
