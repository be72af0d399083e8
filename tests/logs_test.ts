/**
 * Logs an operator reads in `kubectl logs`: denit's JSON lines name their
 * source, a signal from pid 0 is said to come from outside the container, the
 * last line says why denit exits, text lines keep a plugin's fields, and
 * `--log-format json` writes one event object per line.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { createLogger } from "../src/log.ts";
import { MOD, runDenit, startDenit } from "./_helpers/denit.ts";
import { tempDir } from "./_helpers/fs.ts";

Deno.test("every JSON line carries source: denit, which a field cannot overwrite", async () => {
  const result = await runDenit([
    "--log-format",
    "json",
    "sh",
    "-c",
    `echo '{"level":"info","msg":"the app"}' >&2; exit 0`,
  ]);
  equal(result.code, 0);
  const lines = result.stderr.trim().split("\n").map((line) => JSON.parse(line));
  const app = lines.filter((line) => line.msg === "the app");
  equal(app.length, 1);
  equal(app[0].source, undefined);
  const own = lines.filter((line) => line.msg !== "the app");
  ok(own.length >= 3);
  for (const line of own) equal(line.source, "denit", JSON.stringify(line));
  const captured: string[] = [];
  const log = createLogger({ level: "info", format: "json", sink: (line) => captured.push(line) });
  log.info("x", { source: "forged" });
  equal(JSON.parse(captured[0]!).source, "denit");
});

Deno.test("a signal from pid 0 is said to come from outside the container", async () => {
  await using denit = startDenit([
    "-vv",
    "sh",
    "-c",
    "trap 'exit 0' TERM; echo up; while :; do sleep 0.05; done",
  ]);
  await denit.stdout.waitForLine("up");
  await denit.signal("SIGTERM"); // from this test: outside denit's PID namespace
  const result = await denit.exit();
  match(result.stderr, /Received SIGTERM from outside the container \(sender pid 0/);
  ok(!result.stderr.includes("from pid 0"), result.stderr);
});

Deno.test("the last line says why denit exits", async () => {
  const exited = await runDenit(["-vv", "sh", "-c", "exit 3"]);
  equal(exited.code, 3);
  match(
    exited.stderr.trim().split("\n").at(-1)!,
    /Exiting with code 3: the child exited with code 3$/,
  );

  const mapped = await runDenit(["-vv", "-e", "3", "sh", "-c", "exit 3"]);
  equal(mapped.code, 0);
  match(
    mapped.stderr.trim().split("\n").at(-1)!,
    /Exiting with code 0: the child exited with code 3; -e or a plugin mapped 3 to 0$/,
  );

  await using denit = startDenit([
    "-vv",
    "--stop-timeout",
    "0.2",
    "sh",
    "-c",
    "trap '' TERM; echo up; sleep 30",
  ]);
  await denit.stdout.waitForLine("up");
  await denit.signal("SIGTERM");
  const killed = await denit.exit();
  equal(killed.code, 137);
  match(
    killed.stderr.trim().split("\n").at(-1)!,
    /Exiting with code 137: the child was killed by SIGKILL/,
  );
});

Deno.test("text lines keep a plugin's own fields", async () => {
  await using dir = await tempDir("denit-logs-");
  await Deno.writeTextFile(
    `${dir.path}/fields.ts`,
    `import { definePlugin } from "${MOD}";
export default definePlugin({ name: "fields", setup(_l, ctx) {
  ctx.log.warn("listening", { port: 8080, url: "http://x/ y", event: "app.ready" });
} });
`,
  );
  const result = await runDenit(["--plugin", `${dir.path}/fields.ts`, "true"]);
  equal(result.code, 0, result.stderr);
  match(result.stderr, /WARN listening plugin=fields hook=setup port=8080 url="http:\/\/x\/ y"\n/);
});

Deno.test("denit --log-format json writes one event object per line", async () => {
  const result = await runDenit(["--log-format", "json", "true"]);
  const events = result.stderr.trim().split("\n").map((line) => JSON.parse(line));
  deepEqual(events.map((e) => e.event), ["child.spawned", "child.exited", "exit"]);
  ok(events.every((e) => typeof e.mono === "number" && typeof e.ts === "string"));
});
