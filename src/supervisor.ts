/**
 * The run phase: spawn the child, then one loop reads signals and routes each
 * through the plugin chain to `kill()`, SIGCHLD goes to the reaper, and when
 * the main child ends the rest of the tree is drained and the exit code
 * decided. Nothing here may end denit before the child has ended.
 *
 * @module
 */

import type { Config } from "./cli.ts";
import { DenitError, describeError, ErrnoError } from "./errors.ts";
import type { Libc, SignalInfo, SpawnIsolation } from "./ffi/libc.ts";
import type { Logger } from "./log.ts";
import type { PluginHost } from "./plugin/host.ts";
import type { RunOptions, SignalDecision, SignalEvent, SignalTarget } from "./plugin/types.ts";
import { exactCommand, exactEnvironment } from "./os_bytes.ts";
import { signalEveryone } from "./processes.ts";
import { decodeWaitStatus, Reaper } from "./reaper.ts";
import type { ExitStatus } from "./reaper.ts";
import type { SignalSource } from "./signal_source.ts";
import { signalName, signalNumber } from "./signals.ts";
import type { SignalName } from "./signals.ts";
import { Spawner } from "./spawner.ts";
import type { StartedProcess } from "./spawner.ts";
import { warmUp } from "./warm_up.ts";

const SIGHUP = 1;
const SIGKILL = 9;
const SIGTERM = 15;
const SIGCHLD = 17;
const SIGCONT = 18;
const SIGSTOP = 19;
const TTY_STOP_SIGNALS = new Set([20, 21, 22]); // SIGTSTP, SIGTTIN, SIGTTOU
/** How long to wait for SIGKILLed processes to be reaped (a D-state process may never die). */
const KILL_REAP_WAIT_MS = 2000;

/** `chdir("/")`; not fatal when it fails (only an unmount elsewhere could care). */
function moveToRoot(): void {
  try {
    Deno.chdir("/");
  } catch {
    // stays where it is
  }
}

/** What the supervisor needs. */
export interface SupervisorOptions {
  libc: Libc;
  log: Logger;
  config: Config;
  host: PluginHost;
  source: SignalSource;
}

/** Runs the child and everything that follows. */
export class Supervisor {
  #libc: Libc;
  #log: Logger;
  #config: Config;
  #host: PluginHost;
  #source: SignalSource;
  #reaper: Reaper;
  #spawner: Spawner;
  #child: StartedProcess | null = null;
  #childExited = false;
  #childHasOwnGroup = false;
  /** The child's working directory; helpers start there too (denit itself moves to /). */
  #childCwd: string | undefined;
  #defaultTarget: SignalTarget = "child";
  #selfPid: number;
  /** Signals the kernel sends once on a TTY hand-off, to swallow (dumb-init mode). */
  #swallowOnce = new Set<number>();
  #noChildrenWaiters: Array<() => void> = [];
  #warnedGroupOnly = false;
  /** Signals read before the child existed; handled once it runs. */
  #early: SignalInfo[] | null = [];

  constructor(options: SupervisorOptions) {
    this.#libc = options.libc;
    this.#log = options.log;
    this.#config = options.config;
    this.#host = options.host;
    this.#source = options.source;
    this.#selfPid = options.libc.pid();
    this.#reaper = new Reaper(options.libc, (pid, status) => this.#onOrphan(pid, status));
    this.#spawner = new Spawner(options.libc, this.#reaper);
  }

