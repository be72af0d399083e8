/** Plugin validation at start-up, beyond the cases in plugins_hooks_test.ts. */
import { equal, match, ok } from "node:assert/strict";
import { runDenit } from "./_helpers/denit.ts";

async function refusedSource(source: string, pattern: RegExp): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "denit-plugin-validation-" });
  const marker = `${dir}/child-ran`;
  try {
    const path = `${dir}/plugin.ts`;
    await Deno.writeTextFile(path, `export default ${source};\n`);
    const result = await runDenit(["--plugin", path, "touch", marker]);
    equal(result.code, 125, result.stderr);
    equal(result.stderr.trim().split("\n").length, 1, result.stderr);
    match(result.stderr, pattern);
    await Deno.stat(marker).then(() => ok(false, "the child ran"), () => {});
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("per-hook order, timeoutMs, handler and unknown fields are validated with the hook named", async () => {
  await refusedSource(
    `{ name: "a", onSignal: { handler: () => {}, timeoutMs: -1 } }`,
    /Plugin "a" hook "onSignal": timeoutMs must be a positive number/,
  );
  await refusedSource(
    `{ name: "b", afterSignal: { handler: () => {}, order: "late" } }`,
    /Plugin "b" hook "afterSignal": order must be/,
  );
  await refusedSource(
    `{ name: "c", beforeExit: { handler: 5 } }`,
    /Plugin "c" hook "beforeExit": handler must be a function/,
  );
  await refusedSource(
    `{ name: "d", setup: { handler: () => {}, extra: 1 } }`,
    /Plugin "d" hook "setup": unknown field "extra"/,
  );
});

// Was a bug: a timeoutMs above 2^31-1 ms was accepted and the timer fired after 1 ms.
Deno.test({
  name: "a timeoutMs too large for a timer is refused at start-up",
  async fn() {
    await refusedSource(`{ name: "huge", timeoutMs: 1e12 }`, /Plugin "huge": timeoutMs/);
  },
});
