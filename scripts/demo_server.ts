/**
 * The demo's workload: a small HTTP server with a slow endpoint that, like
 * nginx, stops at once on SIGTERM and gracefully on SIGQUIT (it finishes the
 * requests in flight, then exits 0). It runs as denit's child, not as PID 1,
 * so Deno's signal listeners are fine here.
 *
 * Usage: deno run -A scripts/demo_server.ts PORT
 *
 * @module
 */
// deno-lint-ignore-file no-console -- a demo program talks on stdout

const port = Number(Deno.args[0] ?? "8080");
const server = Deno.serve(
  { hostname: "127.0.0.1", port, onListen: () => console.log("ready") },
  async (request) => {
    if (new URL(request.url).pathname === "/slow") {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      return new Response("slow response, complete\n");
    }
    return new Response("hello\n");
  },
);
Deno.addSignalListener("SIGTERM", () => Deno.exit(143)); // fast stop: requests in flight are cut
Deno.addSignalListener("SIGQUIT", async () => {
  await server.shutdown(); // graceful: stop accepting, finish what is in flight
  Deno.exit(0);
});
