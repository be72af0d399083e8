import { deepEqual, equal, ok, throws } from "node:assert/strict";
import type { PluginHost } from "../src/plugin/host.ts";
import type { SignalDecision, SignalEvent } from "../src/plugin/types.ts";
import { definePlugin } from "../mod.ts";
import { startedHost } from "./_helpers/plugins.ts";
import type { Plugin } from "../mod.ts";

/** Register a well-typed plugin (register() itself takes unknown input). */
function add(host: PluginHost, plugin: Plugin): void {
  host.register(plugin);
}

const TERM: SignalEvent = { signal: "SIGTERM", senderPid: 1, senderUid: 0, receivedAt: 0 };
const KEEP: SignalDecision = { signal: "SIGTERM", target: "group" };

Deno.test("PluginHost.decide() runs pre, normal, post in user order and threads the decision", () => {
  const { host } = startedHost();
  const seen: string[] = [];
  add(host, {
    name: "late",
    order: "post",
    onSignal: (_e, d) => void seen.push(`late:${d.signal}`),
  });
  add(host, { name: "a", onSignal: (_e, d) => (seen.push(`a:${d.signal}`), { signal: "SIGINT" }) });
  add(host, { name: "early", order: "pre", onSignal: () => ({ signal: "SIGQUIT" }) });
  add(host, { name: "b", onSignal: (_e, d) => void seen.push(`b:${d.signal}`) });
  const decision = host.decide(TERM, KEEP);
  deepEqual(decision, { signal: "SIGINT", target: "group" });
  deepEqual(seen, ["a:SIGQUIT", "b:SIGINT", "late:SIGINT"]);
});

Deno.test("PluginHost.decide() stays synchronous when no handler returns a promise", () => {
  const { host } = startedHost();
  add(host, { name: "sync", onSignal: () => ({ target: "child" }) });
  const decision = host.decide(TERM, KEEP);
  ok(!(decision instanceof Promise));
});

Deno.test("PluginHost skips a throwing or rejecting handler and keeps the decision before it", async () => {
  const { host, lines } = startedHost();
  add(host, { name: "rewriter", onSignal: () => ({ signal: "SIGQUIT" }) });
  add(host, {
    name: "thrower",
    onSignal: () => {
      throw new Error("boom");
    },
  });
  add(host, { name: "rejecter", onSignal: () => Promise.reject(new Error("later boom")) });
  const decision = await host.decide(TERM, KEEP);
  deepEqual(decision, { signal: "SIGQUIT", target: "group" });
  ok(
    lines.some((l) =>
      l.includes('Plugin "thrower" failed in onSignal: boom') && l.includes("plugin=thrower")
    ),
  );
  ok(lines.some((l) => l.includes('Plugin "rejecter" failed in onSignal: later boom')));
});

Deno.test("PluginHost skips a handler that outlives its timeout and aborts its signal", async () => {
  const { host, lines } = startedHost();
  let aborted = false;
  add(host, {
    name: "slow",
    onSignal: {
      timeoutMs: 20,
      handler: (_e, _d, ctx) =>
        new Promise(() => ctx.signal.addEventListener("abort", () => aborted = true)),
    },
  });
  const decision = await host.decide(TERM, KEEP);
  deepEqual(decision, KEEP);
  ok(aborted);
  ok(lines.some((l) => l.includes('Plugin "slow" timed out in onSignal after 20 ms')));
});

Deno.test("PluginHost rejects bad verdicts without losing the signal", () => {
  const { host, lines } = startedHost();
  // deno-lint-ignore no-explicit-any
  add(host, { name: "numbers", onSignal: () => ({ signal: 15 as any }) });
  // deno-lint-ignore no-explicit-any
  add(host, { name: "target", onSignal: () => ({ target: "everyone" as any }) });
  deepEqual(host.decide(TERM, KEEP), KEEP);
  equal(lines.filter((l) => l.includes("failed in onSignal")).length, 2);
});

Deno.test("PluginHost.register() throws TypeError for bad plugins and duplicates", () => {
  const { host } = startedHost();
  host.register({ name: "one" });
  throws(() => host.register({ name: "one" }), /already registered/);
  throws(() => host.register({ name: "" }), /non-empty string name/);
  throws(() => host.register({ name: "x", onSignl: () => {} }), /unknown hook "onSignl"/);
  throws(() => host.register({ name: "x", onSignal: 3 }), /must be a function/);
  throws(
    () => host.register({ name: "x", onSignal: { handler: "no" } }),
    /handler must be a function/,
  );
  throws(() => host.register({ name: "x", order: "first" }), /order must be/);
  throws(() => host.register({ name: "x", timeoutMs: -1 }), /timeoutMs must be a positive/);
  throws(() => host.register(null), /must be an object/);
  throws(() =>
    definePlugin({ name: "y", onSignal: { handler: () => {}, order: "last" as "pre" } })
  );
});

Deno.test("PluginHost.childExit() lets plugins map the exit code in order", async () => {
  const { host } = startedHost();
  add(host, {
    name: "remap",
    onChildExit: (exit) => exit.exitCode === 143 ? { exitCode: 0 } : undefined,
  });
  add(host, { name: "seen", onChildExit: (exit) => ({ exitCode: exit.exitCode + 1 }) });
  equal(await host.childExit({ pid: 5, code: null, signal: "SIGTERM", exitCode: 143 }), 1);
});

Deno.test("PluginHost.childExit() skips a result whose exitCode getter throws, and goes on", async () => {
  const { host, lines } = startedHost();
  add(host, {
    name: "getter",
    onChildExit: () => ({
      get exitCode(): number {
        throw new Error("boom");
      },
    }),
  });
  add(host, { name: "next", onChildExit: (exit) => ({ exitCode: exit.exitCode + 1 }) });
  equal(await host.childExit({ pid: 5, code: 3, signal: null, exitCode: 3 }), 4);
  ok(lines.some((line) => line.includes('"getter"') && line.includes("boom")), lines.join("\n"));
});

Deno.test("PluginHost.setup() applies valid patches and skips invalid ones", async () => {
  const { host } = startedHost();
  add(host, { name: "argv", setup: () => ({ argv: ["echo", "hi"] }) });
  // deno-lint-ignore no-explicit-any
  add(host, { name: "bad", setup: () => ({ argv: [] as any }) });
  add(host, { name: "env", setup: (launch) => ({ env: { ...launch.env, A: "1" } }) });
  const launch = await host.setup({ argv: ["x"], env: {}, cwd: "/" });
  deepEqual(launch, { argv: ["echo", "hi"], env: { A: "1" }, cwd: "/" });
});
