/**
 * cclab validate near a loss cliff (issue 19): the share of collapsed runs
 * (goodput below half of link x (1 - loss) x payload fraction) within 20
 * percentage points of the kernel's, and a Mann-Whitney U test of per-run
 * goodputs not rejecting at 5%; and the goodput-vs-loss chart of a loss sweep.
 */
import { describe, expect, it } from 'vitest';
import { cliffCheck, goodputCeilingMbps } from '../../src/analysis/cliff.js';
import { lossCliffChart } from '../../src/analysis/cliff-chart.js';
import { validationCounts, validationMarkdown, type Validation, type ValidatedPoint } from '../../src/analysis/validate.js';
import type { RunRecord } from '../../src/analysis/compare.js';
import { validateScenario } from '../../src/scenario/load.js';

function resolvedOf(loss: string, flow: Record<string, unknown> = { cc: 'bbr', rwnd: '64mb' }, extra: Record<string, unknown> = {}): RunRecord['resolved'] {
  const doc = { name: 'cliff', duration: '30s', link: { rate: '100mbit', rtt: '100ms', queue: '1bdp', loss }, flows: [flow], ...extra };
  return validateScenario(doc, 'cliff', null).resolved;
}

function run(goodputMbps: number, resolved = resolvedOf('15%'), seed = 1): RunRecord {
  return { dir: '/nowhere', resolved, summary: { seed, aggregate: { goodputMbps } } as unknown as RunRecord['summary'] };
}

describe('the ceiling of one bulk flow', () => {
  it('is the link rate x (1 - loss) x 1448/1514', () => {
    expect(goodputCeilingMbps(resolvedOf('15%'))).toBeCloseTo(100 * 0.85 * (1448 / 1514), 10);
    expect(goodputCeilingMbps(resolvedOf('0%'))).toBeCloseTo(95.64, 2);
    // Brutal below the link: its own rate
    expect(goodputCeilingMbps(resolvedOf('10%', { cc: 'brutal', brutal: { rate: '30mbit' } }))).toBeCloseTo(30 * 0.9 * (1448 / 1514), 10);
  });
  it('is undefined where it is not that simple', () => {
    expect(goodputCeilingMbps(resolvedOf('1%', { cc: 'bbr', bytes: '1mb' }))).toBeUndefined();
    expect(goodputCeilingMbps(resolvedOf({ gemodel: { p: '1%', r: '20%' } } as unknown as string))).toBeUndefined();
    const two = validateScenario({ name: 'x', duration: '10s', link: { rate: '50mbit', rtt: '50ms', loss: '1%' }, flows: [{ cc: 'bbr' }, { cc: 'cubic' }] }, 'x', null).resolved;
    expect(goodputCeilingMbps(two)).toBeUndefined();
  });
});

