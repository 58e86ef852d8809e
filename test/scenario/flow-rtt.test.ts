/**
 * flows[].rtt as a user writes it: with link.delay, with count, in --set
 * and sweeps, its bounds, and how compare and validate tell its points
 * apart. (The simulator's behaviour: test/sim/flow-rtt.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { applySets, validateScenario } from '../../src/scenario/load.js';
import { InputError } from '../../src/scenario/errors.js';
import { scenarioHash } from '../../src/scenario/resolve.js';
import { planSweep } from '../../src/analysis/plan.js';
import { compareRuns, pointKey, pointParams, type RunRecord } from '../../src/analysis/compare.js';
import { runSimulation } from '../../src/sim/run.js';

const BASE = { duration: '5s', link: { rate: '50mbit', rtt: '20ms' }, flows: [{ cc: 'cubic' }, { cc: 'cubic' }] };

function resolve(sets: string[], base: Record<string, unknown> = BASE) {
  const doc = structuredClone(base);
  applySets(doc, sets);
  return validateScenario(doc, 'flow-rtt').resolved;
}

function problem(sets: string[], base: Record<string, unknown> = BASE): string | null {
  try {
    resolve(sets, base);
    return null;
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
}

describe('flows[].rtt', () => {
  it("keeps the link's RTT, and so its BDP-relative queue, for the link", () => {
    const s = resolve(['flows[1].rtt=100ms']);
    expect(s.flows[1]!.extraDelayNs).toBe(80e6);
    expect(s.link.rttNs).toBe(20e6);
    expect(s.link.queuePackets).toBe(resolve([]).link.queuePackets);
    expect(scenarioHash(resolve(['flows[1].rtt=20ms']))).toBe(scenarioHash(resolve([])));
  });

  it('counts from link.delay forward + reverse when the link gives directions', () => {
    const delay = { ...BASE, link: { rate: '50mbit', delay: { forward: '5ms', reverse: '15ms' } } };
    expect(resolve(['flows[0].rtt=50ms'], delay).flows[0]!.extraDelayNs).toBe(30e6);
    expect(problem(['flows[0].rtt=5ms'], delay)).toBe("flows[0].rtt: 5ms is less than the link's base RTT 20ms (link.delay); a flow's rtt adds delay on its own path to the link's");
  });

  it('gives every copy of a flow with count the same RTT', () => {
    const s = resolve([], { ...BASE, flows: [{ cc: 'cubic' }, { cc: 'bbr', count: 3, rtt: '60ms' }] });
    expect(s.flows.map((f) => f.extraDelayNs)).toEqual([undefined, 40e6, 40e6, 40e6]);
  });

  it('is at most 10 s, as link.rtt, and a time', () => {
    expect(problem(['flows[1].rtt=11s'])).toBe('flows[1].rtt: 11s is more than 10s');
    expect(problem(['flows[1].rtt=10s'])).toBeNull();
    expect(problem(['flows[1].rtt=fast'])).toMatch(/^flows\[1\]\.rtt: /);
  });

  it('can be swept, each value its own point', () => {
    const plan = planSweep({ ...structuredClone(BASE), sweep: { 'flows[1].rtt': ['20ms', '40ms', '100ms'] } }, 'rtt-sweep');
    expect(plan.combos.map((c) => c.resolved.flows[1]!.extraDelayNs)).toEqual([undefined, 20e6, 80e6]);
    expect(new Set(plan.combos.map((c) => c.hash)).size).toBe(3);
  });

  it('tells compare and validate points apart, and labels them with each flow\'s RTT', () => {
    const plain = resolve([]);
    const own = resolve(['flows[1].rtt=100ms']);
    expect(pointKey(own)).not.toBe(pointKey(plain));
    expect(pointKey(resolve(['flows[1].rtt=40ms']))).not.toBe(pointKey(own));
    expect(pointKey(resolve(['flows[1].rtt=20ms']))).toBe(pointKey(plain));
    expect(pointParams(own).flowRttMs).toBe('20+100');
    expect(pointParams(plain)).not.toHaveProperty('flowRttMs');
  });

  it('labels each point of a group with the parameters it has: no "undefined" for a point without Brutal or own RTTs', () => {
    const record = (sets: string[]): RunRecord => {
      const resolved = resolve(['duration=1s', ...sets]);
      return { dir: sets.join(' '), resolved, summary: runSimulation(resolved).summary };
    };
    const runs = [
      record(['flows[0]={cc: brutal, brutal: {rate: 40mbit}}', 'flows[1].rtt=40ms']),
      record(['flows[1].rtt=100ms']),
      record([]),
    ];
    const labels = compareRuns(runs, runs).points.map((p) => p.label).sort();
    expect(labels).toEqual(['cc=brutal+cubic flowRttMs=20+40 brutalMbps=40', 'cc=cubic+cubic', 'cc=cubic+cubic flowRttMs=20+100']);
  });
});
