/**
 * What tests need from the machine: C fixtures compiled at test time into
 * `tests/.build/`, and the Debian packages some tests need.
 *
 * @module
 */

import { ROOT } from "./denit.ts";

const BUILD = `${ROOT}/tests/.build`;

/**
 * Compile `tests/fixtures/<name>.c` (once per content) and return the binary's path.
 */
export async function fixture(name: string, extraFlags: string[] = []): Promise<string> {
  const source = `${ROOT}/tests/fixtures/${name}.c`;
  const text = await Deno.readTextFile(source);
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text + extraFlags.join(" "))),
  );
  const tag = Array.from(digest.slice(0, 6), (b) => b.toString(16).padStart(2, "0")).join("");
  const binary = `${BUILD}/${name}-${tag}`;
  try {
    await Deno.stat(binary);
    return binary;
  } catch {
    // not built yet
  }
  await Deno.mkdir(BUILD, { recursive: true });
  const temporary = `${binary}.${crypto.randomUUID()}`;
  const gcc = await new Deno.Command("gcc", {
    args: ["-O2", "-Wall", "-o", temporary, source, ...extraFlags],
    stderr: "piped",
  }).output();
  if (!gcc.success) throw new Error(`gcc ${name}: ${new TextDecoder().decode(gcc.stderr)}`);
  await Deno.rename(temporary, binary); // atomic: parallel test files may race here
  return binary;
}

/**
 * Whether every path a test needs exists (the programs of a Debian package; `deno task test`
 * installs them first when it can, see scripts/test_setup.ts). When one is missing the test is
 * to be ignored, except under `CI=true`, where this throws: there a test never silently
 * disappears for a missing package, the file fails.
 */
export async function installed(
  pkg: string,
  paths: readonly string[],
  env: { CI?: string | undefined } = { CI: Deno.env.get("CI") },
): Promise<boolean> {
  for (const path of paths) {
    const found = await Deno.stat(path).then(() => true, () => false);
    if (found) continue;
    if (env.CI === "true") {
      throw new Error(`${path} is missing: install the Debian package ${pkg} (CI=true)`);
    }
    return false;
  }
  return true;
}
