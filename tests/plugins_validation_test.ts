/**
 * Plugin validation at start-up: a bad shape, a duplicate name or a missing
 * file ends denit with 125 and one line naming the problem, before any child.
 */
import { equal, match, ok } from "node:assert/strict";
import { runDenit } from "./_helpers/denit.ts";
import { plugins } from "./_helpers/plugins.ts";

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

Deno.test("bad plugins end denit with 125 and one line before any child runs", async () => {
  const marker = `/tmp/denit-hooks-child-ran-${crypto.randomUUID()}`;
  const cases: Record<string, [string, RegExp]> = {
    unknownHook: [`{ name: "a", onSignl: () => {} }`, /unknown hook "onSignl"/],
    notFunction: [`{ name: "b", onSignal: 42 }`, /must be a function/],
    emptyName: [`{ name: "" }`, /non-empty string name/],
    badOrder: [`{ name: "c", order: "first" }`, /order must be/],
    badTimeout: [`{ name: "d", timeoutMs: 0 }`, /timeoutMs must be a positive/],
  };
  for (const [label, [source, pattern]] of Object.entries(cases)) {
    const dir = await Deno.makeTempDir();
    try {
      const path = `${dir}/${label}.ts`;
      await Deno.writeTextFile(path, `export default ${source};\n`);
      const result = await runDenit(["--plugin", path, "touch", marker]);
      equal(result.code, 125, label);
      equal(result.stderr.trim().split("\n").length, 1, result.stderr);
      match(result.stderr, pattern);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
  await using twice = await plugins({ one: `{ name: "same" }`, two: `{ name: "same" }` });
  const duplicate = await runDenit([...twice.args, "touch", marker]);
  equal(duplicate.code, 125);
  match(duplicate.stderr, /already registered/);
  const missing = await runDenit(["--plugin", "/no/such/plugin.ts", "touch", marker]);
  equal(missing.code, 125);
  match(missing.stderr, /Cannot load plugin "\/no\/such\/plugin.ts"/);
  await Deno.stat(marker).then(() => ok(false, "a child ran"), () => {});
});

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
