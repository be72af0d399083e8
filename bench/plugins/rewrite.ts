/** Benchmark plugin: rewrites SIGUSR2 to itself (the chain does real work, the child sees the same). */
import { definePlugin } from "../../mod.ts";

export default definePlugin({
  name: "bench-rewrite",
  onSignal: (_event, decision) => decision.signal === "SIGUSR2" ? { signal: "SIGUSR2" } : undefined,
});
