/**
 * Under `deno run`, Deno itself reads NODE_OPTIONS (`--require FILE` runs FILE
 * inside denit). denit cannot stop that, so it warns once; the child still
 * gets the variable unchanged.
 */
import { equal, match } from "node:assert/strict";
import { runDenit } from "./_helpers/denit.ts";

Deno.test("denit warns once about NODE_OPTIONS=--require and passes it to the child", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/preload.cjs`, "");
    const value = `--require ${dir}/preload.cjs`;
    const result = await runDenit(["sh", "-c", 'printf "%s" "$NODE_OPTIONS"'], {
      env: { NODE_OPTIONS: value },
    });
    equal(result.code, 0);
    equal(result.stdout, value);
    equal(result.stderr.match(/NODE_OPTIONS asks Deno/g)?.length, 1, result.stderr);
    match(result.stderr, /compiled denit binary/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
