/**
 * The memory C functions read: NUL-terminated strings (text as UTF-8, bytes
 * exactly), NULL-terminated pointer arrays and `sigset_t` bit sets. Whoever
 * passes a pointer keeps the buffer it points into referenced until the call
 * returns (src/ffi/libc.ts).
 *
 * @module
 */

import { SIGSET_BYTES } from "./constants.ts";
import type { CText, Environment } from "./facade.ts";

const encoder = new TextEncoder();

/** A NUL-terminated copy: a string as UTF-8, bytes exactly. */
export function cString(text: CText): Uint8Array<ArrayBuffer> {
  if (typeof text === "string") return encoder.encode(text + "\0");
  const bytes = new Uint8Array(text.length + 1);
  bytes.set(text);
  return bytes;
}

/**
 * A NULL-terminated `char *[]`. The returned `keep` array holds the strings the
 * pointers point into: keep it referenced until the C call returns.
 */
export function cStringArray(items: readonly CText[]): {
  array: BigUint64Array<ArrayBuffer>;
  keep: Uint8Array[];
} {
  const keep = items.map(cString);
  const array = new BigUint64Array(items.length + 1);
  keep.forEach((bytes, index) => {
    array[index] = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(bytes)));
  });
  return { array, keep };
}

export function envStrings(env: Environment): readonly CText[] {
  if (Array.isArray(env)) return env as readonly CText[];
  return Object.entries(env).map(([key, value]) => `${key}=${value}`);
}

/** A C string for a message: quoted, invalid UTF-8 shown as U+FFFD, control characters escaped. */
export function quoteText(text: CText): string {
  const decoded = typeof text === "string" ? text : new TextDecoder().decode(text);
  return JSON.stringify(decoded);
}

/** A `sigset_t` with the given signals' bits set (bit n-1 for signal n). */
export function sigset(signals: readonly number[]): Uint8Array<ArrayBuffer> {
  const set = new Uint8Array(SIGSET_BYTES);
  for (const signo of signals) {
    const bit = signo - 1;
    set[bit >> 3]! |= 1 << (bit & 7);
  }
  return set;
}

export function sigsetMembers(set: Uint8Array): number[] {
  const members: number[] = [];
  for (let signo = 1; signo <= 64; signo++) {
    const bit = signo - 1;
    if ((set[bit >> 3]! & (1 << (bit & 7))) !== 0) members.push(signo);
  }
  return members;
}

/** Every signal 1..64, so the child starts with a fully default disposition table. */
export const ALL_SIGNALS = Array.from({ length: 64 }, (_, index) => index + 1);

/** A pointer to `view`'s bytes, for a `"pointer"` parameter; keep `view` referenced. */
export function address(view: ArrayBufferView<ArrayBuffer>): Deno.PointerValue {
  return Deno.UnsafePointer.of(view);
}
