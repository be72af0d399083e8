import { deepEqual, equal, throws } from "node:assert/strict";
import { collectedSignals, parseSignal, signalName, signalNumber } from "../src/signals.ts";

Deno.test("parseSignal() reads names, short names, numbers and real-time offsets", () => {
  equal(parseSignal("TERM"), 15);
  equal(parseSignal("sigterm"), 15);
  equal(parseSignal("15"), 15);
  equal(parseSignal("SIGIOT"), 6);
  equal(parseSignal("RTMIN"), 34);
  equal(parseSignal("SIGRTMIN+3"), 37);
  equal(parseSignal("RTMAX-1"), 63);
  equal(parseSignal("32"), null);
  equal(parseSignal("65"), null);
  equal(parseSignal("0"), null);
  equal(parseSignal("RTMIN+31"), null);
  equal(parseSignal(""), null);
  equal(parseSignal("SIGNOPE"), null);
});

Deno.test("signalName() and signalNumber() round-trip every Linux signal", () => {
  for (let signo = 1; signo <= 64; signo++) {
    if (signo === 32 || signo === 33) {
      throws(() => signalName(signo));
      continue;
    }
    equal(signalNumber(signalName(signo)), signo);
  }
  equal(signalName(50), "SIGRTMAX-14");
  equal(signalName(49), "SIGRTMIN+15");
});

Deno.test("collectedSignals() leaves out SIGKILL, SIGSTOP and glibc's 32/33, not faults", () => {
  const collected = collectedSignals();
  for (const left of [9, 19, 32, 33]) equal(collected.includes(left), false);
  const kept = [1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 15, 17, 20, 31, 34, 64];
  deepEqual(kept.every((s) => collected.includes(s)), true);
});
