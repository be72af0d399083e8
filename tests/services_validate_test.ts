/**
 * Services files: every bad case is one line naming the service and field,
 * exit 125, before any process starts. Unit tests on validateServices, then
 * real denit runs (as PID 1) on bad files.
 */
import { deepEqual, equal, match, ok, throws } from "node:assert/strict";
import { DenitError } from "../src/errors.ts";
import { isSimpleCommand } from "../src/services/shell.ts";
import { validateServices } from "../src/services/validate.ts";
import { runDenit } from "./_helpers/denit.ts";

const ok1 = { name: "a", command: ["true"] };

function refused(file: unknown, pattern: RegExp, reserved: string[] = []): void {
  throws(() => validateServices(file, reserved), (error: unknown) => {
    ok(error instanceof DenitError, String(error));
    equal(error.exitCode, 125);
    equal(error.message.includes("\n"), false, error.message);
    match(error.message, pattern);
    return true;
  });
}

Deno.test("validateServices: defaults are filled in", () => {
  const [spec] = validateServices({ services: [{ name: "web", command: "echo hi" }] });
  deepEqual(spec!.argv, ["/bin/sh", "-c", "exec echo hi"]);
  equal(spec!.restart, "on-failure");
  equal(spec!.stopGraceMs, 10_000);
  equal(spec!.stopSignal, null);
  equal(spec!.output, "inherit");
  deepEqual(spec!.dependsOn, []);
});

Deno.test("validateServices: durations, signals and readiness are converted", () => {
  const [, spec] = validateServices({
    services: [ok1, {
      name: "b",
      command: ["x"],
      dependsOn: ["a"],
      stopGrace: "1.5s",
      readyTimeout: 2,
      stopSignal: "QUIT",
      signals: { SIGHUP: "SIGUSR2", SIGWINCH: null },
      ready: { tcp: "localhost:8080" },
      restartLimit: { count: 3, window: "1m" },
      backoff: { initial: "100ms", max: 1 },
    }],
  });
  equal(spec!.stopGraceMs, 1500);
  equal(spec!.readyTimeoutMs, 2000);
  equal(spec!.stopSignal, "SIGQUIT");
  deepEqual([...spec!.signals], [["SIGHUP", "SIGUSR2"], ["SIGWINCH", null]]);
  deepEqual(spec!.ready, { kind: "tcp", hostname: "127.0.0.1", port: 8080 });
  deepEqual(spec!.restartLimit, { count: 3, windowMs: 60_000 });
  deepEqual(spec!.backoff, { initialMs: 100, maxMs: 1000 });
});

Deno.test("validateServices: the file's shape", () => {
  refused(null, /default export must be an object/);
  refused({ services: [] }, /field "services" must be a non-empty array/);
  refused({ services: [ok1], extra: 1 }, /unknown top-level field "extra"/);
  refused({ services: [5] }, /services\[0\] must be an object/);
  refused({ services: [{ command: ["x"] }] }, /services\[0\]: field "name"/);
  refused({ services: [{ name: "a b", command: ["x"] }] }, /services\[0\]: field "name"/);
});

Deno.test("validateServices: duplicates, unknown names and cycles", () => {
  refused({ services: [ok1, ok1] }, /service "a": field "name" is used twice/);
  refused({ services: [{ name: "main", command: ["x"] }] }, /"main".*reserved/, ["main"]);
  refused(
    { services: [{ ...ok1, dependsOn: ["nope"] }] },
    /service "a": field "dependsOn" names unknown service "nope"/,
  );
  refused({ services: [{ ...ok1, dependsOn: ["a"] }] }, /service "a": field "dependsOn"/);
  refused(
    {
      services: [
        { name: "a", command: ["x"], dependsOn: ["c"] },
        { name: "b", command: ["x"], dependsOn: ["a"] },
        { name: "c", command: ["x"], dependsOn: ["b"] },
      ],
    },
    /field "dependsOn" makes a cycle: a -> c -> b -> a/,
  );
});

