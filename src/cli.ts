/**
 * Command line and environment → {@link Config}. Options end at the first
 * non-option argument (`denit echo -v` runs `echo -v`); `--` is optional.
 * Every option has a `DENIT_*` twin; tini's and dumb-init's variables are
 * honoured too. Flags win over the environment.
 *
 * @module
 */

import { COMPAT, COMPAT_MODES, compatFromProgramName } from "./compat.ts";
import type { CompatMode } from "./compat.ts";
import { DenitError, describeError } from "./errors.ts";
import type { LogFormat } from "./log.ts";
import { parseSignal, signalName } from "./signals.ts";
import type { SignalName } from "./signals.ts";
import { isPresetName, PRESET_NAMES } from "./presets.ts";
import type { PresetName } from "./presets.ts";

export type { CompatMode };

/** A pre-stop command: argv form (JSON array) or shell form (`/bin/sh -c`). */
export interface PreStopCommand {
  argv: string[];
  /** The text the user gave, for logs. */
  text: string;
}

/** A plugin named on the command line, with the options given after `=` (a JSON object). */
export interface PluginSpec {
  /** The module's path, as given. */
  path: string;
  /** Options for a plugin whose export is a factory: `--plugin PATH={"key":1}`. */
  options?: Record<string, unknown>;
}

/** Everything denit was asked to do. */
export interface Config {
  /** The program and its arguments. */
  command: string[];
  compat: CompatMode;
  /** `-c`: no new session; signals go to the child only. */
  singleChild: boolean;
  /** `-g`: forward to the child's process group (tini's flag; the default outside tini mode). */
  processGroup: boolean;
  /** `-s`: become a child subreaper (done anyway when not PID 1). */
  subreaper: boolean;
  /** `-p`: signal denit gets when its parent dies. */
  parentDeathSignal: SignalName | null;
  /** `-r`: signal → replacement (`null` drops it), in the order given. */
  rewrites: Array<[SignalName, SignalName | null]>;
  /** `-e`: exit codes reported as 0. */
  remapExitCodes: number[];
  /** `-w`: log every reaped zombie at warn level. */
  warnOnReap: boolean;
  /** 0 error … 4 trace; default 1 (warn). */
  verbosity: number;
  logFormat: LogFormat;
  /** Grace for other processes after the main child exits. */
  drainTimeoutMs: number;
  /** Plugin modules, as given, with their options. */
  plugins: PluginSpec[];
  presets: PresetName[];
  preStop: PreStopCommand | null;
  preStopTimeoutMs: number;
  /**
   * The received signals that start a stop (pre-stop and stop timeout watch them); `null`:
   * not given, so the presets' stop signals (TERM, INT, QUIT), else SIGTERM alone.
   */
  stopSignals: SignalName[] | null;
  /** SIGKILL everything this long after the stop signal was forwarded. */
  stopTimeoutMs: number | null;
  /** `--services FILE`: run the file's services (PROGRAM, if any, becomes the main one). */
  services: string | null;
}

/** What the command line asks for. */
export type Invocation =
  | { kind: "run"; config: Config }
  | { kind: "help"; compat: CompatMode }
  | { kind: "version"; compat: CompatMode }
  | { kind: "license" };

function defaults(compat: CompatMode): Config {
  return {
    command: [],
    compat,
    singleChild: false,
    processGroup: false,
    subreaper: false,
    parentDeathSignal: null,
    rewrites: [],
    remapExitCodes: [],
    warnOnReap: false,
    verbosity: 1,
    logFormat: "text",
    drainTimeoutMs: 3000,
    plugins: [],
    presets: [],
    preStop: null,
    preStopTimeoutMs: 30_000,
    stopSignals: null,
    stopTimeoutMs: null,
    services: null,
  };
}

function bad(message: string): never {
  throw new DenitError(message);
}

/** A user's value inside a one-line message: escaped (no raw newlines) and cut if huge. */
export function quote(value: string): string {
  const shown = value.length > 200 ? `${value.slice(0, 200)}…` : value;
  const text = JSON.stringify(shown);
  return value.length > 200 ? `${text} (${value.length} characters)` : text;
}

