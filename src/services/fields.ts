/**
 * Reading one service's fields: each check fails with one line naming the
 * service and the field (exit 125).
 *
 * @module
 */

import { parseDuration, quote } from "../cli.ts";
import { DenitError } from "../errors.ts";
import { signalFromApi, signalName } from "../signals.ts";
import type { SignalName } from "../signals.ts";
import { shellArgv } from "./shell.ts";

/** A user's value, as a message shows it. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return quote(value);
  if (typeof value === "object") return "an object";
  if (typeof value === "function") return "a function";
  return String(value);
}

/** A plain object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Checks one service; every message says which service and which field. */
export class FieldReader {
  #where: string;
  #raw: Record<string, unknown>;

  constructor(where: string, raw: Record<string, unknown>) {
    this.#where = where;
    this.#raw = raw;
  }

  fail(field: string, problem: string): never {
    throw new DenitError(`Invalid services file: ${this.#where}: field "${field}" ${problem}`);
  }

  has(field: string): boolean {
    return this.#raw[field] !== undefined;
  }

  string(field: string): string | null {
    const value = this.#raw[field];
    if (value === undefined) return null;
    if (typeof value !== "string" || value === "" || value.includes("\0")) {
      this.fail(field, `must be a non-empty string, not ${describe(value)}`);
    }
    return value;
  }

  boolean(field: string): boolean {
    const value = this.#raw[field];
    if (value === undefined) return false;
    if (typeof value !== "boolean") {
      this.fail(field, `must be true or false, not ${describe(value)}`);
    }
    return value;
  }

  oneOf<T extends string>(field: string, choices: readonly T[], fallback: T): T {
    const value = this.#raw[field];
    if (value === undefined) return fallback;
    if (!choices.includes(value as T)) {
      this.fail(
        field,
        `must be ${choices.map((c) => `"${c}"`).join(", ")}, not ${describe(value)}`,
      );
    }
    return value as T;
  }

  durationOf(field: string, value: unknown, fallback: number): number {
    if (value === undefined) return fallback;
    if (typeof value === "number") {
      if (!Number.isFinite(value) || value < 0 || value > 86_400) {
        this.fail(field, `must be 0 to 86400 seconds, not ${value}`);
      }
      return Math.round(value * 1000);
    }
    if (typeof value !== "string") {
      this.fail(field, `must be seconds or a duration such as "2s", not ${describe(value)}`);
    }
    try {
      return parseDuration(`${this.#where} field "${field}"`, value);
    } catch (error) {
      throw new DenitError(`Invalid services file: ${(error as Error).message}`);
    }
  }

  duration(field: string, fallback: number): number {
    return this.durationOf(field, this.#raw[field], fallback);
  }

  signal(field: string, value: unknown): SignalName {
    const signo = signalFromApi(value);
    if (signo === null) {
      this.fail(field, `must be a signal name such as "SIGQUIT", not ${describe(value)}`);
    }
    return signalName(signo);
  }

  argv(field: string, value: unknown): string[] {
    if (typeof value === "string" && value.trim() !== "" && !value.includes("\0")) {
      return shellArgv(value);
    }
    if (
      Array.isArray(value) && value.length > 0 && value[0] !== "" &&
      value.every((item) => typeof item === "string" && !item.includes("\0"))
    ) {
      return [...value];
    }
    return this.fail(field, `must be a non-empty array of strings or a shell command string`);
  }

  record(field: string): Record<string, unknown> | null {
    const value = this.#raw[field];
    if (value === undefined) return null;
    if (!isRecord(value)) this.fail(field, `must be an object, not ${describe(value)}`);
    return value;
  }

  value(field: string): unknown {
    return this.#raw[field];
  }
}
