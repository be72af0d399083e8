/**
 * The images and examples, checked without a Docker engine, with the real
 * programs: the php-fpm example's configuration passes `php-fpm8.2 -t` laid out
 * as the official php image lays it out (its zz-docker.conf ends inside [www]),
 * the nginx example's passes `nginx -t` under the official image's main config
 * and keeps /docker-entrypoint.sh, every Dockerfile builds denit in a stage of
 * its own (no locally built image), on a supported base, with an explicit
 * STOPSIGNAL and a stop timeout under Docker's 10 s; the install script's
 * runtime works as PID 1; build_rootfs.ts bundles fresh, makes /tmp 1777 and
 * says what it built; every documented denit invocation uses `deno run -q`.
 */
import { deepEqual, equal, match, notEqual, ok } from "node:assert/strict";
import { asPid1, ROOT } from "./_helpers/denit.ts";
import { installed } from "./_helpers/fixtures.ts";
import { run } from "./_helpers/process.ts";
import { tempDir } from "./_helpers/fs.ts";

const FPM = "/usr/sbin/php-fpm8.2";
const NGINX = "/usr/sbin/nginx";
const EXAMPLES = ["nginx", "php-fpm", "node"];

/** A Dockerfile's instructions, continuation lines joined, comments dropped. */
async function instructions(path: string): Promise<Array<[string, string]>> {
  const text = (await Deno.readTextFile(path)).replace(/\\\n/g, " ");
  return text.split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const space = line.indexOf(" ");
      return [line.slice(0, space).toUpperCase(), line.slice(space + 1).trim()];
    });
}

/** The last ENTRYPOINT (exec form) of a Dockerfile. */
async function entrypoint(path: string): Promise<string[]> {
  const found = (await instructions(path)).filter(([op]) => op === "ENTRYPOINT").at(-1);
  ok(found, `${path} has no ENTRYPOINT`);
  return JSON.parse(found[1]);
}

/** Files a Dockerfile copies from the build context into `directory`: [source, destination]. */
async function copiedInto(path: string, directory: string): Promise<Array<[string, string]>> {
  return (await instructions(path))
    .filter(([op, rest]) => op === "COPY" && !rest.startsWith("--from"))
    .map(([, rest]) => rest.split(/\s+/) as [string, string])
    .filter(([, destination]) => destination.startsWith(directory));
}

Deno.test({
  name: "examples/php-fpm: its config passes php-fpm8.2 -t, laid out as the official image does",
  ignore: !await installed("php8.2-fpm", [FPM]),
  async fn() {
    await using dir = await tempDir("denit-fpm-layout-");
    const d = dir.path;
    await Deno.mkdir(`${d}/php-fpm.d`);
    // The official image: php-fpm.conf includes php-fpm.d/*.conf, read in name order:
    // docker.conf, www.conf, zz-docker.conf (which ends inside [www]), then the example's.
    await Deno.writeTextFile(
      `${d}/php-fpm.conf`,
      `[global]\npid = ${d}/fpm.pid\nerror_log = ${d}/fpm.log\ninclude = ${d}/php-fpm.d/*.conf\n`,
    );
    await Deno.writeTextFile(
      `${d}/php-fpm.d/docker.conf`,
      `[global]\nerror_log = /proc/self/fd/2\nlog_limit = 8192\n\n[www]\n` +
        `access.log = /proc/self/fd/2\nclear_env = no\ncatch_workers_output = yes\n` +
        `decorate_workers_output = no\n`,
    );
    await Deno.writeTextFile(
      `${d}/php-fpm.d/www.conf`,
      `[www]\nuser = www-data\ngroup = www-data\nlisten = 127.0.0.1:9000\npm = dynamic\n` +
        `pm.max_children = 5\npm.start_servers = 2\npm.min_spare_servers = 1\n` +
        `pm.max_spare_servers = 3\n`,
    );
    await Deno.writeTextFile(
      `${d}/php-fpm.d/zz-docker.conf`,
      `[global]\ndaemonize = no\n\n[www]\nlisten = 9000\n`,
    );
    const dockerfile = `${ROOT}/examples/php-fpm/Dockerfile`;
    const copies = await copiedInto(dockerfile, "/usr/local/etc/php-fpm.d/");
    ok(copies.length > 0, "the example adds no pool/global configuration");
    ok(
      !(await Deno.readTextFile(dockerfile)).includes("> /usr/local/etc/php-fpm.d/"),
      "configuration written by RUN echo cannot be checked",
    );
    for (const [source, destination] of copies) {
      await Deno.copyFile(`${ROOT}/${source}`, `${d}/php-fpm.d/${destination.split("/").pop()}`);
    }
    const result = await run([FPM, "-t", "-y", `${d}/php-fpm.conf`]);
    equal(result.code, 0, result.stdout + result.stderr);
    match(result.stdout + result.stderr, /test is successful/);
    match(await Deno.readTextFile(`${ROOT}/${copies[0]![0]}`), /^\[global\]$/m);
  },
});

