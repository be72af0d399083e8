/**
 * The README's test command does its own set-up: `deno task test` first runs
 * scripts/test_setup.ts, which installs the Debian packages the tests need when
 * it can and otherwise says so in one line per package; under `CI=true` a test
 * that needs a missing package fails instead of being ignored.
 */
import { equal, match, ok, rejects } from "node:assert/strict";
import { ROOT } from "./_helpers/denit.ts";
import { installed } from "./_helpers/fixtures.ts";
import { missingLines, NEEDED } from "../scripts/test_setup.ts";

Deno.test("deno task test runs the set-up step before the tests", async () => {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`));
  match(config.tasks.test, /^deno run -A( --no-lock)? scripts\/test_setup\.ts && deno test /);
});

Deno.test(".ci/run runs exactly the README's test command", async () => {
  const readme = await Deno.readTextFile(`${ROOT}/README.md`);
  const command = /^(npx -y deno@[0-9.]+ task test)\s/m.exec(readme)?.[1];
  ok(command, "the README has no test command");
  const ci = await Deno.readTextFile(`${ROOT}/.ci/run`);
  ok(ci.split("\n").some((line) => line.trim().startsWith(command)), `.ci/run lacks ${command}`);
});

Deno.test("a missing package ignores its tests, except under CI=true where they fail", async () => {
  const gone = "/nonexistent/denit-test-program";
  equal(await installed("example", [gone], {}), false);
  equal(await installed("example", [gone], { CI: "false" }), false);
  await rejects(installed("example", [gone], { CI: "true" }), /install the Debian package example/);
  equal(await installed("example", ["/bin/sh"], { CI: "true" }), true);
});

Deno.test("the set-up names each missing package on one line, and what happens to its tests", () => {
  const nginx = NEEDED.find((needed) => needed.name === "nginx-light")!;
  const fpm = NEEDED.find((needed) => needed.name === "php8.2-fpm")!;
  const lines = missingLines([nginx, fpm], { root: false, ci: false });
  equal(lines.length, 2);
  match(lines[0]!, /^test setup: missing Debian package nginx-light .*are ignored$/);
  match(lines[1]!, /^test setup: missing Debian package php8\.2-fpm /);
  match(missingLines([nginx], { root: true, ci: true })[0]!, /fail \(CI=true\)$/);
  ok(lines.every((line) => !line.includes("\n")));
});
