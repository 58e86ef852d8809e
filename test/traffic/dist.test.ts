/**
 * The traffic models' random variables: hand-computed inverse CDFs, and
 * means over many draws from a fixed seed.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/engine/rng.js';
import { cdfInverse, distMean, draw, paretoScale, type Dist } from '../../src/traffic/dist.js';

const meanOf = (d: Dist, n = 200_000) => {
  const rng = new Rng(3, 'test');
  let s = 0;
  for (let i = 0; i < n; i++) s += draw(d, rng);
  return s / n;
};

describe('draws', () => {
  it('have the means the distributions state', () => {
    expect(meanOf({ kind: 'const', value: 5e9 })).toBe(5e9);
    expect(meanOf({ kind: 'exp', mean: 1e9 }) / 1e9).toBeCloseTo(1, 2);
    expect(meanOf({ kind: 'uniform', lo: 1e9, hi: 3e9 }) / 1e9).toBeCloseTo(2, 2);
    // a Pareto of shape 2.5 converges fast enough for 1%
    expect(meanOf({ kind: 'pareto', mean: 100_000, shape: 2.5 }) / 100_000).toBeCloseTo(1, 1);
  });

  it('puts the Pareto scale at mean (a - 1) / a, and never draws below it', () => {
    expect(paretoScale(100_000, 1.5)).toBeCloseTo(33_333.33, 1);
    const rng = new Rng(1, 'p');
    for (let i = 0; i < 10_000; i++) expect(draw({ kind: 'pareto', mean: 100_000, shape: 1.5 }, rng)).toBeGreaterThanOrEqual(33_333);
  });
});

describe('empirical CDF', () => {
  const pts: [number, number][] = [
    [1000, 0.5],
    [3000, 0.75],
    [10000, 1],
  ];
  it('inverts linearly between its points, with the first point holding its own mass', () => {
    expect(cdfInverse(pts, 0)).toBe(1000);
    expect(cdfInverse(pts, 0.49)).toBe(1000);
    expect(cdfInverse(pts, 0.5)).toBe(1000);
    expect(cdfInverse(pts, 0.625)).toBe(2000);
    expect(cdfInverse(pts, 0.875)).toBe(6500);
    expect(cdfInverse(pts, 0.999999)).toBeCloseTo(10000, 0);
  });
  it('has the mean of its pieces, and draws match it', () => {
    const d: Dist = { kind: 'cdf', points: pts, file: 'x', sha256: '' };
    expect(distMean(d)).toBe(0.5 * 1000 + 0.25 * 2000 + 0.25 * 6500);
    expect(meanOf(d) / distMean(d)).toBeCloseTo(1, 2);
  });
});
