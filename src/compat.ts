/**
 * Compatibility modes: where tini, dumb-init and denit differ, one row per
 * mode says what that mode does. The CLI (mode names, program names), start-up
 * (services, built-in rewrites), the supervisor (isolation, default target,
 * what follows the child's exit, self-stop) and the version line read this
 * table; no other module tests the mode's name.
 *
 * @module
 */

import { VERSION } from "./version.ts";
import type { SpawnIsolation } from "./ffi/libc.ts";
import type { SignalTarget } from "./plugin/types.ts";
import type { SignalName } from "./signals.ts";

/** Whose behaviour denit copies where the anchors differ. */
export type CompatMode = "denit" | "tini" | "dumb-init";

/** The flags and facts a mode's placement of the child depends on. */
export interface PlacementInput {
  /** `-c`: no new session, signals to the child only. */
  singleChild: boolean;
  /** `-g`: signals to the child's process group (tini's flag). */
  processGroup: boolean;
  /** stdin is a terminal that is denit's controlling tty. */
  controllingTty: boolean;
}

/**
 * Where the child goes and who gets its signals by default. `"tty-handover"`:
 * denit gives up its controlling tty and the child gets it in a new session
 * (dumb-init); the supervisor carries that out.
 */
export interface Placement {
  isolation: SpawnIsolation | "tty-handover";
  target: SignalTarget;
}

/**
 * What happens to the processes the main child leaves behind: `"reap-once"` (tini reaps
 * once more and leaves; the kernel kills the rest), `"term-group"` (dumb-init sends SIGTERM,
 * through the rewrite table, to the child's group and leaves), `"drain"` (SIGTERM to every
 * process left, the drain timeout, then SIGKILL).
 */
export type AfterChild = "reap-once" | "term-group" | "drain";

/** One mode's row. */
export interface CompatRules {
  /** Whether denit started under this program name (a basename) takes this mode. */
  startedAs(base: string): boolean;
  /** The `--version` line (Docker parses `docker-init --version` as "tini version X"). */
  versionLine(): string;
  /** Where the child goes and who gets its signals by default. */
  placement(input: PlacementInput): Placement;
  /** Rewrites applied before `-r` (a later entry wins); `null` drops the signal. */
  builtinRewrites(singleChild: boolean): Array<[SignalName, SignalName | null]>;
  /** See {@link AfterChild}. */
  afterChild: AfterChild;
  /**
   * dumb-init's shell job control: a forwarded TSTP/TTIN/TTOU stops denit too (not as
   * PID 1), so the shell that started it sees the job stopped.
   */
  stopsWithChild: boolean;
  /** Whether `--services` may be used. */
  services: boolean;
}

/** TSTP, TTIN and TTOU become SIGSTOP: in its own session the child's group is orphaned,
 * and the kernel discards default-action TSTP/TTIN/TTOU there; SIGSTOP really stops it. */
function ttyStopsToStop(singleChild: boolean): Array<[SignalName, SignalName | null]> {
  if (singleChild) return [];
  return [["SIGTSTP", "SIGSTOP"], ["SIGTTIN", "SIGSTOP"], ["SIGTTOU", "SIGSTOP"]];
}

/** Every mode, by name. */
export const COMPAT: Readonly<Record<CompatMode, CompatRules>> = {
  denit: {
    startedAs: () => false,
    versionLine: () => `denit ${VERSION} (deno ${Deno.version.deno})`,
    placement: ({ singleChild, controllingTty }) =>
      singleChild
        ? { isolation: "none", target: "child" }
        : { isolation: controllingTty ? "foreground-group" : "session", target: "group" },
    builtinRewrites: ttyStopsToStop,
    afterChild: "drain",
    stopsWithChild: true,
    services: true,
  },
  tini: {
    startedAs: (base) => base === "tini" || base === "docker-init" || base.startsWith("tini-"),
    versionLine: () => `tini version ${VERSION}_denit`,
    placement: ({ processGroup, controllingTty }) => ({
      isolation: controllingTty ? "foreground-group" : "group",
      target: processGroup ? "group" : "child",
    }),
    // tini ignores SIGTTIN and SIGTTOU.
    builtinRewrites: () => [["SIGTTIN", null], ["SIGTTOU", null]],
    afterChild: "reap-once",
    stopsWithChild: false,
    services: false,
  },
  "dumb-init": {
    startedAs: (base) => base === "dumb-init",
    versionLine: () => `dumb-init v${VERSION} (denit)`,
    placement: ({ singleChild, controllingTty }) =>
      singleChild
        ? { isolation: "none", target: "child" }
        : { isolation: controllingTty ? "tty-handover" : "session", target: "group" },
    builtinRewrites: ttyStopsToStop,
    afterChild: "term-group",
    stopsWithChild: true,
    services: false,
  },
};

/** The mode names, as `--compat` takes them. */
export const COMPAT_MODES = Object.keys(COMPAT) as CompatMode[];

/** The compat mode implied by the name denit was started under (`tini`, `docker-init`…). */
export function compatFromProgramName(argv0: string | undefined): CompatMode {
  const base = (argv0 ?? "").split("/").pop() ?? "";
  return COMPAT_MODES.find((mode) => COMPAT[mode].startedAs(base)) ?? "denit";
}

/** The `--version` line for a mode. */
export function versionLine(compat: CompatMode): string {
  return COMPAT[compat].versionLine();
}
