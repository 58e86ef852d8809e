/**
 * Reverse-direction flows (flows[].direction: reverse): data from the
 * receiving host to the sending host over the link's reverse direction,
 * which becomes a bottleneck of its own, as on a symmetric link under
 * flent's rrul.
 */
import { describe, expect, it } from 'vitest';
import { validateScenario } from '../../src/scenario/load.js';
import { InputError } from '../../src/scenario/errors.js';
import { scenarioHash } from '../../src/scenario/resolve.js';
import { runSimulation } from '../../src/sim/run.js';
import { formatSummary } from '../../src/cli/format.js';
import { timeseriesCsv } from '../../src/results/write.js';
import { join } from 'node:path';

const resolve = (doc: object) => validateScenario(doc, 't').resolved;
const run = (doc: object) => runSimulation(resolve(doc));
const base = { duration: '10s', link: { rate: '50mbit', rtt: '40ms' } };

describe('reverse flows: the scenario', () => {
  it('marks only reverse flows, so forward scenarios keep their hashes', () => {
    const plain = resolve({ ...base, flows: [{ cc: 'cubic' }] });
    const fwd = resolve({ ...base, flows: [{ cc: 'cubic', direction: 'forward' }] });
    expect(fwd).toEqual(plain);
    expect(scenarioHash(fwd)).toBe(scenarioHash(plain));
    expect(plain.flows[0]!.direction).toBeUndefined();
    const rev = resolve({ ...base, flows: [{ cc: 'cubic' }, { cc: 'cubic', direction: 'reverse', count: 2 }] });
    expect(rev.flows.map((f) => f.direction)).toEqual([undefined, 'reverse', 'reverse']);
    expect(scenarioHash(rev)).not.toBe(scenarioHash(plain));
  });

  it('refuses an unknown direction in one line naming the field and the values allowed', () => {
    try {
      resolve({ ...base, flows: [{ cc: 'cubic', direction: 'up' }] });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      const msg = (e as Error).message;
      expect(msg).toContain('flows[0].direction');
      expect(msg).toContain('forward, reverse');
      expect(msg.split('\n')).toHaveLength(1);
    }
  });
});

