/** The README's first command works: `deno task demo` shows a graceful stop and exits 0. */
import { equal, match } from "node:assert/strict";
import { ROOT } from "./_helpers/denit.ts";
import { installed } from "./_helpers/fixtures.ts";

for (const variant of [[], ["nginx"]]) {
  const nginxMissing = variant.length > 0 && !await installed("nginx-light", ["/usr/sbin/nginx"]);
  Deno.test({
    name: `deno task demo ${variant.join(" ")} stops the server gracefully with denit as PID 1`
      .replace("  ", " "),
    ignore: nginxMissing,
    async fn() {
      const output = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--no-lock", `${ROOT}/scripts/demo.ts`, ...variant],
        stdout: "piped",
        stderr: "piped",
        signal: AbortSignal.timeout(30_000),
      }).output();
      const text = new TextDecoder().decode(output.stdout);
      equal(output.code, 0, text + new TextDecoder().decode(output.stderr));
      match(text, /as PID 1 of a new PID namespace/);
      match(text, /GET \/slow finished: "slow response, complete"/);
      match(text, /prestop\.finished/);
      match(text, /signal\.forwarded Forwarded SIGQUIT/);
      match(text, /finished whole and denit exited 0/);
    },
  });
}
