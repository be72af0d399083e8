/**
 * The terminal hand-off under a pseudo-terminal (`script` gives the command a
 * pty as its controlling terminal): the child owns the terminal's foreground
 * process group, so shells run under denit have job control.
 */
import { equal, match, ok } from "node:assert/strict";
import { asPid1, denitArgv, DENO, ROOT } from "./_helpers/denit.ts";
import { fixture } from "./_helpers/fixtures.ts";
import { underPty } from "./_helpers/pty.ts";

function probeFields(text: string): Record<string, number> {
  const line = text.split("\n").find((l) => l.startsWith("pid="));
  ok(line, `no probe output in ${JSON.stringify(text)}`);
  return Object.fromEntries(
    line.split(" ").map((kv) => kv.split("=")).map(([k, v]) => [k!, Number(v)]),
  );
}

Deno.test("with a terminal, the child is its foreground process group (PID 1 and not)", async () => {
  const probe = await fixture("tty_probe");
  for (const argv of [asPid1(denitArgv([probe])), denitArgv([probe])]) {
    const fields = probeFields(await underPty(argv));
    equal(fields.pgid, fields.pid, "the child leads its own process group");
    equal(fields.fg, fields.pgid, "the child's group is the terminal's foreground group");
    equal(fields.ctty, 1);
  }
});

Deno.test("--compat tini also hands the terminal to the child's group", async () => {
  const probe = await fixture("tty_probe");
  const fields = probeFields(await underPty(asPid1(denitArgv(["--compat", "tini", probe]))));
  equal(fields.fg, fields.pgid);
});

Deno.test("--compat dumb-init gives the child its own session that owns the terminal", async () => {
  const probe = await fixture("tty_probe");
  // underPty() makes denit the session leader, as a container runtime starts PID 1; only a
  // session leader can give the terminal up for the child's new session (dumb-init too).
  const text = await underPty(denitArgv(["--compat", "dumb-init", "-v", probe]));
  const fields = probeFields(text);
  equal(fields.sid, fields.pid, "the child leads a new session");
  equal(fields.fg, fields.pid, "and that session owns the terminal");
});

Deno.test("--compat dumb-init forwards a SIGHUP that comes after the terminal hand-off", async () => {
  // The hand-off's own SIGHUP and SIGCONT (denit gave the terminal up as session leader) are
  // not the child's; the next SIGHUP is, and it ends this child. It is sent once denit has read
  // the hand-off's (no SIGHUP pending in /proc/PID/status): the kernel would merge the two.
  const script = 'trap "echo GOT-HUP; exit 0" HUP; ' +
    'while [ $(( 0x$(sed -n "s/^ShdPnd:\\s*//p" /proc/$PPID/status) & 1 )) -ne 0 ]; ' +
    "do sleep 0.01; done; kill -HUP $PPID; while :; do sleep 0.05; done";
  const text = await underPty(denitArgv(["--compat", "dumb-init", "sh", "-c", script]), 10_000);
  match(text, /^GOT-HUP$/m);
});

Deno.test("an interactive shell under denit has job control", async () => {
  const text = await underPty(
    denitArgv(["bash", "--norc", "-ic", "sleep 0.1 & jobs; wait; echo done"]),
  );
  match(text, /\[1\]\+?\s+Running\s+sleep 0\.1/);
  match(text, /^done$/m);
  ok(!text.includes("no job control"), text);
});

Deno.test("without addtcsetpgrp_np (glibc < 2.35) denit still hands the terminal to the child", async () => {
  const probe = await fixture("tty_probe");
  const fallback = `${ROOT}/tests/fixtures/spawn_tty_fallback.ts`;
  const text = await underPty([DENO, "run", "-q", "-A", "--no-lock", fallback, probe]);
  const fields = probeFields(text);
  equal(fields.pgid, fields.pid, "the child leads its own process group");
  equal(fields.fg, fields.pgid, "the child's group is the terminal's foreground group");
  match(text, /status=0\n/);
});