/** Parse `on`-style booleans. tini treats any value, even `0`, as on; denit does not. */
function parseBoolean(name: string, value: string): boolean {
  const lower = value.trim().toLowerCase();
  if (["", "1", "true", "yes", "on"].includes(lower)) return true;
  if (["0", "false", "no", "off"].includes(lower)) return false;
  return bad(
    `Invalid value for ${name}: ${quote(value)} (expected 1/0, true/false, yes/no, on/off)`,
  );
}

/** Seconds (`2`, `0.5`) or with a unit (`500ms`, `2s`, `1m`) → milliseconds. */
export function parseDuration(name: string, value: string): number {
  const match = /^\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m)?\s*$/.exec(value);
  if (match === null) {
    return bad(
      `Invalid duration for ${name}: ${quote(value)} (expected seconds, such as 3 or 0.5s)`,
    );
  }
  const amount = Number(match[1]);
  const unit = match[2] ?? "s";
  const ms = unit === "ms" ? amount : unit === "m" ? amount * 60_000 : amount * 1000;
  if (!Number.isFinite(ms) || ms > 86_400_000) {
    return bad(`Invalid duration for ${name}: ${quote(value)} (at most 24 hours)`);
  }
  return Math.round(ms);
}

function parseSignalOption(name: string, value: string): number {
  const signo = parseSignal(value);
  if (signo === null) return bad(`Invalid value for ${name}: unknown signal ${quote(value)}`);
  return signo;
}

/**
 * Why a received signal can never reach the plugin chain (so can never be rewritten or start
 * a stop), or null when it can.
 */
export function neverReceived(signo: number): string | null {
  const name = signalName(signo);
  if (name === "SIGKILL" || name === "SIGSTOP") return "it cannot be caught";
  if (name === "SIGCHLD") return "it drives the reaper and is never forwarded";
  return null;
}

/** A signal that must reach the chain: known, and one denit receives. */
function parseReceivedSignal(name: string, value: string): SignalName {
  const signo = parseSignalOption(name, value);
  const why = neverReceived(signo);
  if (why !== null) {
    bad(`Invalid value for ${name}: ${signalName(signo)} can never trigger (${why})`);
  }
  return signalName(signo);
}

/** `S:R` with names or numbers; `R` may be `0` or `drop`. */
export function parseRewrite(
  value: string,
  name = "--rewrite",
): [SignalName, SignalName | null] {
  const parts = value.split(":");
  const where = value.trim() === ""
    ? `Invalid rewrite for ${name}`
    : `Invalid rewrite ${quote(value)}`;
  if (parts.length !== 2) {
    return bad(`${where}: expected FROM:TO, such as TERM:QUIT, 15:3 or USR1:drop`);
  }
  const [fromText, toText] = parts as [string, string];
  const from = parseSignal(fromText);
  if (from === null) return bad(`${where}: unknown signal ${quote(fromText.trim())}`);
  const why = neverReceived(from);
  if (why !== null) return bad(`${where}: ${signalName(from)} can never be rewritten (${why})`);
  const dropped = ["0", "drop"].includes(toText.trim().toLowerCase());
  const to = dropped ? 0 : parseSignal(toText);
  if (to === null) return bad(`${where}: unknown signal ${quote(toText.trim())}`);
  return [signalName(from), to === 0 ? null : signalName(to)];
}

function parseExitCode(name: string, value: string): number {
  const code = /^\s*[0-9]{1,3}\s*$/.test(value) ? Number(value) : NaN;
  if (!(code >= 0 && code <= 255)) {
    return bad(`Invalid exit code for ${name}: ${quote(value)} (expected 0 to 255)`);
  }
  return code;
}

/** One range everywhere: 0 error, 1 warn, 2 info, 3 debug, 4 trace. */
function parseVerbosity(name: string, value: string): number {
  if (!/^\s*[0-4]\s*$/.test(value)) {
    return bad(`Invalid verbosity for ${name}: ${quote(value)} (expected 0 to 4)`);
  }
  return Number(value);
}

/**
 * A command: a value that parses as a JSON array of strings is argv; anything else (even one
 * starting with `[`, such as `[ -f /x ] && sleep 1`) is a shell command for `/bin/sh -c`.
 */
