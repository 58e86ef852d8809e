import { describe as group, expect, it } from 'vitest';
import { ciHalfWidth, describe, harmLessIsBetter, harmMoreIsBetter, tCdf, tQuantile } from '../../src/analysis/stats.js';

group('Student-t quantiles', () => {
  it('match the two-sided 95% column of the usual t table', () => {
    // t_{0.975, df} from standard tables
    const table: [number, number][] = [
      [1, 12.7062],
      [2, 4.3027],
      [3, 3.1824],
      [4, 2.7764],
      [5, 2.5706],
      [9, 2.2622],
      [10, 2.2281],
      [29, 2.0452],
      [30, 2.0423],
      [120, 1.9799],
    ];
    for (const [df, t] of table) expect(tQuantile(0.975, df)).toBeCloseTo(t, 4);
  });
  it('have closed forms for 1 and 2 degrees of freedom', () => {
    // df = 1 is the Cauchy distribution: t = tan(pi (p - 1/2)); df = 2: t = (2p - 1) / sqrt(2 p (1 - p))
    for (const p of [0.6, 0.9, 0.99]) {
      expect(tQuantile(p, 1)).toBeCloseTo(Math.tan(Math.PI * (p - 0.5)), 8);
      expect(tQuantile(p, 2)).toBeCloseTo((2 * p - 1) / Math.sqrt(2 * p * (1 - p)), 8);
    }
  });
  it('approach the normal quantile for many degrees of freedom and are symmetric', () => {
    expect(tQuantile(0.975, 100000)).toBeCloseTo(1.95996, 4);
    expect(tQuantile(0.025, 7)).toBeCloseTo(-tQuantile(0.975, 7), 10);
    expect(tCdf(tQuantile(0.9, 6), 6)).toBeCloseTo(0.9, 10);
  });
});

group('mean, standard deviation and 95% confidence interval across seeds', () => {
  it('match hand-computed values for five seeds', () => {
    // [1..5]: mean 3, sample variance 10/4 = 2.5, sd 1.58114; half-width 2.77645 * 1.58114 / sqrt(5) = 1.96324
    const d = describe([1, 2, 3, 4, 5]);
    expect(d.n).toBe(5);
    expect(d.mean).toBe(3);
    expect(d.sd).toBeCloseTo(1.5811388, 6);
    expect(d.ciLo).toBeCloseTo(1.036757, 5);
    expect(d.ciHi).toBeCloseTo(4.963243, 5);
  });
  it('match hand-computed values for three seeds', () => {
    // [2, 4, 9]: mean 5, squared deviations 9 + 1 + 16 = 26, variance 13, sd 3.605551;
    // half-width 4.302653 * 3.605551 / sqrt(3) = 8.956684
    const d = describe([2, 4, 9]);
    expect(d.mean).toBe(5);
    expect(d.sd).toBeCloseTo(3.6055513, 6);
    expect(d.ciLo).toBeCloseTo(-3.956684, 5);
    expect(d.ciHi).toBeCloseTo(13.956684, 5);
  });
  it('use t with one degree of freedom for two seeds', () => {
    // [10, 12]: sd sqrt(2); half-width 12.706205 * sqrt(2) / sqrt(2) = 12.706205
    const d = describe([10, 12]);
    expect(d.ciHi! - d.mean!).toBeCloseTo(12.706205, 5);
    expect(ciHalfWidth(Math.SQRT2, 2)).toBeCloseTo(12.706205, 5);
  });
  it('give no spread or interval from a single seed, and nothing from none', () => {
    expect(describe([7])).toEqual({ n: 1, mean: 7, sd: null, ciLo: null, ciHi: null });
    expect(describe([])).toEqual({ n: 0, mean: null, sd: null, ciLo: null, ciHi: null });
  });
  it('give a zero-width interval when every seed agrees', () => {
    expect(describe([4, 4, 4])).toEqual({ n: 3, mean: 4, sd: 0, ciLo: 4, ciHi: 4 });
  });
});

group('harm (Ware et al., HotNets 2019)', () => {
  it('is the fraction of throughput lost to the competitor', () => {
    expect(harmMoreIsBetter(40, 10)).toBeCloseTo(0.75, 12);
    expect(harmMoreIsBetter(40, 40)).toBe(0);
    expect(harmMoreIsBetter(40, 0)).toBe(1);
  });
  it('is the fraction of the competing delay that the competitor added', () => {
    // alone 50 ms, competing 200 ms: (200 - 50) / 200
    expect(harmLessIsBetter(50, 200)).toBeCloseTo(0.75, 12);
    expect(harmLessIsBetter(50, 50)).toBe(0);
  });
  it('is negative when the flow did better competing, and undefined without a baseline', () => {
    expect(harmMoreIsBetter(40, 44)).toBeCloseTo(-0.1, 12);
    expect(harmMoreIsBetter(0, 5)).toBeNull();
  });
});
