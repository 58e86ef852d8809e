import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LogHistogram } from '../src/network/histogram.js';

describe('LogHistogram', () => {
  it('gives exact quantiles for small integers and exact mean, min, max', () => {
    const h = new LogHistogram();
    for (let i = 1; i <= 100; i++) h.record(i);
    expect(h.count).toBe(100);
    expect(h.mean()).toBe(50.5);
    expect(h.min).toBe(1);
    expect(h.max).toBe(100);
    expect(h.quantile(0.5)).toBe(50.5);
    expect(h.quantile(0.95)).toBe(95.5);
  });
  it('keeps any quantile within 1% of the true sample quantile', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e10, noNaN: true }), { minLength: 1, maxLength: 500 }), fc.double({ min: 0, max: 1, noNaN: true }), (xs, q) => {
        const h = new LogHistogram();
        for (const x of xs) h.record(x);
        const sorted = [...xs].sort((a, b) => a - b);
        const exact = sorted[Math.max(0, Math.ceil(q * xs.length) - 1)]!;
        const got = h.quantile(q);
        // bucket width is at most 1/64 of the value (or 1 below 128)
        expect(Math.abs(got - exact)).toBeLessThanOrEqual(Math.max(1, exact / 64));
      }),
    );
  });
});
