import { describe, expect, it } from 'vitest';
import { assignFolds, meanAbsoluteError, rSquared } from '../../src/model/evaluate.js';
import { applyScaling, fitScaling, invertScaling, resolveTargets } from '../../src/model/features.js';
import { meanLossRate } from '../../src/scenario/schema.js';
import { InputError } from '../../src/scenario/errors.js';

describe('R² and MAE', () => {
  it('match hand-computed values', () => {
    // mean 2.5; SS_tot = 2.25+0.25+0.25+2.25 = 5; SS_res = 0.25+0+0.25+1 = 1.5
    expect(rSquared([1, 2, 3, 4], [1.5, 2, 2.5, 5])).toBeCloseTo(1 - 1.5 / 5, 12);
    expect(meanAbsoluteError([1, 2, 3, 4], [1.5, 2, 2.5, 5])).toBeCloseTo((0.5 + 0 + 0.5 + 1) / 4, 12);
  });

  it('R² is 1 for a perfect fit, 0 for predicting the mean, negative when worse', () => {
    expect(rSquared([3, 1, 2], [3, 1, 2])).toBe(1);
    expect(rSquared([3, 1, 2], [2, 2, 2])).toBe(0);
    expect(rSquared([3, 1, 2], [1, 3, 2])).toBeLessThan(0);
  });

  it('R² is undefined (NaN) for a constant target', () => {
    expect(rSquared([2, 2, 2], [2, 2, 2.1])).toBeNaN();
  });

  it('refuses arrays of different lengths', () => {
    expect(() => rSquared([1, 2], [1])).toThrow(/length/);
  });
});

describe('k-fold assignment', () => {
  it('puts every group in exactly one fold, fold sizes within one, repeatable by seed', () => {
    const f = assignFolds(23, 5, 7);
    expect(f).toHaveLength(23);
    const sizes = [0, 1, 2, 3, 4].map((k) => f.filter((x) => x === k).length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    expect(assignFolds(23, 5, 7)).toEqual(f);
    expect(assignFolds(23, 5, 8)).not.toEqual(f);
  });
});

describe('features and targets', () => {
  it("Gilbert-Elliott loss counts at its stationary rate", () => {
    // P(bad) = p / (p + r) = 0.01 / 0.1 = 0.1; loss 100% in bad, 0% in good
    expect(meanLossRate({ kind: 'gemodel', p: 0.01, r: 0.09, oneMinusH: 1, oneMinusK: 0 })).toBeCloseTo(0.1, 12);
    expect(meanLossRate({ kind: 'bernoulli', p: 0.03 })).toBe(0.03);
  });

  it('scaling round-trips, and a nearly constant column is not blown up', () => {
    const rows = [
      [1, 10],
      [3, 10.001],
    ];
    const s = fitScaling(rows, [0.1, 0.5]);
    expect(s.sd[1]).toBe(0.5);
    expect(applyScaling([3, 10.001], s)[1]).toBeLessThan(0.01);
    expect(invertScaling(applyScaling([2.5, 9], s), s)).toEqual([2.5, 9].map((x) => expect.closeTo(x, 12)));
  });

  it('unknown targets are an input error naming the known ones', () => {
    expect(() => resolveTargets(['goodput', 'latency'])).toThrow(InputError);
    expect(() => resolveTargets(['latency'])).toThrow(/known: goodput, throughput, retransRatio/);
  });
});