Deno.test({
  name:
    "examples/nginx: its config passes nginx -t under the image's nginx.conf; the image's entrypoint stays",
  ignore: !await installed("nginx-light", [NGINX]),
  async fn() {
    await using dir = await tempDir("denit-nginx-layout-");
    const d = dir.path;
    await Deno.mkdir(`${d}/conf.d`);
    // The official image's nginx.conf includes /etc/nginx/conf.d/*.conf inside http.
    await Deno.writeTextFile(
      `${d}/nginx.conf`,
      `worker_processes auto;\nerror_log ${d}/error.log notice;\npid ${d}/nginx.pid;\n` +
        `events { worker_connections 1024; }\nhttp {\n  include /etc/nginx/mime.types;\n` +
        `  default_type application/octet-stream;\n  access_log ${d}/access.log;\n` +
        `  sendfile on;\n  keepalive_timeout 65;\n  include ${d}/conf.d/*.conf;\n}\n`,
    );
    const dockerfile = `${ROOT}/examples/nginx/Dockerfile`;
    const copies = await copiedInto(dockerfile, "/etc/nginx/conf.d/");
    ok(copies.length > 0, "the example copies no site configuration");
    for (const [source, destination] of copies) {
      await Deno.copyFile(`${ROOT}/${source}`, `${d}/conf.d/${destination.split("/").pop()}`);
    }
    const result = await run([NGINX, "-t", "-p", `${d}/`, "-c", `${d}/nginx.conf`]);
    equal(result.code, 0, result.stderr);
    match(result.stderr, /test is successful/);

    const argv = await entrypoint(dockerfile);
    const after = argv.slice(argv.indexOf("--") + 1);
    deepEqual(after, ["/docker-entrypoint.sh"], "the image's /docker-entrypoint.sh is lost");
  },
});

Deno.test("every example builds denit in a stage of its own Dockerfile, on a supported base, with STOPSIGNAL", async () => {
  // End-of-life bases (Node 18/20, PHP <= 8.1, Debian bullseye and older, nginx 1.2x < 1.28).
  const endOfLife =
    /^(node:(1\d|20)\b|php:(5|7|8\.[01])\b|nginx:1\.(1\d|2[0-7])\b|.*(buster|bullseye|stretch))/;
  for (const name of EXAMPLES) {
    const path = `${ROOT}/examples/${name}/Dockerfile`;
    const steps = await instructions(path);
    const froms = steps.filter(([op]) => op === "FROM").map(([, rest]) => rest);
    ok(!froms.some((from) => /^denit\b/.test(from)), `${name}: FROM denit needs a local image`);
    ok(froms.some((from) => / AS denit$/i.test(from)), `${name}: no stage builds denit`);
    ok(
      steps.some(([op, rest]) => op === "RUN" && rest.includes("scripts/install_denit.ts")),
      `${name}: the denit stage does not run scripts/install_denit.ts`,
    );
    ok(
      steps.some(([op, rest]) => op === "COPY" && rest.startsWith("--from=denit /out/usr/local/")),
      `${name}: denit is not copied from its stage`,
    );
    for (const from of froms) ok(!endOfLife.test(from), `${name}: end-of-life base ${from}`);
    const stop = steps.filter(([op]) => op === "STOPSIGNAL");
    equal(stop.length, 1, `${name}: no explicit STOPSIGNAL`);
    const argv = await entrypoint(path);
    equal(argv[0], "/usr/local/bin/denit");
    const timeout = argv.indexOf("--stop-timeout");
    ok(timeout > 0 && Number(argv[timeout + 1]) < 10, `${name}: stop timeout not under 10 s`);
  }
  const root = await instructions(`${ROOT}/Dockerfile`);
  for (const [, from] of root.filter(([op]) => op === "FROM")) {
    ok(!endOfLife.test(from), `Dockerfile: end-of-life base ${from}`);
  }
  equal(root.filter(([op]) => op === "STOPSIGNAL").length, 2, "Dockerfile: STOPSIGNAL per runtime");
  const ignore = await Deno.readTextFile(`${ROOT}/.dockerignore`);
  for (const entry of [".git", "dist", "tests"]) {
    ok(ignore.split("\n").includes(entry), `.dockerignore lacks ${entry}`);
  }
});

