/**
 * Bad input, fuzzed: thousands of random command lines and environments go
 * through the CLI parser in-process; a sample runs as real denit processes.
 * Random plugin shapes go through validatePlugin. Seeded, so a failure names
 * the seed and case that reproduce it.
 */
import { equal, fail, ok } from "node:assert/strict";
import { parseCommandLine } from "../src/cli.ts";
import { DenitError } from "../src/errors.ts";
import { validatePlugin } from "../src/plugin/define.ts";
import { runDenit } from "./_helpers/denit.ts";

const SEED = Number(Deno.env.get("DENIT_FUZZ_SEED") ?? 20261122);
const CLI_CASES = 5000;
const PROCESS_CASES = 50;
const PLUGIN_CASES = 5000;

/** mulberry32: small, seeded, good enough to pick cases. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FLAGS = [
  "-c",
  "-g",
  "-s",
  "-w",
  "-v",
  "-vvv",
  "-r",
  "-e",
  "-p",
  "-h",
  "-V",
  "-l",
  "-x",
  "-",
  "--",
  "--single-child",
  "--process-group",
  "--subreaper",
  "--warn-on-reap",
  "--verbose",
  "--verbosity",
  "--rewrite",
  "--remap-exit",
  "--parent-death-signal",
  "--compat",
  "--drain-timeout",
  "--log-format",
  "--plugin",
  "--preset",
  "--pre-stop",
  "--pre-stop-timeout",
  "--stop-signal",
  "--stop-timeout",
  "--help",
  "--version",
  "--license",
  "--nope",
  "---",
  "--=",
  "--verbose=1",
  "--compat=",
  "-cg",
  "-r15:3",
  "-e999",
  "-p0",
  "-vq",
]; // deno-fmt-ignore
const ENV_KEYS = [
  "DENIT_SINGLE_CHILD", "DENIT_PROCESS_GROUP", "DENIT_SUBREAPER", "DENIT_WARN_ON_REAP",
  "DENIT_VERBOSITY", "DENIT_REWRITE", "DENIT_REMAP_EXIT", "DENIT_PARENT_DEATH_SIGNAL",
  "DENIT_COMPAT", "DENIT_DRAIN_TIMEOUT", "DENIT_LOG_FORMAT", "DENIT_PLUGIN", "DENIT_PRESET",
  "DENIT_PRE_STOP", "DENIT_PRE_STOP_TIMEOUT", "DENIT_STOP_SIGNAL", "DENIT_STOP_TIMEOUT",
  "TINI_SUBREAPER", "TINI_KILL_PROCESS_GROUP", "TINI_VERBOSITY", "DUMB_INIT_SETSID",
  "DUMB_INIT_DEBUG",
]; // deno-fmt-ignore
const VALUES = [
  "", " ", "0", "1", "-1", "15", "64", "65", "255", "256", "999", "1e3", "0x10", "NaN",
  "Infinity", "9".repeat(40), "TERM", "SIGTERM", "sigterm", "SIGFOO", "KILL", "STOP",
  "RTMIN", "RTMIN+3", "RTMIN+99", "SIGRTMAX-1", "RTMAX+1", "TERM:QUIT", "15:3", "9:1",
  "USR1:drop", "::", "a:b:c", ":", "TERM:", "tini", "dumb-init", "denit", "TINI", "json",
  "text", "yes", "no", "off", "maybe", "0.5", "500ms", "2s", "1m", "25h", "86401", "1.5.2",
  "nginx", "php-fpm", "apache", "nginx,php-fpm", '["sleep","1"]', "[", "[]", "[1]",
  '["a\\u0000b"]', "sleep 5", "x=y", "==", "--", "-", "é", "日本", "🚀", "\u200b", "\t",
  "a".repeat(5000),
]; // deno-fmt-ignore
/** Values that cannot travel in argv or environ (so not for the process sample). */
const IN_PROCESS_ONLY = ["a\nb", "\n", "x\r\ny", "nul\0byte"];

interface Case {
  args: string[];
  env: Record<string, string>;
}

