/**
 * The two-stage Deno floor: the smallest init with denit's signal design —
 * block signals, re-exec once, read a signalfd with a non-blocking FFI read,
 * posix_spawnp with default dispositions, reap with waitpid(-1, WNOHANG),
 * forward with kill. No options, no logging, no plugins: what the runtime and
 * the architecture cost, so denit's own overhead can be seen beside it.
 *
 * Usage: deno run -A two_stage.ts CMD [ARGS...]
 *
 * @module
 */

const c = Deno.dlopen("libc.so.6", {
  sigprocmask: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  execve: { parameters: ["buffer", "buffer", "buffer"], result: "i32" },
  signalfd: { parameters: ["i32", "buffer", "i32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize", nonblocking: true },
  posix_spawnattr_init: { parameters: ["buffer"], result: "i32" },
  posix_spawnattr_setflags: { parameters: ["buffer", "i16"], result: "i32" },
  posix_spawnattr_setsigdefault: { parameters: ["buffer", "buffer"], result: "i32" },
  posix_spawnattr_setsigmask: { parameters: ["buffer", "buffer"], result: "i32" },
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
const blocked = new Uint8Array(128).fill(0xff, 0, 8);
for (const fault of [4, 5, 6, 7, 8, 11, 31]) {
  blocked[(fault - 1) >> 3]! &= ~(1 << ((fault - 1) & 7));
}

if (Deno.env.get("FLOOR_STAGE") !== String(Deno.pid)) {
  c.sigprocmask(0, blocked, new Uint8Array(128));
  const argv = Deno.readTextFileSync("/proc/self/cmdline").split("\0").slice(0, -1);
  const env = Object.entries({ ...Deno.env.toObject(), FLOOR_STAGE: String(Deno.pid) });
  const a = cstrs(argv), e = cstrs(env.map(([k, v]) => `${k}=${v}`));
  c.execve(cstr(Deno.execPath()), a.array, e.array);
  Deno.exit(125);
}
Deno.env.delete("FLOOR_STAGE");
const fd = c.signalfd(-1, blocked, 0o2000000);
const attr = new Uint8Array(512), all = new Uint8Array(128).fill(0xff, 0, 8);
c.posix_spawnattr_init(attr);
c.posix_spawnattr_setsigdefault(attr, all);
c.posix_spawnattr_setsigmask(attr, new Uint8Array(128));
c.posix_spawnattr_setflags(attr, 0x04 | 0x08 | 0x80); // SETSIGDEF | SETSIGMASK | SETSID
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
const child = pidBuffer[0]!, status = new Int32Array(1), buffer = new Uint8Array(128 * 16);
for (;;) {
  const bytes = Number(await c.read(fd, buffer, BigInt(buffer.length)));
  for (let offset = 0; offset < bytes; offset += 128) {
    const signo = new DataView(buffer.buffer).getUint32(offset, true);
    if (signo !== 17) {
      c.kill(-child, signo);
      continue;
    }
    for (let pid; (pid = c.waitpid(-1, status, 1)) > 0;) {
      if (pid !== child) continue;
      const s = status[0]!;
      Deno.exit((s & 0x7f) === 0 ? (s >> 8) & 0xff : 128 + (s & 0x7f));
    }
  }
}
