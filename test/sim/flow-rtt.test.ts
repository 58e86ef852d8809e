/**
 * Flows of different RTTs sharing one bottleneck (flows[].rtt): the delay a
 * flow's own path adds, and RTT unfairness.
 */
import { describe, expect, it } from 'vitest';
import { validateScenario } from '../../src/scenario/load.js';
import { InputError } from '../../src/scenario/errors.js';
import { runSimulation } from '../../src/sim/run.js';
import { DelayLine } from '../../src/engine/pipe.js';
import { Simulator } from '../../src/engine/sim.js';
import { formatSummary } from '../../src/cli/format.js';

const run = (doc: object) => runSimulation(validateScenario(doc, 't').resolved);
const doc = (extra: object = {}) => ({
  duration: '20s',
  link: { rate: '50mbit', rtt: '20ms' },
  flows: [{ cc: 'cubic' }, { cc: 'cubic', rtt: '100ms' }],
  ...extra,
});

describe('per-flow RTT', () => {
  it("adds the flow's own delay: its minimum RTT is its rtt, the other flow's the link's", () => {
    const r = run({ ...doc(), duration: '3s', flows: [{ cc: 'cubic', app: { rate: '1mbit' } }, { cc: 'cubic', rtt: '100ms', app: { rate: '1mbit' } }] });
    const [a, b] = r.summary.flows;
    expect(a!.rttMs.min).toBeGreaterThanOrEqual(20);
    expect(a!.rttMs.min).toBeLessThan(20.5);
    expect(b!.rttMs.min).toBeGreaterThanOrEqual(100);
    expect(b!.rttMs.min).toBeLessThan(100.5);
    expect(a!.baseRttMs).toBeUndefined();
    expect(b!.baseRttMs).toBe(100);
  });

  it('gives the short-RTT Cubic flow the larger share of the bottleneck (RTT unfairness)', () => {
    const [short, long] = run(doc({ warmup: '5s' })).summary.flows;
    expect(short!.goodputMbps).toBeGreaterThan(1.5 * long!.goodputMbps);
    expect(short!.goodputMbps + long!.goodputMbps).toBeGreaterThan(45);
  });

  it('leaves scenarios without per-flow RTTs as they were, and a flow at the link RTT unmarked', () => {
    const plain = validateScenario({ ...doc(), flows: [{ cc: 'cubic' }, { cc: 'cubic' }] }, 't').resolved;
    const same = validateScenario({ ...doc(), flows: [{ cc: 'cubic' }, { cc: 'cubic', rtt: '20ms' }] }, 't').resolved;
    expect(same).toEqual(plain);
    expect(validateScenario(doc(), 't').resolved.flows[1]!.extraDelayNs).toBe(80e6);
  });

  it('refuses a flow RTT below the link RTT, in one line naming the field', () => {
    try {
      validateScenario({ ...doc(), flows: [{ cc: 'cubic', rtt: '10ms' }] }, 't');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as Error).message).toBe("flows[0].rtt: 10ms is less than the link's base RTT 20ms (link.rtt); a flow's rtt adds delay on its own path to the link's");
    }
  });
});

describe('per-flow RTT is path delay', () => {
  const r = run(doc());
  it('keeps packet conservation, is deterministic, and labels only the long flow', () => {
    for (const c of r.summary.conservation!) expect(c.delivered + c.dropped + c.inFlight).toBe(c.sent);
    expect(JSON.stringify(run(doc()).summary)).toBe(JSON.stringify(r.summary));
    expect(r.summary.link.rttMs).toBe(20);
    expect(r.summary.flows.map((f) => f.baseRttMs)).toEqual([undefined, 100]);
  });

  it('one flow with rtt 100ms on a 20 ms link behaves as on a 100 ms link with the same queue', () => {
    const own = run({ ...doc(), link: { rate: '50mbit', rtt: '20ms', queue: 100 }, flows: [{ cc: 'cubic', rtt: '100ms' }] }).summary.flows[0]!;
    const link = run({ ...doc(), link: { rate: '50mbit', rtt: '100ms', queue: 100 }, flows: [{ cc: 'cubic' }] }).summary.flows[0]!;
    expect(own.rttMs.min).toBeCloseTo(link.rttMs.min, 0);
    expect(Math.abs(own.goodputMbps - link.goodputMbps) / link.goodputMbps).toBeLessThan(0.03);
    expect(Math.abs(own.rttMs.mean - link.rttMs.mean) / link.rttMs.mean).toBeLessThan(0.05);
  });

  it('gives flows with the same RTT one return line, and each flow of a count the RTT', () => {
    const m = run({ ...doc(), duration: '5s', flows: [{ cc: 'cubic' }, { cc: 'cubic', rtt: '60ms', count: 2 }, { cc: 'bbr', rtt: '100ms' }] });
    expect([...m.network.revLines.keys()].sort((a, b) => a - b)).toEqual([0, 40e6, 80e6]);
    expect(m.summary.flows.map((f) => Math.round(f.rttMs.min))).toEqual([20, 60, 60, 100]);
    expect(m.summary.flows.map((f) => f.baseRttMs)).toEqual([undefined, 60, 60, 100]);
  });

  it("prints each flow's base RTT in cclab run's table, only when flows have their own", () => {
    const lines = formatSummary(r.summary).split('\n');
    expect(lines[2]).toMatch(/^flow\s+cc\s+base RTT ms\s+goodput/);
    expect(lines[4]).toMatch(/^0\s+cubic\s+20\s/);
    expect(lines[5]).toMatch(/^1\s+cubic\s+100\s/);
    expect(formatSummary(run({ ...doc(), duration: '2s', flows: [{ cc: 'cubic' }, { cc: 'cubic', rtt: '20ms' }] }).summary)).not.toContain('base RTT');
  });
});

describe('DelayLine', () => {
  it('delivers pushes that are not in time order in time order (a short-RTT flow overtaking a long one)', () => {
    const sim = new Simulator();
    const out: [number, string][] = [];
    const line = new DelayLine<string>(sim, (x) => out.push([sim.now, x]), 2);
    for (let i = 0; i < 20; i++) line.push(`long${i}`, 100 + i);
    for (let i = 0; i < 20; i++) line.push(`short${i}`, 20 + 5 * i);
    sim.run();
    expect(out).toHaveLength(40);
    for (const [t, x] of out) expect(t).toBe(x.startsWith('long') ? 100 + Number(x.slice(4)) : 20 + 5 * Number(x.slice(5)));
    expect(out.filter(([, x]) => x.startsWith('long')).map(([, x]) => x)).toEqual(Array.from({ length: 20 }, (_, i) => `long${i}`));
  });
});
