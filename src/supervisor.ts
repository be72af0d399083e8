/**
 * The run phase with one child, its life in order: plugins' `setup`, spawn
 * (placed as the compat mode says), every signal through the plugin chain to
 * its target, the reaper on SIGCHLD, then the child's exit, the clean-up of
 * what it left behind, and the exit code. The loop and the decisions live
 * here; the intake, forwarding, reaping, spawning, drain and exit code each
 * have their own module. Nothing here may end denit before the child has ended.
 *
 * @module
 */

import type { Config } from "./cli.ts";
import { COMPAT } from "./compat.ts";
import { describeError } from "./errors.ts";
import { exitReason } from "./exit_code.ts";
import type { Libc, SignalInfo } from "./ffi/libc.ts";
import { Forwarder } from "./forwarding.ts";
import type { Logger } from "./log.ts";
import { orphanReporter } from "./orphans.ts";
import { exactCommand, exactEnvironment } from "./os_bytes.ts";
import { childDirectory, moveToRoot, placeChild } from "./placement.ts";
import type { PluginHost } from "./plugin/host.ts";
import type { RunOptions, SignalDecision, SignalEvent, SignalTarget } from "./plugin/types.ts";
import { drainLeftovers } from "./processes.ts";
import { Reaper } from "./reaper.ts";
import type { ExitStatus } from "./reaper.ts";
import { decideSignal, handleSafely, logReceived, readSignals } from "./signal_intake.ts";
import type { SignalSource } from "./signal_source.ts";
import { signalName, signalNumber } from "./signals.ts";
import type { SignalName } from "./signals.ts";
import { Spawner } from "./spawner.ts";
import type { StartedProcess } from "./spawner.ts";
import { REHEARSAL_PID, rehearsalWorld, warmUp } from "./warm_up.ts";

