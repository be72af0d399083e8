/**
 * A timer on Deno's web timers. Deno 2.9's `setTimeout` returns a Node-compatible
 * `Timeout`, and its first call in a process loads that machinery: 8–10 ms, measured,
 * where `AbortSignal.timeout` takes 0.5. denit's stop paths (the stop timeout, the
 * drain) set their first timer right when a child is stopping; they use this one.
 *
 * @module
 */

/**
 * Call `callback` once, `ms` from now. It cannot be cancelled: a caller that no longer
 * needs it checks for itself. It does not keep Deno's event loop alive (denit's pending
 * signal read does).
 */
export function after(ms: number, callback: () => void): void {
  AbortSignal.timeout(ms).addEventListener("abort", callback, { once: true });
}
