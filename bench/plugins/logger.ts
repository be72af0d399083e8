/** Benchmark plugin: logs every signal at debug level (not shown at the default level). */
import { definePlugin } from "../../mod.ts";

export default definePlugin({
  name: "bench-logger",
  onSignal: (event, _decision, ctx) => ctx.log.debug(`got ${event.signal}`),
});
