/**
 * A service's pipes: `output: "prefix"` (its stdout and stderr through pipes,
 * each line written out whole as `name | line`) and the s6-style readiness
 * notification fd. Reads run off the event loop (the FFI read on Deno's
 * blocking pool), writes are asynchronous and chained, so neither ever blocks
 * signal handling or reaping; a service that writes faster than denit's
 * stdout drains waits on its own pipe, as it would writing there directly.
 *
 * @module
 */

import { describeError } from "../errors.ts";
import type { Libc } from "../ffi/libc.ts";
import type { Logger } from "../log.ts";
import { within } from "./timing.ts";

/** A line longer than this is written out in pieces of this size. */
const MAX_LINE = 64 * 1024;
const NEWLINE = 0x0a;
const encoder = new TextEncoder();

/** The pipes of one start of one service. */
export interface ServiceIo {
  /** `[childFd, denitFd]` for the spawn. */
  fds: Array<readonly [number, number]>;
  /** Resolves when the service wrote a newline to its notification fd. */
  notified?: Promise<void>;
  /** The spawn happened: close denit's copies of the write ends and start reading. */
  started(): void;
  /** The spawn failed: close everything. */
  abandon(): void;
}

/** Every write to denit's stdout/stderr from prefixed services, one after the other. */
let writes: Promise<void> = Promise.resolve();

async function writeAll(to: typeof Deno.stdout, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) offset += await to.write(bytes.subarray(offset));
}

function write(to: typeof Deno.stdout, bytes: Uint8Array): Promise<void> {
  writes = writes.then(() => writeAll(to, bytes)).catch(() => {
    // denit's stdout is gone: the service's lines have nowhere to go.
  });
  return writes;
}

/** Opens and reads the pipes of services. */
export class OutputPipes {
  #libc: Libc;
  #log: Logger;
  #readers = new Set<Promise<void>>();

  constructor(libc: Libc, log: Logger) {
    this.#libc = libc;
    this.#log = log;
  }

  /** Pipes for one start of `name`; `prefix` for its output, `notifyFd` for readiness. */
  open(name: string, prefix: boolean, notifyFd: number | null): ServiceIo {
    const libc = this.#libc;
    const fds: Array<readonly [number, number]> = [];
    const readEnds: Array<{ fd: number; start: () => Promise<void> }> = [];
    const opened: number[] = [];
    // A pipe whose ends are not among the child's target fds, so one dup2 cannot clobber the
    // source of another. Ends that collide stay open until the spawn, then are closed.
    const targets = new Set([1, 2, ...(notifyFd === null ? [] : [notifyFd])]);
    const pipe = (): [number, number] => {
      for (;;) {
        const ends = libc.pipe();
        opened.push(...ends);
        if (!targets.has(ends[0]) && !targets.has(ends[1])) return ends;
      }
    };
    const closeAll = () => {
      for (const fd of opened) libc.close(fd);
    };
    let notified: Promise<void> | undefined;
    try {
      if (prefix) {
        for (const [fd, to] of [[1, Deno.stdout], [2, Deno.stderr]] as const) {
          const [readEnd, writeEnd] = pipe();
          fds.push([fd, writeEnd]);
          readEnds.push({ fd: readEnd, start: () => this.#prefixLines(readEnd, name, to) });
        }
      }
      if (notifyFd !== null) {
        const [readEnd, writeEnd] = pipe();
        fds.push([notifyFd, writeEnd]);
        const ready = Promise.withResolvers<void>();
        notified = ready.promise;
        readEnds.push({ fd: readEnd, start: () => this.#awaitNewline(readEnd, ready.resolve) });
      }
    } catch (error) {
      closeAll();
      throw error;
    }
    const keep = new Set(readEnds.map((end) => end.fd));
    return {
      fds,
      ...(notified === undefined ? {} : { notified }),
      started: () => {
        for (const fd of opened) if (!keep.has(fd)) libc.close(fd);
        for (const end of readEnds) {
          const reader = end.start().catch((error) =>
            this.#log.error(`Cannot read the output of "${name}": ${describeError(error)}`)
          ).finally(() => {
            libc.close(end.fd);
            this.#readers.delete(reader);
          });
          this.#readers.add(reader);
        }
      },
      abandon: closeAll,
    };
  }

  /**
   * Resolves when every pipe reached its end and its lines were written, or after `ms`: a
   * daemon may hold a pipe open, and a stalled stdout must not keep denit from exiting.
   */
  async drain(ms: number): Promise<void> {
    await within(Promise.all([...this.#readers]).then(() => writes), ms);
  }

  async #prefixLines(fd: number, name: string, to: typeof Deno.stdout): Promise<void> {
    const prefix = encoder.encode(`${name} | `);
    const buffer = new Uint8Array(16 * 1024);
    let pending = new Uint8Array(0);
    for (;;) {
      const count = await this.#libc.readInto(fd, buffer);
      if (count <= 0) break;
      let data = concat(pending, buffer.subarray(0, count));
      const out: Uint8Array[] = [];
      let start = 0;
      for (let index = data.indexOf(NEWLINE); index >= 0; index = data.indexOf(NEWLINE, start)) {
        out.push(prefix, data.subarray(start, index + 1));
        start = index + 1;
      }
      data = data.subarray(start);
      while (data.length >= MAX_LINE) {
        out.push(prefix, data.subarray(0, MAX_LINE), Uint8Array.of(NEWLINE));
        data = data.subarray(MAX_LINE);
      }
      pending = data.slice();
      // Wait for this batch before reading more: a slow stdout slows the service, not denit.
      if (out.length > 0) await write(to, concat(...out));
    }
    if (pending.length > 0) await write(to, concat(prefix, pending, Uint8Array.of(NEWLINE)));
  }

  async #awaitNewline(fd: number, ready: () => void): Promise<void> {
    const buffer = new Uint8Array(256);
    for (;;) {
      const count = await this.#libc.readInto(fd, buffer);
      if (count <= 0) return;
      if (buffer.subarray(0, count).includes(NEWLINE)) {
        ready();
        return;
      }
    }
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const whole = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    whole.set(part, offset);
    offset += part.length;
  }
  return whole;
}