describe('reverse flows: the simulator', () => {
  it('gives one reverse Cubic the goodput of one forward Cubic on the symmetric link (within 3%)', () => {
    const fwd = run({ ...base, flows: [{ cc: 'cubic' }] }).summary;
    const rev = run({ ...base, flows: [{ cc: 'cubic', direction: 'reverse' }] }).summary;
    expect(rev.flows[0]!.direction).toBe('reverse');
    expect(fwd.flows[0]!.direction).toBeUndefined();
    expect(Math.abs(rev.flows[0]!.goodputMbps / fwd.flows[0]!.goodputMbps - 1)).toBeLessThan(0.03);
    // the reverse direction carried the data: it was the busy bottleneck
    expect(rev.link.reverse!.utilization).toBeGreaterThan(0.9);
    expect(rev.link.utilization).toBeLessThan(0.1);
    expect(fwd.link.reverse).toBeUndefined();
  });

  it('gives a forward and a reverse bulk flow about the link rate each: they use different directions', () => {
    const s = run({ ...base, link: { ...base.link, qdisc: 'fq_codel' }, flows: [{ cc: 'cubic' }, { cc: 'cubic', direction: 'reverse' }] }).summary;
    for (const f of s.flows) expect(f.goodputMbps).toBeGreaterThan(0.85 * 50);
    expect(s.link.utilization).toBeGreaterThan(0.9);
    expect(s.link.reverse!.utilization).toBeGreaterThan(0.9);
  });

  it("raises a forward flow's RTT when reverse bulk traffic fills the reverse queue (its ACKs wait there), less under fq_codel than drop-tail", () => {
    // a 10 Mbit/s forward application: it never fills its own queue, so its RTT above 40 ms is its ACKs' queueing
    const flows = (rev: boolean) => [{ cc: 'cubic', app: { rate: '10mbit' } }, ...(rev ? [{ cc: 'cubic', direction: 'reverse' }] : [])];
    const alone = run({ ...base, warmup: '2s', flows: flows(false) }).summary.flows[0]!;
    const dropTail = run({ ...base, warmup: '2s', flows: flows(true) }).summary.flows[0]!;
    const fq = run({ ...base, warmup: '2s', link: { ...base.link, qdisc: 'fq_codel' }, flows: flows(true) }).summary.flows[0]!;
    expect(alone.srttMs!.p50).toBeLessThan(42);
    expect(dropTail.srttMs!.p50).toBeGreaterThan(alone.srttMs!.p50 + 15);
    expect(fq.srttMs!.p50).toBeLessThan(alone.srttMs!.p50 + 5);
    expect(fq.srttMs!.p50).toBeLessThan(dropTail.srttMs!.p50 - 10);
    // the application-limited flow still gets its rate
    for (const f of [alone, dropTail, fq]) expect(f.goodputMbps).toBeGreaterThan(9.5);
  });

  it("has the probe see both directions' queues", () => {
    const probeExcess = (flows: object[]) => {
      const s = run({ ...base, warmup: '3s', probe: { interval: '50ms' }, flows }).summary;
      const fwdQ = s.link.queueDelayMs?.mean ?? 0;
      const revQ = s.link.reverse?.queueDelayMs?.mean ?? 0;
      return { excess: s.probe!.rttMs.mean - 40, fwdQ, revQ };
    };
    const rev = probeExcess([{ cc: 'cubic', direction: 'reverse' }]);
    expect(rev.excess).toBeGreaterThan(10);
    expect(rev.excess).toBeGreaterThan(0.7 * rev.revQ);
    expect(rev.excess).toBeLessThan(1.3 * rev.revQ + 1);
    const both = probeExcess([{ cc: 'cubic' }, { cc: 'cubic', direction: 'reverse' }]);
    expect(both.excess).toBeGreaterThan(0.7 * (both.fwdQ + both.revQ));
    expect(both.excess).toBeLessThan(1.3 * (both.fwdQ + both.revQ) + 1);
    // each direction's queue counts: the probe's excess is more than either alone
    expect(both.fwdQ).toBeGreaterThan(5);
    expect(both.revQ).toBeGreaterThan(5);
    expect(both.excess).toBeGreaterThan(Math.max(both.fwdQ, both.revQ) + 3);
  });

  it('conserves packets in both directions and is deterministic, with loss, per-flow RTTs, workloads and the probe', () => {
    const doc = {
      duration: '6s',
      seed: 7,
      link: { rate: '20mbit', rtt: '30ms', loss: '0.5%', ackLoss: '0.5%', jitter: '2ms', qdisc: 'codel' },
      probe: { interval: '100ms' },
      flows: [
        { cc: 'cubic' },
        { cc: 'bbr', direction: 'reverse', rtt: '80ms' },
        { cc: 'reno', rtt: '60ms' },
        { cc: 'cubic', direction: 'reverse', arrivals: { rate: 5, size: '50kb' } },
        { cc: 'dctcp', direction: 'reverse', bytes: '300kb' },
      ],
    };
    const a = run(doc);
    const b = run(doc);
    expect(JSON.stringify(a.summary)).toBe(JSON.stringify(b.summary));
    expect(timeseriesCsv(a.timeseries)).toBe(timeseriesCsv(b.timeseries));
    // the run checks sent = arrived + dropped + in flight for every flow and connection (it throws otherwise)
    const c = a.summary.conservation!;
    for (const x of c) expect(x.delivered + x.dropped + x.inFlight).toBe(x.sent);
    // both directions lost data to random loss and every flow moved data
    expect(c[0]!.dropped).toBeGreaterThan(0);
    expect(c[1]!.dropped).toBeGreaterThan(0);
    for (const f of a.summary.flows) expect(f.bytesDelivered).toBeGreaterThan(0);
    expect(a.summary.flows[4]!.completionS).not.toBeNull();
    expect(a.summary.flows[3]!.connections!.finished).toBeGreaterThan(10);
    // the reverse flow with its own RTT: 80 ms less at most the 2 ms jitter, its extra delay on its ACKs' (forward) way
    expect(a.summary.flows[1]!.rttMs.min).toBeGreaterThanOrEqual(78);
    expect(a.summary.flows[1]!.baseRttMs).toBe(80);
    expect(a.summary.link.drops.ack).toBeGreaterThan(0);
    expect(a.summary.link.reverse!.drops.random).toBe(a.summary.link.drops.ack);
  });

  it('runs the reverse direction at the reverse trace when one is given, with the link\'s qdisc', () => {
    const trace = join(import.meta.dirname, '..', '..', 'scenarios', 'traces', 'const-12mbit.trace');
    const s = run({ ...base, warmup: '3s', link: { rate: '50mbit', rtt: '40ms', queue: 100, qdisc: 'fq_codel', trace: { reverse: trace } }, flows: [{ cc: 'cubic' }, { cc: 'cubic', direction: 'reverse' }] }).summary;
    const [fwd, rev] = s.flows;
    // 12 Mbit/s of IP bytes, 1448 of every 1500 payload, less the forward flow's ACKs (~1 Mbit/s) sharing it
    expect(rev!.goodputMbps).toBeGreaterThan(0.8 * 12 * (1448 / 1500));
    expect(rev!.goodputMbps).toBeLessThan(12 * (1448 / 1500));
    expect(fwd!.goodputMbps).toBeGreaterThan(0.85 * 50);
    expect(s.link.reverse!.rateMbps).toBeCloseTo(12, 1);
    expect(s.link.reverse!.marks).toBeDefined();
    expect(s.link.reverse!.utilization).toBeGreaterThan(0.9);
  });

  it('leaves the warm-up out of the reverse direction too', () => {
    const doc = { ...base, link: { ...base.link, queue: 100 }, flows: [{ cc: 'cubic', direction: 'reverse' }] };
    const all = run(doc).summary.link.reverse!;
    const late = run({ ...doc, warmup: '5s' }).summary.link.reverse!;
    // slow start's overflow happens in the first seconds: its drops and its queue peak are not counted after a 5 s warm-up
    expect(all.drops.queue).toBeGreaterThan(late.drops.queue);
    expect(late.utilization).toBeGreaterThan(all.utilization - 0.02);
    expect(late.queuePkts.max).toBeLessThanOrEqual(all.queuePkts.max);
  });

  it('writes link-reverse rows to the time series and shows the direction in the printed table', () => {
    const r = run({ ...base, duration: '2s', flows: [{ cc: 'cubic' }, { cc: 'cubic', direction: 'reverse' }] });
    const rev = r.timeseries.filter((x) => x.flow === 'link-reverse');
    expect(rev).toHaveLength(r.timeseries.filter((x) => x.flow === 'link').length);
    expect(rev.some((x) => (x.link_mbps as number) > 30)).toBe(true);
    const text = formatSummary(r.summary);
    expect(text).toMatch(/^1 +cubic +reverse /m);
    expect(text).toMatch(/^0 +cubic +forward /m);
    expect(text).toContain('link reverse: utilization');
    // forward-only: neither the rows nor the column
    const f = run({ ...base, duration: '2s', flows: [{ cc: 'cubic' }] });
    expect(f.timeseries.some((x) => x.flow === 'link-reverse')).toBe(false);
    expect(formatSummary(f.summary)).not.toContain('forward');
  });
});