/** The received signals that ask a job to stop (shell job control). */
const TTY_STOP_SIGNALS: ReadonlySet<SignalName> = new Set(["SIGTSTP", "SIGTTIN", "SIGTTOU"]);
/** The signal number the source reports for SIGCHLD, compared on every signal. */
const SIGCHLD = signalNumber("SIGCHLD");

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
  /** Sends to the child, its group or everyone; made with the child. */
  #forward: Forwarder | null = null;
  /** The child's working directory; helpers start there too (denit itself moves to /). */
  #childCwd: string | undefined;
  #defaultTarget: SignalTarget = "child";
  #selfPid: number;
  /** Signals the kernel sends once on a TTY hand-off, to swallow (dumb-init mode, listeners). */
  #swallowOnce = new Set<SignalName>();
  /** Signals read before the child existed; handled once it runs. */
  #early: SignalInfo[] | null = [];

  constructor(options: SupervisorOptions) {
    this.#libc = options.libc;
    this.#log = options.log;
    this.#config = options.config;
    this.#host = options.host;
    this.#source = options.source;
    this.#selfPid = options.libc.pid();
    this.#reaper = new Reaper(
      options.libc,
      orphanReporter(options.config, options.log, options.host),
    );
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
      kill: (name, target) => this.#forward?.send(name, target) ?? false,
    });

    // 1. Read signals from now on, so that helpers run by setup hooks are reaped.
    void readSignals(this.#source, this.#log, this.#selfPid, (info) => this.#handle(info));

    // 2. Plugins' setup may change the command, its environment and its directory.
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
    this.#childCwd = childDirectory(launch.cwd, cwd);

    // 3. Spawn. Like dumb-init and catatonit, the init does not pin the directory it was
    //    started in: it moves before the spawn, and the child gets its directory from
    //    posix_spawn. A removed directory cannot be named: then the child inherits it and
    //    denit moves afterwards.
    if (this.#childCwd !== undefined) moveToRoot();
    const placement = placeChild(this.#libc, this.#config);
    // In signalfd mode the hand-off's SIGHUP and SIGCONT carry denit's own pid and are dropped
    // as its own (src/signal_intake.ts); only Deno's listeners cannot tell them from a real one.
    if (this.#source.mode === "listeners") {
      for (const name of placement.swallowOnce) this.#swallowOnce.add(name);
    }
    this.#defaultTarget = placement.target;
    this.#child = this.#spawner.start(
      {
        // The exact bytes denit was given wherever the text is unchanged (not UTF-8 included).
        argv: exactCommand(launch.argv),
        env: exactEnvironment(launch.env),
        ...(this.#childCwd === undefined ? {} : { cwd: this.#childCwd }),
      },
      placement.isolation,
      placement.ttyPath,
    );
    const pid = this.#child.pid;
    // Every isolation but "none" puts the child at the head of its own process group.
    const ownGroup = placement.isolation !== "none";
    this.#forward = new Forwarder(this.#libc, this.#log, pid, ownGroup);
    this.#log.info(`Spawned child pid ${pid}: ${launch.argv.join(" ")}`, {
      event: "child.spawned",
      pid,
      argv: launch.argv,
      isolation: placement.isolation,
    });
    if (this.#childCwd === undefined) moveToRoot();

    // 4. Signals that came before the child first; then a warm-up while the child starts
    //    and no signal waits (src/warm_up.ts); then the child's whole life, then the end.
    const early = this.#early ?? [];
    this.#early = null;
    for (const info of early) handleSafely(this.#log, (held) => this.#handle(held), info);
    const idle = () => !this.#libc.signalsPending();
    void warmUp(this.#libc, this.#source, idle, Supervisor.#rehearsal(this.#config, this.#log));
    const status = await this.#child.exited;
    return await this.#finish(status);
  }

  /**
   * One child's end played on inert doubles (src/warm_up.ts) by a supervisor of its own,
   * in acts: the doubles and the rehearsing supervisor are made; a SIGTERM through the
   * plugin chain to the forwarder; the SIGCHLD and the reaper; `#finish` with its hooks,
   * clean-up and shutdown. Nothing it does can reach a process or the log. Each act starts
   * only when the warm-up asks for the next one.
   */
  static *#rehearsal(config: Config, log: Logger): Generator<Promise<unknown> | undefined> {
    const SIGTERM = signalNumber("SIGTERM");
    // The rehearsed child is killed by SIGTERM: a wait status with the signal in its low bits.
    const world = rehearsalWorld(config, log, SIGTERM);
    const rehearsal = new Supervisor({ ...world, config });
    rehearsal.#early = null;
    rehearsal.#forward = new Forwarder(world.libc, world.log, REHEARSAL_PID, true);
    const exited = rehearsal.#reaper.watch(REHEARSAL_PID);
    // An act of its own (~0.6 ms): none of it is on a real signal's path, so a signal that
    // comes meanwhile should not wait for the SIGTERM act too.
    yield;
    rehearsal.#handle({ signo: SIGTERM, pid: 0, uid: 0, code: 0 });
    yield;
    rehearsal.#handle({ signo: SIGCHLD, pid: REHEARSAL_PID, uid: 0, code: 1 });
    yield;
    yield exited.then((status) => rehearsal.#finish(status));
  }

  /** One signal: SIGCHLD reaps; any other goes through the plugin chain to its target. */
  #handle(info: SignalInfo): void {
    if (info.signo === SIGCHLD) {
      this.#reaper.reap();
      return;
    }
    if (this.#early !== null) {
      this.#early.push(info);
      return;
    }
    const name = signalName(info.signo);
    logReceived(this.#log, name, info);
    if (this.#swallowOnce.delete(name)) {
      this.#log.info(`Ignoring ${name} sent by the kernel for the TTY hand-off`, {
        event: "signal.dropped",
        signal: name,
      });
      return;
    }
    decideSignal(
      this.#host,
      this.#log,
      info,
      name,
      this.#defaultTarget,
      (event, decision) => this.#carryOut(event, decision),
    );
  }

  /** Do what the chain decided, tell `afterSignal`, and stop denit too if the mode says so. */
  #carryOut(event: SignalEvent, decision: SignalDecision): void {
    let delivered = false;
    if (decision.signal === null) {
      this.#log.info(`Dropped ${event.signal}`, { event: "signal.dropped", signal: event.signal });
    } else {
      delivered = this.#forward!.send(decision.signal, decision.target);
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
    if (
      TTY_STOP_SIGNALS.has(event.signal) && decision.signal !== null &&
      COMPAT[this.#config.compat].stopsWithChild && this.#selfPid !== 1
    ) {
      this.#libc.kill(this.#selfPid, signalNumber("SIGSTOP"));
    }
  }

  /** The child ended: plugins may map its code, what it left is cleaned up, denit exits. */
  async #finish(status: ExitStatus): Promise<number> {
    this.#forward!.childExited = true;
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
    const { reason, text } = exitReason(status, exitCode);
    this.#log.info(`Exiting with code ${exitCode}: ${text}`, { event: "exit", exitCode, reason });
    return exitCode;
  }

  /** What happens to the processes the main child leaves behind, per compat mode. */
  async #cleanUpAfterChild(): Promise<void> {
    const forward = this.#forward!;
    switch (COMPAT[this.#config.compat].afterChild) {
      case "reap-once":
        this.#reaper.reap();
        return;
      case "term-group": {
        // SIGTERM through the rewrite table (`-r 15:0` sends nothing).
        let signal: SignalName | null = "SIGTERM";
        for (const [from, to] of this.#config.rewrites) if (from === "SIGTERM") signal = to;
        if (signal !== null) forward.group(signalNumber(signal));
        return;
      }
      case "drain":
        await drainLeftovers({
          reaper: this.#reaper,
          log: this.#log,
          timeoutMs: this.#config.drainTimeoutMs,
          signalAll: (signo) => forward.everyone(signo),
          startMessage: "Main child is gone; sending SIGTERM to the processes left",
        });
    }
  }

  /** A plugin's `ctx.run`: started by the spawner in the child's directory, logged here. */
  #runHelper(
    argv: readonly string[],
    options: RunOptions,
    signal: AbortSignal,
  ): Promise<ExitStatus> {
    const cwd = options.cwd ?? this.#childCwd;
    return this.#spawner.runHelper(
      {
        argv: [...argv],
        env: options.env ?? exactEnvironment(Deno.env.toObject()),
        ...(cwd === undefined ? {} : { cwd }),
      },
      signal,
      this.#log,
    );
  }
}
