/**
 * The run phase with several services: start each once its dependencies are
 * ready, restart by policy, route signals through each service's policy, and
 * stop in reverse dependency order (stop.ts). One loop reads signals; the one
 * Reaper owns waitpid; every process goes through the one Spawner.
 *
 * @module
 */

import type { Config } from "../cli.ts";
import { describeError } from "../errors.ts";
import { EXIT_SERVICE_FAILED, exitCodeForError } from "../exit_code.ts";
import type { Environment, Libc } from "../ffi/libc.ts";
import type { Logger } from "../log.ts";
import type { PluginHost } from "../plugin/host.ts";
import { orphanReporter } from "../orphans.ts";
import { Reaper } from "../reaper.ts";
import type { ExitStatus } from "../reaper.ts";
import type { SignalSource } from "../signal_source.ts";
import { signalNumber } from "../signals.ts";
import type { SignalName } from "../signals.ts";
import { Spawner } from "../spawner.ts";
import { OutputPipes } from "./output.ts";
import type { ServiceIo } from "./output.ts";
import { ExitHandler } from "./exits.ts";
import { waitUntilReady } from "./readiness.ts";
import { SignalRouter } from "./signal_router.ts";
import { StopSequence } from "./stop.ts";
import type { StopReason } from "./stop.ts";
import { Unit } from "./unit.ts";
import type { ServiceEntry } from "./unit.ts";
import { exactCommand, exactEnvironment } from "../os_bytes.ts";

/** What the services supervisor needs. */
export interface ServicesSupervisorOptions {
  libc: Libc;
  log: Logger;
  config: Config;
  host: PluginHost;
  source: SignalSource;
  entries: ServiceEntry[];
}

/**
 * denit's environment plus `extra`, for a service or its helpers: every variable denit got
 * passes on byte for byte (not UTF-8 included), as for a single child.
 */
export function environmentWith(extra: Readonly<Record<string, string>>): Environment {
  return exactEnvironment({ ...Deno.env.toObject(), ...extra });
}

/** Runs the services until the stop sequence has finished; returns the exit code. */
export class ServicesSupervisor {
  readonly libc: Libc;
  readonly log: Logger;
  readonly config: Config;
  readonly host: PluginHost;
  readonly reaper: Reaper;
  readonly spawner: Spawner;
  readonly units: Unit[];
  /** Pipes of services with `output: "prefix"` or a notification fd. */
  readonly output: OutputPipes;
  /** The services by name. */
  readonly byName: Map<string, Unit>;
  #router: SignalRouter;
  #cwd: string | undefined;
  #exits: ExitHandler;
  #stop: StopSequence;

  constructor(options: ServicesSupervisorOptions) {
    this.libc = options.libc;
    this.log = options.log;
    this.config = options.config;
    this.host = options.host;
    this.reaper = new Reaper(
      options.libc,
      orphanReporter(options.config, options.log, options.host),
    );
    this.spawner = new Spawner(options.libc, this.reaper);
    this.output = new OutputPipes(options.libc, options.log);
    this.units = options.entries.map((entry) => new Unit(entry, options.log));
    this.byName = new Map(this.units.map((unit) => [unit.name, unit]));
    for (const unit of this.units) {
      for (const name of unit.spec.dependsOn) {
        const dependency = this.byName.get(name)!;
        unit.dependencies.push(dependency);
        dependency.dependents.push(unit);
      }
    }
    this.#stop = new StopSequence(this);
    this.#exits = new ExitHandler(this);
    this.#router = new SignalRouter(this, options.source, options.config.stopSignals ?? []);
  }

  /** Start every service and run until the stop sequence ends. Never throws. */
  async run(): Promise<number> {
    this.host.start({
      childPid: () => this.units.find((unit) => unit.spec.main)?.process?.pid ?? null,
      run: (argv, options, signal) =>
        this.runHelper([...argv], options.env ?? environmentWith({}), options.cwd, signal),
      kill: (name, target) => this.#router.deliver(name, target),
    });
    try {
      this.#cwd = Deno.cwd();
    } catch {
      this.#cwd = undefined;
    }
    void this.#router.pump();
    this.log.info(`Starting ${this.units.length} services`, {
      event: "services.starting",
      services: this.units.map((unit) => unit.name),
    });
    for (const unit of this.units) void this.#startWhenDependenciesReady(unit);
    return await this.#stop.finished;
  }

  /** Whether the stop sequence has begun. */
  get stopping(): boolean {
    return this.#stop.started;
  }

  /** Start the stop sequence (only the first call counts). */
  beginStop(reason: StopReason): void {
    this.#stop.begin(reason);
  }

  /** A main service ended; its code is denit's unless a failure decided first. */
  mainExited(status: ExitStatus): void {
    this.#stop.mainExited(status);
  }

  /** Resolves once every service exit seen so far is handled (plugins included). */
  exitsSettled(): Promise<void> {
    return this.#exits.settled();
  }

