/**
 * Checks a services file's default export and fills in every default. Any
 * problem is one {@link DenitError} (exit 125) naming the service and field,
 * raised before any process starts.
 *
 * @module
 */

import { neverReceived, quote } from "../cli.ts";
import { signalNumber } from "../signals.ts";
import { DenitError } from "../errors.ts";
import { describe, FieldReader, isRecord } from "./fields.ts";
import type { ReadySpec, ServiceSpec } from "./types.ts";
import type { SignalName } from "../signals.ts";
import { PRESET_NAMES } from "../presets.ts";

const SERVICE_KEYS = new Set([
  "name",
  "command",
  "env",
  "cwd",
  "preset",
  "signals",
  "stopSignal",
  "stopGrace",
  "dependsOn",
  "ready",
  "readyTimeout",
  "restart",
  "restartLimit",
  "backoff",
  "critical",
  "oneshot",
  "main",
  "output",
]);
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** The name of the service `-- PROGRAM` becomes. */
export const MAIN_SERVICE = "main";

const DEFAULTS = {
  stopGraceMs: 10_000,
  readyTimeoutMs: 60_000,
  restartLimit: { count: 5, windowMs: 60_000 },
  backoff: { initialMs: 500, maxMs: 30_000 },
};

function loopbackHost(host: string): string | null {
  if (host === "localhost") return "127.0.0.1";
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) return host;
  if (host === "::1" || host === "[::1]") return "::1";
  return null;
}

function readySpec(r: FieldReader): ReadySpec | null {
  const ready = r.record("ready");
  if (ready === null) return null;
  const keys = Object.keys(ready);
  if (keys.length !== 1) {
    r.fail("ready", `must have exactly one of tcp, unix, file, command, notifyFd`);
  }
  const kind = keys[0]!;
  const value = ready[kind];
  switch (kind) {
    case "tcp": {
      const text = typeof value === "number" ? `127.0.0.1:${value}` : value;
      const match = typeof text === "string" ? /^(.*):([0-9]{1,5})$/.exec(text) : null;
      const port = match === null ? NaN : Number(match[2]);
      const hostname = match === null ? null : loopbackHost(match[1]!);
      if (!(port >= 1 && port <= 65535) || hostname === null) {
        r.fail("ready", `tcp must be a port or "host:port" on loopback, not ${describe(value)}`);
      }
      return { kind: "tcp", hostname, port };
    }
    case "unix":
    case "file":
      if (typeof value !== "string" || !value.startsWith("/")) {
        r.fail("ready", `${kind} must be an absolute path, not ${describe(value)}`);
      }
      return { kind, path: value };
    case "command":
      return { kind: "command", argv: r.argv("ready", value) };
    case "notifyFd":
      if (typeof value !== "number" || !Number.isInteger(value) || value < 3 || value > 1023) {
        r.fail("ready", `notifyFd must be a file descriptor number from 3 to 1023`);
      }
      return { kind: "notifyFd", fd: value };
    default:
      return r.fail(
        "ready",
        `has unknown kind ${quote(kind)} (expected tcp, unix, file, command or notifyFd)`,
      );
  }
}

function signalTable(r: FieldReader): Map<SignalName, SignalName | null> {
  const table = new Map<SignalName, SignalName | null>();
  const raw = r.record("signals");
  if (raw === null) return table;
  for (const [from, to] of Object.entries(raw)) {
    const fromName = r.signal("signals", from);
    const why = neverReceived(signalNumber(fromName));
    if (why !== null) r.fail("signals", `cannot rewrite ${fromName} (${why})`);
    table.set(fromName, to === null ? null : r.signal("signals", to));
  }
  return table;
}

function positiveCount(r: FieldReader, field: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 1_000_000) {
    r.fail(field, `count must be a whole number from 0, not ${describe(value)}`);
  }
  return value;
}

