/**
 * The 1-σ ellipse of the throughput-vs-delay chart: every point of it lies
 * at Mahalanobis distance 1 from the seeds' mean under their sample
 * covariance, and there is none from fewer than 3 seeds.
 */
import { describe, expect, it } from 'vitest';
import { sigmaEllipse } from '../../src/report/specs.js';

describe('sigmaEllipse', () => {
  it('traces the points at one standard deviation, tilted with the correlation', () => {
    const xs = [40, 44, 47, 52, 45];
    const ys = [30, 33, 36, 38, 31];
    const n = xs.length;
    const mx = xs.reduce((a, b) => a + b) / n;
    const my = ys.reduce((a, b) => a + b) / n;
    let sxx = 0;
    let syy = 0;
    let sxy = 0;
    for (let i = 0; i < n; i++) {
      sxx += (xs[i]! - mx) ** 2 / (n - 1);
      syy += (ys[i]! - my) ** 2 / (n - 1);
      sxy += ((xs[i]! - mx) * (ys[i]! - my)) / (n - 1);
    }
    const det = sxx * syy - sxy * sxy;
    const e = sigmaEllipse(xs, ys)!;
    expect(e.length).toBeGreaterThan(40);
    for (const p of e) {
      const dx = p.x - mx;
      const dy = p.y - my;
      expect((syy * dx * dx - 2 * sxy * dx * dy + sxx * dy * dy) / det).toBeCloseTo(1, 9);
    }
    // positive correlation: the ellipse reaches its highest y right of the mean
    const top = e.reduce((a, b) => (b.y > a.y ? b : a));
    expect(top.x).toBeGreaterThan(mx);
    expect(top.y - my).toBeCloseTo(Math.sqrt(syy), 2);
  });

  it('is a vertical segment when the delays agree, and absent from 2 seeds', () => {
    const e = sigmaEllipse([50, 50, 50], [10, 12, 14])!;
    for (const p of e) expect(p.x).toBe(50);
    expect(Math.max(...e.map((p) => p.y)) - 12).toBeCloseTo(2, 9);
    expect(sigmaEllipse([1, 2], [3, 4])).toBeNull();
  });
});
