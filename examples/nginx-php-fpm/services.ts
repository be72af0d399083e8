/**
 * nginx in front of php-fpm, under denit as PID 1 (`denit --services /etc/denit/services.ts`).
 *
 * Start: the nginx site is rendered from its template (PORT), then php-fpm, then nginx once
 * php-fpm's socket accepts. Stop (`docker stop`): nginx first, gracefully (in-flight requests
 * finish), then php-fpm, gracefully; denit exits with nginx's code.
 *
 * `import type` only: it is erased when the file loads, so the path needs to exist only where
 * the file is type-checked (here, in denit's repository); the image has no denit sources.
 */
import type { ServicesFile } from "../../mod.ts";

export default {
  services: [
    {
      name: "config",
      oneshot: true,
      command:
        "envsubst '$PORT' < /etc/denit/default.conf.template > /etc/nginx/conf.d/default.conf",
      env: { PORT: Deno.env.get("PORT") ?? "8080" },
    },
    {
      name: "php-fpm",
      command: ["php-fpm8.2", "-F", "-y", "/etc/denit/php-fpm.conf"],
      preset: "php-fpm", // SIGTERM -> SIGQUIT (graceful), signals to the master only
      ready: { unix: "/run/php/php-fpm.sock" },
      restart: "on-failure",
      backoff: { initial: 0.5, max: 10 },
      restartLimit: { count: 5, window: 60 },
      critical: true, // php-fpm giving up ends the container with its code
      stopGrace: 20,
    },
    {
      name: "nginx",
      command: ["nginx", "-c", "/etc/denit/nginx.conf", "-g", "daemon off;"],
      preset: "nginx", // SIGTERM -> SIGQUIT, WINCH and USR2 dropped
      dependsOn: ["config", "php-fpm"],
      ready: { tcp: Number(Deno.env.get("PORT") ?? "8080") },
      main: true,
      stopGrace: 20,
    },
  ],
} satisfies ServicesFile;