function serviceSpec(raw: unknown, index: number): ServiceSpec {
  if (!isRecord(raw)) {
    throw new DenitError(`Invalid services file: services[${index}] must be an object`);
  }
  const rawName = raw["name"];
  if (typeof rawName !== "string" || !NAME.test(rawName)) {
    throw new DenitError(
      `Invalid services file: services[${index}]: field "name" must be 1-64 letters, digits, ".", "_" or "-", not ${
        describe(rawName)
      }`,
    );
  }
  const r = new FieldReader(`service "${rawName}"`, raw);
  for (const key of Object.keys(raw)) {
    if (!SERVICE_KEYS.has(key)) r.fail(key, `is not a service field`);
  }
  if (!r.has("command")) r.fail("command", "is required");
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(r.record("env") ?? {})) {
    if (typeof value !== "string" || key === "" || key.includes("=") || key.includes("\0")) {
      r.fail("env", `must map names to strings (${quote(key)} is ${describe(value)})`);
    }
    env[key] = value as string;
  }
  const dependsOn = r.value("dependsOn") ?? [];
  if (!Array.isArray(dependsOn) || !dependsOn.every((name) => typeof name === "string")) {
    r.fail("dependsOn", `must be an array of service names`);
  }
  const limit = r.record("restartLimit");
  const backoff = r.record("backoff");
  const spec: ServiceSpec = {
    name: rawName,
    argv: r.argv("command", r.value("command")),
    env,
    cwd: r.string("cwd"),
    preset: r.has("preset") ? r.oneOf("preset", PRESET_NAMES, "nginx") : null,
    signals: signalTable(r),
    stopSignal: r.has("stopSignal") ? r.signal("stopSignal", r.value("stopSignal")) : null,
    stopGraceMs: r.duration("stopGrace", DEFAULTS.stopGraceMs),
    dependsOn: [...new Set(dependsOn as string[])],
    ready: readySpec(r),
    readyTimeoutMs: r.duration("readyTimeout", DEFAULTS.readyTimeoutMs),
    restart: r.oneOf("restart", ["no", "on-failure", "always"] as const, "on-failure"),
    restartLimit: limit === null ? { ...DEFAULTS.restartLimit } : {
      count: positiveCount(r, "restartLimit", limit["count"]),
      windowMs: r.durationOf("restartLimit", limit["window"], DEFAULTS.restartLimit.windowMs),
    },
    backoff: backoff === null ? { ...DEFAULTS.backoff } : {
      initialMs: r.durationOf("backoff", backoff["initial"], DEFAULTS.backoff.initialMs),
      maxMs: r.durationOf("backoff", backoff["max"], DEFAULTS.backoff.maxMs),
    },
    critical: r.boolean("critical"),
    oneshot: r.boolean("oneshot"),
    main: r.boolean("main"),
    output: r.oneOf("output", ["inherit", "prefix"] as const, "inherit"),
  };
  for (const key of Object.keys(limit ?? {})) {
    if (key !== "count" && key !== "window") {
      r.fail("restartLimit", `has unknown key ${quote(key)}`);
    }
  }
  for (const key of Object.keys(backoff ?? {})) {
    if (key !== "initial" && key !== "max") r.fail("backoff", `has unknown key ${quote(key)}`);
  }
  if (spec.oneshot) {
    for (const field of ["ready", "readyTimeout", "restart", "restartLimit", "backoff", "main"]) {
      if (r.has(field)) r.fail(field, `does not apply to a oneshot`);
    }
  }
  if (spec.main) {
    for (const field of ["restart", "restartLimit", "backoff"]) {
      if (r.has(field)) r.fail(field, `does not apply to a main service (its exit ends denit)`);
    }
  }
  if (spec.dependsOn.includes(spec.name)) r.fail("dependsOn", `names the service itself`);
  return spec;
}

/** Reject unknown dependencies and cycles. */
function checkGraph(specs: readonly ServiceSpec[]): void {
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  for (const spec of specs) {
    for (const name of spec.dependsOn) {
      if (!byName.has(name)) {
        throw new DenitError(
          `Invalid services file: service "${spec.name}": field "dependsOn" names unknown service ${
            quote(name)
          }`,
        );
      }
    }
  }
  const state = new Map<string, "visiting" | "done">();
  const path: string[] = [];
  const visit = (spec: ServiceSpec): void => {
    state.set(spec.name, "visiting");
    path.push(spec.name);
    for (const name of spec.dependsOn) {
      const seen = state.get(name);
      if (seen === "visiting") {
        const cycle = [...path.slice(path.indexOf(name)), name].join(" -> ");
        throw new DenitError(
          `Invalid services file: service "${spec.name}": field "dependsOn" makes a cycle: ${cycle}`,
        );
      }
      if (seen === undefined) visit(byName.get(name)!);
    }
    path.pop();
    state.set(spec.name, "done");
  };
  for (const spec of specs) if (!state.has(spec.name)) visit(spec);
}

/**
 * Check a services file's default export; returns the services in file order.
 * `reserved` names may not be used (`main` when a PROGRAM is given).
 */
export function validateServices(value: unknown, reserved: readonly string[] = []): ServiceSpec[] {
  if (!isRecord(value)) {
    throw new DenitError(
      `Invalid services file: the default export must be an object, not ${describe(value)}`,
    );
  }
  for (const key of Object.keys(value)) {
    if (key !== "services") {
      throw new DenitError(`Invalid services file: unknown top-level field ${quote(key)}`);
    }
  }
  const list = value["services"];
  if (!Array.isArray(list) || list.length === 0) {
    throw new DenitError(`Invalid services file: field "services" must be a non-empty array`);
  }
  const specs = list.map(serviceSpec);
  const seen = new Set<string>(reserved);
  for (const spec of specs) {
    if (seen.has(spec.name)) {
      const why = reserved.includes(spec.name) ? "is reserved for -- PROGRAM" : "is used twice";
      throw new DenitError(`Invalid services file: service "${spec.name}": field "name" ${why}`);
    }
    seen.add(spec.name);
  }
  checkGraph(specs);
  return specs;
}
