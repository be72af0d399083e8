import { deepEqual } from "node:assert/strict";
import type { Libc } from "../src/ffi/libc.ts";
import type { SignalSource } from "../src/signal_source.ts";
import { warmUp } from "../src/warm_up.ts";

/** A libc facade that records every kill() and has pid 1. */
function recordingLibc(sent: Array<[number, number]>): Libc {
  return {
    pid: () => 1,
    kill: (pid: number, signo: number) => {
      sent.push([pid, signo]);
      return 0;
    },
  } as unknown as Libc;
}

const source = (mode: SignalSource["mode"]): SignalSource => ({
  mode,
  next: () => new Promise(() => {}),
});

Deno.test("warmUp() sends one SIGCHLD to denit itself, nothing to anyone else", () => {
  const sent: Array<[number, number]> = [];
  warmUp(recordingLibc(sent), source("signalfd"));
  deepEqual(sent, [[1, 17]]);
});

Deno.test("warmUp() sends no signal when Deno's listeners collect them (the fallback)", () => {
  const sent: Array<[number, number]> = [];
  warmUp(recordingLibc(sent), source("listeners"));
  deepEqual(sent, []);
});
