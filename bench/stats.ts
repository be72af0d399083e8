/** Small statistics for benchmark samples. @module */

/** Summary of a sample set. */
export interface Summary {
  n: number;
  median: number;
  p90: number;
  p99: number | null;
}

function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}

/** Median, p90, and p99 when there are at least 100 samples. */
export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    median: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: sorted.length >= 100 ? percentile(sorted, 0.99) : null,
  };
}
