/**
 * `cclab validate`'s congestion-signal target: at an AQM bottleneck the
 * simulator's drops + CE marks per second must be within 25% of the
 * kernel's (or 0.5/s where counts are tiny); random losses do not count,
 * and drop-tail points are not checked on it. And the labels of AQM points,
 * which name the qdisc's settings.
 */
import { describe, expect, it } from 'vitest';
import { dctcpAlphaCheck, signalCheck, signalsPerSecond } from '../../src/analysis/validate.js';
import { pointParams, type RunRecord } from '../../src/analysis/compare.js';
import { parseScenarioText, validateScenario } from '../../src/scenario/load.js';

function run(qdisc: string, queueDrops: number, marks: number | undefined, random = 0, durationS = 20): RunRecord {
  return {
    dir: '/nowhere',
    resolved: { link: { qdisc } } as unknown as RunRecord['resolved'],
    summary: { durationS, link: { drops: { queue: queueDrops, random, ack: 0 }, ...(marks !== undefined ? { marks } : {}) } } as unknown as RunRecord['summary'],
  };
}

describe('congestion signals of a run', () => {
  it('counts the AQM drops and CE marks per second, not random losses', () => {
    expect(signalsPerSecond(run('codel', 100, 60, 900).summary)).toBe(8);
    expect(signalsPerSecond(run('codel', 100, undefined, 0, 10).summary)).toBe(10);
  });
});

describe('the congestion-signal check of a point', () => {
  it('passes within 25% of the kernel and fails beyond it', () => {
    const kernel = [run('fq_codel', 100, 100), run('fq_codel', 110, 90), run('fq_codel', 90, 110)]; // 10/s
    const close = signalCheck(kernel, [run('fq_codel', 0, 240)])!; // 12/s: +20%
    expect(close.ok).toBe(true);
    expect(close.relErr).toBeCloseTo(0.2, 10);
    const far = signalCheck(kernel, [run('fq_codel', 0, 260), run('fq_codel', 0, 260)])!; // 13/s: +30%
    expect(far.ok).toBe(false);
    expect(far.relErr).toBeCloseTo(0.3, 10);
    // marks in place of drops are the same signal: a simulator that marks where the kernel drops still matches
    expect(signalCheck(kernel, [run('fq_codel', 200, 0)])!.ok).toBe(true);
  });

  it('allows 0.5 per second where counts are tiny', () => {
    const kernel = [run('red', 4, 0), run('red', 6, 0)]; // 0.25/s
    expect(signalCheck(kernel, [run('red', 12, 0)])!.ok).toBe(true); // 0.6/s: +140% but 0.35/s apart
    expect(signalCheck(kernel, [run('red', 16, 0)])!.ok).toBe(false); // 0.8/s: 0.55/s apart
  });

  it('does not apply to drop-tail points', () => {
    expect(signalCheck([run('droptail', 500, undefined)], [run('droptail', 5, undefined)])).toBeUndefined();
  });
});

describe("DCTCP's alpha at a point", () => {
  const withAlpha = (...alphas: (number | undefined)[]): RunRecord => ({
    dir: '/nowhere',
    resolved: { link: { qdisc: 'red' } } as unknown as RunRecord['resolved'],
    summary: { flows: alphas.map((a) => (a === undefined ? { cc: 'cubic' } : { cc: 'dctcp', dctcpAlphaMean: a })) } as unknown as RunRecord['summary'],
  });
  it('compares the runs\' mean alpha: within 25% or 0.05 passes, beyond both fails', () => {
    const kernel = [withAlpha(0.4), withAlpha(0.44), withAlpha(0.36)]; // 0.4
    const close = dctcpAlphaCheck(kernel, [withAlpha(0.48)])!; // +20%
    expect(close.ok).toBe(true);
    expect(close.relErr).toBeCloseTo(0.2, 10);
    expect(dctcpAlphaCheck(kernel, [withAlpha(0.52)])!.ok).toBe(false); // +30%, 0.12 apart
    // near 0 the absolute bound counts: 0.01 against 0.05 is +400% but 0.04 apart
    expect(dctcpAlphaCheck([withAlpha(0.01)], [withAlpha(0.05)])!.ok).toBe(true);
    expect(dctcpAlphaCheck([withAlpha(0.01)], [withAlpha(0.07)])!.ok).toBe(false);
  });
  it('averages over the DCTCP flows of a run, ignoring the others', () => {
    expect(dctcpAlphaCheck([withAlpha(0.2, undefined, 0.4)], [withAlpha(0.3)])!.kernel.mean).toBeCloseTo(0.3, 10);
  });
  it('does not apply unless every run of both backends measured it (no DCTCP flow, or kernel runs sampled before alpha was read)', () => {
    expect(dctcpAlphaCheck([withAlpha(undefined)], [withAlpha(undefined)])).toBeUndefined();
    expect(dctcpAlphaCheck([withAlpha(0.2), withAlpha(undefined)], [withAlpha(0.2)])).toBeUndefined();
    expect(dctcpAlphaCheck([], [withAlpha(0.2)])).toBeUndefined();
  });
});

describe('labels of AQM points', () => {
  const resolved = (qdisc: string) =>
    validateScenario(parseScenarioText(`name: x\nduration: 1s\nlink: {rate: 50mbit, rtt: 10ms, qdisc: ${qdisc}}\nflows: [{cc: dctcp}]\n`, 'x.yaml'), 'x').resolved;
  it('name the parameters set away from the qdisc\'s defaults, so two settings of one qdisc differ', () => {
    expect(pointParams(resolved('fq_codel')).qdisc).toBe('fq_codel'); // fq_codel marks by default: nothing to say
    expect(pointParams(resolved('{fq_codel: {ce_threshold: 5ms}}')).qdisc).toBe('fq_codel(ce_threshold=5ms)');
    expect(pointParams(resolved('{red: {min: 30kb, max: 30721, burst: 21, ecn: true}}')).qdisc).toBe('red(min=30720b,max=30721b,burst=21,ecn)');
    expect(pointParams(resolved('{codel: {ecn: true}}')).qdisc).toBe('codel(ecn)');
    expect(pointParams(resolved('{fq_codel: {ecn: false}}')).qdisc).toBe('fq_codel(noecn)');
    expect(pointParams(resolved('{codel: {ecn: true}}')).ecn).toBe('on'); // the flows' ECN, apart from the qdisc's
  });
});
