/**
 * Plugins run in PID 1 and must not end or freeze it: Deno.exit, process.exit
 * and close() from a hook fail like a throw (logged, skipped, the signal still
 * forwarded); a plugin cannot replace them; an `unload` listener cannot hold
 * denit's exit; a verdict that cannot be printed is logged safely and the
 * decision before it stands. As PID 1 and not.
 */
import { equal, match } from "node:assert/strict";
import { MOD, MODES, startDenit } from "./_helpers/denit.ts";
import { fixture } from "./_helpers/fixtures.ts";
import { sleep } from "./_helpers/async.ts";
import { killIfAlive } from "./_helpers/process.ts";

/** One plugin module in a fresh directory; removed on dispose. */
async function pluginFile(body: string): Promise<{ path: string } & AsyncDisposable> {
  const dir = await Deno.makeTempDir({ prefix: "denit-contain-" });
  const path = `${dir}/plugin.ts`;
  await Deno.writeTextFile(path, `import { definePlugin } from "${MOD}";\n${body}\n`);
  return { path, [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }) };
}

/** Run print_signals (exits 0 on SIGTERM) under denit with the plugin; send SIGTERM. */
async function termThrough(body: string, pid1: boolean): Promise<{ code: number; stderr: string }> {
  await using plugin = await pluginFile(body);
  const printSignals = await fixture("print_signals");
  await using denit = startDenit(["--plugin", plugin.path, printSignals, "15"], { pid1 });
  const ready = await denit.stdout.waitForLine(/^ready/);
  await denit.signal("SIGTERM");
  // A denit that exited early (not as PID 1) leaves the child outside its tree, holding the
  // output open: end it once denit is gone (or after a hang guard), then collect the output.
  // As PID 1 the pid is the namespace's own, and the namespace dies with denit.
  await Promise.race([denit.process.status, sleep(15_000)]);
  if (!pid1) killIfAlive(Number(ready.split(" ")[1]));
  const result = await denit.exit(5_000);
  equal(denit.stdout.lines.at(-1), "15", `the child got SIGTERM: ${result.stderr}`);
  return result;
}

const onSignal = (code: string) =>
  `export default definePlugin({ name: "p", onSignal(e) { ${code} } });`;

for (const { pid1, label } of MODES) {
  Deno.test(`Deno.exit(), process.exit() and close() in a hook are contained, ${label}`, async () => {
    for (
      const [call, shown] of [
        ["Deno.exit(3);", "Deno.exit()"],
        ['(await import("node:process")).default.exit(3);', "process.exit()"],
        ["globalThis.close();", "close()"],
      ] as const
    ) {
      const body = `export default definePlugin({ name: "p", async onSignal() { ${call} } });`;
      const result = await termThrough(body, pid1);
      equal(result.code, 0, result.stderr);
      match(
        result.stderr,
        new RegExp(`Plugin "p" failed in onSignal: .*${shown.replace(/[().]/g, "\\$&")}`),
      );
    }
  });

  Deno.test(`a plugin cannot replace Deno.exit, nor hold the exit with an unload listener, ${label}`, async () => {
    const replaced = await termThrough(onSignal("Deno.exit = () => {};"), pid1);
    equal(replaced.code, 0, replaced.stderr);
    match(replaced.stderr, /Plugin "p" failed in onSignal/);
    const unload = await termThrough(
      `addEventListener("unload", () => { for (;;); });\n` + onSignal(""),
      pid1,
    );
    equal(unload.code, 0, unload.stderr);
  });

  Deno.test(`onSignal verdicts that cannot be printed are logged and SIGTERM still goes, ${label}`, async () => {
    for (
      const verdict of [
        "{ signal: Symbol() }",
        "{ target: Symbol() }",
        "{ signal: Object.create(null) }",
        "{ get signal() { throw Symbol(); } }",
        "new Proxy({}, { get() { throw Object.create(null); } })",
      ]
    ) {
      const result = await termThrough(onSignal(`return ${verdict};`), pid1);
      equal(result.code, 0, `${verdict}: ${result.stderr}`);
      match(result.stderr, /Plugin "p" failed in onSignal/, verdict);
    }
  });
}
