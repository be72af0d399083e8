/** The exit code rules, in the one module that decides them (src/exit_code.ts). */
import { deepEqual, equal } from "node:assert/strict";
import {
  exitCodeForError,
  exitCodeForSpawnError,
  exitReason,
  isExitCode,
  remapExitCode,
  servicesExitCode,
  shellExitCode,
} from "../src/exit_code.ts";
import { DenitError } from "../src/errors.ts";

Deno.test("shellExitCode(): the code, or 128 + the killing signal", () => {
  equal(shellExitCode(0, 0), 0);
  equal(shellExitCode(3, 0), 3);
  equal(shellExitCode(null, 9), 137);
  equal(shellExitCode(null, 32), 160);
});

Deno.test("exitCodeForSpawnError(): 127 not found, 126 cannot execute, else 125", () => {
  for (const code of ["ENOENT", "ENOTDIR", "ENAMETOOLONG", "ELOOP"]) {
    equal(exitCodeForSpawnError(code), 127, code);
  }
  for (const code of ["EACCES", "EPERM", "ENOEXEC", "EISDIR", "ETXTBSY"]) {
    equal(exitCodeForSpawnError(code), 126, code);
  }
  equal(exitCodeForSpawnError("EAGAIN"), 125);
});

Deno.test("exitCodeForError(): a DenitError's own code, anything else 125", () => {
  equal(exitCodeForError(new DenitError("x", 127)), 127);
  equal(exitCodeForError(new DenitError("x")), 125);
  equal(exitCodeForError(new Error("x")), 125);
  equal(exitCodeForError("a string"), 125);
});

Deno.test("isExitCode() takes integers 0..255 only; remapExitCode() maps listed codes to 0", () => {
  for (const good of [0, 1, 255]) equal(isExitCode(good), true, String(good));
  for (const bad of [-1, 256, 1.5, "0", null, undefined, NaN]) {
    equal(isExitCode(bad), false, String(bad));
  }
  equal(remapExitCode(3, new Set([3, 4])), 0);
  equal(remapExitCode(5, new Set([3, 4])), 5);
});

Deno.test("exitReason() says how the child ended and whether the code was mapped", () => {
  deepEqual(exitReason({ code: 3, signal: null, exitCode: 3 }, 3), {
    reason: "the child exited with code 3",
    text: "the child exited with code 3",
  });
  deepEqual(exitReason({ code: null, signal: "SIGTERM", exitCode: 143 }, 0), {
    reason: "the child was killed by SIGTERM",
    text: "the child was killed by SIGTERM; -e or a plugin mapped 143 to 0",
  });
});

Deno.test("servicesExitCode(): the stop's own code, else the main service's, else 0", () => {
  equal(servicesExitCode(1, { exitCode: 3 }), 1);
  equal(servicesExitCode(null, { exitCode: 3 }), 3);
  equal(servicesExitCode(null, null), 0);
});
