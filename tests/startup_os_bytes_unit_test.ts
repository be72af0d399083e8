/**
 * exactEnvironment's common case (every byte of the start environment is UTF-8,
 * decoded as one block): order, changes, removals and additions as the
 * entry-by-entry path gives them. The path for bytes that are not UTF-8 is
 * covered end to end by bytes_test.ts.
 */
import { deepEqual } from "node:assert/strict";
import { exactEnvironment } from "../src/os_bytes.ts";

/** The `KEY=VALUE` entries of /proc/self/environ, in order, first of each name. */
function startEntries(): string[] {
  const seen = new Set<string>();
  const entries: string[] = [];
  for (const entry of Deno.readTextFileSync("/proc/self/environ").split("\0")) {
    const equals = entry.indexOf("=");
    if (equals < 0 || seen.has(entry.slice(0, equals))) continue;
    seen.add(entry.slice(0, equals));
    entries.push(entry);
  }
  return entries;
}

Deno.test("exactEnvironment keeps the start order, takes changed values, drops removed names and adds new ones last", () => {
  const start = startEntries();
  const env: Record<string, string> = Object.fromEntries(
    start.map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]),
  );
  const [first, second] = Object.keys(env);
  if (first === undefined || second === undefined) throw new Error("needs two variables");
  env[first] = "changed=value";
  delete env[second];
  env["DENIT_TEST_ADDED"] = "é";
  const expected = start
    .filter((entry) => !entry.startsWith(`${second}=`))
    .map((entry) => entry.startsWith(`${first}=`) ? `${first}=changed=value` : entry);
  expected.push("DENIT_TEST_ADDED=é");
  deepEqual(exactEnvironment(env), expected);
});
