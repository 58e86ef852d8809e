/**
 * links: and flows[].path as a user writes them (parking lots): defaults,
 * paths, RTTs, the BDP rule, errors, --set and sweeps. (The simulator's
 * behaviour: test/sim/parking-lot.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { applySets, validateScenario } from '../../src/scenario/load.js';
import { InputError } from '../../src/scenario/errors.js';
import { flowRttNs, scenarioHash } from '../../src/scenario/resolve.js';
import { planSweep } from '../../src/analysis/plan.js';
import { dataWireBytes } from '../../src/network/wire.js';

const CHAIN = {
  duration: '5s',
  links: [
    { name: 'a', rate: '50mbit', rtt: '10ms', qdisc: 'fq_codel' },
    { name: 'b', rate: '20mbit', rtt: '10ms', loss: '1%' },
    { name: 'c', rate: '30mbit', rtt: '20ms' },
  ],
  flows: [{ cc: 'cubic', path: ['a', 'b', 'c'] }, { cc: 'bbr', path: ['b'] }, { cc: 'brutal', path: ['b', 'c'], brutal: { rate: '20mbit' } }],
};

function resolve(sets: string[], base: Record<string, unknown> = CHAIN) {
  const doc = structuredClone(base);
  applySets(doc, sets);
  return validateScenario(doc, 'chain').resolved;
}

function problem(sets: string[], base: Record<string, unknown> = CHAIN): string | null {
  try {
    resolve(sets, base);
    return null;
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
}

describe('links: and flows[].path', () => {
  it('resolves each link, each flow its path, and a flow its path\'s base RTT', () => {
    const s = resolve([]);
    expect(s.links!.map((l) => l.name)).toEqual(['a', 'b', 'c']);
    expect(s.links!.map((l) => l.rateBps)).toEqual([50e6, 20e6, 30e6]);
    expect(s.links![0]!.qdisc).toBe('fq_codel');
    expect(s.links![1]!.loss).toEqual({ kind: 'bernoulli', p: 0.01 });
    expect(s.flows.map((f) => f.path)).toEqual([[0, 1, 2], [1], [1, 2]]);
    expect(s.flows.map((f) => flowRttNs(s, f))).toEqual([40e6, 10e6, 30e6]);
    // `link` is the narrowest link, what single-link readers see
    expect(s.link.rateBps).toBe(20e6);
    expect(s.link.loss).toEqual({ kind: 'bernoulli', p: 0.01 });
  });

  it('names links l0, l1, ... and gives a flow without path every link', () => {
    const s = resolve([], { duration: '5s', links: [{ rate: '10mbit', rtt: '10ms' }, { rate: '10mbit', rtt: '10ms' }], flows: [{ cc: 'cubic' }, { cc: 'cubic', path: ['l1'] }] });
    expect(s.links!.map((l) => l.name)).toEqual(['l0', 'l1']);
    expect(s.flows.map((f) => f.path)).toEqual([[0, 1], [1]]);
  });

  it('takes a link\'s BDP at the largest base RTT of the flows crossing it; packets as written', () => {
    const s = resolve([]);
    // b carries the 40 ms flow: 20 Mbit/s x 40 ms; c the 40 ms and the 30 ms: 30 Mbit/s x 40 ms
    expect(s.links![1]!.bdpBytes).toBeCloseTo((20e6 / 8) * 0.04, 6);
    expect(s.links![1]!.queuePackets).toBe(Math.round((20e6 / 8) * 0.04 / dataWireBytes(1448)));
    expect(s.links![2]!.bdpBytes).toBeCloseTo((30e6 / 8) * 0.04, 6);
    // a flow's own rtt raises it
    expect(resolve(['flows[1].rtt=100ms']).links![1]!.bdpBytes).toBeCloseTo((20e6 / 8) * 0.1, 6);
    expect(resolve(['links[2].queue=100']).links![2]!.queuePackets).toBe(100);
    expect(resolve(['links[2].queue=100']).links![2]!.queueSpec).toBe('100p');
  });

  it('works with --set and sweeps over a link\'s fields, which change the hash', () => {
    expect(resolve(['links[1].rate=30mbit']).links![1]!.rateBps).toBe(30e6);
    expect(resolve(['links[1].delay={forward: 2ms, reverse: 8ms}']).links![1]!.revDelayNs).toBe(8e6);
    expect(resolve(['links[0].qdisc.fq_codel.target=1ms']).links![0]!.qdiscParams!.target).toBe(1e6);
    const plan = planSweep({ ...structuredClone(CHAIN), sweep: { 'links[1].loss': [0, '1%'] } }, 'chain-sweep');
    expect(plan.combos.map((c) => c.resolved.links![1]!.loss)).toEqual([{ kind: 'bernoulli', p: 0 }, { kind: 'bernoulli', p: 0.01 }]);
    expect(new Set(plan.combos.map((c) => c.hash)).size).toBe(2);
  });

  it('keeps link: scenarios as they were: no links, no path', () => {
    const s = resolve([], { duration: '5s', link: { rate: '50mbit', rtt: '20ms' }, flows: [{ cc: 'cubic' }] });
    expect(s.links).toBeUndefined();
    expect(s.flows[0]!.path).toBeUndefined();
    expect(Object.keys(s)).not.toContain('links');
    expect(scenarioHash(s)).toBe(scenarioHash(resolve([], { duration: '5s', link: { rate: '50mbit', rtt: '20ms' }, flows: [{ cc: 'cubic' }] })));
  });

  it('refuses bad chains and paths in one line naming the field', () => {
    expect(problem(['flows[0].path=[a, c]'])).toBe('flows[0].path: [a, c] is not a contiguous run of the chain (a -> b -> c); a path follows the links in list order without skipping one');
    expect(problem(['flows[0].path=[b, b]'])).toBe('flows[0].path: link "b" appears twice; a path crosses each link once');
    expect(problem(['flows[0].path=[c, b]'])).toBe('flows[0].path: [c, b] is not a contiguous run of the chain (a -> b -> c); a path follows the links in list order without skipping one');
    expect(problem(['flows[0].path=[x]'])).toBe('flows[0].path: unknown link "x"; links: a, b, c');
    expect(problem(['flows[0].path=[]'])).toBe('flows[0].path: needs at least one link');
    expect(problem(['links[2].name=a'])).toMatch(/^links\[2\]\.name: "a" names links\[0\] already; names must be unique/);
    expect(problem(['links[2].name=a b'])).toMatch(/^links\[2\]\.name: must be letters, digits/);
    expect(problem(['link={rate: 10mbit, rtt: 10ms}'])).toBe('links: give either link (one link) or links (a chain), not both');
    expect(problem(['flows[0].rtt=30ms'])).toBe("flows[0].rtt: 30ms is less than the base RTT of the flow's path 40ms (the sum of its links' rtt); a flow's rtt adds delay on its own path to its links'");
    expect(problem([], { duration: '5s', flows: [{ cc: 'cubic' }] })).toBe('link: missing: give link (one link every flow crosses) or links (a chain, with flows[].path)');
    expect(problem([], { duration: '5s', link: { rate: '10mbit', rtt: '10ms' }, flows: [{ cc: 'cubic', path: ['a'] }] })).toBe('flows[0].path: a path needs a chain of links (links:); with link: every flow crosses the one link');
    expect(problem(['links[1].rtt=11s'])).toMatch(/^links\[1\]\.rtt: base RTT/);
    expect(problem(['links[1].rate=0'])).toMatch(/^links\[1\]\.rate: /);
    expect(problem([], { ...CHAIN, links: [] })).toMatch(/^links: needs at least one link/);
  });
});
