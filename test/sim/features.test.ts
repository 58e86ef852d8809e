/**
 * Scenario features a user relies on, each checked in a full simulation (or,
 * for the loss model, on the loss stage itself): netem's header accounting,
 * Gilbert-Elliott loss, per-direction delays, a byte-sized queue, flow start
 * and stop times, a non-default MSS, fq pacing for Cubic, Jain's index.
 */
import { describe, expect, it } from 'vitest';
import { LossStage } from '../../src/network/loss.js';
import type { PacketPool } from '../../src/network/packet.js';
import { jainIndex } from '../../src/results/metrics.js';
import { SINGLE_FLOW, simulateFile } from '../helpers/sim.js';

const LINK_BPS = 50e6;
/** netem counts payload + 52 bytes of TCP/IP headers (with timestamps) + 14 of Ethernet. */
const wireBytes = (mss: number) => mss + 52 + 14;

describe('what the bottleneck carries', () => {
  it('one Cubic flow tops out at 50 Mbit/s x 1448/1514 = 47.82 Mbit/s of goodput', () => {
    const r = simulateFile(SINGLE_FLOW, ['duration=30s']);
    const ceiling = (LINK_BPS * 1448) / wireBytes(1448) / 1e6;
    const g = r.summary.flows[0]!.goodputMbps;
    expect(g).toBeLessThanOrEqual(ceiling);
    expect(g).toBeGreaterThan(0.97 * ceiling);
  });

  it('with mss 1000 the ceiling is 50 Mbit/s x 1000/1066', () => {
    const r = simulateFile(SINGLE_FLOW, ['duration=30s', 'flows[0].mss=1000']);
    const ceiling = (LINK_BPS * 1000) / wireBytes(1000) / 1e6;
    const g = r.summary.flows[0]!.goodputMbps;
    expect(g).toBeLessThanOrEqual(ceiling);
    expect(g).toBeGreaterThan(0.97 * ceiling);
    expect(r.summary.flows[0]!.bytesDelivered % 1000).toBe(0);
  });

  it('a queue given in bytes holds at most that many wire bytes', () => {
    const r = simulateFile(SINGLE_FLOW, ['duration=10s', 'link.queue=64kb']);
    expect(r.summary.link.queuePkts.max).toBeLessThanOrEqual(Math.floor(64 * 1024 / wireBytes(1448)));
    expect(r.summary.link.drops.queue).toBeGreaterThan(0);
  });
});

describe('Gilbert-Elliott loss as netem gemodel (p 1%, r 20%, 1-h 100%, 1-k 0%)', () => {
  const stage = new LossStage({} as PacketPool, { kind: 'gemodel', p: 0.01, r: 0.2, oneMinusH: 1, oneMinusK: 0 }, 1, 'test/ge');
  const n = 1_000_000;
  let lost = 0;
  let bursts = 0;
  let prev = false;
  for (let i = 0; i < n; i++) {
    const l = stage.lose(0);
    if (l) lost++;
    if (l && !prev) bursts++;
    prev = l;
  }
  it('loses p / (p + r) = 4.76% of packets', () => {
    expect(lost / n).toBeGreaterThan(0.0476 * 0.95);
    expect(lost / n).toBeLessThan(0.0476 * 1.05);
  });
  it('in bursts of 1 / r = 5 packets on average', () => {
    expect(lost / bursts).toBeGreaterThan(4.75);
    expect(lost / bursts).toBeLessThan(5.25);
  });
  it('in a simulation, the random drops are that share of what reaches the loss stage', () => {
    const r = simulateFile(SINGLE_FLOW, ['duration=20s', 'flows[0].cc=brutal', 'flows[0].brutal.rate=20mbit', 'link.loss={gemodel: {p: 1%, r: 20%}}']);
    const share = r.summary.link.drops.random / r.summary.flows[0]!.segsSent;
    expect(share).toBeGreaterThan(0.0476 * 0.8);
    expect(share).toBeLessThan(0.0476 * 1.2);
  });
});

describe('per-direction delays', () => {
  for (const [fwd, rev] of [['10ms', '40ms'], ['40ms', '10ms']]) {
    it(`forward ${fwd} + reverse ${rev}: the smallest RTT is 50 ms plus serialization`, () => {
      const r = simulateFile(SINGLE_FLOW, ['duration=5s', `link={rate: 50mbit, delay: {forward: ${fwd}, reverse: ${rev}}, queue: 100}`]);
      expect(r.summary.link.rttMs).toBe(50);
      expect(r.summary.flows[0]!.rttMs.min).toBeGreaterThanOrEqual(50);
      expect(r.summary.flows[0]!.rttMs.min).toBeLessThan(51);
    });
  }
});

describe('flow start and stop times', () => {
  it('a flow sends only between its start and its stop', () => {
    const r = simulateFile(SINGLE_FLOW, ['duration=10s', 'flows=[{cc: cubic, stop: 4s}, {cc: cubic, start: 5s}]']);
    const at = (flow: number, from: number, to: number) =>
      r.timeseries.filter((x) => x.flow === flow && (x.time_s as number) > from && (x.time_s as number) <= to).map((x) => x.goodput_mbps as number);
    // a flow has no samples while inactive; a stopped flow's last data drains within an RTT or so
    expect(at(0, 4.2, 10)).toEqual([]);
    expect(at(1, 0, 4.99)).toEqual([]);
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(avg(at(0, 2, 4))).toBeGreaterThan(40);
    expect(avg(at(1, 7, 10))).toBeGreaterThan(40);
  });
});

describe('byte-limited flows', () => {
  it('are timed to their last byte ACKed, as iperf3 -n times a transfer', () => {
    const r = simulateFile(SINGLE_FLOW, ['duration=5s', 'flows[0].bytes=1mb']);
    const f = r.summary.flows[0]!;
    expect(f.bytesDelivered).toBe(1024 * 1024);
    expect(f.completionS).toBeGreaterThan(0.2);
    expect(f.completionS).toBeLessThan(1);
    expect(f.endS).toBe(f.completionS);
    expect(f.goodputMbps).toBeCloseTo((1024 * 1024 * 8) / f.completionS! / 1e6, 4);
  });
});

describe('fq pacing for Cubic (as with the fq qdisc)', () => {
  it('paces at 120% of cwnd / srtt in congestion avoidance (tcp_update_pacing_rate)', () => {
    const paced = simulateFile(SINGLE_FLOW, ['duration=10s', 'flows[0].pacing=fq']);
    const rows = paced.timeseries.filter((x) => x.flow === 0 && (x.time_s as number) >= 6);
    for (const x of rows) {
      const cwndRate = ((x.cwnd_pkts as number) * 1448 * 8) / ((x.srtt_ms as number) / 1000) / 1e6;
      expect((x.pacing_mbps as number) / cwndRate).toBeCloseTo(1.2, 1);
    }
    expect(rows.length).toBeGreaterThan(30);
  });
});

describe("Jain's fairness index", () => {
  it('matches hand-computed values', () => {
    expect(jainIndex([10, 10, 10])).toBe(1);
    expect(jainIndex([1, 0, 0, 0])).toBe(0.25); // one of four takes everything: 1/n
    expect(jainIndex([30, 10])).toBeCloseTo(0.8, 12); // 40^2 / (2 * 1000)
    expect(jainIndex([5, 3, 2])).toBeCloseTo(100 / 114, 12); // 10^2 / (3 * 38)
    expect(jainIndex([])).toBe(1);
  });
});
