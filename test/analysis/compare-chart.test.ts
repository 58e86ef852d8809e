/**
 * The layout of the simulator-vs-kernel overlay charts (cclab validate and
 * cclab compare): x axis, facet and series from the parameters that vary.
 */
import { describe, expect, it } from 'vitest';
import { chartLayout } from '../../src/analysis/compare-chart.js';
import type { ComparedPoint, Comparison } from '../../src/analysis/compare.js';

function comparison(params: Record<string, string | number>[], varying: string[]): Comparison {
  const points = params.map((p, i) => ({ key: String(i), params: p, label: JSON.stringify(p) }) as unknown as ComparedPoint);
  return { points, simOnly: 0, kernelOnly: 0, varying, tolerance: {} as Comparison['tolerance'] };
}

describe('overlay chart layout', () => {
  it("a loss sweep of BBR, Cubic and Brutal at one rate: loss on x, one chart, a series per cc (Brutal's rate is not a facet)", () => {
    const pts: Record<string, string | number>[] = [];
    for (const lossPct of [1, 10, 20]) {
      pts.push({ lossPct, cc: 'bbr' }, { lossPct, cc: 'cubic' }, { lossPct, cc: 'brutal', brutalMbps: 100 });
    }
    expect(chartLayout(comparison(pts, ['lossPct', 'cc', 'brutalMbps']))).toEqual({ x: 'lossPct', facet: null, series: ['cc'] });
  });

  it('Brutal at two rates keeps the rate as a parameter of its own', () => {
    const pts: Record<string, string | number>[] = [];
    for (const lossPct of [1, 10, 20]) {
      pts.push({ lossPct, cc: 'cubic' }, { lossPct, cc: 'brutal', brutalMbps: 50 }, { lossPct, cc: 'brutal', brutalMbps: 100 });
    }
    const l = chartLayout(comparison(pts, ['lossPct', 'cc', 'brutalMbps']));
    expect(l.x).toBe('lossPct');
    expect([l.facet, ...l.series].sort()).toEqual(['brutalMbps', 'cc']);
  });

  it('an RTT x loss grid of one cc: the longer axis on x, the other as facet', () => {
    const pts: Record<string, string | number>[] = [];
    for (const rttMs of [10, 50]) for (const lossPct of [0, 1, 2, 5]) for (const cc of ['bbr', 'cubic']) pts.push({ rttMs, lossPct, cc });
    expect(chartLayout(comparison(pts, ['rttMs', 'lossPct', 'cc']))).toEqual({ x: 'lossPct', facet: 'rttMs', series: ['cc'] });
  });
});
