/**
 * Error measures for the surrogate model's held-out evaluation, and the
 * seeded k-fold split they are computed on. Small pure functions.
 */
import { Rng } from '../engine/rng.js';

/**
 * Coefficient of determination R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)².
 *
 * 1 is a perfect fit, 0 is no better than predicting the mean of `actual`,
 * negative is worse than that. NaN when `actual` is constant (Σ(y − ȳ)² = 0)
 * or empty: R² is not defined there.
 */
export function rSquared(actual: readonly number[], predicted: readonly number[]): number {
  checkSameLength(actual, predicted);
  const n = actual.length;
  if (n === 0) return NaN;
  let mean = 0;
  for (const y of actual) mean += y;
  mean /= n;
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < n; i++) {
    ssRes += (actual[i]! - predicted[i]!) ** 2;
    ssTot += (actual[i]! - mean) ** 2;
  }
  return ssTot === 0 ? NaN : 1 - ssRes / ssTot;
}

/** Mean absolute error, in the unit of the values; NaN for no values. */
export function meanAbsoluteError(actual: readonly number[], predicted: readonly number[]): number {
  checkSameLength(actual, predicted);
  if (actual.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < actual.length; i++) s += Math.abs(actual[i]! - predicted[i]!);
  return s / actual.length;
}

function checkSameLength(a: readonly number[], b: readonly number[]): void {
  if (a.length !== b.length) throw new Error(`actual and predicted differ in length (${a.length} vs ${b.length})`);
}

/**
 * Assign groups to `k` folds at random (seeded): the groups are shuffled and
 * dealt out in turn, so fold sizes differ by at most one group. Rows that
 * share a group (the flows of one sweep point) always land in the same fold,
 * so a point is never half in training and half in the test.
 * Returns, for each group in the given order, its fold (0..k-1).
 */
export function assignFolds(groupCount: number, k: number, seed: number): number[] {
  if (!Number.isInteger(k) || k < 2) throw new Error(`k-fold needs k >= 2 (got ${k})`);
  const order = seededPermutation(groupCount, seed, 'model/folds');
  const fold = new Array<number>(groupCount);
  order.forEach((g, i) => (fold[g] = i % k));
  return fold;
}

/** A permutation of 0..n-1 (Fisher–Yates) from the named seeded stream. */
export function seededPermutation(n: number, seed: number, stream: string): number[] {
  const rng = new Rng(seed, stream);
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}
