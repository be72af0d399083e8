/**
 * Starting denit: real denit processes as PID 1 of a new PID namespace or not,
 * behind a wrapper command, or from a copy any uid can read; their output read
 * line by line. Tests start Deno with `Deno.execPath()`, never from PATH.
 *
 * @module
 */

import { waitFor } from "./async.ts";
import { copyTree } from "./fs.ts";
import { childrenOf, descendantsOf } from "./process.ts";

export const DENO = Deno.execPath();
export const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
/** The denit under test; DENIT_MOD points tests at another copy (a deliberately broken build). */
export const MOD = Deno.env.get("DENIT_MOD") ?? `${ROOT}/mod.ts`;

/** argv that runs denit with `args` under the pinned Deno (or the given copy of both). */
export function denitArgv(
  args: readonly string[],
  runtime: { deno: string; mod: string } = { deno: DENO, mod: MOD },
): string[] {
  return [runtime.deno, "run", "-A", "--no-lock", runtime.mod, ...args];
}

/** A copy of Deno and denit that any uid can read and run, removed with the scope. */
export interface PublicRuntime extends AsyncDisposable {
  /** The 0755 directory that holds both. */
  dir: string;
  deno: string;
  mod: string;
}

/**
 * Copy Deno and denit's sources into a fresh 0755 directory, for tests that run
 * denit as another uid (nobody): the checkout may sit in a 0700 directory and
 * Deno under `/root/.npm` (npx), neither of which that uid can read.
 */
export async function publicRuntime(): Promise<PublicRuntime> {
  const dir = await Deno.makeTempDir({ prefix: "denit-public-" });
  await Deno.chmod(dir, 0o755);
  const deno = `${dir}/deno`;
  // A hard link when Deno's own file is readable and executable by all (npm makes it 0755);
  // a copy otherwise, or across file systems. Never chmod the link: that is the user's file.
  const linked = await Deno.link(DENO, deno).then(() => true, () => false);
  if (!linked || ((await Deno.stat(deno)).mode! & 0o005) !== 0o005) {
    if (linked) await Deno.remove(deno);
    await Deno.copyFile(DENO, deno);
    await Deno.chmod(deno, 0o755);
  }
  const source = MOD.slice(0, MOD.lastIndexOf("/"));
  const target = `${dir}/denit`;
  const name = MOD.slice(MOD.lastIndexOf("/") + 1);
  await Deno.mkdir(target, { mode: 0o755 });
  await Deno.chmod(target, 0o755);
  // A checkout (mod.ts with src/ and plugins/), or DENIT_MOD naming one file (a bundle).
  const parts = await Deno.stat(`${source}/src`).then(() => ["src", "plugins"], () => []);
  for (const entry of parts) await copyTree(`${source}/${entry}`, `${target}/${entry}`);
  const files = parts.length > 0 ? [name, "deno.json"] : [name]; // src/about.ts reads deno.json
  for (const file of files) {
    await Deno.copyFile(`${source}/${file}`, `${target}/${file}`);
    await Deno.chmod(`${target}/${file}`, 0o644);
  }
  return {
    dir,
    deno,
    mod: `${target}/${MOD.slice(MOD.lastIndexOf("/") + 1)}`,
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}

/** argv that makes `argv` PID 1 of a new PID namespace (killed with its parent). */
export function asPid1(argv: readonly string[]): string[] {
  return ["unshare", "--pid", "--fork", "--mount-proc", "--kill-child", ...argv];
}

/** Collects a stream's text and lets tests wait for lines. */
export class Output {
  text = "";
  #done: Promise<void>;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#done = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of stream) this.text += decoder.decode(chunk, { stream: true });
    })();
  }

  get lines(): string[] {
    return this.text.split("\n").filter((line) => line !== "");
  }

  /** Wait until a line matches; returns it. */
  waitForLine(match: RegExp | string, timeoutMs = 10_000): Promise<string> {
    const test = (line: string) => typeof match === "string" ? line === match : match.test(line);
    return waitFor(() => this.lines.find(test), `a line matching ${match}`, timeoutMs);
  }

  /** Resolves when the stream has ended. */
  closed(): Promise<void> {
    return this.#done;
  }
}