Deno.test("validateServices: every field's type is checked, with the service and field named", () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ command: [] }, /"command" must be a non-empty array/],
    [{ command: [1] }, /"command" must be/],
    [{ command: "  " }, /"command" must be/],
    [{ env: { A: 1 } }, /"env" must map names to strings/],
    [{ env: [] }, /"env" must be an object/],
    [{ cwd: 5 }, /"cwd" must be a non-empty string/],
    [{ preset: "apache" }, /"preset" must be "nginx", "php-fpm"/],
    [{ signals: { SIGHUP: "BOGUS" } }, /"signals" must be a signal name/],
    [{ signals: { SIGKILL: null } }, /"signals" cannot rewrite SIGKILL/],
    [
      { signals: { SIGCHLD: "SIGTERM" } },
      /"signals" cannot rewrite SIGCHLD \(it drives the reaper/,
    ],
    [{ stopSignal: 15 }, /"stopSignal" must be a signal name/],
    [{ stopGrace: "soon" }, /service "a" field "stopGrace"/],
    [{ stopGrace: -1 }, /"stopGrace" must be 0 to 86400 seconds/],
    [{ dependsOn: "b" }, /"dependsOn" must be an array/],
    [{ ready: { tcp: 0 } }, /"ready" tcp must be a port/],
    [{ ready: { tcp: "10.0.0.1:80" } }, /"ready" tcp must be .* on loopback/],
    [{ ready: { unix: "run/x.sock" } }, /"ready" unix must be an absolute path/],
    [{ ready: { http: "/" } }, /"ready" has unknown kind "http"/],
    [{ ready: { file: "/x", tcp: 1 } }, /"ready" must have exactly one/],
    [{ ready: { notifyFd: 1 } }, /"ready" notifyFd must be/],
    [{ readyTimeout: true }, /"readyTimeout" must be seconds/],
    [{ restart: "sometimes" }, /"restart" must be "no", "on-failure", "always"/],
    [{ restartLimit: { count: -1, window: 1 } }, /"restartLimit" count must be/],
    [{ restartLimit: { count: 1, window: 1, x: 1 } }, /"restartLimit" has unknown key "x"/],
    [{ backoff: { initial: "x", max: 1 } }, /field "backoff"/],
    [{ critical: "yes" }, /"critical" must be true or false/],
    [{ oneshot: 1 }, /"oneshot" must be true or false/],
    [{ main: null }, /"main" must be true or false/],
    [{ output: "file" }, /"output" must be "inherit", "prefix"/],
    [{ oneshot: true, restart: "always" }, /"restart" does not apply to a oneshot/],
    [{ oneshot: true, ready: { file: "/x" } }, /"ready" does not apply to a oneshot/],
    [{ oneshot: true, readyTimeout: 5 }, /"readyTimeout" does not apply to a oneshot/],
    [{ main: true, restart: "always" }, /"restart" does not apply to a main service/],
    [{ stopsignal: "SIGQUIT" }, /service "a": field "stopsignal" is not a service field/],
  ];
  for (const [fields, pattern] of cases) {
    refused({ services: [{ ...ok1, ...fields }] }, pattern);
  }
  refused({ services: [{ name: "a" }] }, /service "a": field "command" is required/);
});