export function parseCommandText(name: string, value: string): PreStopCommand {
  const text = value.trim();
  if (text === "") return bad(`Invalid command for ${name}: empty`);
  if (value.includes("\0")) return bad(`Invalid command for ${name}: it holds a NUL byte`);
  if (text.startsWith("[")) {
    let argv: unknown;
    try {
      argv = JSON.parse(text);
    } catch {
      argv = null; // not JSON: a shell command
    }
    if (
      Array.isArray(argv) && argv.length > 0 && argv.every((item) => typeof item === "string")
    ) {
      return { argv: argv as string[], text };
    }
  }
  return { argv: ["/bin/sh", "-c", text], text };
}

/** `PATH` or `PATH={"json":"options"}`: the options start at the first `={`. */
export function parsePluginSpec(name: string, value: string): PluginSpec {
  const at = value.indexOf("={");
  const path = at < 0 ? value : value.slice(0, at);
  if (path.trim() === "") return bad(`Invalid plugin path for ${name}: empty`);
  if (at < 0) return { path };
  let options: unknown;
  try {
    options = JSON.parse(value.slice(at + 1));
  } catch (error) {
    return bad(
      `Invalid options for plugin ${quote(path)}: ${
        describeError(error)
      } (expected a JSON object after "=")`,
    );
  }
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    return bad(`Invalid options for plugin ${quote(path)}: expected a JSON object after "="`);
  }
  return { path, options: options as Record<string, unknown> };
}

interface OptionSpec {
  short?: string;
  long: string;
  /** The option's environment twin. */
  env?: string;
  takesValue: boolean;
  apply(config: Config, value: string, source: string): void;
}