describe('the cliff check of a point', () => {
  // ceiling at 15%: 81.3 Mbit/s, collapsed below 40.6
  const kernel = [75, 74, 12, 73, 76].map((g) => run(g)); // 1 of 5 collapsed (20%)
  it('passes when the simulator collapses about as often and its runs are distributed alike', () => {
    const sim = [...Array(40).fill(74), ...Array(10).fill(13)].map((g, i) => run(g + (i % 5) * 0.3)); // 20% collapsed
    const c = cliffCheck(kernel, sim)!;
    expect(c.ceilingMbps).toBeCloseTo(81.29, 2);
    expect(c.collapsed).toEqual({ kernel: 0.2, sim: 0.2 });
    expect(c.test.p).toBeGreaterThan(0.05);
    expect(c.ok).toBe(true);
  });
  it('fails on a collapsed share more than 20 points from the kernel', () => {
    const sim = [...Array(25).fill(74), ...Array(25).fill(13)].map((g, i) => run(g + (i % 5) * 0.3)); // 50% collapsed
    const c = cliffCheck(kernel, sim)!;
    expect(c.collapsed.sim).toBe(0.5);
    expect(c.shareOk).toBe(false);
    expect(c.ok).toBe(false);
  });
  it('fails on the U test when the simulator runs sit lower without collapsing', () => {
    const sim = [...Array(45).fill(55), ...Array(5).fill(13)].map((g, i) => run(g + (i % 5) * 0.3)); // 10% collapsed, the rest at 55
    const c = cliffCheck(kernel, sim)!;
    expect(c.shareOk).toBe(true);
    expect(c.test.p).toBeLessThan(0.05);
    expect(c.testOk).toBe(false);
  });
  it('does not apply away from a cliff, with fewer than 5 kernel runs, or without a simple ceiling', () => {
    expect(cliffCheck([75, 74, 76, 73, 75].map((g) => run(g)), [70, 72, 74].map((g) => run(g)))).toBeUndefined();
    expect(cliffCheck([1, 2, 1, 3, 2].map((g) => run(g)), [1, 2].map((g) => run(g)))).toBeUndefined();
    expect(cliffCheck(kernel.slice(0, 4), [13, 74].map((g) => run(g)))).toBeUndefined();
    const two = validateScenario({ name: 'x', duration: '10s', link: { rate: '100mbit', rtt: '100ms', loss: '15%' }, flows: [{ cc: 'bbr' }, { cc: 'cubic' }] }, 'x', null).resolved;
    expect(cliffCheck([75, 74, 12, 73, 76].map((g) => run(g, two)), [13, 74].map((g) => run(g, two)))).toBeUndefined();
  });
  it('fails the point, and shows in the counts and the report', () => {
    const cliff = cliffCheck(kernel, [...Array(25).fill(74), ...Array(25).fill(13)].map((g) => run(g)))!;
    const zero = { goodputMbps: 0, retransRatio: 0, rttMeanMs: 0 };
    const spread = (n: number) => ({ goodputMbps: { mean: 60, sd: 20, n }, retransRatio: { mean: 0.15, sd: 0, n }, rttMeanMs: { mean: 110, sd: 0, n } });
    const yes = { goodputMbps: true, retransRatio: true, rttMeanMs: true };
    const no = { goodputMbps: false, retransRatio: false, rttMeanMs: false };
    const point: ValidatedPoint = { group: 'kernel-bbr-cliff', label: 'loss=15% cc=bbr', params: {}, kernel: spread(5), sim: spread(50), relErr: zero, ok: yes, noisy: no, withinNoise: no, shares: [], cliff, pass: false };
    const v: Validation = { reference: 'r', points: [point], tolerance: {} as Validation['tolerance'], comparisons: [], lossCharts: [] };
    expect(validationCounts(v).cliff).toEqual([0, 1]);
    expect(validationCounts(v).passOrNoise).toBe(0);
    const md = validationMarkdown(v, { kernelRelease: 'Linux x', charts: [], command: 'cclab validate', kernelReps: '5', simSeedsText: '50 seeds' });
    expect(md).toContain('near a loss cliff, collapsed runs and their distribution 0/1');
    expect(md).toMatch(/\| loss=15% cc=bbr \| 81\.3 \| 20% of 5 \| 50% of 50 \| [0-9.<> ]+ \| \*\*no\*\* \(collapsed share/);
  });
});

describe('the goodput-vs-loss chart', () => {
  const losses = ['0.1%', '1%', '5%', '10%', '15%', '20%'];
  const kernel = losses.flatMap((l) => [run(50, resolvedOf(l)), run(40, resolvedOf(l, { cc: 'cubic', rwnd: '64mb' }))]);
  const sim = losses.flatMap((l) => [1, 2, 3].flatMap((seed) => [run(45 + seed, resolvedOf(l), seed), run(30, resolvedOf(l, { cc: 'cubic', rwnd: '64mb' }), seed)]));
  it('draws every kernel run and simulator seed, the means and the ceiling on a log loss axis', () => {
    const spec = lossCliffChart('kernel-bbr-cliff', kernel, sim)!;
    expect(spec.x.type).toBe('logarithmic');
    const by = Object.fromEntries(spec.series.map((s) => [s.label, s]));
    expect(by['BBR kernel runs']!.points).toHaveLength(6);
    expect(by['BBR simulator seeds']!.points).toHaveLength(18);
    expect(by['BBR simulator mean']!.points.map((p) => p.y)).toEqual(Array(6).fill(47));
    expect(by['Cubic simulator mean']!.points[0]!.x).toBeCloseTo(0.1, 12);
    expect(by['ceiling: link × (1 − loss)']!.points.at(-1)!.y).toBeCloseTo(80 * (1448 / 1514), 10);
  });
  it('is not drawn for a group with fewer than six loss values or other parameters varying', () => {
    expect(lossCliffChart('g', kernel.slice(0, 10), sim)).toBeUndefined();
    const otherRtt = [...kernel, run(50, validateScenario({ name: 'c', duration: '30s', link: { rate: '100mbit', rtt: '50ms', queue: '1bdp', loss: '1%' }, flows: [{ cc: 'bbr' }] }, 'c', null).resolved)];
    expect(lossCliffChart('g', otherRtt, sim)).toBeUndefined();
  });
});
