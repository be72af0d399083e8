/** `-p SIGNAL`: when denit's parent dies, denit gets SIGNAL and forwards it (tini's -p). */
import { deepEqual } from "node:assert/strict";
import { denitArgv } from "./_helpers/denit.ts";
import { fixture } from "./_helpers/fixtures.ts";
import { descendantsOf, killIfAlive } from "./_helpers/process.ts";

Deno.test("denit -p SIGUSR2 forwards SIGUSR2 to the child when its parent dies", async () => {
  const printSignals = await fixture("print_signals");
  const denit = denitArgv(["-p", "SIGUSR2", printSignals, "12"])
    .map((arg) => `'${arg.replaceAll("'", `'\\''`)}'`).join(" ");
  // The parent shell starts denit, says its pid and waits; the test kills the parent once the
  // child has said "ready" (after it blocked its signals, so the forwarded SIGUSR2 is kept).
  const parent = new Deno.Command("sh", {
    args: ["-c", `${denit} & echo "denit $!"; wait`],
    stdout: "piped",
  }).spawn();
  let denitPid = 0;
  // If denit never forwards, nothing else would end it: kill it and its child by pid.
  const guard = setTimeout(() => {
    for (const pid of [...descendantsOf(denitPid), denitPid]) killIfAlive(pid);
  }, 15_000);
  const decoder = new TextDecoder();
  let text = "";
  let killed = false;
  try {
    // stdout closes once denit and its child, which share it, have exited.
    for await (const chunk of parent.stdout) {
      text += decoder.decode(chunk, { stream: true });
      denitPid ||= Number(/^denit (\d+)$/m.exec(text)?.[1] ?? 0);
      if (!killed && /^ready/m.test(text)) {
        killed = true;
        parent.kill("SIGKILL");
      }
    }
    await parent.status;
  } finally {
    clearTimeout(guard);
  }
  const lines = text.trim().split("\n").filter((line) => !line.startsWith("denit "));
  deepEqual(lines.slice(1), ["12"]);
});
