/**
 * The built-in presets' signal tables, as real PID 1 with a child and a
 * grandchild in its group: what reaches the master and what is dropped. Real
 * nginx and php-fpm under the presets: e2e_nginx_test.ts, e2e_php_fpm_test.ts.
 */
import { deepEqual } from "node:assert/strict";
import { startDenit } from "./_helpers/denit.ts";
import { fixture } from "./_helpers/fixtures.ts";

Deno.test("--preset nginx sends QUIT for TERM to the master only and drops WINCH and USR2", async () => {
  const family = await fixture("signal_family");
  await using denit = startDenit(["--preset", "nginx", family]);
  await denit.stdout.waitForLine(/^ready/);
  await denit.signal("SIGWINCH");
  await denit.signal("SIGUSR2");
  await denit.signal("SIGHUP");
  await denit.stdout.waitForLine("child 1");
  await denit.signal("SIGTERM");
  await denit.stdout.waitForLine("child 3");
  denit.kill();
  await denit.exit();
  deepEqual(denit.stdout.lines.slice(1), ["child 1", "child 3"]);
});

Deno.test("--preset php-fpm sends USR1 to the master only and TERM as QUIT", async () => {
  const family = await fixture("signal_family");
  await using denit = startDenit(["--preset", "php-fpm", family]);
  await denit.stdout.waitForLine(/^ready/);
  await denit.signal("SIGUSR1");
  await denit.stdout.waitForLine("child 10");
  await denit.signal("SIGTERM");
  await denit.stdout.waitForLine("child 3");
  denit.kill();
  await denit.exit();
  deepEqual(denit.stdout.lines.slice(1), ["child 10", "child 3"]);
});