const OPTIONS: readonly OptionSpec[] = [
  {
    short: "c",
    long: "single-child",
    env: "DENIT_SINGLE_CHILD",
    takesValue: false,
    apply: (c, v, s) => c.singleChild = parseBoolean(s, v),
  },
  {
    short: "g",
    long: "process-group",
    env: "DENIT_PROCESS_GROUP",
    takesValue: false,
    apply: (c, v, s) => c.processGroup = parseBoolean(s, v),
  },
  {
    short: "s",
    long: "subreaper",
    env: "DENIT_SUBREAPER",
    takesValue: false,
    apply: (c, v, s) => c.subreaper = parseBoolean(s, v),
  },
  {
    short: "w",
    long: "warn-on-reap",
    env: "DENIT_WARN_ON_REAP",
    takesValue: false,
    apply: (c, v, s) => c.warnOnReap = parseBoolean(s, v),
  },
  {
    short: "v",
    long: "verbose",
    takesValue: false,
    apply: (c) => c.verbosity = Math.min(4, c.verbosity + 1),
  },
  {
    long: "verbosity",
    env: "DENIT_VERBOSITY",
    takesValue: true,
    apply: (c, v, s) => c.verbosity = parseVerbosity(s, v),
  },
  {
    short: "r",
    long: "rewrite",
    env: "DENIT_REWRITE",
    takesValue: true,
    apply: (c, v, s) => {
      const items = s.startsWith("DENIT_") ? v.split(/[\s,]+/).filter(Boolean) : [v];
      for (const item of items) c.rewrites.push(parseRewrite(item, s));
    },
  },
  {
    short: "e",
    long: "remap-exit",
    env: "DENIT_REMAP_EXIT",
    takesValue: true,
    apply: (c, v, s) => {
      const items = s.startsWith("DENIT_") ? v.split(/[\s,]+/).filter(Boolean) : [v];
      for (const item of items) c.remapExitCodes.push(parseExitCode(s, item));
    },
  },
  {
    short: "p",
    long: "parent-death-signal",
    env: "DENIT_PARENT_DEATH_SIGNAL",
    takesValue: true,
    apply: (c, v, s) => c.parentDeathSignal = signalName(parseSignalOption(s, v)),
  },
  {
    long: "compat",
    env: "DENIT_COMPAT",
    takesValue: true,
    apply: (c, v, s) => {
      const mode = COMPAT_MODES.find((name) => name === v);
      if (mode === undefined) {
        bad(`Invalid value for ${s}: ${quote(v)} (expected tini, dumb-init or denit)`);
      }
      c.compat = mode;
    },
  },
  {
    long: "drain-timeout",
    env: "DENIT_DRAIN_TIMEOUT",
    takesValue: true,
    apply: (c, v, s) => c.drainTimeoutMs = parseDuration(s, v),
  },
  {
    long: "log-format",
    env: "DENIT_LOG_FORMAT",
    takesValue: true,
    apply: (c, v, s) => {
      if (v !== "text" && v !== "json") {
        bad(`Invalid value for ${s}: ${quote(v)} (expected text or json)`);
      }
      c.logFormat = v;
    },
  },
  {
    long: "plugin",
    env: "DENIT_PLUGIN",
    takesValue: true,
    apply: (c, v, s) => {
      // The environment's list is colon-separated, so it carries paths only, no options.
      const items = s.startsWith("DENIT_") ? v.split(":").filter(Boolean) : [v];
      if (items.length === 0 || items.some((item) => item.trim() === "")) {
        bad(`Invalid plugin path for ${s}: empty`);
      }
      for (const item of items) {
        c.plugins.push(s.startsWith("DENIT_") ? { path: item } : parsePluginSpec(s, item));
      }
    },
  },
  {
    long: "preset",
    env: "DENIT_PRESET",
    takesValue: true,
    apply: (c, v, s) => {
      for (const item of v.split(/[\s,]+/).filter(Boolean)) {
        if (!isPresetName(item)) {
          bad(`Invalid value for ${s}: ${quote(item)} (expected ${PRESET_NAMES.join(" or ")})`);
        }
        if (!c.presets.includes(item)) c.presets.push(item);
      }
    },
  },
  {
    long: "pre-stop",
    env: "DENIT_PRE_STOP",
    takesValue: true,
    apply: (c, v, s) => c.preStop = parseCommandText(s, v),
  },
  {
    long: "pre-stop-timeout",
    env: "DENIT_PRE_STOP_TIMEOUT",
    takesValue: true,
    apply: (c, v, s) => c.preStopTimeoutMs = parseDuration(s, v),
  },
  {
    long: "stop-signal",
    env: "DENIT_STOP_SIGNAL",
    takesValue: true,
    apply: (c, v, s) => {
      c.stopSignals ??= [];
      for (const item of v.split(/[\s,]+/).filter(Boolean)) {
        const signal = parseReceivedSignal(s, item);
        if (!c.stopSignals.includes(signal)) c.stopSignals.push(signal);
      }
      if (c.stopSignals.length === 0) bad(`Invalid value for ${s}: empty`);
    },
  },
  {
    long: "stop-timeout",
    env: "DENIT_STOP_TIMEOUT",
    takesValue: true,
    apply: (c, v, s) => c.stopTimeoutMs = parseDuration(s, v),
  },
  {
    long: "services",
    env: "DENIT_SERVICES",
    takesValue: true,
    apply: (c, v, s) => {
      if (v.trim() === "") bad(`Invalid services file for ${s}: empty`);
      c.services = v;
    },
  },
];

/** Variables of the anchors that denit honours, applied before `DENIT_*` ones. */
function applyAnchorEnvironment(config: Config, env: Readonly<Record<string, string>>): void {
  const tiniSubreaper = env["TINI_SUBREAPER"];
  if (tiniSubreaper !== undefined) {
    config.subreaper = parseBoolean("TINI_SUBREAPER", tiniSubreaper);
  }
  const tiniGroup = env["TINI_KILL_PROCESS_GROUP"];
  if (tiniGroup !== undefined) {
    config.processGroup = parseBoolean("TINI_KILL_PROCESS_GROUP", tiniGroup);
  }
  const tiniVerbosity = env["TINI_VERBOSITY"];
  if (tiniVerbosity !== undefined) {
    config.verbosity = parseVerbosity("TINI_VERBOSITY", tiniVerbosity);
  }
  // dumb-init reacts only to these exact values.
  if (env["DUMB_INIT_SETSID"] === "0") config.singleChild = true;
  if (env["DUMB_INIT_DEBUG"] === "1") config.verbosity = Math.max(config.verbosity, 3);
}

/** Edit distance between two short strings (insertions, deletions, substitutions, swaps). */
function distance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      }
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

