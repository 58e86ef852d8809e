/**
 * Parking lots (scenario links:, sim/chain.ts): the textbook result, each
 * link's utilisation and conservation, paths that skip a lossy link, and a
 * one-link chain against the single link.
 */
import { describe, expect, it } from 'vitest';
import { validateScenario } from '../../src/scenario/load.js';
import { runSimulation } from '../../src/sim/run.js';
import { timeseriesCsv } from '../../src/results/write.js';
import { runSummarySchema } from '../../src/results/schema.js';

const run = (doc: object) => runSimulation(validateScenario(doc, 't').resolved);

/** Three equal 20 Mbit/s links, a Cubic flow across all and a one-hop Cubic flow on each. */
const LOT = {
  duration: '20s',
  warmup: '5s',
  links: [
    { name: 'a', rate: '20mbit', rtt: '10ms' },
    { name: 'b', rate: '20mbit', rtt: '10ms' },
    { name: 'c', rate: '20mbit', rtt: '10ms' },
  ],
  flows: [
    { cc: 'cubic', path: ['a', 'b', 'c'] },
    { cc: 'cubic', path: ['a'] },
    { cc: 'cubic', path: ['b'] },
    { cc: 'cubic', path: ['c'] },
  ],
};

describe('a three-link parking lot', () => {
  const r = run(LOT);
  const [long, ...cross] = r.summary.flows;

  it('gives the long flow less than each one-hop cross flow, and fills every link', () => {
    for (const c of cross) expect(long!.goodputMbps).toBeLessThan(0.7 * c.goodputMbps);
    expect(long!.goodputMbps).toBeGreaterThan(1);
    for (const l of r.summary.links!) expect(l.utilization).toBeGreaterThan(0.95);
    // each link's load: the long flow and its cross flow
    for (const c of cross) expect(long!.goodputMbps + c.goodputMbps).toBeGreaterThan(18);
    expect(long!.baseRttMs).toBe(30);
    expect(cross[0]!.baseRttMs).toBe(10);
  });

  it('keeps packet conservation per flow (and per link: the run checks it), and writes a valid summary', () => {
    for (const c of r.summary.conservation!) expect(c.delivered + c.dropped + c.inFlight).toBe(c.sent);
    expect(runSummarySchema.safeParse(r.summary).success).toBe(true);
    expect(r.summary.links!.map((l) => l.name)).toEqual(['a', 'b', 'c']);
    // the summary's link is the narrowest link (the first of equals)
    expect(r.summary.link.utilization).toBe(r.summary.links![0]!.utilization);
    expect(r.summary.links![0]!.queueDelayMs!.p99).toBeGreaterThan(0);
  });

  it('writes a time-series row per link and sample', () => {
    const rows = r.timeseries.filter((x) => typeof x.flow === 'string' && x.flow.startsWith('link:'));
    expect(rows.length).toBe(3 * r.timeseries.filter((x) => x.flow === 'link').length);
    expect(new Set(rows.map((x) => x.flow))).toEqual(new Set(['link:a', 'link:b', 'link:c']));
  });

  it('is deterministic', () => {
    const again = run(LOT);
    expect(timeseriesCsv(again.timeseries)).toBe(timeseriesCsv(r.timeseries));
    expect(again.summary).toEqual(r.summary);
  });
});

describe('paths', () => {
  it('spares a flow whose path skips the lossy link its random loss', () => {
    const r = run({
      duration: '5s',
      links: [
        { name: 'lossy', rate: '50mbit', rtt: '10ms', loss: '2%' },
        { name: 'clean', rate: '50mbit', rtt: '10ms' },
      ],
      flows: [{ cc: 'cubic', path: ['lossy', 'clean'] }, { cc: 'cubic', path: ['clean'] }],
    });
    const n = r.network;
    expect(n.randomDrops[0]).toBeGreaterThan(10);
    expect(n.randomDrops[1]).toBe(0);
    expect(r.summary.links![0]!.drops.random).toBe(n.randomDrops[0]);
    expect(r.summary.links![1]!.drops.random).toBe(0);
  });

  it('gives a one-link chain the goodput of the same link: form', () => {
    const link = { rate: '50mbit', rtt: '20ms' };
    const flows = [{ cc: 'cubic' }, { cc: 'bbr' }];
    const one = run({ duration: '10s', link, flows });
    const chain = run({ duration: '10s', links: [link], flows });
    one.summary.flows.forEach((f, i) => expect(chain.summary.flows[i]!.goodputMbps).toBeCloseTo(f.goodputMbps, -0.3));
    expect(chain.summary.aggregate.goodputMbps).toBeCloseTo(one.summary.aggregate.goodputMbps, 0);
  });

  it('adds a flow\'s own rtt to its path\'s', () => {
    const r = run({
      duration: '2s',
      links: [{ rate: '50mbit', rtt: '10ms' }, { rate: '50mbit', rtt: '20ms' }],
      flows: [{ cc: 'cubic', app: { rate: '1mbit' }, path: ['l1'], rtt: '50ms' }, { cc: 'cubic', app: { rate: '1mbit' } }],
    });
    const [own, all] = r.summary.flows;
    expect(own!.rttMs.min).toBeGreaterThanOrEqual(50);
    expect(own!.rttMs.min).toBeLessThan(50.5);
    expect(all!.rttMs.min).toBeGreaterThanOrEqual(30);
    expect(all!.rttMs.min).toBeLessThan(31); // two links' serialisation
  });

  it('measures a short flow\'s slowdown against the narrowest link of its own path, not of the chain', () => {
    // one 1 MB flow alone on a 50 Mbit/s link of a chain whose other link is 5 Mbit/s:
    // nothing else runs, so it finishes near its ideal time at 50 Mbit/s (at 5 Mbit/s
    // its slowdown would come out near 0.2)
    const r = run({
      duration: '3s',
      links: [{ name: 'fast', rate: '50mbit', rtt: '10ms' }, { name: 'slow', rate: '5mbit', rtt: '10ms' }],
      flows: [{ cc: 'cubic', bytes: '1mb', path: ['fast'] }],
    });
    const sd = r.summary.fct!.slowdown!.p50;
    expect(sd).toBeGreaterThan(1);
    expect(sd).toBeLessThan(4);
  });
});

describe('a chain with a trace link', () => {
  it('passes its per-link conservation check when a packet is in the router line at the end (it was passed on already)', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { generateTrace, traceText } = await import('../../src/traffic/tracegen.js');
    const dir = mkdtempSync(join(tmpdir(), 'cclab-chaintrace-'));
    const file = join(dir, 'step.trace');
    writeFileSync(file, traceText(generateTrace({ kind: 'step', steps: [{ atMs: 0, rateBps: 20e6 }, { atMs: 4000, rateBps: 5e6 }, { atMs: 7000, rateBps: 20e6 }], durationMs: 10_000 })));
    const doc = {
      duration: '10s',
      links: [
        { name: 'a', trace: file, rtt: '10ms', queue: 60 },
        { name: 'b', rate: '12mbit', rtt: '30ms', queue: 60 },
      ],
      flows: [
        { cc: 'cubic', path: ['a', 'b'] },
        { cc: 'cubic', path: ['a'] },
      ],
    };
    // seed 1 ended with a data packet between link a's delay line and router r1 (the run threw before)
    const r = run(doc);
    expect(r.summary.links!.map((l) => l.name)).toEqual(['a', 'b']);
    expect(r.summary.links![0]!.utilization).toBeGreaterThan(0.9);
  });
});
