/**
 * One `onSignal` verdict applied to the decision made before it. Whatever the
 * plugin returned (a symbol, a proxy, an object whose getters throw), a bad
 * verdict is reported through `fail` and the decision made before it stands.
 *
 * @module
 */

import { describeValue } from "../errors.ts";
import type { Logger } from "../log.ts";
import { signalFromApi, signalName } from "../signals.ts";
import type { RegisteredHook } from "./define.ts";
import type { SignalDecision, SignalEvent, SignalTarget, SignalVerdict } from "./types.ts";

const TARGETS: readonly SignalTarget[] = ["child", "group", "all"];

/** `service:NAME`, a target with `--services`. */
function isServiceTarget(target: unknown): boolean {
  return typeof target === "string" && /^service:[A-Za-z0-9][A-Za-z0-9._-]*$/.test(target);
}

/** Apply `verdict`; never throws (a failure is passed to `fail`, and `decision` stands). */
export function applyVerdict(
  entry: RegisteredHook,
  event: SignalEvent,
  decision: SignalDecision,
  verdict: SignalVerdict,
  log: Logger,
  fail: (entry: RegisteredHook, error: unknown) => void,
): SignalDecision {
  try {
    return apply(entry, event, decision, verdict, log);
  } catch (error) {
    fail(entry, error);
    return decision;
  }
}

function apply(
  entry: RegisteredHook,
  event: SignalEvent,
  decision: SignalDecision,
  verdict: SignalVerdict,
  log: Logger,
): SignalDecision {
  if (verdict === undefined || verdict === null) return decision;
  if (typeof verdict !== "object") {
    throw new TypeError("onSignal must return nothing or { signal, target }");
  }
  // Each field is read once: a getter could answer differently the second time.
  const verdictSignal: unknown = verdict.signal;
  const verdictTarget: unknown = verdict.target;
  let signal = decision.signal;
  if (verdictSignal !== undefined) {
    if (verdictSignal === null) {
      signal = null;
    } else {
      const number = signalFromApi(verdictSignal);
      if (number === null) {
        throw new TypeError(`onSignal returned an unknown signal ${describeValue(verdictSignal)}`);
      }
      signal = signalName(number);
    }
  }
  let target = decision.target;
  if (verdictTarget !== undefined) {
    if (!TARGETS.includes(verdictTarget as SignalTarget) && !isServiceTarget(verdictTarget)) {
      throw new TypeError(`onSignal returned an unknown target ${describeValue(verdictTarget)}`);
    }
    target = verdictTarget as SignalTarget;
  }
  if (signal !== decision.signal || target !== decision.target) {
    const what = signal === null
      ? `dropped ${event.signal}`
      : signal !== decision.signal
      ? `rewrote ${decision.signal ?? "nothing"} to ${signal}`
      : `sent ${signal} to the ${target}`;
    log.info(`Plugin "${entry.plugin}" ${what}`, {
      event: "signal.decided",
      plugin: entry.plugin,
      received: event.signal,
      signal,
      target,
    });
  }
  return { signal, target };
}
