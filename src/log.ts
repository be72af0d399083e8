/**
 * The one logger. It writes to stderr only (the child owns stdout), one line
 * per event, synchronously so nothing is lost when denit exits right after.
 *
 * Text: `denit[1] WARN Cannot forward signal "SIGTERM" to pid 12: ESRCH plugin=x`
 * JSON: `{"ts":"…","mono":12.345,"source":"denit","level":"warn","event":"…","msg":"…",…}`
 *
 * A line is always one line: control characters in a message (a newline in a
 * program's name) are escaped. `source` tells denit's JSON lines apart from the
 * child's own on the same log stream.
 *
 * @module
 */

/** Severity, from the most to the least important. */
export type LogLevel = "error" | "warn" | "info" | "debug" | "trace";
/** Output format of the log. */
export type LogFormat = "text" | "json";
/** Extra fields of an event; `event` names it in the JSON log. */
export type LogFields = Record<string, string | number | boolean | null | undefined | string[]>;

/** The logger handed to denit's parts and, tagged with their name, to plugins. */
export interface Logger {
  /** Something failed: denit or a plugin could not do what it was asked. */
  error(message: string, fields?: LogFields): void;
  /** Something is wrong, but denit carries on (the default level shows it). */
  warn(message: string, fields?: LogFields): void;
  /** What happened: signals, the child, the stop (`-vv`, and JSON logs). */
  info(message: string, fields?: LogFields): void;
  /** Details for finding a problem (`-vvv`). */
  debug(message: string, fields?: LogFields): void;
  /** Everything (`-vvvv`). */
  trace(message: string, fields?: LogFields): void;
  /** Whether a message at `level` would be written. */
  enabled(level: LogLevel): boolean;
  /** A logger that adds `fields` to every line (for example `{ plugin: "nginx" }`). */
  with(fields: LogFields): Logger;
}

/** The tags that say who speaks, first on a text line. */
const TEXT_TAGS = ["plugin", "hook"];
/** The value of `source` in every JSON line. */
const LOG_SOURCE = "denit";

const LEVELS: readonly LogLevel[] = ["error", "warn", "info", "debug", "trace"];

/** The log level for a verbosity count: 0 error, 1 warn, 2 info, 3 debug, 4+ trace. */
export function levelForVerbosity(verbosity: number): LogLevel {
  const index = Math.max(0, Math.min(LEVELS.length - 1, Math.trunc(verbosity)));
  return LEVELS[index]!;
}

/** Where log lines go; tests may capture them. */
export type LogSink = (line: string) => void;

const encoder = new TextEncoder();

/** Writes a line to stderr, whole, ignoring a closed stderr (the log must never kill PID 1). */
export function writeStderr(line: string): void {
  let bytes = encoder.encode(line);
  try {
    while (bytes.length > 0) {
      const written = Deno.stderr.writeSync(bytes);
      bytes = bytes.subarray(written);
    }
  } catch {
    // stderr is gone (closed or a broken pipe): there is nowhere left to say so.
  }
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /** Name in text lines; `denit` unless a compat mode asks otherwise. */
  name?: string;
  sink?: LogSink;
}

function formatValue(value: LogFields[string]): string {
  if (Array.isArray(value)) return JSON.stringify(value);
  const text = String(value);
  return /[\s"=\p{Cc}]/u.test(text) ? JSON.stringify(text) : text;
}

/** Control characters as JSON escapes (`\n`, `\u001b`), so a message stays one line. */
function oneLine(message: string): string {
  return message.replace(/\p{Cc}/gu, (char) => JSON.stringify(char).slice(1, -1));
}

/** Creates the root logger. */
export function createLogger(options: LoggerOptions): Logger {
  const threshold = LEVELS.indexOf(options.level);
  const sink = options.sink ?? writeStderr;
  const name = options.name ?? "denit";

  function write(level: LogLevel, message: string, fields: LogFields): void {
    if (LEVELS.indexOf(level) > threshold) return;
    if (options.format === "json") {
      const record: Record<string, unknown> = {
        ts: new Date().toISOString(),
        mono: Math.round(performance.now() * 1000) / 1000,
        source: LOG_SOURCE,
        level,
        ...fields,
        msg: message,
      };
      record["source"] = LOG_SOURCE; // a field of the same name keeps the key's place, not its value
      sink(JSON.stringify(record) + "\n");
      return;
    }
    let line = `${name}[${Deno.pid}] ${level.toUpperCase()} ${oneLine(message)}`;
    // Who speaks comes first. denit's own lines carry only that (their fields are for JSON);
    // a plugin's lines keep every field it gave, as it would see them in JSON.
    for (const key of TEXT_TAGS) {
      const value = fields[key];
      if (value !== undefined) line += ` ${key}=${formatValue(value)}`;
    }
    if (fields["plugin"] !== undefined) {
      for (const [key, value] of Object.entries(fields)) {
        if (TEXT_TAGS.includes(key) || key === "event" || value === undefined) continue;
        line += ` ${oneLine(key)}=${formatValue(value)}`;
      }
    }
    sink(line + "\n");
  }

  function make(tags: LogFields): Logger {
    // A disabled level costs one comparison: no objects are built for it.
    const at = (level: LogLevel) =>
      LEVELS.indexOf(level) > threshold
        ? () => {}
        : (message: string, fields: LogFields = {}) =>
          write(level, message, { ...tags, ...fields });
    return {
      error: at("error"),
      warn: at("warn"),
      info: at("info"),
      debug: at("debug"),
      trace: at("trace"),
      enabled: (level) => LEVELS.indexOf(level) <= threshold,
      with: (fields) => make({ ...tags, ...fields }),
    };
  }
  return make({});
}