/** Both ways denit runs: as PID 1 of a new PID namespace, and as a plain subreaper. */
export const MODES = [
  { pid1: true, label: "as PID 1" },
  { pid1: false, label: "not as PID 1" },
] as const;

/** Options of {@link startDenit}. */
export interface StartOptions {
  /** Run denit as PID 1 of a new PID namespace (default true). */
  pid1?: boolean;
  env?: Record<string, string>;
  /** Replace the whole environment instead of adding to it. */
  clearEnv?: boolean;
  cwd?: string;
  stdin?: "null" | "piped";
  /** argv placed before denit's, inside the namespace (setpriv, prlimit, env…). */
  wrapper?: readonly string[];
  /** Run this copy of Deno and denit (see {@link publicRuntime}) instead of the checkout's. */
  runtime?: { deno: string; mod: string };
}

/** A running denit. */
export class DenitProcess {
  readonly process: Deno.ChildProcess;
  readonly stdout: Output;
  readonly stderr: Output;
  readonly pid1: boolean;

  constructor(process: Deno.ChildProcess, pid1: boolean) {
    this.process = process;
    this.pid1 = pid1;
    this.stdout = new Output(process.stdout);
    this.stderr = new Output(process.stderr);
  }

  /** denit's pid as seen from here (the child of `unshare` when it is PID 1). */
  denitPid(): Promise<number> {
    if (!this.pid1) return Promise.resolve(this.process.pid);
    const parent = this.process.pid;
    return waitFor(() => childrenOf(parent)[0] ?? 0, "denit to start under unshare");
  }

  /** Send a signal to denit itself. */
  async signal(signal: Deno.Signal | number): Promise<void> {
    const pid = await this.denitPid();
    if (typeof signal === "number") {
      const kill = await new Deno.Command("kill", { args: [`-${signal}`, String(pid)] }).output();
      if (!kill.success) throw new Error(`kill -${signal} ${pid} failed`);
    } else {
      Deno.kill(pid, signal);
    }
  }

  /** Wait for the exit; kills everything and throws after `timeoutMs`. */
  async exit(timeoutMs = 20_000): Promise<{ code: number; stdout: string; stderr: string }> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.kill();
        reject(new Error(`denit did not exit within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    try {
      const status = await Promise.race([this.process.status, timeout]);
      await Promise.all([this.stdout.closed(), this.stderr.closed()]);
      return { code: status.code, stdout: this.stdout.text, stderr: this.stderr.text };
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * SIGKILL denit and every process under it. As PID 1 its namespace dies with it; not as
   * PID 1 the child and its descendants would outlive it (and hold its stdout open), so
   * they are killed by pid first. Safe to call twice.
   */
  kill(): void {
    const pids = this.pid1 ? [] : descendantsOf(this.process.pid);
    try {
      this.process.kill("SIGKILL");
    } catch {
      // already gone
    }
    for (const pid of pids) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.kill();
    await this.process.status;
    await Promise.all([this.stdout.closed(), this.stderr.closed()]);
  }
}

/** Start denit with `args`. Use with `await using` so it never outlives the test. */
export function startDenit(args: readonly string[], options: StartOptions = {}): DenitProcess {
  const pid1 = options.pid1 ?? true;
  const inner = [...(options.wrapper ?? []), ...denitArgv(args, options.runtime)];
  const argv = pid1 ? asPid1(inner) : inner;
  const process = new Deno.Command(argv[0]!, {
    args: argv.slice(1),
    stdin: options.stdin ?? "null",
    stdout: "piped",
    stderr: "piped",
    ...(options.env ? { env: options.env } : {}),
    ...(options.clearEnv ? { clearEnv: true } : {}),
    ...(options.cwd ? { cwd: options.cwd } : {}),
  }).spawn();
  return new DenitProcess(process, pid1);
}

/** Run denit to the end and return its code and output. */
export async function runDenit(
  args: readonly string[],
  options: StartOptions & { timeoutMs?: number } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const denit = startDenit(args, options);
  return await denit.exit(options.timeoutMs);
}
