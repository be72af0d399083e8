/** The example plugins of the README's plugin guide do what they say. */
import { equal, match, ok } from "node:assert/strict";
import { ROOT, runDenit, startDenit } from "./_helpers/denit.ts";
import { sleep } from "./_helpers/async.ts";
import { fixture } from "./_helpers/fixtures.ts";
import { freePort } from "./_helpers/servers.ts";

const EXAMPLES = `${ROOT}/examples/plugins`;

Deno.test("examples/plugins/drain_then_quit.ts holds SIGTERM until connections close, then sends SIGQUIT", async () => {
  const port = freePort();
  const server = `
    const net = require("node:net");
    const server = net.createServer((socket) => socket.on("error", () => {}));
    process.on("SIGTERM", () => console.log("term"));
    process.on("SIGQUIT", () => { console.log("quit"); process.exit(0); });
    server.listen(${port}, "127.0.0.1", () => console.log("ready"));`;
  await using denit = startDenit(
    ["-v", "--plugin", `${EXAMPLES}/drain_then_quit.ts`, "node", "-e", server],
    { env: { DRAIN_PORT: String(port) } },
  );
  await denit.stdout.waitForLine("ready");
  const connection = await Deno.connect({ hostname: "127.0.0.1", port });
  await denit.signal("SIGTERM");
  await denit.stderr.waitForLine(/Draining port/);
  await sleep(300);
  ok(!denit.stdout.lines.includes("quit"), "SIGQUIT went out while a connection was open");
  connection.close();
  const result = await denit.exit();
  equal(result.code, 0, result.stderr);
  equal(denit.stdout.lines.join(","), "ready,quit");
});

Deno.test("examples/plugins/exit_code_policy.ts counts a requested stop and listed codes as success", async () => {
  const plugin = ["--plugin", `${EXAMPLES}/exit_code_policy.ts`];
  const env = { EXPECTED_EXIT_CODES: "3" };
  equal((await runDenit([...plugin, "sh", "-c", "kill -TERM $$"], { env })).code, 0);
  equal((await runDenit([...plugin, "sh", "-c", "exit 3"], { env })).code, 0);
  equal((await runDenit([...plugin, "sh", "-c", "exit 4"], { env })).code, 4);
  equal((await runDenit([...plugin, "sh", "-c", "kill -KILL $$"], { env })).code, 137);
});

Deno.test("examples/plugins/signal_audit.ts logs each signal's sender and outcome", async () => {
  const printSignals = await fixture("print_signals");
  await using denit = startDenit([
    "-v",
    "-r",
    "HUP:drop",
    "--plugin",
    `${EXAMPLES}/signal_audit.ts`,
    printSignals,
    "15",
  ]);
  await denit.stdout.waitForLine(/^ready/);
  await denit.signal("SIGHUP");
  await denit.signal("SIGUSR2");
  await denit.stdout.waitForLine("12");
  await denit.signal("SIGTERM");
  const result = await denit.exit();
  equal(result.code, 0);
  match(result.stderr, /SIGUSR2 from pid 0 \(kernel or outside this PID namespace\), uid 0/);
  match(result.stderr, /SIGHUP dropped plugin=signal-audit/);
  match(result.stderr, /SIGUSR2 sent as SIGUSR2 to the group plugin=signal-audit/);
});