function makeCase(next: () => number, withOdd: boolean): Case {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const values = withOdd ? [...VALUES, ...IN_PROCESS_ONLY] : VALUES;
  const randomText = () => {
    const length = Math.floor(next() * 12);
    let text = "";
    for (let i = 0; i < length; i++) {
      const roll = next();
      text += roll < 0.7
        ? String.fromCharCode(32 + Math.floor(next() * 95))
        : roll < 0.9
        ? String.fromCodePoint(0xa0 + Math.floor(next() * 0x2000))
        : String.fromCodePoint(0x1f300 + Math.floor(next() * 0x200));
    }
    return text;
  };
  const args: string[] = [];
  const count = Math.floor(next() * 6);
  for (let i = 0; i < count; i++) {
    const roll = next();
    if (roll < 0.5) args.push(pick(FLAGS));
    else if (roll < 0.85) args.push(pick(values));
    else args.push(randomText());
  }
  // Half the cases end with a program, so parsing reaches the end.
  if (next() < 0.5) args.push("true");
  const env: Record<string, string> = {};
  const envCount = Math.floor(next() * 3);
  for (let i = 0; i < envCount; i++) {
    env[pick(ENV_KEYS)] = next() < 0.8 ? pick(values) : randomText();
  }
  return { args, env };
}

type Outcome = { kind: "ok" } | { kind: "usage"; message: string };

