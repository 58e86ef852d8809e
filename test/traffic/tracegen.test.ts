/**
 * `cclab trace`'s generator: each kind's mean rate and shape, determinism,
 * and the command line's errors.
 */
import { describe, expect, it } from 'vitest';
import { generateTrace, type TraceSpec } from '../../src/traffic/tracegen.js';
import { parseTrace, traceMeanBps } from '../../src/network/trace.js';
import { traceSpecOf } from '../../src/cli/commands/trace.js';

const mean = (spec: TraceSpec) => traceMeanBps(parseTrace(generateTrace(spec).join('\n'), 'g'));
/** Opportunities in [a, b) ms, as Mbit/s. */
const rateIn = (ms: number[], a: number, b: number) => (ms.filter((t) => t > a && t <= b).length * 12000) / (b - a) / 1000;

describe('generated traces', () => {
  it('constant: the rate, evenly, ending at the duration', () => {
    const ms = generateTrace({ kind: 'constant', rateBps: 12e6, durationMs: 1000 });
    expect(ms).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(mean({ kind: 'constant', rateBps: 24e6, durationMs: 5000 })).toBeCloseTo(24e6, -3);
  });
  it('step: each rate from its time on', () => {
    const ms = generateTrace({ kind: 'step', steps: [{ atMs: 0, rateBps: 50e6 }, { atMs: 10_000, rateBps: 10e6 }, { atMs: 20_000, rateBps: 50e6 }], durationMs: 30_000 });
    expect(rateIn(ms, 0, 10_000)).toBeCloseTo(50, 1);
    expect(rateIn(ms, 10_000, 20_000)).toBeCloseTo(10, 1);
    expect(rateIn(ms, 20_000, 30_000)).toBeCloseTo(50, 1);
  });
  it('square and onoff: the high share of each period, nothing while off (but the closing line)', () => {
    const sq = generateTrace({ kind: 'square', highBps: 40e6, lowBps: 10e6, periodMs: 4000, duty: 0.25, durationMs: 8000 });
    expect(rateIn(sq, 0, 1000)).toBeCloseTo(40, 1);
    expect(rateIn(sq, 1000, 4000)).toBeCloseTo(10, 1);
    expect(rateIn(sq, 4000, 5000)).toBeCloseTo(40, 1);
    const oo = generateTrace({ kind: 'onoff', rateBps: 20e6, onMs: 1000, offMs: 1000, durationMs: 4000 });
    expect(rateIn(oo, 0, 1000)).toBeCloseTo(20, 1);
    expect(oo.filter((t) => t > 1000 && t <= 2000)).toEqual([]);
    expect(oo.at(-1)).toBe(4000);
  });
  it('cellular: deterministic from its seed, varying over time, with outages, within its bounds on average', () => {
    const spec: TraceSpec = { kind: 'cellular', meanBps: 20e6, minBps: 1e6, maxBps: 60e6, reversion: 0.5, volatility: 0.8, outageRate: 0.2, outageMs: 500, durationMs: 120_000, seed: 4 };
    const a = generateTrace(spec);
    expect(generateTrace(spec)).toEqual(a);
    expect(generateTrace({ ...spec, seed: 5 })).not.toEqual(a);
    // opportunities per second
    const perSecond = new Array(120).fill(0);
    for (const t of a) if (t <= 120_000) perSecond[Math.floor((t - 1) / 1000)]++;
    const busy = perSecond.filter((x) => x > 0);
    expect(busy.reduce((x, y) => Math.max(x, y), 0)).toBeGreaterThan(2 * busy.reduce((x, y) => Math.min(x, y), Infinity));
    // 0.2 outages per second of 500 ms: some 100-ms stretches with nothing at all
    let gap = 0;
    for (let i = 1; i < a.length; i++) gap = Math.max(gap, a[i]! - a[i - 1]!);
    expect(gap).toBeGreaterThan(100);
    const m = traceMeanBps(parseTrace(a.join('\n'), 'c'));
    expect(m).toBeGreaterThan(5e6);
    expect(m).toBeLessThan(40e6);
  });
});

describe('cclab trace options', () => {
  const base = { duration: '10s', duty: '50%', reversion: '0.5', volatility: '0.8', outageRate: '0.05', outage: '500ms', seed: '1' };
  it('reads cclab units and names the bad option in one line', () => {
    expect(traceSpecOf('constant', { ...base, rate: '12mbit' })).toEqual({ kind: 'constant', rateBps: 12e6, durationMs: 10_000 });
    expect(() => traceSpecOf('constant', base)).toThrow(/^--rate: missing \(e\.g\. --rate 50mbit\)/);
    expect(() => traceSpecOf('step', { ...base, steps: '50mbit@0s,10mbit' })).toThrow(/^--steps: "10mbit" is not rate@time/);
    expect(() => traceSpecOf('step', { ...base, steps: '50mbit@5s,10mbit@1s' })).toThrow(/^--steps: times must increase/);
    expect(() => traceSpecOf('square', { ...base, high: '50mbit', low: '10mbit', period: '4s', duty: '100%' })).toThrow(/^--duty: must be above 0% and below 100%/);
    expect(() => traceSpecOf('cellular', { ...base, mean: '20mbit', min: '30mbit' })).toThrow(/need min <= mean <= max/);
    expect(() => traceSpecOf('constant', { ...base, rate: '12mbit', duration: '700s' })).toThrow(/^--duration: must be between 1ms and 600s/);
    expect(() => traceSpecOf('saw', base)).toThrow(/^unknown trace kind "saw"; known: constant, step, square, onoff, cellular/);
  });
});
