/**
 * Flows of different RTTs sharing one bottleneck (flows[].rtt): the delay a
 * flow's own path adds, and RTT unfairness.
 */
import { describe, expect, it } from 'vitest';
import { validateScenario } from '../../src/scenario/load.js';
import { InputError } from '../../src/scenario/errors.js';
import { runSimulation } from '../../src/sim/run.js';

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
