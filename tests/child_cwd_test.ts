/**
 * denit moves to `/` before it spawns the child, and the child gets its
 * directory from posix_spawn: the child never sees denit in the start
 * directory. A bad working directory from setup() is named (125), not reported
 * as the program's ENOENT.
 */
import { deepEqual, equal, match, throws } from "node:assert/strict";
import { parseCommandLine } from "../src/cli.ts";
import type { Libc, SpawnRequest, WaitResult } from "../src/ffi/libc.ts";
import { spawnProcess } from "../src/ffi/spawn.ts";
import { SYMBOLS } from "../src/ffi/symbols.ts";
import type { Symbols } from "../src/ffi/symbols.ts";
import { createLogger } from "../src/log.ts";
import { PluginHost } from "../src/plugin/host.ts";
import type { SignalSource } from "../src/signal_source.ts";
import { Supervisor } from "../src/supervisor.ts";
import { MOD, MODES, runDenit } from "./_helpers/denit.ts";
import { tempDir } from "./_helpers/fs.ts";

Deno.test("Supervisor.run() is in / when it spawns, and gives the child its directory", async () => {
  const invocation = parseCommandLine(["--single-child", "true"], {});
  if (invocation.kind !== "run") throw new Error("not a run");
  const log = createLogger({ level: "error", format: "text", sink: () => {} });
  const start = Deno.cwd();
  const seen: Array<{ denitCwd: string; request: SpawnRequest }> = [];
  const waits: WaitResult[] = [];
  let wake: (() => void) | null = null;
  const libc = {
    pid: () => 99,
    spawn(request: SpawnRequest) {
      seen.push({ denitCwd: Deno.cwd(), request });
      waits.push({ kind: "exited", pid: 4242, status: 0 });
      wake?.();
      return 4242;
    },
    waitAny: () => waits.shift() ?? { kind: "no-children" },
    kill: () => 0,
  } as unknown as Libc;
  let sent = false;
  const source: SignalSource = {
    mode: "signalfd",
    next: () =>
      new Promise((resolve) => {
        if (sent) return; // no more signals
        wake = () => {
          sent = true;
          resolve([{ signo: 17, pid: 0, uid: 0, code: 0 }]);
        };
      }),
  };
  try {
    const code = await new Supervisor({
      libc,
      log,
      config: invocation.config,
      host: new PluginHost(log),
      source,
    }).run();
    equal(code, 0);
    deepEqual(seen.map((s) => [s.denitCwd, s.request.cwd]), [["/", start]]);
  } finally {
    Deno.chdir(start);
  }
});

for (const { pid1, label } of MODES) {
  Deno.test(`a setup() cwd that does not exist is named, exit 125, ${label}`, async () => {
    await using dir = await tempDir();
    const plugin = `${dir.path}/cwd.ts`;
    await Deno.writeTextFile(
      plugin,
      `import { definePlugin } from "${MOD}";
       export default definePlugin({ name: "cwd", setup: () => ({ cwd: "/no/such/dir" }) });`,
    );
    const result = await runDenit(["--plugin", plugin, "true"], { pid1 });
    equal(result.code, 125, result.stderr);
    match(result.stderr, /Cannot use "\/no\/such\/dir" as the working directory: ENOENT/);
  });

  Deno.test(`the child starts in denit's start directory while denit sits in /, ${label}`, async () => {
    await using dir = await tempDir();
    const result = await runDenit(
      ["sh", "-c", "pwd; readlink /proc/$PPID/cwd"],
      { pid1, cwd: dir.path },
    );
    equal(result.code, 0, result.stderr);
    equal(result.stdout, `${dir.path}\n/\n`);
  });
}

/** libc's symbols as the spawn takes them, without `posix_spawn_file_actions_addchdir_np`. */
function symbolsBefore229(): { symbols: Symbols; close(): void } {
  const library = Deno.dlopen("libc.so.6", SYMBOLS);
  const symbols = new Proxy(library.symbols, {
    get: (target, name) =>
      name === "posix_spawn_file_actions_addchdir_np" ? null : Reflect.get(target, name),
  });
  return { symbols, close: () => library.close() };
}

Deno.test("without addchdir_np (glibc < 2.29) the child still starts in its directory", async () => {
  await using dir = await tempDir();
  const { symbols, close } = symbolsBefore229();
  const start = Deno.cwd();
  const fail = (what: string, code: number): never => {
    throw new Error(`${what}: errno ${code}`);
  };
  try {
    const pid = spawnProcess(symbols, fail, {
      argv: ["/bin/sh", "-c", 'pwd > "$0/where"', dir.path],
      env: { PATH: "/usr/bin:/bin" },
      cwd: dir.path,
      isolation: "none",
    });
    equal(Deno.cwd(), start, "denit is back where it was");
    const status = new Int32Array(1);
    equal(symbols.waitpid(pid, Deno.UnsafePointer.of(status), 0), pid);
    equal(status[0], 0);
    equal((await Deno.readTextFile(`${dir.path}/where`)).trim(), await Deno.realPath(dir.path));
    // A directory it cannot enter fails like a spawn, and denit stays where it was.
    throws(
      () =>
        spawnProcess(symbols, fail, {
          argv: ["/bin/true"],
          env: {},
          cwd: `${dir.path}/missing`,
          isolation: "none",
        }),
      /Cannot execute "\/bin\/true": errno 2/,
    );
    equal(Deno.cwd(), start);
  } finally {
    close();
  }
});
