/**
 * The first step of `deno task test`: make sure the programs the tests run are
 * installed. As root with apt (a fresh Debian machine with only Node.js/npm),
 * it installs the missing Debian packages; anywhere else it says so in one line
 * per missing package. It never fails by itself: the tests that need a missing
 * package are ignored, except under `CI=true`, where they fail instead
 * (`tests/_helpers/fixtures.ts`, `installed()`).
 *
 * @module
 */
// deno-lint-ignore-file no-console -- a set-up step talks to the terminal

/** A Debian package the tests need, a file it installs, and what needs it. */
export interface Needed {
  name: string;
  /** An absolute path, or a program name looked up on PATH. */
  probe: string;
  usedBy: string;
}

/** Keep in step with the README ("Tests") and `tests/_helpers/fixtures.ts`. */
export const NEEDED: readonly Needed[] = [
  { name: "gcc", probe: "gcc", usedBy: "the C fixtures of most tests" },
  { name: "libc6-dev", probe: "/usr/include/stdio.h", usedBy: "the C fixtures of most tests" },
  { name: "util-linux", probe: "unshare", usedBy: "PID namespaces (unshare), setpriv, prlimit" },
  { name: "procps", probe: "/usr/bin/kill", usedBy: "tests that send real-time signals" },
  { name: "nginx-light", probe: "/usr/sbin/nginx", usedBy: "tests/e2e_nginx, the nginx demo" },
  { name: "php8.2-fpm", probe: "/usr/sbin/php-fpm8.2", usedBy: "tests/e2e_php_fpm" },
  { name: "libfcgi-bin", probe: "/usr/bin/cgi-fcgi", usedBy: "tests/e2e_php_fpm (cgi-fcgi)" },
];

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

function present(probe: string): boolean {
  if (probe.startsWith("/")) return exists(probe);
  const path = Deno.env.get("PATH") ?? "/usr/local/bin:/usr/bin:/bin";
  return path.split(":").some((dir) => dir !== "" && exists(`${dir}/${probe}`));
}

async function run(program: string, args: string[]): Promise<boolean> {
  try {
    const status = await new Deno.Command(program, {
      args,
      stdin: "null",
      stdout: "null",
      stderr: "inherit",
      env: { DEBIAN_FRONTEND: "noninteractive" },
    }).output();
    return status.success;
  } catch {
    return false;
  }
}

/** The packages in {@link NEEDED} whose probe file is absent. */
export function missingPackages(): Needed[] {
  return NEEDED.filter((needed) => !present(needed.probe));
}

async function main(): Promise<void> {
  let missing = missingPackages();
  if (missing.length === 0) return;
  const root = Deno.uid() === 0;
  if (root && present("apt-get")) {
    const names = missing.map((needed) => needed.name);
    console.log(`test setup: apt-get install ${names.join(" ")}`);
    await run("apt-get", ["update", "-qq"]);
    await run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...names]);
    missing = missingPackages();
  }
  for (const line of missingLines(missing, { root, ci: Deno.env.get("CI") === "true" })) {
    console.log(line);
  }
}

/** One line per package still missing, saying what happens to the tests that need it. */
export function missingLines(
  missing: readonly Needed[],
  where: { root: boolean; ci: boolean },
): string[] {
  const consequence = where.ci ? "fail (CI=true)" : "are ignored";
  const why = where.root ? "apt-get could not install it" : "not root: install it with apt-get";
  return missing.map((needed) =>
    `test setup: missing Debian package ${needed.name} (${why}); ` +
    `the tests that need it (${needed.usedBy}) ${consequence}`
  );
}

if (import.meta.main) await main();
