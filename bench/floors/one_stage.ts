/**
 * The one-stage Deno floor: the smallest init that uses Deno's signal
 * listeners instead of a re-exec and a signalfd. Cheaper to start, but it
 * cannot forward real-time signals, opens a debugger on SIGUSR1 (Deno 2.9.2+)
 * and, as PID 1, crashes on an unlistened SIGINT/SIGHUP/SIGTERM — the reasons
 * denit does not work this way. Shown for the cost of the re-exec.
 *
 * Usage: deno run -A one_stage.ts CMD [ARGS...]
 *
 * @module
 */

const c = Deno.dlopen("libc.so.6", {
  posix_spawnattr_init: { parameters: ["buffer"], result: "i32" },
  posix_spawnattr_setflags: { parameters: ["buffer", "i16"], result: "i32" },
  posix_spawnattr_setsigdefault: { parameters: ["buffer", "buffer"], result: "i32" },
  posix_spawnp: {
    parameters: ["buffer", "buffer", "buffer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  waitpid: { parameters: ["i32", "buffer", "i32"], result: "i32" },
  kill: { parameters: ["i32", "i32"], result: "i32" },
}).symbols;

const encoder = new TextEncoder();
const cstr = (s: string) => encoder.encode(s + "\0");
function cstrs(items: string[]) {
  const keep = items.map(cstr);
  const array = new BigUint64Array(items.length + 1);
  keep.forEach((b, i) => array[i] = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(b))));
  return { array, keep };
}
const status = new Int32Array(1);
let child = 0;
function reap() {
  for (let pid; (pid = c.waitpid(-1, status, 1)) > 0;) {
    if (pid !== child) continue;
    const s = status[0]!;
    Deno.exit((s & 0x7f) === 0 ? (s >> 8) & 0xff : 128 + (s & 0x7f));
  }
}
const forwarded: Deno.Signal[] = ["SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGUSR2", "SIGWINCH"];
for (const name of forwarded) Deno.addSignalListener(name, () => Deno.kill(-child, name));
Deno.addSignalListener("SIGCHLD", reap);
const attr = new Uint8Array(512);
c.posix_spawnattr_init(attr);
c.posix_spawnattr_setsigdefault(attr, new Uint8Array(128).fill(0xff, 0, 8));
c.posix_spawnattr_setflags(attr, 0x04 | 0x80); // SETSIGDEF | SETSID
const argv = cstrs(Deno.args),
  envp = cstrs(Object.entries(Deno.env.toObject()).map(([k, v]) => `${k}=${v}`));
const pidBuffer = new Int32Array(1);
if (
  c.posix_spawnp(
    pidBuffer,
    cstr(Deno.args[0]!),
    new Uint8Array(256),
    attr,
    argv.array,
    envp.array,
  ) !== 0
) {
  Deno.exit(127);
}
child = pidBuffer[0]!;
reap();
setInterval(() => {}, 2 ** 31 - 1); // listeners alone do not keep Deno alive