  /**
   * Start the child and supervise it until the end. Throws {@link DenitError}
   * only before the child exists; afterwards it always returns an exit code.
   */
  async run(): Promise<number> {
    this.#host.start({
      childPid: () => this.#child?.pid ?? null,
      run: (argv, options, signal) => this.#runHelper(argv, options, signal),
      kill: (name, target) => this.#send(name, target),
    });

    // Reading starts now so that helpers run by setup hooks are reaped.
    void this.#pump();

    let cwd: string | undefined;
    try {
      cwd = Deno.cwd();
    } catch {
      cwd = undefined; // the directory was removed; the child inherits it as it is
    }
    const launch = await this.#host.setup({
      argv: [...this.#config.command],
      env: Deno.env.toObject(),
      cwd: cwd ?? "",
    });
    this.#childCwd = launch.cwd === ""
      ? cwd
      : launch.cwd.startsWith("/") || cwd === undefined
      ? launch.cwd
      : `${cwd.replace(/\/$/, "")}/${launch.cwd}`;

    // Like dumb-init and catatonit, the init does not pin the directory it was started in.
    // It moves before the spawn, and the child gets its directory from posix_spawn, so the
    // child never sees denit in its old directory. A removed directory cannot be named: then
    // the child inherits it and denit moves afterwards.
    if (this.#childCwd !== undefined) moveToRoot();
    const { isolation, ttyPath } = this.#chooseIsolation();
    this.#child = this.#spawner.start(
      {
        // The exact bytes denit was given wherever the text is unchanged (not UTF-8 included).
        argv: exactCommand(launch.argv),
        env: exactEnvironment(launch.env),
        ...(this.#childCwd === undefined ? {} : { cwd: this.#childCwd }),
      },
      isolation,
      ttyPath,
    );
    const pid = this.#child.pid;
    this.#log.info(`Spawned child pid ${pid}: ${launch.argv.join(" ")}`, {
      event: "child.spawned",
      pid,
      argv: launch.argv,
      isolation,
    });
    if (this.#childCwd === undefined) moveToRoot();
    warmUp(this.#libc, this.#source); // idle while the child starts: compile the paths a signal takes

    const early = this.#early ?? [];
    this.#early = null;
    for (const info of early) this.#handleSafely(info);
    const status = await this.#child.exited;
    return await this.#finish(status);
  }

  /** Where the child goes, and who gets its signals by default. */
  #chooseIsolation(): { isolation: SpawnIsolation; ttyPath?: string } {
    const { compat, singleChild, processGroup } = this.#config;
    // isTerminal() first: asking the kernel needs the ioctl binding, which costs start-up time.
    const controllingTty = Deno.stdin.isTerminal() && this.#libc.foregroundGroup(0) !== null;
    if (compat === "dumb-init") {
      if (singleChild) return this.#isolate("none", "child");
      if (controllingTty) {
        // dumb-init gives up the tty so the child's new session can take it; when we were
        // the session leader the kernel then sends SIGHUP and SIGCONT to our group once.
        const wasLeader = this.#libc.sessionId() === this.#selfPid;
        let ttyPath: string | undefined;
        try {
          ttyPath = Deno.readLinkSync("/proc/self/fd/0");
        } catch {
          ttyPath = undefined;
        }
        if (this.#libc.detachTty(0) === 0 && wasLeader) {
          this.#swallowOnce.add(SIGHUP).add(SIGCONT);
        }
        if (ttyPath !== undefined) {
          return { ...this.#isolate("session-with-tty", "group"), ttyPath };
        }
      }
      return this.#isolate("session", "group");
    }
    if (compat === "tini") {
      return this.#isolate(
        controllingTty ? "foreground-group" : "group",
        processGroup ? "group" : "child",
      );
    }
    if (singleChild) return this.#isolate("none", "child");
    return this.#isolate(controllingTty ? "foreground-group" : "session", "group");
  }

  #isolate(isolation: SpawnIsolation, target: SignalTarget): { isolation: SpawnIsolation } {
    this.#childHasOwnGroup = isolation !== "none";
    this.#defaultTarget = target;
    return { isolation };
  }

  /** The one loop: read signals forever and handle each where it arrives. */
  async #pump(): Promise<void> {
    for (;;) {
      let batch: SignalInfo[];
      try {
        batch = await this.#source.next();
      } catch (error) {
        this.#log.error(`Cannot read signals: ${describeError(error)}`, { event: "signal.error" });
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      for (const info of batch) this.#handleSafely(info);
    }
  }

  /** Handle one signal; whatever goes wrong is logged, never thrown: the child is running. */
  #handleSafely(info: SignalInfo): void {
    try {
      this.#handle(info);
    } catch (error) {
      this.#log.error(`Cannot handle signal ${info.signo}: ${describeError(error)}`, {
        event: "signal.error",
      });
    }
  }

  #handle(info: SignalInfo): void {
    if (info.signo === SIGCHLD) {
      this.#reap();
      return;
    }
    if (this.#early !== null) {
      this.#early.push(info);
      return;
    }
    const name = signalName(info.signo);
    if (this.#log.enabled("info")) {
      this.#log.info(
        info.pid === 0
          ? `Received ${name} from outside the container (sender pid 0: the runtime, another PID namespace or the kernel)`
          : `Received ${name} from pid ${info.pid}`,
        {
          event: "signal.received",
          signal: name,
          sender: info.pid,
          uid: info.uid,
        },
      );
    }
    if (this.#swallowOnce.delete(info.signo)) {
      this.#log.info(`Ignoring ${name} sent by the kernel for the TTY hand-off`, {
        event: "signal.dropped",
        signal: name,
      });
      return;
    }
    const event: SignalEvent = {
      signal: name,
      senderPid: info.pid,
      senderUid: info.uid,
      receivedAt: performance.now(),
    };
    const initial: SignalDecision = { signal: name, target: this.#defaultTarget };
    const decision = this.#host.decide(event, initial);
    if (decision instanceof Promise) {
      decision.then(
        (final) => this.#carryOut(event, final),
        (error) => this.#log.error(`Cannot decide ${name}: ${describeError(error)}`),
      );
    } else {
      this.#carryOut(event, decision);
    }
  }

  #carryOut(event: SignalEvent, decision: SignalDecision): void {
    let delivered = false;
    if (decision.signal === null) {
      this.#log.info(`Dropped ${event.signal}`, { event: "signal.dropped", signal: event.signal });
    } else {
      delivered = this.#send(decision.signal, decision.target);
      if (delivered && this.#log.enabled("info")) {
        this.#log.info(`Forwarded ${decision.signal} to the ${decision.target}`, {
          event: "signal.forwarded",
          received: event.signal,
          signal: decision.signal,
          target: decision.target,
          pid: this.#child?.pid ?? null,
        });
      }
    }
    this.#host.afterSignal(event, decision, delivered);
    // dumb-init's shell background support: a stop request stops the init too, so the
    // shell that started it sees the job stopped. PID 1 cannot be stopped, so skip it, and
    // a request that was dropped (`-r TSTP:drop`, a plugin) stops nothing.
    const received = signalNumber(event.signal);
    if (
      TTY_STOP_SIGNALS.has(received) && decision.signal !== null &&
      this.#config.compat !== "tini" && this.#selfPid !== 1
    ) {
      this.#libc.kill(this.#selfPid, SIGSTOP);
    }
  }

  /** Send a signal to a target. Returns whether it was delivered. */
  #send(name: SignalName, target: SignalTarget): boolean {
    const child = this.#child;
    if (child === null) return false;
    const signo = signalNumber(name);
    if (target === "all") return this.#signalEveryone(signo) > 0;
    // A child that shares denit's group must never be signalled through it: denit is in it.
    const pid = target === "group" && this.#childHasOwnGroup ? -child.pid : child.pid;
    return this.#sendTo(pid, signo, name);
  }

  #sendTo(pid: number, signo: number, name: SignalName): boolean {
    const errno = this.#libc.kill(pid, signo);
    if (errno === 0) return true;
    const who = pid < 0 ? `process group ${-pid}` : `pid ${pid}`;
    const error = new ErrnoError(`Cannot forward signal "${name}" to ${who}`, errno);
    // After the child ended, nobody being there is expected.
    if (this.#childExited) this.#log.debug(error.message, { event: "signal.failed" });
    else this.#log.warn(error.message, { event: "signal.failed" });
    return false;
  }

  #reap(): void {
    try {
      this.#reaper.reap();
    } finally {
      if (!this.#reaper.childrenLeft && this.#noChildrenWaiters.length > 0) {
        for (const wake of this.#noChildrenWaiters.splice(0)) wake();
      }
    }
  }

  #onOrphan(pid: number, rawStatus: number): void {
    const logged = this.#config.warnOnReap || this.#log.enabled("debug");
    const watched = this.#host.has("onOrphanReaped");
    if (!logged && !watched) return;
    const status = decodeWaitStatus(pid, rawStatus);
    const fields = { event: "zombie.reaped", pid, exitCode: status.exitCode };
    if (this.#config.warnOnReap) this.#log.warn(`Reaped zombie process with pid=${pid}`, fields);
    else this.#log.debug(`Reaped zombie process with pid=${pid}`, fields);
    if (watched) this.#host.orphanReaped(status);
  }

  /** Resolves true when no child is left, false after `ms`. */
  #waitForNoChildren(ms: number): Promise<boolean> {
    this.#reaper.reap();
    if (!this.#reaper.childrenLeft) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#noChildrenWaiters = this.#noChildrenWaiters.filter((wake) => wake !== done);
        resolve(false);
      }, ms);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.#noChildrenWaiters.push(done);
    });
  }

  async #finish(status: ExitStatus): Promise<number> {
    this.#childExited = true;
    this.#log.info(
      status.signal === null
        ? `Child pid ${status.pid} exited with code ${status.code}`
        : `Child pid ${status.pid} was killed by ${status.signal ?? "a signal"}`,
      {
        event: "child.exited",
        pid: status.pid,
        code: status.code,
        signal: status.signal,
        exitCode: status.exitCode,
      },
    );
    const exitCode = await this.#host.childExit(status);
    try {
      await this.#cleanUpAfterChild();
    } catch (error) {
      this.#log.error(`Cannot clean up: ${describeError(error)}`);
    }
    await this.#host.beforeExit({ exitCode, child: status });
    this.#host.shutdown();
    const why = status.signal === null
      ? `the child exited with code ${status.code}`
      : `the child was killed by ${status.signal}`;
    const mapped = exitCode === status.exitCode
      ? ""
      : `; -e or a plugin mapped ${status.exitCode} to ${exitCode}`;
    this.#log.info(`Exiting with code ${exitCode}: ${why}${mapped}`, {
      event: "exit",
      exitCode,
      reason: why,
    });
    return exitCode;
  }

  /** What happens to the processes the main child leaves behind, per compat mode. */
  async #cleanUpAfterChild(): Promise<void> {
    const { compat, drainTimeoutMs } = this.#config;
    if (compat === "tini") {
      this.#reaper.reap(); // tini reaps once more and leaves; the kernel kills the rest
      return;
    }
    if (compat === "dumb-init") {
      // dumb-init sends SIGTERM (through its rewrite table) to the group and leaves at once.
      let signo = SIGTERM;
      for (const [from, to] of this.#config.rewrites) if (from === SIGTERM) signo = to;
      if (signo !== 0 && this.#childHasOwnGroup) this.#libc.kill(-this.#child!.pid, signo);
      return;
    }
    this.#reaper.reap();
    if (!this.#reaper.childrenLeft) return;
    if (drainTimeoutMs > 0) {
      this.#log.info(`Main child is gone; sending SIGTERM to the processes left`, {
        event: "drain.started",
        timeoutMs: drainTimeoutMs,
      });
      this.#signalEveryone(SIGTERM);
      this.#signalEveryone(SIGCONT); // a stopped process cannot act on SIGTERM
      if (await this.#waitForNoChildren(drainTimeoutMs)) {
        this.#log.info(`Every process left has exited`, { event: "drain.finished" });
        return;
      }
    }
    this.#log.warn(`Killing the processes left after the drain timeout`, { event: "drain.killed" });
    this.#signalEveryone(SIGKILL);
    await this.#waitForNoChildren(KILL_REAP_WAIT_MS);
  }

  /**
   * {@link signalEveryone}, saying once, plainly, when only the child's process group
   * could be reached (not PID 1 and no /proc to list the descendants).
   */
  #signalEveryone(signo: number): number {
    const group = this.#childHasOwnGroup && this.#child !== null ? this.#child.pid : null;
    const { count, groupOnly } = signalEveryone(this.#libc, signo, group);
    if (groupOnly && !this.#warnedGroupOnly) {
      this.#warnedGroupOnly = true;
      this.#log.warn(
        group === null
          ? "Cannot list the processes left without /proc: none was signalled"
          : `Cannot list the processes left without /proc: signalling process group ${group} only`,
        { event: "drain.blind" },
      );
    }
    return count;
  }

  async #runHelper(
    argv: readonly string[],
    options: RunOptions,
    signal: AbortSignal,
  ): Promise<ExitStatus> {
    signal.throwIfAborted();
    let helper: StartedProcess;
    try {
      helper = this.#spawner.start(
        {
          argv: [...argv],
          env: options.env ?? exactEnvironment(Deno.env.toObject()),
          ...(options.cwd ?? this.#childCwd) === undefined
            ? {}
            : { cwd: options.cwd ?? this.#childCwd! },
        },
        "group",
      );
    } catch (error) {
      throw error instanceof DenitError ? new Error(error.message, { cause: error }) : error;
    }
    const started = performance.now();
    this.#log.info(`Started helper pid ${helper.pid}: ${argv.join(" ")}`, {
      event: "helper.started",
      pid: helper.pid,
      argv: [...argv],
    });
    const kill = () => {
      this.#libc.kill(-helper.pid, SIGKILL);
      this.#libc.kill(helper.pid, SIGKILL);
    };
    signal.addEventListener("abort", kill, { once: true });
    try {
      const status = await helper.exited;
      this.#log.info(`Helper pid ${helper.pid} exited with code ${status.exitCode}`, {
        event: "helper.exited",
        pid: helper.pid,
        exitCode: status.exitCode,
        durationMs: Math.round(performance.now() - started),
      });
      return status;
    } finally {
      signal.removeEventListener("abort", kill);
    }
  }
}