/** The property: an Invocation, or DenitError 125 with one line naming something given. */
function check(testCase: Case, where: string): Outcome {
  let invocation;
  try {
    invocation = parseCommandLine(testCase.args, testCase.env);
  } catch (error) {
    if (!(error instanceof DenitError)) {
      fail(`${where}: threw ${String(error)} for ${JSON.stringify(testCase)}`);
    }
    equal(error.exitCode, 125, where);
    ok(
      !/[\r\n]/.test(error.message),
      `${where}: message is not one line: ${JSON.stringify(error.message)}`,
    );
    const given = [...testCase.args, ...Object.keys(testCase.env), ...Object.values(testCase.env)];
    // Env lists are split into items, so a quoted part may be a piece of one value, and a
    // short option is named alone ("-q" from "-vq").
    // Values are quoted as JSON strings (escaped), and those over 200 characters are cut
    // and end in "…" (quote() in src/cli.ts).
    const quoted = [...error.message.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((match) => {
      let text = match[1]!;
      try {
        text = JSON.parse(`"${text}"`);
      } catch {
        // not a JSON string: keep it as it is
      }
      return text.replace(/…$/, "");
    });
    const options = [...error.message.matchAll(/(?:^|\s)(--?[a-z-]+|[A-Z_]{4,})/g)].map((m) =>
      m[1]!
    );
    const names = given.some((value) => value !== "" && error.message.includes(value)) ||
      quoted.some((part) =>
        part.trim() !== "" &&
        given.some((value) =>
          value.includes(part) ||
          (/^-[^-]$/.test(part) && value.startsWith("-") && value.includes(part[1]!))
        )
      ) ||
      options.some((name) => given.some((value) => value.startsWith(name))) ||
      /^Missing program to run|^Invalid program name: empty/.test(error.message);
    ok(
      names,
      `${where}: message names nothing given: ${error.message} for ${JSON.stringify(testCase)}`,
    );
    return { kind: "usage", message: error.message };
  }
  ok(["run", "help", "version", "license"].includes(invocation.kind), where);
  if (invocation.kind === "run") {
    ok(invocation.config.command.length > 0 && invocation.config.command[0] !== "", where);
  }
  return { kind: "ok" };
}

Deno.test(`the CLI parser returns an Invocation or a one-line DenitError 125 for ${CLI_CASES} random command lines`, () => {
  const next = random(SEED);
  let usage = 0;
  for (let i = 0; i < CLI_CASES; i++) {
    if (check(makeCase(next, false), `seed ${SEED} case ${i}`).kind === "usage") usage++;
  }
  ok(usage > CLI_CASES / 10, `only ${usage} cases were rejected: the generator is too tame`);
});

Deno.test({
  // Was bug hardening #1 (a value with a newline was echoed raw); fixed by quote() in src/cli.ts.
  name: "the CLI parser's error for a value containing a newline is still one line",
  fn() {
    const next = random(SEED + 1);
    for (let i = 0; i < CLI_CASES; i++) check(makeCase(next, true), `seed ${SEED + 1} case ${i}`);
  },
});

Deno.test({
  // Was bug hardening #3 (the message named --compat, not the variable); fixed in src/cli.ts.
  name: "a bad DENIT_COMPAT value is reported under the variable's name",
  fn() {
    try {
      parseCommandLine(["true"], { DENIT_COMPAT: "bogus" });
      fail("accepted DENIT_COMPAT=bogus");
    } catch (error) {
      ok(error instanceof DenitError);
      ok(error.message.includes("DENIT_COMPAT"), error.message);
    }
  },
});

Deno.test(`${PROCESS_CASES} rejected command lines make real denit processes exit 125 with one stderr line`, async () => {
  const next = random(SEED + 2);
  const cases: Array<{ testCase: Case; message: string }> = [];
  while (cases.length < PROCESS_CASES) {
    const testCase = makeCase(next, false);
    const outcome = check(testCase, "process sample");
    // Only rejected lines: an accepted one would run its random program. "-" is left out:
    // as an argument it is a program name the parser accepts as such.
    if (outcome.kind === "usage") cases.push({ testCase, message: outcome.message });
  }
  const queue = [...cases];
  const worker = async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
      const { testCase, message } = item;
      const result = await runDenit(testCase.args, { env: testCase.env, timeoutMs: 15_000 });
      const where = JSON.stringify(testCase);
      equal(result.code, 125, `${where}: ${result.stderr}`);
      equal(result.stdout, "", where);
      const lines = result.stderr.split("\n").filter((line) => line !== "");
      equal(lines.length, 1, `${where}: ${result.stderr}`);
      ok(lines[0]!.includes(message), `${where}: ${lines[0]} lacks ${message}`);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
});

function randomShape(next: () => number, depth = 0): unknown {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const leaves: unknown[] = [
    undefined,
    null,
    0,
    -1,
    1.5,
    NaN,
    Infinity,
    10_000,
    "",
    "x",
    "pre",
    "normal",
    "post",
    "SIGTERM",
    true,
    false,
    10n,
    Symbol("s"),
    [],
    [1, 2],
    () => {},
    async () => {},
    function named() {},
    new Date(0),
    /re/,
    new Map(),
    Object.create(null),
  ]; // deno-fmt-ignore
  const keys = [
    "name", "order", "timeoutMs", "setup", "onSignal", "afterSignal", "onChildExit",
    "onOrphanReaped", "beforeExit", "handler", "extra", "__proto__", "constructor", "",
  ]; // deno-fmt-ignore
  if (depth > 2 || next() < 0.3) return pick(leaves);
  const object: Record<string, unknown> = {};
  const count = Math.floor(next() * 5);
  if (next() < 0.7) {
    object["name"] = next() < 0.8 ? pick(["p", "plugin one", "é🚀", " "]) : pick(leaves);
  }
  for (let i = 0; i < count; i++) {
    const key = pick(keys);
    Object.defineProperty(object, key, {
      value: next() < 0.5 ? pick(leaves) : randomShape(next, depth + 1),
      enumerable: true,
      configurable: true,
      writable: true,
    });
  }
  return object;
}

Deno.test(`validatePlugin returns hooks or throws a one-line TypeError for ${PLUGIN_CASES} random shapes`, () => {
  const next = random(SEED + 3);
  let rejected = 0;
  for (let i = 0; i < PLUGIN_CASES; i++) {
    const candidate = randomShape(next);
    try {
      const hooks = validatePlugin(candidate);
      ok(Array.isArray(hooks), `case ${i}`);
    } catch (error) {
      if (!(error instanceof TypeError)) fail(`case ${i}: threw ${String(error)}`);
      ok(!/[\r\n]/.test(error.message), `case ${i}: ${JSON.stringify(error.message)}`);
      rejected++;
    }
  }
  ok(rejected > PLUGIN_CASES / 10 && rejected < PLUGIN_CASES, `${rejected} rejected`);
});

Deno.test({
  // Was bug hardening #2 (a raw plugin name in the message); such names are now refused.
  name: "validatePlugin's error for a plugin name containing a newline is still one line",
  fn() {
    try {
      validatePlugin({ name: "two\nlines", bogus: 1 });
      fail("accepted an unknown key");
    } catch (error) {
      ok(error instanceof TypeError);
      ok(!/[\r\n]/.test(error.message), JSON.stringify(error.message));
    }
  },
});
