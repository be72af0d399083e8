/** `-p SIGNAL`: when denit's parent dies, denit gets SIGNAL and forwards it (tini's -p). */
import { deepEqual } from "node:assert/strict";
import { denitArgv } from "./_helpers/denit.ts";
import { fixture } from "./_helpers/fixtures.ts";

Deno.test("denit -p SIGUSR2 forwards SIGUSR2 to the child when its parent dies", async () => {
  const printSignals = await fixture("print_signals");
  const dir = await Deno.makeTempDir();
  try {
    const marker = `${dir}/child-started`;
    const denit = denitArgv([
      "-p",
      "SIGUSR2",
      "sh",
      "-c",
      `touch ${marker}; exec ${printSignals} 12`,
    ])
      .map((arg) => `'${arg.replaceAll("'", `'\\''`)}'`).join(" ");
    // The parent starts denit, waits until its child runs, then exits.
    const parent = `${denit} & while [ ! -e ${marker} ]; do sleep 0.02; done; exit 0`;
    const output = await new Deno.Command("sh", {
      args: ["-c", parent],
      stdout: "piped",
      signal: AbortSignal.timeout(20_000),
    }).output();
    // stdout closes once denit and its child, which share it, have exited.
    const lines = new TextDecoder().decode(output.stdout).trim().split("\n");
    deepEqual(lines.slice(1), ["12"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
