/**
 * cclab validate on points with short flows: the runs' median flow
 * completion times, simulator against kernel, within 15% (issue 16's
 * target), with the 95th percentile shown beside them.
 */
import { describe, expect, it } from 'vitest';
import { fctCheck, validationCounts, validationMarkdown, type Validation, type ValidatedPoint } from '../../src/analysis/validate.js';
import type { RunRecord } from '../../src/analysis/compare.js';

function run(p50: number | null, p95 = 2 * (p50 ?? 0)): RunRecord {
  return {
    dir: '/nowhere',
    resolved: {} as RunRecord['resolved'],
    summary: (p50 === null ? {} : { fct: { flows: 100, finished: 100, fctMs: { mean: p50, p50, p95, p99: p95 }, slowdown: null, bySize: [] } }) as unknown as RunRecord['summary'],
  };
}

describe('the FCT check of a point', () => {
  const kernel = [run(180), run(200), run(220)]; // median 200 ms on average
  it('passes within 15% of the kernel median and fails beyond it', () => {
    const close = fctCheck(kernel, [run(228), run(228)])!;
    expect(close.relErr).toBeCloseTo(0.14, 10);
    expect(close.ok).toBe(true);
    const far = fctCheck(kernel, [run(232), run(232)])!;
    expect(far.relErr).toBeCloseTo(0.16, 10);
    expect(far.ok).toBe(false);
    expect(fctCheck(kernel, [run(168)])!.ok).toBe(false); // -16%
    expect(far.p95.kernel.mean).toBe(400);
    expect(far.p95.sim.mean).toBe(464);
  });
  it('does not apply to points without short flows, on either side', () => {
    expect(fctCheck([run(null)], [run(null)])).toBeUndefined();
    expect(fctCheck(kernel, [run(null)])).toBeUndefined();
  });
  it('fails the point, and shows in the counts and the report', () => {
    const fct = fctCheck(kernel, [run(260), run(262)])!;
    const metric = { goodputMbps: 0, retransRatio: 0, rttMeanMs: 0 };
    const spread = { goodputMbps: { mean: 1, sd: 0, n: 3 }, retransRatio: { mean: 0, sd: 0, n: 3 }, rttMeanMs: { mean: 50, sd: 0, n: 3 } };
    const point: ValidatedPoint = {
      group: 'kernel-workload',
      label: 'brutal 25mbit',
      params: {},
      kernel: spread,
      sim: spread,
      relErr: metric,
      ok: { goodputMbps: true, retransRatio: true, rttMeanMs: true },
      noisy: { goodputMbps: false, retransRatio: false, rttMeanMs: false },
      withinNoise: { goodputMbps: false, retransRatio: false, rttMeanMs: false },
      shares: [],
      fct,
      pass: false,
    };
    const v: Validation = { reference: 'r', points: [point], tolerance: {} as Validation['tolerance'], comparisons: [], lossCharts: [] };
    expect(validationCounts(v).fct).toEqual([0, 1]);
    const md = validationMarkdown(v, { kernelRelease: 'x', charts: [], command: 'c', kernelReps: '3', simSeedsText: '30 seeds' });
    expect(md).toContain('median flow completion time 0/1');
    expect(md).toContain('| brutal 25mbit | 200.0 ± 20.0 | 261.0 ± 1.4 | +30.5% | **no** | 400.0 ± 40.0 | 522.0 ± 2.8 |');
  });
});
