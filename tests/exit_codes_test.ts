/**
 * denit exits with its child's code. Every code 0-255 passes through as PID 1
 * (one denit run per code, 8 at a time; not as PID 1 a sample, the code path
 * is the same), and a child killed by signal n gives 128+n (signals 32 and 33,
 * which glibc keeps for itself, included), as PID 1 and not; `-e` remaps a
 * code to 0.
 */
import { deepEqual, equal } from "node:assert/strict";
import { MODES, runDenit } from "./_helpers/denit.ts";
import { pool } from "./_helpers/async.ts";

const ALL_CODES = Array.from({ length: 256 }, (_, code) => code);
/** The edges (denit's own 125-127, the signal range from 128) and a spread between. */
const SAMPLE_CODES = [
  ...new Set([
    0,
    1,
    2,
    3,
    42,
    124,
    125,
    126,
    127,
    128,
    129,
    143,
    254,
    255,
    ...ALL_CODES.filter((c) => c % 37 === 5),
  ]),
].sort((a, b) => a - b);

/** Signals whose default action ends the process (STOP/TSTP/TTIN/TTOU stop, CHLD/CONT/URG/WINCH do nothing). */
const FATAL = [
  1,
  2,
  3,
  4,
  5,
  6,
  7,
  8,
  9,
  10,
  11,
  12,
  13,
  14,
  15,
  16,
  24,
  25,
  26,
  27,
  29,
  30,
  31,
  34,
  35,
  40,
  50,
  63,
  64,
];

async function codes(pid1: boolean, list: number[]): Promise<string[]> {
  return await pool(list, 8, async (code) => {
    const result = await runDenit(["sh", "-c", `exit ${code}`], { pid1 });
    return `${code}→${result.code}${result.stderr === "" ? "" : ` ${result.stderr.trim()}`}`;
  });
}

for (const { pid1, label } of MODES) {
  const list = pid1 ? ALL_CODES : SAMPLE_CODES;
  Deno.test(`denit passes on ${pid1 ? "every exit code 0-255" : "exit codes 0-255"} ${label}`, async () => {
    deepEqual(await codes(pid1, list), list.map((code) => `${code}→${code}`));
  });

  Deno.test(`denit exits with 128+n when signal n kills the child ${label}`, async () => {
    const results = await pool(FATAL, 8, async (signo) => {
      // No core files: core_pattern may be a plain file name in the child's cwd.
      const result = await runDenit(["sh", "-c", `ulimit -c 0; kill -${signo} $$; exit 99`], {
        pid1,
      });
      return `${signo}→${result.code}`;
    });
    deepEqual(results, FATAL.map((signo) => `${signo}→${128 + signo}`));
  });
}

for (const { pid1, label } of MODES) {
  Deno.test(`denit exits 160 and 161 when signal 32 or 33 kills the child ${label}`, async () => {
    const results = await pool([32, 33], 2, async (signo) => {
      const result = await runDenit(["sh", "-c", `kill -${signo} $$; exit 99`], {
        pid1,
        timeoutMs: 15_000,
      });
      return `${signo}→${result.code} ${result.stderr.includes("Cannot") ? result.stderr : ""}`;
    });
    deepEqual(results, ["32→160 ", "33→161 "]);
  });
}

Deno.test("denit runs a program as PID 1 and passes on its exit code", async () => {
  const result = await runDenit(["sh", "-c", "echo $$; exit 7"]);
  deepEqual(result.code, 7);
  deepEqual(result.stdout.trim() === "1", false); // the child is not PID 1: denit is
});

Deno.test("-e remaps an exit code to 0", async () => {
  equal((await runDenit(["-e", "3", "-e", "143", "sh", "-c", "exit 3"])).code, 0);
  equal((await runDenit(["-e", "3", "sh", "-c", "exit 4"])).code, 4);
});
