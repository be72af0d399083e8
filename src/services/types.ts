/**
 * The services file as its author writes it (public, re-exported by mod.ts),
 * and the checked form the services supervisor runs.
 *
 * @module
 */

import type { PresetName } from "../presets.ts";
import type { SignalName } from "../signals.ts";

/** Seconds, or the CLI's duration syntax: `"500ms"`, `"2s"`, `"1m"`. */
export type Duration = number | string;

/** How denit decides a service is ready. */
export type ReadyCheck =
  /** Something accepts TCP connections on this loopback port (`8080` or `"127.0.0.1:8080"`). */
  | { tcp: number | string }
  /** Something accepts connections on this unix socket. */
  | { unix: string }
  /** This file exists. */
  | { file: string }
  /** This command exits 0 (argv, or a string run by `/bin/sh -c`); retried until it does. */
  | { command: string[] | string }
  /** s6-style: the service writes a newline to this file descriptor. */
  | { notifyFd: number };

/** One service of a services file. */
export interface Service {
  /** Unique name: letters, digits, `.`, `_`, `-`. */
  name: string;
  /** argv (looked up on PATH), or a string run by `/bin/sh -c`. */
  command: string[] | string;
  /** Added to denit's environment. */
  env?: Record<string, string>;
  /** Working directory. */
  cwd?: string;
  /** The same signal policy as `--preset`. */
  preset?: PresetName;
  /** Rewrite table by name, applied before the preset; `null` drops the signal. */
  signals?: Partial<Record<SignalName, SignalName | null>>;
  /** The signal that stops it, sent as is (default: SIGTERM through its policy). */
  stopSignal?: SignalName;
  /** How long it may take to exit after its stop signal before its group is SIGKILLed. */
  stopGrace?: Duration;
  /** Names of services that must be ready before this one starts. */
  dependsOn?: string[];
  /** Readiness check; without one a service is ready once started. */
  ready?: ReadyCheck;
  /** How long the readiness check may take. */
  readyTimeout?: Duration;
  /** When an exited service is started again. */
  restart?: "no" | "on-failure" | "always";
  /** More than `count` restarts within `window`: give up. */
  restartLimit?: { count: number; window: Duration };
  /** Delay before a restart: `initial`, doubled each time, at most `max`. */
  backoff?: { initial: Duration; max: Duration };
  /** Giving up stops everything and denit exits with this service's code. */
  critical?: boolean;
  /** Runs to completion before its dependents start; a failure aborts start-up. */
  oneshot?: boolean;
  /** Its exit ends the container. */
  main?: boolean;
  /** `inherit`: denit's stdout/stderr as they are; `prefix`: lines prefixed `name | `. */
  output?: "inherit" | "prefix";
}

/** The default export of a services file. */
export interface ServicesFile {
  /** The services, each with a unique name, in any order: `dependsOn` decides the start order. */
  services: Service[];
}

/** A readiness check, checked and resolved. */
export type ReadySpec =
  | { kind: "tcp"; hostname: string; port: number }
  | { kind: "unix"; path: string }
  | { kind: "file"; path: string }
  | { kind: "command"; argv: string[] }
  | { kind: "notifyFd"; fd: number };

/** A service as the supervisor runs it: every default filled in, signals as numbers. */
export interface ServiceSpec {
  name: string;
  argv: string[];
  env: Record<string, string>;
  cwd: string | null;
  preset: PresetName | null;
  /** Signal number → replacement number, 0 drops; applied before the preset. */
  signals: Map<SignalName, SignalName | null>;
  /** Explicit stop signal, or null for SIGTERM through the policy. */
  stopSignal: SignalName | null;
  stopGraceMs: number;
  dependsOn: string[];
  ready: ReadySpec | null;
  readyTimeoutMs: number;
  restart: "no" | "on-failure" | "always";
  restartLimit: { count: number; windowMs: number };
  backoff: { initialMs: number; maxMs: number };
  critical: boolean;
  oneshot: boolean;
  main: boolean;
  output: "inherit" | "prefix";
}
