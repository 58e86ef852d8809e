/**
 * The Mann-Whitney U test that cclab validate runs on per-run goodputs near
 * BBR's loss cliff: U and two-sided p-values against scipy 1.17
 * (scipy.stats.mannwhitneyu; with ties, the exact conditional p-value from
 * scipy.stats.permutation_test over every permutation).
 */
import { describe, expect, it } from 'vitest';
import { mannWhitney } from '../../src/analysis/mann-whitney.js';

describe('mannWhitney', () => {
  it('gives scipy\'s exact p-values for small samples without ties', () => {
    expect(mannWhitney([19, 22, 16, 29, 24], [20, 11, 17, 12])).toEqual({ u: 17, p: expect.closeTo(0.1111111111, 9), method: 'exact' });
    // the most extreme ordering of 3 against 3: 2 of the 20 splits are as extreme
    const r = mannWhitney([1, 2, 3], [4, 5, 6]);
    expect(r.u).toBe(0);
    expect(r.p).toBeCloseTo(0.1, 12);
    expect(mannWhitney([4, 5, 6], [1, 2, 3]).p).toBeCloseTo(0.1, 12);
  });

  it('counts ties exactly (the permutation distribution of the midranks)', () => {
    const r = mannWhitney([1, 2, 2, 3, 3], [2, 3, 3, 4, 5, 5, 6]);
    expect(r.u).toBe(5);
    expect(r.p).toBeCloseTo(0.0580808081, 9);
    // bimodal goodputs, 5 kernel runs (one collapsed) against 16 simulator seeds (four collapsed)
    const k = [80.1, 79.5, 12.3, 78.0, 81.2];
    const s = [75, 76, 77, 78, 79, 80, 81, 82, 3, 4, 5, 6, 74, 73, 72, 71];
    expect(mannWhitney(k, s)).toEqual({ u: 57.5, p: expect.closeTo(0.1582387341, 9), method: 'exact' });
  });

  it('uses the tie-corrected normal approximation with continuity correction when asked or when samples are large', () => {
    expect(mannWhitney([1, 2, 2, 3, 3], [2, 3, 3, 4, 5, 5, 6], 'normal').p).toBeCloseTo(0.0452844991, 6);
    const a = [10.7, 11.6, 10.7, 7.4, 11.8, 10.9, 8.9, 11.2, 10.7, 10.6, 10.1, 11.1, 8.5, 9.7, 9.0, 11.2, 10.1, 9.4, 8.4, 9.5, 10.0, 9.4, 12.6, 12.0, 4.6, 6.2, 9.7, 9.2, 10.4, 10.4, 14.2, 7.8, 9.2, 14.1, 11.3, 11.3, 9.0, 6.7, 10.3, 10.2];
    const b = [8.5, 9.6, 10.9, 9.1, 10.8, 11.2, 11.1, 10.0, 12.2, 12.8, 11.6, 9.4, 12.5, 10.0, 12.8, 8.9, 12.8, 11.0, 8.5, 10.4, 11.1, 11.5, 9.0, 8.8, 11.4, 10.1, 11.5, 12.5, 7.7, 11.5, 13.4, 10.4, 9.4, 12.5, 11.5, 12.8, 10.3, 8.0, 10.8, 10.1, 12.6, 11.4, 7.7, 8.6, 12.8, 12.4, 9.7, 11.0, 11.9, 11.9, 12.8, 11.5, 10.8, 10.5, 13.1, 6.5, 10.7, 11.1, 8.1, 11.7];
    const r = mannWhitney(a, b, 'normal');
    expect(r.u).toBe(882.5);
    expect(r.p).toBeCloseTo(0.0256567314, 6);
    // the exact count agrees closely at this size
    expect(mannWhitney(a, b, 'exact').p).toBeCloseTo(r.p, 2);
    const big = Array.from({ length: 300 }, (_, i) => i);
    expect(mannWhitney(big, big.map((v) => v + 0.5)).method).toBe('normal');
  });

  it('does not reject identical samples and rejects clearly separated ones', () => {
    expect(mannWhitney([5, 5, 5], [5, 5, 5, 5]).p).toBe(1);
    expect(mannWhitney([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]).p).toBeCloseTo(2 / 252, 12);
    expect(() => mannWhitney([], [1])).toThrow(/at least one value/);
  });
});
