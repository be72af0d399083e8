/**
 * Waiting with a deadline, for the stop sequence and the output pipes.
 *
 * @module
 */

/** Resolves true if `promise` settles within `ms`, false after (the timer is cleared either way). */
export function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise.then(() => true),
    new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), ms)),
  ]).finally(() => clearTimeout(timer));
}
