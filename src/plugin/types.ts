/**
 * The plugin API: a closed, typed set of hooks.
 *
 * @module
 */

import type { Logger } from "../log.ts";
import type { SignalName } from "../signals.ts";

export type { Logger, SignalName };

/** How a process ended (the main child, a helper, an orphan). */
export interface ExitStatus {
  /** Its pid. */
  pid: number;
  /** Its exit code, when it exited. */
  code: number | null;
  /** The signal that killed it, when it was killed. */
  signal: SignalName | null;
  /** As a shell reports it: the code, or 128 + the signal number. */
  exitCode: number;
}

/** Who receives a forwarded signal. */
export type SignalTarget =
  /** the main child's pid only */
  | "child"
  /** the main child's process group (its session in the default mode) */
  | "group"
  /** every process denit supervises: the whole namespace as PID 1, all descendants otherwise */
  | "all"
  /** one service by name (`--services`), sent as decided, not through its policy */
  | `service:${string}`;

/** Where a plugin's handler runs relative to others: `pre`, then `normal`, then `post`. */
export type HookOrder = "pre" | "normal" | "post";

/** A received signal. */
export interface SignalEvent {
  /** The signal as received. */
  readonly signal: SignalName;
  /** The sender's pid (0 when the kernel sent it or it is unknown). */
  readonly senderPid: number;
  /** The sender's uid. */
  readonly senderUid: number;
  /** `performance.now()` when denit read it. */
  readonly receivedAt: number;
}

/** What will be done with a signal. */
export interface SignalDecision {
  /** The signal to send; `null` drops it. */
  readonly signal: SignalName | null;
  /** Who gets it. */
  readonly target: SignalTarget;
}

/** What an `onSignal` handler returns: nothing keeps the decision, fields replace it. */
export type SignalVerdict = void | undefined | {
  signal?: SignalName | null;
  target?: SignalTarget;
};

/** The child about to be started; `setup` handlers may replace any field. */
export interface LaunchSpec {
  /** The program and its arguments (the program is looked up in PATH). */
  argv: string[];
  /** The child's whole environment. */
  env: Record<string, string>;
  /** The child's working directory. */
  cwd: string;
}

/** Options of {@link PluginContext.run}. */
export interface RunOptions {
  /** Environment of the helper; denit's own by default. */
  env?: Record<string, string>;
  /** Working directory of the helper; the child's by default. */
  cwd?: string;
  /** Kills the helper (its whole process group) when aborted; the hook's signal by default. */
  signal?: AbortSignal;
}

/** Read-only context handed to every hook call. */
export interface PluginContext {
  /** The main child's pid, or null before it is spawned. */
  readonly childPid: number | null;
  /** A logger that tags every line with the plugin's name and hook. */
  readonly log: Logger;
  /** Aborted at the hook's deadline or when denit shuts down. */
  readonly signal: AbortSignal;
  /**
   * Start a helper process through denit's spawner (its own process group,
   * stdio inherited) and resolve with its exit status from denit's reaper.
   * Never use `Deno.Command` in a plugin: the reaper would steal its status.
   */
  run(argv: readonly string[], options?: RunOptions): Promise<ExitStatus>;
  /** Send a signal now, outside the chain. Returns whether it was delivered. */
  kill(signal: SignalName, target?: SignalTarget): boolean;
}

/** How a child ended, as `onChildExit` sees it. */
export interface ChildExit extends ExitStatus {
  /** With `--services`: the service that exited. */
  readonly service?: string;
  /** With `--services`: whether it will be started again. */
  readonly willRestart?: boolean;
}

/** The last word on the exit code. */
export interface ExitInfo {
  /** The code denit is about to exit with. */
  readonly exitCode: number;
  /** How the main child ended, when it was started. */
  readonly child: ExitStatus | null;
}

/** Every hook a plugin may implement. */
export interface PluginHooks {
  /** Before the child is spawned: may replace argv, env or cwd. */
  setup(
    launch: Readonly<LaunchSpec>,
    ctx: PluginContext,
  ): void | Partial<LaunchSpec> | Promise<void | Partial<LaunchSpec>>;
  /** Each received signal, in plugin order: keep, rewrite, retarget, drop or delay it. */
  onSignal(
    event: SignalEvent,
    decision: SignalDecision,
    ctx: PluginContext,
  ): SignalVerdict | Promise<SignalVerdict>;
  /** After the final decision was carried out (`delivered` is false when dropped or failed). */
  afterSignal(
    event: SignalEvent,
    decision: SignalDecision,
    delivered: boolean,
    ctx: PluginContext,
  ): void | Promise<void>;
  /**
   * The main child ended: may map the exit code (tini's `-e`). With `--services`, every
   * service's exit, with `service` and `willRestart` set.
   */
  onChildExit(
    exit: ChildExit,
    ctx: PluginContext,
  ): void | { exitCode: number } | Promise<void | { exitCode: number }>;
  /** A process other than the main child (or a helper) was reaped. */
  onOrphanReaped(orphan: ExitStatus, ctx: PluginContext): void | Promise<void>;
  /** denit is about to exit: last chance to flush or report. */
  beforeExit(info: ExitInfo, ctx: PluginContext): void | Promise<void>;
}

/** The hook names, in the order of a container's life. */
export const HOOK_NAMES = [
  "setup",
  "onSignal",
  "afterSignal",
  "onChildExit",
  "onOrphanReaped",
  "beforeExit",
] as const satisfies readonly (keyof PluginHooks)[];

/** One hook's name. */
export type HookName = typeof HOOK_NAMES[number];

/** A hook: a bare handler, or an object with the handler and its own order and timeout. */
export type HookSpec<F> = F | {
  handler: F;
  order?: HookOrder;
  timeoutMs?: number;
};

/** A plugin as written by its author. */
export type Plugin =
  & {
    /** Unique name, used in logs and errors. */
    name: string;
    /** Default order of its hooks (`normal` unless set). */
    order?: HookOrder;
    /** Default timeout of its hooks in milliseconds (10 000 unless set). */
    timeoutMs?: number;
  }
  & { [K in HookName]?: HookSpec<PluginHooks[K]> };

/**
 * A plugin module may export a factory instead of a plugin, the way Vite and Rollup plugins
 * are written: `--plugin ./cache.ts={"dir":"/var/cache"}` calls it with the JSON object,
 * `--plugin ./cache.ts` with nothing. Options never pass through the environment, so the child
 * does not inherit them.
 */
export type PluginFactory<O extends Record<string, unknown> = Record<string, unknown>> = (
  options?: O,
) => Plugin | Promise<Plugin>;