Deno.test("the README's image snippet stops before Docker's 10 s grace", async () => {
  const readme = await Deno.readTextFile(`${ROOT}/README.md`);
  const snippet = /```dockerfile\n([\s\S]*?)```/.exec(readme)?.[1];
  ok(snippet, "no Dockerfile snippet");
  const timeout = /"--stop-timeout", "([0-9.]+)"/.exec(snippet)?.[1];
  ok(timeout !== undefined && Number(timeout) < 10, `--stop-timeout ${timeout}`);
  match(snippet, /STOPSIGNAL/);
});

Deno.test("every documented denit invocation runs deno with -q", async () => {
  const offenders: string[] = [];
  const readme = await Deno.readTextFile(`${ROOT}/README.md`);
  // Inline code (joined across line breaks) and whole lines of code blocks.
  for (const line of readme.replace(/\n\s*(?!```)/g, " ").split(/`|\n|\\ /)) {
    if (/deno run\b[^`]*\b(mod\.ts|denit\.js)/.test(line) && !/deno run -q\b/.test(line)) {
      offenders.push(`README: ${line.trim()}`);
    }
  }
  for (const path of ["Dockerfile", ...EXAMPLES.map((name) => `examples/${name}/Dockerfile`)]) {
    for (const [op, rest] of await instructions(`${ROOT}/${path}`)) {
      if (op === "ENTRYPOINT" && rest.includes('"run"') && !rest.includes('"run", "-q"')) {
        offenders.push(`${path}: ${rest}`);
      }
    }
  }
  const demo = await Deno.readTextFile(`${ROOT}/scripts/demo.ts`);
  if (!/"run",\s*"-q",\s*"-A",\s*"--no-lock",\s*`\$\{ROOT\}\/mod\.ts`/.test(demo)) {
    offenders.push("scripts/demo.ts");
  }
  deepEqual(offenders, []);
});

Deno.test("install_denit.ts (the examples' denit stage): the bundle runtime runs as PID 1 and passes the exit code on", async () => {
  await using dir = await tempDir("denit-install-");
  const result = await run([
    Deno.execPath(),
    "run",
    "-A",
    "--no-lock",
    `${ROOT}/scripts/install_denit.ts`,
    "/",
    "--prefix",
    dir.path,
  ]);
  equal(result.code, 0, result.stderr);
  const launcher = await Deno.readTextFile(`${dir.path}/bin/denit`);
  match(launcher, /^#!\/bin\/sh\nexec \S+\/deno run -q -A /);
  const denit = await run(asPid1([
    `${dir.path}/bin/denit`,
    "--",
    "sh",
    "-c",
    "cat /proc/1/comm; exit 3",
  ]));
  equal(denit.code, 3, denit.stderr);
  equal(denit.stdout, "deno\n"); // PID 1 is Deno (the launcher exec'd it), not a shell
});

Deno.test("build_rootfs.ts bundles the current sources (never a stale dist/denit.js), makes /tmp 1777 and says what it built", async () => {
  await using dir = await tempDir("denit-rootfs-build-");
  const copy = `${dir.path}/checkout`;
  await Deno.mkdir(`${copy}/dist`, { recursive: true });
  for (const part of ["mod.ts", "deno.json", "src", "plugins", "scripts"]) {
    const cp = await run(["cp", "-r", `${ROOT}/${part}`, `${copy}/${part}`]);
    equal(cp.code, 0, cp.stderr);
  }
  await Deno.writeTextFile(`${copy}/dist/denit.js`, "// stale bundle from an older build\n");
  const rootfs = `${dir.path}/rootfs`;
  const result = await run([
    Deno.execPath(),
    "run",
    "-A",
    "--no-lock",
    `${copy}/scripts/build_rootfs.ts`,
    rootfs,
  ]);
  equal(result.code, 0, result.stderr);
  const bundle = await Deno.readTextFile(`${rootfs}/denit.js`);
  notEqual(bundle, "// stale bundle from an older build\n");
  match(bundle, /definePlugin/);
  equal((await Deno.stat(`${rootfs}/tmp`)).mode! & 0o7777, 0o1777);
  match(result.stderr, /built .*rootfs with deno \S+ and a bundle of the current sources/);
  match(result.stderr, /\/denit\.js\n/);
  match(result.stderr, /unshare --pid --fork --mount .*mount -t proc proc .*\/proc.*chroot/);
  deepEqual(JSON.parse(result.stdout).slice(0, 3), ["/deno", "run", "-q"]);
});
