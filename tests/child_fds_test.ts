/**
 * The fds the child and a plugin's helpers inherit: exactly denit's own (none
 * of Deno's epoll, eventfd, signalfd or cache files).
 */
import { deepEqual, equal } from "node:assert/strict";
import { startDenit } from "./_helpers/denit.ts";
import { fixture } from "./_helpers/fixtures.ts";
import { inheritableFds } from "./_helpers/process.ts";

/** fds 0, 1, 2, whatever this test process leaks to its children, and `extra`. */
function expectedFds(...extra: number[]): number[] {
  return [...new Set([0, 1, 2, ...inheritableFds(), ...extra])].sort((a, b) => a - b);
}

function sortedFds(table: Map<number, string>): number[] {
  return [...table.keys()].sort((a, b) => a - b);
}

function fdTable(stdout: string): Map<number, string> {
  const table = new Map<number, string>();
  for (const line of stdout.split("\n")) {
    const space = line.indexOf(" ");
    if (space > 0) table.set(Number(line.slice(0, space)), line.slice(space + 1));
  }
  return table;
}

Deno.test("the child inherits fds 0, 1, 2 and an fd 7 passed to denit (and any fd denit inherited), none of Deno's own", async () => {
  const listFds = await fixture("list_fds");
  // The wrapper shell opens fd 7 and execs Deno, which becomes PID 1 holding it.
  await using denit = startDenit([listFds], {
    wrapper: ["sh", "-c", 'exec "$@" 7</etc/hostname', "sh"],
  });
  const result = await denit.exit(15_000);
  equal(result.code, 0, result.stderr);
  const fds = fdTable(result.stdout);
  deepEqual(sortedFds(fds), expectedFds(7), result.stdout);
  equal(fds.get(7), "/etc/hostname");
});

Deno.test("the child inherits only fds 0, 1, 2 and those denit inherited", async () => {
  const listFds = await fixture("list_fds");
  await using denit = startDenit([listFds]);
  const result = await denit.exit(15_000);
  equal(result.code, 0, result.stderr);
  deepEqual(sortedFds(fdTable(result.stdout)), expectedFds(), result.stdout);
});

Deno.test("a plugin's helper process inherits only fds 0, 1, 2 and those denit inherited", async () => {
  const listFds = await fixture("list_fds");
  const dir = await Deno.makeTempDir({ prefix: "denit-hardening-" });
  try {
    const out = `${dir}/helper_fds`;
    const plugin = `${dir}/helper_plugin.ts`;
    await Deno.writeTextFile(
      plugin,
      `export default { name: "fds", async setup(_launch, ctx) {\n` +
        `  await ctx.run(["/bin/sh", "-c", ${JSON.stringify(`exec ${listFds} > ${out}`)}]);\n` +
        `} };\n`,
    );
    await using denit = startDenit(["--plugin", plugin, "true"]);
    const result = await denit.exit(15_000);
    equal(result.code, 0, result.stderr);
    const fds = fdTable(await Deno.readTextFile(out));
    deepEqual(sortedFds(fds), expectedFds(), [...fds].join("; "));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
