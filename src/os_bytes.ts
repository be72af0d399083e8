/**
 * argv and the environment as the kernel handed them over, byte for byte.
 * Deno's own views are text: `Deno.args` turns a byte that is not UTF-8 into
 * U+FFFD and `Deno.env` drops such a variable. An init passes both on exactly
 * (tini and dumb-init do), so denit reads /proc/self/cmdline and
 * /proc/self/environ and uses those bytes wherever its text view is unchanged.
 *
 * @module
 */

import type { CText } from "./ffi/libc.ts";

const EQUALS = 0x3d;
const strictDecoder = new TextDecoder("utf-8", { fatal: true });
const lossyDecoder = new TextDecoder("utf-8");
/** For the whole environment block: a leading U+FEFF is part of the first name, as Deno sees it. */
const blockDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function splitAtNul(bytes: Uint8Array): Uint8Array[] {
  const items: Uint8Array[] = [];
  let start = 0;
  // indexOf, not a loop over every byte: a few KiB of environment looped over in JavaScript
  // get the loop compiled by V8's Maglev, whose code then stays paged in (+1.3–1.6 MiB of RSS).
  for (let end = bytes.indexOf(0); end >= 0; end = bytes.indexOf(0, start)) {
    items.push(bytes.subarray(start, end));
    start = end + 1;
  }
  if (start < bytes.length) items.push(bytes.subarray(start));
  return items;
}

/** The bytes as text, or null when they are not UTF-8. */
function utf8(bytes: Uint8Array): string | null {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return null;
  }
}

let commandLine: Uint8Array[] | undefined;
let environment: Uint8Array[] | undefined;
/** /proc/self/environ as read, when it could be. */
let startEnvironmentBytes: Uint8Array | undefined;

/**
 * This process's argv, exactly (read once: it never changes). Throws when
 * /proc/self/cmdline cannot be read or is empty.
 */
export function ownCommandLine(): Uint8Array[] {
  if (commandLine !== undefined) return commandLine;
  const argv = splitAtNul(Deno.readFileSync("/proc/self/cmdline"));
  if (argv.length === 0) throw new Error("/proc/self/cmdline is empty");
  return commandLine = argv;
}

/**
 * `command` (the tail of `Deno.args`) as the exact bytes it was given as, when
 * /proc/self/cmdline ends with it; else `command` itself.
 */
export function exactCommand(command: readonly string[]): CText[] {
  let argv: Uint8Array[];
  try {
    argv = ownCommandLine();
  } catch {
    return [...command];
  }
  if (command.length === 0 || argv.length < command.length) return [...command];
  const tail = argv.slice(argv.length - command.length);
  const same = tail.every((bytes, index) => lossyDecoder.decode(bytes) === command[index]);
  return same ? tail : [...command];
}

/**
 * `KEY=VALUE` entries of the environment this process started with (read once: it never
 * changes; each service and helper spawn asks); [] without /proc.
 */
function startEnvironment(): Uint8Array[] {
  if (environment !== undefined) return environment;
  try {
    startEnvironmentBytes = Deno.readFileSync("/proc/self/environ");
  } catch {
    return environment = [];
  }
  return environment = splitAtNul(startEnvironmentBytes);
}

/**
 * The environment to hand on, as `KEY=VALUE` entries: every variable of `env`
 * (Deno's text view, possibly changed by denit or a plugin), in the order the
 * process got them, plus each variable from the start environment that is not
 * UTF-8 (Deno cannot show it, so nothing can have changed it), kept byte for byte.
 */
export function exactEnvironment(env: Readonly<Record<string, string>>): CText[] {
  const entries: CText[] = [];
  const emitted = new Set<string>();
  const start = startEnvironment();
  // Almost always every byte is UTF-8: then Deno's text view is exact, and one strict decode
  // of the whole block replaces two per variable (each a call into Deno: ~0.5–0.8 ms at every
  // start-up, in both stages).
  let text: string | null = "";
  try {
    if (start.length > 0) text = blockDecoder.decode(startEnvironmentBytes);
  } catch {
    text = null;
  }
  if (text !== null) {
    for (const entry of text.split("\0")) {
      const equals = entry.indexOf("=");
      const key = equals < 0 ? entry : entry.slice(0, equals);
      if (equals < 0 || emitted.has(key) || !Object.hasOwn(env, key)) continue;
      emitted.add(key);
      entries.push(`${key}=${env[key]}`);
    }
  } else {
    appendExactEntries(start, env, entries, emitted);
  }
  for (const [key, value] of Object.entries(env)) {
    if (!emitted.has(key)) entries.push(`${key}=${value}`);
  }
  return entries;
}

/** {@link exactEnvironment} for a start environment that is not all UTF-8: entry by entry. */
function appendExactEntries(
  start: Uint8Array[],
  env: Readonly<Record<string, string>>,
  entries: CText[],
  emitted: Set<string>,
): void {
  for (const entry of start) {
    const equals = entry.indexOf(EQUALS);
    const key = utf8(equals < 0 ? entry : entry.subarray(0, equals));
    const value = equals < 0 ? "" : utf8(entry.subarray(equals + 1));
    if (key === null || value === null) {
      entries.push(entry);
      continue;
    }
    if (equals < 0 || emitted.has(key) || !Object.hasOwn(env, key)) continue;
    emitted.add(key);
    entries.push(`${key}=${env[key]}`);
  }
}