/** Run denit as PID 1 on a services file whose services would leave a marker if started. */
async function refusedFile(source: string, pattern: RegExp, program: string[] = []) {
  const dir = await Deno.makeTempDir({ prefix: "denit-services-validate-" });
  const marker = `${dir}/started`;
  try {
    const path = `${dir}/services.ts`;
    await Deno.writeTextFile(path, source.replaceAll("MARKER", marker));
    const result = await runDenit(["--services", path, ...program]);
    equal(result.code, 125, result.stderr);
    equal(result.stderr.trim().split("\n").length, 1, result.stderr);
    match(result.stderr, pattern);
    await Deno.stat(marker).then(() => ok(false, "a process was started"), () => {});
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const touch = (name: string, extra = "") =>
  `{ name: "${name}", command: "touch MARKER", oneshot: true${extra} }`;

Deno.test("bad services files: one line, exit 125, no process started (as PID 1)", async () => {
  await refusedFile(
    `export default { services: [${touch("a", `, dependsOn: ["b"]`)}, ${
      touch("b", `, dependsOn: ["a"]`)
    }] };`,
    /service "b": field "dependsOn" makes a cycle: a -> b -> a/,
  );
  await refusedFile(
    `export default { services: [${touch("a", `, dependsOn: ["db"]`)}] };`,
    /service "a": field "dependsOn" names unknown service "db"/,
  );
  await refusedFile(
    `export default { services: [${touch("a")}, { name: "b", command: "x", stopGrace: [] }] };`,
    /service "b": field "stopGrace" must be seconds/,
  );
  await refusedFile(
    `export default { services: [${touch("a")}, ${touch("a")}] };`,
    /service "a": field "name" is used twice/,
  );
  await refusedFile(
    `export default { services: [${touch("a", `, restartt: "no"`)}] };`,
    /service "a": field "restartt" is not a service field/,
  );
  await refusedFile(
    `export default { services: [${touch("main")}] };`,
    /service "main": field "name" is reserved/,
    ["touch", "/nonexistent/never"],
  );
});

Deno.test("a services file that does not load: one line, exit 125", async () => {
  await refusedFile(`export default { services: [ ${touch("a")}`, /Cannot load services file/);
  await refusedFile(
    `throw new Error("boom"); export default {};`,
    /Cannot load services file.*boom/,
  );
  await refusedFile(`export const services = [${touch("a")}];`, /it has no default export/);
  const missing = await runDenit(["--services", "/nonexistent/services.ts"]);
  equal(missing.code, 125);
  match(missing.stderr, /^denit\[1\] ERROR Cannot load services file "\/nonexistent\/services.ts"/);
  equal(missing.stderr.trim().split("\n").length, 1);
});

Deno.test("a services file writable by others is refused when root", {
  ignore: Deno.uid() !== 0,
}, async () => {
  const dir = await Deno.makeTempDir({ prefix: "denit-services-perm-" });
  try {
    const path = `${dir}/services.ts`;
    await Deno.writeTextFile(path, `export default { services: [${touch("a")}] };`);
    await Deno.chmod(path, 0o666);
    const result = await runDenit(["--services", path]);
    equal(result.code, 125);
    match(result.stderr, /Refusing services file .* is writable by others/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--services with an empty value, and without PROGRAM nor --services", async () => {
  const empty = await runDenit(["--services", ""], { pid1: false });
  equal(empty.code, 125);
  match(empty.stderr, /Invalid services file for --services: empty/);
  const none = await runDenit([], { pid1: false });
  equal(none.code, 125);
  match(none.stderr, /Missing program to run/);
});

Deno.test("a string command that is one simple command is exec'ed, so the program is the service's pid", () => {
  for (
    const simple of [
      `nginx -g "daemon off;"`,
      "envsubst '$PORT' < /a > /b",
      `php -r 'a(); b();'`,
      "x\\;y",
    ]
  ) {
    equal(isSimpleCommand(simple), true, simple);
  }
  for (
    const compound of [
      "a; b",
      "a && b",
      "a | b",
      "a &",
      "a\nb",
      "(a)",
      "if true; then a; fi",
      "FOO=1 a",
      "exec a",
      "exit 3",
      "cd /x",
      `echo "unterminated`,
    ]
  ) {
    equal(isSimpleCommand(compound), false, compound);
  }
});

Deno.test("--services cannot be combined with a compat mode", async () => {
  const result = await runDenit(["--compat", "tini", "--services", "/nonexistent.ts"], {
    pid1: false,
  });
  equal(result.code, 125);
  match(result.stderr, /Cannot run services in --compat tini mode/);
  equal(result.stderr.trim().split("\n").length, 1);
});