/** The error for an unknown long option, with the closest known one when it looks misspelt. */
function unknownLongOption(name: string): string {
  const known = [...OPTIONS.map((option) => option.long), "help", "version", "license"];
  let closest: string | null = null;
  let best = Infinity;
  for (const candidate of known) {
    const d = distance(name.toLowerCase(), candidate);
    if (d < best) [closest, best] = [candidate, d];
  }
  const limit = Math.max(1, Math.min(3, Math.floor(name.length / 4)));
  const hint = closest !== null && best <= limit ? `: did you mean --${closest}?` : "";
  return `Unknown option ${quote(`--${name}`)}${hint} (see denit --help)`;
}

function findShort(letter: string): OptionSpec | undefined {
  return OPTIONS.find((option) => option.short === letter);
}

/**
 * Parse denit's arguments (without the program name) and environment.
 * Throws {@link DenitError} (exit 125) with a one-line message on bad input.
 */
export function parseCommandLine(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  invokedAs?: string,
): Invocation {
  const config = defaults(compatFromProgramName(invokedAs));
  // A bad variable must not stop --help or --version from answering: keep its error for later.
  let environmentError: unknown = null;
  try {
    applyAnchorEnvironment(config, env);
    for (const option of OPTIONS) {
      const value = option.env === undefined ? undefined : env[option.env];
      if (value !== undefined) option.apply(config, value, option.env!);
    }
  } catch (error) {
    environmentError = error;
  }
  // `--stop-signal` on the command line replaces the environment's list, it does not add.
  const stopSignalsFromEnvironment = config.stopSignals;
  config.stopSignals = null;

  let index = 0;
  let wantsHelp = false;
  let wantsVersion = false;
  let wantsLicense = false;
  while (index < args.length) {
    const arg = args[index]!;
    if (arg === "--") {
      index++;
      break;
    }
    if (arg === "-" || !arg.startsWith("-")) break;
    index++;
    if (arg === "-h" || arg === "--help") {
      wantsHelp = true;
      continue;
    }
    if (arg === "-V" || arg === "--version") {
      wantsVersion = true;
      continue;
    }
    if (arg === "-l" || arg === "--license") {
      wantsLicense = true;
      continue;
    }
    if (arg.startsWith("--")) {
      const equals = arg.indexOf("=");
      const name = equals < 0 ? arg.slice(2) : arg.slice(2, equals);
      const option = OPTIONS.find((candidate) => candidate.long === name);
      if (option === undefined) bad(unknownLongOption(name));
      if (!option.takesValue) {
        if (equals >= 0) bad(`Option ${quote(`--${name}`)} takes no value`);
        option.apply(config, "1", `--${name}`);
        continue;
      }
      let value: string | undefined;
      if (equals >= 0) value = arg.slice(equals + 1);
      else value = args[index++];
      if (value === undefined) bad(`Option ${quote(`--${name}`)} needs a value`);
      option.apply(config, value, `--${name}`);
      continue;
    }
    // A cluster of short options: -vvv, -cg, -r15:3, -r 15:3
    for (let position = 1; position < arg.length; position++) {
      const letter = arg[position]!;
      if (letter === "h") {
        wantsHelp = true;
        continue;
      }
      if (letter === "V") {
        wantsVersion = true;
        continue;
      }
      if (letter === "l") {
        wantsLicense = true;
        continue;
      }
      const option = findShort(letter);
      if (option === undefined) bad(`Unknown option ${quote(`-${letter}`)} (see denit --help)`);
      if (!option.takesValue) {
        option.apply(config, "1", `-${letter}`);
        continue;
      }
      let value: string | undefined = arg.slice(position + 1);
      if (value === "") value = args[index++];
      if (value === undefined) bad(`Option "-${letter}" needs a value`);
      option.apply(config, value, `-${letter}`);
      break;
    }
  }

  if (wantsHelp) return { kind: "help", compat: config.compat };
  if (wantsVersion) return { kind: "version", compat: config.compat };
  if (wantsLicense) return { kind: "license" };
  if (environmentError !== null) throw environmentError;
  config.stopSignals ??= stopSignalsFromEnvironment;
  if (config.services !== null && !COMPAT[config.compat].services) {
    bad(`Cannot run services in --compat ${config.compat} mode`);
  }
  config.command = args.slice(index);
  if (config.command.length === 0 && config.services === null) {
    bad("Missing program to run (see denit --help)");
  }
  if (config.command[0] === "") bad("Invalid program name: empty");
  return { kind: "run", config };
}
