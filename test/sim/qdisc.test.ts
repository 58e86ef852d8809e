/**
 * Queue disciplines in whole simulations: conservation, the queue in the
 * time series, drops and CE marks in the summary and per flow, and
 * fq_codel's isolation of a Cubic flow from Brutal.
 */
import { describe, expect, it } from 'vitest';
import { ECN, type Packet } from '../../src/network/packet.js';
import type { Network } from '../../src/sim/topology.js';
import { SINGLE_FLOW, simulateFile } from '../helpers/sim.js';

const QDISCS = ['codel', 'fq_codel', 'red', 'pie', '{red: {adaptive: true, ecn: true}}', '{pie: {dq_rate_estimator: true}}'];

/** A Brutal flow at the link rate and two Cubic flows: a standing queue and losses. */
const BUSY_FILE = 'scenarios/brutal-vs-cubic.yaml';
const BUSY = ['duration=6s', 'flows[1].count=2'];

/** Mark every data packet ECT(0) as it leaves the sender, whatever its flow negotiated: the qdiscs alone, without the TCP reaction. */
function ectEverything(net: Network): void {
  const access = net.access;
  const receive = access.receive.bind(access);
  access.receive = (p: Packet) => {
    if (!p.isAck) p.ecn = ECN.ECT_0;
    receive(p);
  };
}

describe('every qdisc in a full run', () => {
  for (const q of QDISCS) {
    it(`${q}: conservation holds, the queue is sampled, drops add up per flow`, () => {
      const r = simulateFile(BUSY_FILE, [...BUSY, `link.qdisc=${q}`]);
      const s = r.summary;
      for (const c of s.conservation!) expect(c.delivered + c.dropped + c.inFlight).toBe(c.sent);
      expect(s.link.qdisc).toBe(q.startsWith('{') ? q.slice(1, q.indexOf(':')) : q);
      expect(s.link.marks).toBe(0); // nothing is ECN-capable
      expect(s.link.drops.queue).toBeGreaterThan(0);
      const net = r.network;
      const perFlow = Array.from(net.queueDrops).reduce((a, b) => a + b, 0);
      expect(perFlow).toBe(s.link.drops.queue);
      // the queue column: packets waiting, within the limit, not always empty
      const link = r.timeseries.filter((row) => row.flow === 'link');
      expect(link.length).toBe(60);
      const qs = link.map((row) => row.queue_pkts as number);
      expect(Math.max(...qs)).toBeGreaterThan(2);
      expect(Math.max(...qs)).toBeLessThanOrEqual(s.link.queuePackets);
      expect(s.link.queuePkts.max).toBe(Math.max(...qs));
    });
  }

  it('drop-tail summaries keep their shape (no qdisc or marks fields)', () => {
    const s = simulateFile(SINGLE_FLOW, ['duration=2s']).summary;
    expect('qdisc' in s.link).toBe(false);
    expect('marks' in s.link).toBe(false);
  });
});

describe('CE marks instead of drops for ECN-capable packets', () => {
  const cases: [string, string][] = [
    ['codel with ecn', '{codel: {ecn: true}}'],
    ['fq_codel (ecn by default)', 'fq_codel'],
    ['red with ecn', '{red: {ecn: true}}'],
    ['pie with ecn', '{pie: {ecn: true}}'],
  ];
  for (const [name, q] of cases) {
    it(`${name}: marks counted in the summary and per flow, conservation still holds`, () => {
      // one Cubic flow; the TCP does not react to CE yet, so the AQM keeps marking
      const r = simulateFile(SINGLE_FLOW, ['duration=6s', `link.qdisc=${q}`], { setup: ectEverything });
      const s = r.summary;
      expect(s.link.marks).toBeGreaterThan(5);
      expect(r.network.ceMarks[0]).toBe(s.link.marks);
      for (const c of s.conservation!) expect(c.delivered + c.dropped + c.inFlight).toBe(c.sent);
    });
  }

  it('the same AQM without ecn drops those packets instead', () => {
    const r = simulateFile(SINGLE_FLOW, ['duration=6s', 'link.qdisc={fq_codel: {ecn: false}}'], { setup: ectEverything });
    expect(r.summary.link.marks).toBe(0);
    expect(r.summary.link.drops.queue).toBeGreaterThan(0);
  });
});

describe('fq_codel isolates flows', () => {
  it('one Cubic flow keeps at least 35% of 50 Mbit/s against Brutal at twice the link (under drop-tail: almost nothing)', () => {
    const sets = ['duration=30s', 'flows[0]={cc: brutal, brutal: {rate: 100mbit}}', 'flows[1]={cc: cubic}'];
    const fq = simulateFile('scenarios/brutal-vs-cubic.yaml', [...sets, 'link.qdisc=fq_codel']).summary;
    const dt = simulateFile('scenarios/brutal-vs-cubic.yaml', sets).summary;
    expect(fq.flows[1]!.goodputMbps).toBeGreaterThan(0.35 * 50);
    expect(dt.flows[1]!.goodputMbps).toBeLessThan(0.05 * 50);
  });
});
