/**
 * Small pure functions that turn samples into the summary's numbers. Both
 * backends use them, so a metric means the same thing whichever wrote it.
 */
import { quantileSorted } from 'simple-statistics';
import type { RttStats } from './schema.js';

/**
 * Jain's fairness index: (sum x)^2 / (n * sum x^2); 1 when all equal,
 * 1/n when one flow takes everything. Defined as 1 for no flows or all zero.
 */
export function jainIndex(xs: readonly number[]): number {
  if (xs.length === 0) return 1;
  let s = 0;
  let s2 = 0;
  for (const x of xs) {
    s += x;
    s2 += x * x;
  }
  return s2 === 0 ? 1 : (s * s) / (xs.length * s2);
}

/** min/mean/p50/p95/p99 of samples (all 0 when there are none). Sorts a copy. */
export function rttStats(samplesMs: ArrayLike<number>): RttStats {
  const n = samplesMs.length;
  if (n === 0) return { min: 0, mean: 0, p50: 0, p95: 0, p99: 0 };
  const sorted = Float64Array.from(samplesMs).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i]!;
  const arr = Array.from(sorted);
  return {
    min: round6(sorted[0]!),
    mean: round6(sum / n),
    p50: round6(quantileSorted(arr, 0.5)),
    p95: round6(quantileSorted(arr, 0.95)),
    p99: round6(quantileSorted(arr, 0.99)),
  };
}

/** Round to 6 significant decimals so summaries are stable and readable. */
export function round6(x: number): number {
  return Number.isFinite(x) ? +x.toFixed(6) : 0;
}

/** Bytes over seconds as Mbit/s. */
export function mbps(bytes: number, seconds: number): number {
  return seconds > 0 ? round6((bytes * 8) / seconds / 1e6) : 0;
}
