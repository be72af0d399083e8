import { deepEqual, equal, ok, throws } from "node:assert/strict";
import { parseCommandLine, parseDuration, parseRewrite } from "../src/cli.ts";
import { compatFromProgramName } from "../src/compat.ts";
import type { Config } from "../src/cli.ts";
import { DenitError } from "../src/errors.ts";

function config(args: string[], env: Record<string, string> = {}): Config {
  const invocation = parseCommandLine(args, env);
  if (invocation.kind !== "run") throw new Error(`expected run, got ${invocation.kind}`);
  return invocation.config;
}

function usageError(args: string[], env: Record<string, string> = {}): DenitError {
  let caught: unknown;
  try {
    parseCommandLine(args, env);
  } catch (error) {
    caught = error;
  }
  ok(caught instanceof DenitError, `expected a DenitError for ${JSON.stringify(args)}`);
  equal(caught.exitCode, 125);
  ok(!caught.message.includes("\n"), "one line");
  return caught;
}

Deno.test("parseCommandLine() stops at the first non-option", () => {
  deepEqual(config(["echo", "-v"]).command, ["echo", "-v"]);
  deepEqual(config(["-v", "--", "-x"]).command, ["-x"]);
  deepEqual(config(["-c", "--", "--", "a"]).command, ["--", "a"]);
});

Deno.test("parseCommandLine() reads short clusters and attached values", () => {
  const parsed = config(["-vvc", "-r15:3", "-r", "USR1:drop", "-e", "143", "sleep", "1"]);
  equal(parsed.verbosity, 3);
  equal(parsed.singleChild, true);
  deepEqual(parsed.rewrites, [["SIGTERM", "SIGQUIT"], ["SIGUSR1", null]]);
  deepEqual(parsed.remapExitCodes, [143]);
  deepEqual(parsed.command, ["sleep", "1"]);
});

Deno.test("parseCommandLine() reads long options with = and separate values", () => {
  const parsed = config([
    "--drain-timeout=1.5",
    "--log-format",
    "json",
    "--rewrite=TERM:QUIT",
    "x",
  ]);
  equal(parsed.drainTimeoutMs, 1500);
  equal(parsed.logFormat, "json");
  deepEqual(parsed.rewrites, [["SIGTERM", "SIGQUIT"]]);
});

Deno.test("parseCommandLine() answers help, version and licence", () => {
  equal(parseCommandLine(["-h"], {}).kind, "help");
  equal(parseCommandLine(["--version"], {}).kind, "version");
  equal(parseCommandLine(["-l"], {}).kind, "license");
});

Deno.test("parseCommandLine() rejects bad input with exit 125 and one line", () => {
  ok(usageError([]).message.includes("Missing program"));
  ok(usageError(["--bogus", "x"]).message.includes('"--bogus"'));
  ok(usageError(["-x", "y"]).message.includes('"-x"'));
  ok(usageError(["-r", "15", "x"]).message.includes('"15"'));
  ok(usageError(["-r", "TERM:NOPE", "x"]).message.includes("TERM:NOPE"));
  ok(usageError(["-r", "KILL:TERM", "x"]).message.includes("KILL:TERM"));
  ok(usageError(["-e", "256", "x"]).message.includes('"256"'));
  ok(usageError(["-e", "-1", "x"]).message.includes('"-1"'));
  ok(usageError(["--drain-timeout", "soon", "x"]).message.includes('"soon"'));
  ok(usageError(["--compat", "systemd", "x"]).message.includes('"systemd"'));
  ok(usageError(["-p", "SIGNOPE", "x"]).message.includes('"SIGNOPE"'));
  // Only a JSON array of strings is argv; anything else, [1,2] too, is a shell command.
  deepEqual(config(["--pre-stop", "[1,2]", "x"]).preStop?.argv, ["/bin/sh", "-c", "[1,2]"]);
  ok(usageError(["--rewrite"]).message.includes("needs a value"));
  ok(usageError(["--single-child=1", "x"]).message.includes("takes no value"));
});

Deno.test("parseCommandLine() honours env twins, flags winning", () => {
  const parsed = config(["-r", "TERM:INT", "x"], {
    DENIT_REWRITE: "TERM:QUIT, USR1:0",
    DENIT_SINGLE_CHILD: "yes",
    DENIT_DRAIN_TIMEOUT: "500ms",
    DENIT_PLUGIN: "/a.ts:/b.ts",
    DENIT_PRESET: "nginx",
  });
  deepEqual(parsed.rewrites, [["SIGTERM", "SIGQUIT"], ["SIGUSR1", null], ["SIGTERM", "SIGINT"]]);
  equal(parsed.singleChild, true);
  equal(parsed.drainTimeoutMs, 500);
  deepEqual(parsed.plugins, [{ path: "/a.ts" }, { path: "/b.ts" }]);
  deepEqual(parsed.presets, ["nginx"]);
  usageError(["x"], { DENIT_SINGLE_CHILD: "maybe" });
});

Deno.test("parseCommandLine() honours tini and dumb-init variables, =0 meaning off", () => {
  equal(config(["x"], { TINI_SUBREAPER: "" }).subreaper, true);
  equal(config(["x"], { TINI_SUBREAPER: "0" }).subreaper, false);
  equal(config(["x"], { TINI_KILL_PROCESS_GROUP: "1" }).processGroup, true);
  equal(config(["x"], { TINI_VERBOSITY: "3" }).verbosity, 3);
  equal(config(["x"], { DUMB_INIT_SETSID: "0" }).singleChild, true);
  equal(config(["x"], { DUMB_INIT_SETSID: "1" }).singleChild, false);
  equal(config(["x"], { DUMB_INIT_DEBUG: "1" }).verbosity, 3);
});

Deno.test("parseCommandLine() builds the pre-stop command in shell and argv forms", () => {
  deepEqual(config(["--pre-stop", "sleep 2", "x"]).preStop?.argv, ["/bin/sh", "-c", "sleep 2"]);
  deepEqual(config(["--pre-stop", '["sleep","2"]', "x"]).preStop?.argv, ["sleep", "2"]);
});

Deno.test("compatFromProgramName() picks tini for docker-init and tini", () => {
  equal(compatFromProgramName("/sbin/docker-init"), "tini");
  equal(compatFromProgramName("tini"), "tini");
  equal(compatFromProgramName("/usr/bin/dumb-init"), "dumb-init");
  equal(compatFromProgramName("deno"), "denit");
});

Deno.test("parseDuration() and parseRewrite() read units and names", () => {
  equal(parseDuration("x", "2"), 2000);
  equal(parseDuration("x", "250ms"), 250);
  equal(parseDuration("x", "1m"), 60_000);
  deepEqual(parseRewrite("sigterm:sigquit"), ["SIGTERM", "SIGQUIT"]);
  deepEqual(parseRewrite("RTMIN+1:drop"), ["SIGRTMIN+1", null]);
  throws(() => parseDuration("x", "1e9"));
});
