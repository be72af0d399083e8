/** Benchmark plugin: an onSignal handler that keeps every decision. */
import { definePlugin } from "../../mod.ts";

export default definePlugin({ name: "bench-noop", onSignal: () => {} });
