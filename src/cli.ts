/**
 * Command line and environment → {@link Config}. Options end at the first
 * non-option argument (`denit echo -v` runs `echo -v`); `--` is optional.
 * Every option has a `DENIT_*` twin; tini's and dumb-init's variables are
 * honoured too. Flags win over the environment.
 *
 * @module
 */

import { DenitError } from "./errors.ts";
import type { LogFormat } from "./log.ts";
import { parseSignal } from "./signals.ts";

/** Whose behaviour denit copies where the anchors differ. */
export type CompatMode = "denit" | "tini" | "dumb-init";

/** A pre-stop command: argv form (JSON array) or shell form (`/bin/sh -c`). */
export interface PreStopCommand {
  argv: string[];
  /** The text the user gave, for logs. */
  text: string;
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
  parentDeathSignal: number | null;
  /** `-r`: signal number → replacement (0 drops it), in the order given. */
  rewrites: Array<[number, number]>;
  /** `-e`: exit codes reported as 0. */
  remapExitCodes: number[];
  /** `-w`: log every reaped zombie at warn level. */
  warnOnReap: boolean;
  /** 0 error … 4 trace; default 1 (warn). */
  verbosity: number;
  logFormat: LogFormat;
  /** Grace for other processes after the main child exits. */
  drainTimeoutMs: number;
  /** Plugin module paths, as given. */
  plugins: string[];
  presets: string[];
  preStop: PreStopCommand | null;
  preStopTimeoutMs: number;
  /** The signal that starts a stop (pre-stop and stop timeout watch it). */
  stopSignal: number;
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

const PRESETS = ["nginx", "php-fpm"];

/** The compat mode implied by the name denit was started under (`tini`, `docker-init`…). */
export function compatFromProgramName(argv0: string | undefined): CompatMode {
  const base = (argv0 ?? "").split("/").pop() ?? "";
  if (base === "tini" || base === "docker-init" || base.startsWith("tini-")) return "tini";
  if (base === "dumb-init") return "dumb-init";
  return "denit";
}

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
    stopSignal: 15,
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
  if (signo === null) return bad(`Invalid signal for ${name}: ${quote(value)}`);
  return signo;
}

/** `S:R` with names or numbers; `R` may be `0` or `drop`. */
export function parseRewrite(value: string): [number, number] {
  const parts = value.split(":");
  const usage = `Invalid rewrite ${
    quote(value)
  }: expected FROM:TO, such as TERM:QUIT, 15:3 or USR1:drop`;
  if (parts.length !== 2) return bad(usage);
  const from = parseSignal(parts[0]!);
  const toText = parts[1]!.trim().toLowerCase();
  const to = toText === "0" || toText === "drop" ? 0 : parseSignal(parts[1]!);
  if (from === null || to === null || from === 9 || from === 19) return bad(usage);
  return [from, to];
}

function parseExitCode(name: string, value: string): number {
  const code = /^\s*[0-9]{1,3}\s*$/.test(value) ? Number(value) : NaN;
  if (!(code >= 0 && code <= 255)) {
    return bad(`Invalid exit code for ${name}: ${quote(value)} (expected 0 to 255)`);
  }
  return code;
}

function parseVerbosity(name: string, value: string): number {
  if (!/^\s*[0-9]{1,2}\s*$/.test(value)) {
    return bad(`Invalid verbosity for ${name}: ${quote(value)} (expected 0 to 4)`);
  }
  return Math.min(4, Number(value));
}

/** `["argv","form"]` or a shell command line. */
export function parseCommandText(name: string, value: string): PreStopCommand {
  const text = value.trim();
  if (text === "") return bad(`Invalid command for ${name}: empty`);
  if (text.startsWith("[")) {
    let argv: unknown;
    try {
      argv = JSON.parse(text);
    } catch {
      return bad(`Invalid command for ${name}: not a JSON array of strings`);
    }
    if (
      !Array.isArray(argv) || argv.length === 0 ||
      !argv.every((item) => typeof item === "string" && !item.includes("\0"))
    ) {
      return bad(`Invalid command for ${name}: not a JSON array of strings`);
    }
    return { argv: argv as string[], text };
  }
  return { argv: ["/bin/sh", "-c", text], text };
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
      for (const item of items) c.rewrites.push(parseRewrite(item));
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
    apply: (c, v, s) => c.parentDeathSignal = parseSignalOption(s, v),
  },
  {
    long: "compat",
    env: "DENIT_COMPAT",
    takesValue: true,
    apply: (c, v, s) => {
      if (v !== "tini" && v !== "dumb-init" && v !== "denit") {
        bad(`Invalid value for ${s}: ${quote(v)} (expected tini, dumb-init or denit)`);
      }
      c.compat = v;
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
      const items = s.startsWith("DENIT_") ? v.split(":").filter(Boolean) : [v];
      if (items.length === 0 || items.some((item) => item.trim() === "")) {
        bad(`Invalid plugin path for ${s}: empty`);
      }
      c.plugins.push(...items);
    },
  },
  {
    long: "preset",
    env: "DENIT_PRESET",
    takesValue: true,
    apply: (c, v, s) => {
      for (const item of v.split(/[\s,]+/).filter(Boolean)) {
        if (!PRESETS.includes(item)) {
          bad(`Invalid value for ${s}: ${quote(item)} (expected ${PRESETS.join(" or ")})`);
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
    apply: (c, v, s) => c.stopSignal = parseSignalOption(s, v),
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
  applyAnchorEnvironment(config, env);
  for (const option of OPTIONS) {
    const value = option.env === undefined ? undefined : env[option.env];
    if (value !== undefined) option.apply(config, value, option.env!);
  }

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
      if (option === undefined) bad(`Unknown option ${quote(`--${name}`)} (see denit --help)`);
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
  config.command = args.slice(index);
  if (config.command.length === 0 && config.services === null) {
    bad("Missing program to run (see denit --help)");
  }
  if (config.command[0] === "") bad("Invalid program name: empty");
  return { kind: "run", config };
}
