/**
 * examples/nginx-php-fpm: its services file passes denit's validation, and
 * its nginx and php-fpm configurations pass `nginx -t` and `php-fpm8.2 -t`
 * (container paths moved into a temp dir, the site rendered as the oneshot would).
 */
import { deepEqual, equal } from "node:assert/strict";
import { validateServices } from "../src/services/validate.ts";
import { ROOT } from "./_helpers/denit.ts";
import { installed as isInstalled } from "./_helpers/fixtures.ts";
import { run } from "./_helpers/process.ts";
import { tempDir } from "./_helpers/fs.ts";

const EXAMPLE = `${ROOT}/examples/nginx-php-fpm`;
const installed = await isInstalled("nginx-light", ["/usr/sbin/nginx"]) &&
  await isInstalled("php8.2-fpm", ["/usr/sbin/php-fpm8.2"]);

Deno.test("examples/nginx-php-fpm/services.ts is a valid services file in the documented order", async () => {
  const module = await import(`${EXAMPLE}/services.ts`);
  const specs = validateServices(module.default);
  deepEqual(specs.map((s) => [s.name, s.dependsOn]), [
    ["config", []],
    ["php-fpm", []],
    ["nginx", ["config", "php-fpm"]],
  ]);
  deepEqual(specs[1]!.ready, { kind: "unix", path: "/run/php/php-fpm.sock" });
  equal(specs[2]!.main, true);
});

Deno.test({
  name: "examples/nginx-php-fpm: nginx -t and php-fpm8.2 -t accept its configuration",
  ignore: !installed,
  async fn() {
    await using dir = await tempDir("denit-example-");
    const d = dir.path;
    const site = (await Deno.readTextFile(`${EXAMPLE}/default.conf.template`))
      .replaceAll("${PORT}", "8080")
      .replaceAll("/run/php/php-fpm.sock", `${d}/php-fpm.sock`);
    await Deno.writeTextFile(`${d}/default.conf`, site);
    const nginxConf = (await Deno.readTextFile(`${EXAMPLE}/nginx.conf`))
      .replace("/etc/nginx/conf.d/*.conf", `${d}/default.conf`)
      .replace("/run/nginx.pid", `${d}/nginx.pid`);
    await Deno.writeTextFile(`${d}/nginx.conf`, nginxConf);
    const nginx = await run(["/usr/sbin/nginx", "-t", "-p", d, "-c", `${d}/nginx.conf`]);
    equal(nginx.code, 0, nginx.stdout + nginx.stderr);
    const fpmConf = (await Deno.readTextFile(`${EXAMPLE}/php-fpm.conf`))
      .replace("/run/php/php-fpm.sock", `${d}/php-fpm.sock`);
    await Deno.writeTextFile(`${d}/php-fpm.conf`, fpmConf);
    const fpm = await run(["/usr/sbin/php-fpm8.2", "-t", "-y", `${d}/php-fpm.conf`]);
    equal(fpm.code, 0, fpm.stdout + fpm.stderr);
  },
});
