/**
 * The compatibility table (src/compat.ts): each mode's row, and its version
 * line as `denit --version` prints it in that mode.
 */
import { deepEqual, equal } from "node:assert/strict";
import { COMPAT, COMPAT_MODES, versionLine } from "../src/compat.ts";

const NO_TTY = { singleChild: false, processGroup: false, controllingTty: false };

Deno.test("placement per mode: session (denit, dumb-init), group (tini), none with -c", () => {
  deepEqual(COMPAT.denit.placement(NO_TTY), { isolation: "session", target: "group" });
  deepEqual(COMPAT.tini.placement(NO_TTY), { isolation: "group", target: "child" });
  deepEqual(COMPAT.tini.placement({ ...NO_TTY, processGroup: true }), {
    isolation: "group",
    target: "group",
  });
  deepEqual(COMPAT["dumb-init"].placement(NO_TTY), { isolation: "session", target: "group" });
  deepEqual(COMPAT["dumb-init"].placement({ ...NO_TTY, controllingTty: true }), {
    isolation: "tty-handover",
    target: "group",
  });
  deepEqual(COMPAT.denit.placement({ ...NO_TTY, controllingTty: true }), {
    isolation: "foreground-group",
    target: "group",
  });
  for (const mode of ["denit", "dumb-init"] as const) {
    deepEqual(COMPAT[mode].placement({ ...NO_TTY, singleChild: true }), {
      isolation: "none",
      target: "child",
    });
  }
});

Deno.test("built-in rewrites, after-exit behaviour, self-stop and services per mode", () => {
  deepEqual(COMPAT.tini.builtinRewrites(false), [["SIGTTIN", null], ["SIGTTOU", null]]);
  deepEqual(COMPAT.denit.builtinRewrites(true), []);
  equal(COMPAT["dumb-init"].builtinRewrites(false).length, 3);
  deepEqual(COMPAT_MODES.map((mode) => COMPAT[mode].afterChild), [
    "drain",
    "reap-once",
    "term-group",
  ]);
  deepEqual(COMPAT_MODES.filter((mode) => COMPAT[mode].stopsWithChild), ["denit", "dumb-init"]);
  deepEqual(COMPAT_MODES.filter((mode) => COMPAT[mode].services), ["denit"]);
});

Deno.test("each mode's version line is the one `denit --compat MODE --version` prints", async () => {
  const mod = new URL("../mod.ts", import.meta.url).pathname;
  for (const mode of COMPAT_MODES) {
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-q", "-A", mod, "--compat", mode, "--version"],
      stdin: "null",
    }).output();
    equal(new TextDecoder().decode(output.stdout), `${versionLine(mode)}\n`, mode);
  }
});
