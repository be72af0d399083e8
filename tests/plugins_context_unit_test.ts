/**
 * Every onSignal handler gets a real context, whatever its parameter list:
 * a context parameter with a default value or a rest parameter make
 * `handler.length` small, and must still receive `ctx` (it is built lazily,
 * not skipped by arity).
 */
import { equal, ok } from "node:assert/strict";
import { definePlugin } from "../src/api.ts";
import type { PluginContext, SignalDecision, SignalEvent } from "../src/plugin/types.ts";
import { startedHost } from "./_helpers/plugins.ts";

const TERM: SignalEvent = { signal: "SIGTERM", senderPid: 1, senderUid: 0, receivedAt: 0 };
const KEEP: SignalDecision = { signal: "SIGTERM", target: "group" };

Deno.test("an onSignal handler whose context parameter has a default gets the real context", () => {
  const { host, lines } = startedHost();
  const fallback = { childPid: -1 } as unknown as PluginContext;
  let seen: number | null | undefined;
  host.register(definePlugin({
    name: "defaulted",
    onSignal(_event: SignalEvent, _decision: SignalDecision, ctx: PluginContext = fallback) {
      seen = ctx.childPid;
      ctx.log.info("hello from a defaulted ctx");
      return { signal: "SIGQUIT" };
    },
  }));
  const decision = host.decide(TERM, KEEP);
  ok(!(decision instanceof Promise), "a synchronous chain stays synchronous");
  equal(decision.signal, "SIGQUIT");
  equal(seen, 42);
  ok(lines.some((line) => line.includes("hello from a defaulted ctx")), lines.join("\n"));
});

Deno.test("an onSignal handler with a rest parameter gets the real context", () => {
  const { host } = startedHost();
  let seen: unknown;
  host.register(definePlugin({
    name: "rest",
    onSignal(...args: [SignalEvent, SignalDecision, PluginContext]) {
      seen = args[2]?.childPid;
      return args[2]?.kill("SIGUSR1") ? { target: "child" } : undefined;
    },
  }));
  const decision = host.decide(TERM, KEEP);
  ok(!(decision instanceof Promise));
  equal(seen, 42);
  equal(decision.target, "child");
});

Deno.test("a context's abort signal is made on first read and is not aborted by a fast hook", () => {
  const { host } = startedHost();
  let aborted: boolean | undefined;
  host.register(definePlugin({
    name: "reader",
    onSignal(_event, _decision, ctx) {
      aborted = ctx.signal.aborted;
    },
  }));
  host.decide(TERM, KEEP);
  equal(aborted, false);
});

Deno.test("a context's abort signal is aborted when denit shuts down, read before or after", () => {
  for (const readFirst of [true, false]) {
    const { host } = startedHost();
    let ctxOfHook: PluginContext | undefined;
    host.register(definePlugin({
      name: "reader",
      onSignal(_event, _decision, ctx) {
        ctxOfHook = ctx;
        if (readFirst) void ctx.signal;
      },
    }));
    host.decide(TERM, KEEP);
    host.shutdown();
    const signal = ctxOfHook!.signal;
    equal(signal.aborted, true, `read ${readFirst ? "before" : "after"} the shutdown`);
    equal((signal.reason as DOMException).name, "AbortError");
  }
});