  async #startWhenDependenciesReady(unit: Unit): Promise<void> {
    const ready = await Promise.all(unit.dependencies.map((dependency) => dependency.firstReady));
    if (this.stopping) return;
    const missing = unit.dependencies.filter((_, index) => !ready[index]).map((d) => d.name);
    if (missing.length > 0) {
      unit.log.error(
        `Service "${unit.name}" cannot start: ${missing.join(", ")} will not be ready`,
        { event: "service.blocked", dependencies: missing },
      );
      unit.neverReady();
      if (unit.spec.main || unit.spec.critical) {
        this.#stop.begin({ kind: "failure", service: unit.name, exitCode: EXIT_SERVICE_FAILED });
      } else {
        this.#exits.ended(unit, 1);
      }
      return;
    }
    this.launch(unit);
  }

  /** Spawn a service now (first start or restart) and wait for its readiness. */
  launch(unit: Unit): void {
    unit.restartTimer = null;
    if (this.stopping) return;
    const spec = unit.spec;
    const cwd = spec.cwd ?? this.#cwd;
    unit.startedAt = performance.now();
    unit.firstStartedAt ??= unit.startedAt;
    let process;
    let io: ServiceIo | null = null;
    try {
      const notifyFd = spec.ready?.kind === "notifyFd" ? spec.ready.fd : null;
      if (spec.output === "prefix" || notifyFd !== null) {
        io = this.output.open(unit.name, spec.output === "prefix", notifyFd);
      }
      process = this.spawner.start(
        {
          // `-- PROGRAM` as the exact bytes denit was given (other argv never matches them).
          argv: exactCommand(spec.argv),
          env: environmentWith(spec.env),
          ...(cwd === undefined ? {} : { cwd }),
          ...(io === null ? {} : { fds: io.fds }),
        },
        "session",
      );
      io?.started();
    } catch (error) {
      io?.abandon();
      const exitCode = exitCodeForError(error);
      unit.log.error(`Cannot start service "${unit.name}": ${describeError(error)}`, {
        event: "service.spawn_failed",
        exitCode,
      });
      void this.#exits.onExit(unit, { pid: 0, code: exitCode, signal: null, exitCode });
      return;
    }
    unit.process = process;
    unit.pgid = process.pid; // its own session: the leader's pid names its group
    const attempt = new AbortController();
    unit.attempt = attempt;
    unit.log.info(`Service "${unit.name}" started (pid ${process.pid}): ${spec.argv.join(" ")}`, {
      event: "service.started",
      pid: process.pid,
      argv: spec.argv,
    });
    process.exited.then((status) => {
      attempt.abort();
      if (unit.process === process) unit.process = null;
      return this.#exits.onExit(unit, status);
    }).catch((error) => this.log.error(`Cannot handle an exit: ${describeError(error)}`));
    if (spec.oneshot) return; // ready when it exits 0
    if (spec.ready === null) {
      this.ready(unit);
      return;
    }
    // Until it is first ready, `readyTimeout` runs from the first start, restarts included: a
    // service that keeps failing before it is ready cannot hold the start-up for ever.
    const timeoutMs = unit.wasReady
      ? spec.readyTimeoutMs
      : spec.readyTimeoutMs - (unit.startedAt - unit.firstStartedAt);
    void waitUntilReady(spec.ready, timeoutMs, {
      runCommand: async (argv, signal) =>
        (await this.runHelper(argv, environmentWith(spec.env), cwd, signal))
          .exitCode,
      ...(io?.notified === undefined ? {} : { notified: io.notified }),
    }, attempt.signal).then((outcome) => {
      if (outcome === "ready") this.ready(unit);
      if (outcome !== "timeout") return;
      unit.log.error(
        `Service "${unit.name}" was not ready within ${spec.readyTimeoutMs} ms`,
        { event: "service.ready_timeout", timeoutMs: spec.readyTimeoutMs },
      );
      // Start-up cannot go on without it; a service that was ready before keeps running.
      if (!unit.wasReady) {
        this.#stop.begin({ kind: "failure", service: unit.name, exitCode: EXIT_SERVICE_FAILED });
      }
    });
  }

  /** A service passed its readiness check (or needs none). */
  ready(unit: Unit): void {
    if (this.stopping) return;
    const first = unit.markReady();
    unit.log.info(`Service "${unit.name}" is ready`, {
      event: "service.ready",
      pid: unit.process?.pid ?? null,
      first,
      durationMs: Math.round(performance.now() - unit.startedAt),
    });
  }

  /** Signal a service: its master only under a preset, else its process group. */
  signalUnit(unit: Unit, name: SignalName): boolean {
    const process = unit.process;
    if (process === null) return false;
    const pid = unit.policy.masterOnly && name !== "SIGKILL" ? process.pid : -process.pid;
    const errno = this.libc.kill(pid, signalNumber(name));
    if (errno === 0) {
      unit.log.info(`Forwarded ${name} to service "${unit.name}"`, {
        event: "signal.forwarded",
        signal: name,
        pid: process.pid,
      });
      return true;
    }
    unit.log.debug(
      `Cannot forward signal "${name}" to service "${unit.name}" (pid ${process.pid}): ${
        this.libc.describeErrno(errno)
      }`,
      { event: "signal.failed" },
    );
    return false;
  }

  /** Run a helper (readiness command, pre-stop, plugin) to its end; killed when `signal` aborts. */
  runHelper(
    argv: string[],
    env: Environment,
    cwd: string | undefined,
    signal: AbortSignal,
  ): Promise<ExitStatus> {
    const where = cwd ?? this.#cwd;
    return this.spawner.runHelper(
      { argv, env, ...(where === undefined ? {} : { cwd: where }) },
      signal,
      this.log,
    );
  }
}

export type { StopReason };
