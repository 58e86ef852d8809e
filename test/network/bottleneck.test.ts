/**
 * The bottleneck: qdisc + serializer + rate source, with hand-made packets.
 */
import { describe, expect, it } from 'vitest';
import { Simulator } from '../../src/engine/sim.js';
import { Bottleneck } from '../../src/network/bottleneck.js';
import { ConstantRate, type RateSource } from '../../src/network/rate.js';
import { DropTail } from '../../src/network/qdisc/droptail.js';
import { Codel } from '../../src/network/qdisc/codel.js';
import { ECN, PacketPool, type Packet } from '../../src/network/packet.js';

function setup(rate: RateSource, make: 'droptail' | 'codel', limit = 100) {
  const sim = new Simulator();
  const pool = new PacketPool();
  const link = new Bottleneck(
    sim,
    pool,
    rate,
    (env) =>
      make === 'droptail'
        ? new DropTail({ limitPackets: limit, limitBytes: null }, env.hooks)
        : new Codel({ limit, target: 5e6, interval: 100e6, ecn: true, ce_threshold: 0 }, env.hooks),
    { recordDelay: true },
  );
  const out: { p: Packet; t: number }[] = [];
  link.next = { receive: (p) => out.push({ p, t: sim.now }) };
  const drops: number[] = [];
  const marks: number[] = [];
  link.onDrop = (p) => drops.push(p.flow);
  link.onMark = (p) => marks.push(p.flow);
  const send = (at: number, flow: number, ecn: 0 | 2 = ECN.NOT_ECT) => {
    const t = sim.timer(() => {
      const p = pool.data(flow, 0, 1448, 0, 0);
      p.ecn = ecn;
      link.receive(p);
    });
    t.at(at);
  };
  return { sim, pool, link, out, drops, marks, send };
}

describe('Bottleneck with a constant rate', () => {
  it('serializes 1514-byte packets at 1 Gbit/s: 12112 ns each, back to back', () => {
    const { sim, out, send, link } = setup(new ConstantRate(1e9), 'droptail');
    for (let i = 0; i < 3; i++) send(1000, i);
    sim.run(1e6);
    expect(out.map((o) => o.t)).toEqual([1000 + 12112, 1000 + 2 * 12112, 1000 + 3 * 12112]);
    expect(link.deliveredPackets).toBe(3);
    expect(link.deliveredBytes).toBe(3 * 1514);
    // the first bypassed the empty queue; the others waited one and two service times
    expect(link.queueDelayUs!.count).toBe(3);
    expect(link.queueDelayUs!.max).toBeCloseTo(24.224, 3);
  });

  it('drop-tail: drops what does not fit, with per-flow accounting, and recycles it', () => {
    const { sim, pool, out, drops, send, link } = setup(new ConstantRate(1e9), 'droptail', 2);
    for (let i = 0; i < 6; i++) send(1000, i);
    sim.run(1e6);
    // one on the wire, two waiting: flows 3, 4, 5 dropped
    expect(out.map((o) => o.p.flow)).toEqual([0, 1, 2]);
    expect(drops).toEqual([3, 4, 5]);
    expect(link.drops).toBe(3);
    expect(pool.live).toBe(3); // the dropped packets went back to the pool
  });

  it('an AQM sees every packet (no bypass); its CE marks reach onMark per flow', () => {
    const { sim, out, marks, send, link } = setup(new ConstantRate(1e9), 'codel');
    send(1000, 7, ECN.ECT_0);
    send(1000, 8, ECN.ECT_0);
    sim.run(1e6);
    expect(out.length).toBe(2);
    // ce_threshold 0: the second packet waited 12 us, above 0
    expect(marks).toEqual([8]);
    expect(link.marks).toBe(1);
    expect(out[1]!.p.ecn).toBe(ECN.CE);
  });

  it('a packet alone on an idle link still goes through the AQM', () => {
    const { sim, out, send, link } = setup(new ConstantRate(1e9), 'codel');
    send(1000, 7);
    sim.run(1e6);
    expect(out.length).toBe(1);
    expect((link.qdisc as Codel).stats.maxpacket).toBe(1514); // codel_should_drop saw it
  });

  it('counts packets inside the link: the one on the wire and those queued', () => {
    const { sim, link, send } = setup(new ConstantRate(1e6), 'droptail');
    for (let i = 0; i < 4; i++) send(0, i);
    sim.run(1000);
    let n = 0;
    link.forEach(() => n++);
    expect(n).toBe(4);
    expect(link.queuedPackets).toBe(3);
    expect(link.queuedBytes).toBe(3 * 1514);
  });
});

/** A trace-driven link in the style of mahimahi: one delivery opportunity per millisecond. */
class EveryMillisecond implements RateSource {
  readonly rateBps = 1514 * 8 * 1000;
  private used = -1;
  nextOpportunity(nowNs: number): number {
    let t = Math.ceil(nowNs / 1e6) * 1e6;
    if (t <= this.used) t = this.used + 1e6;
    return t;
  }
  serve(startNs: number): number {
    this.used = startNs;
    return startNs;
  }
}

describe('Bottleneck with a rate source that has delivery opportunities', () => {
  for (const qdisc of ['droptail', 'codel'] as const) {
    it(`waits for the next opportunity and dequeues then, so the qdisc sees the wait (${qdisc})`, () => {
      const { sim, out, send, link } = setup(new EveryMillisecond(), qdisc);
      for (let i = 0; i < 3; i++) send(200_000, i);
      sim.run(10e6);
      expect(out.map((o) => o.t)).toEqual([1e6, 2e6, 3e6]);
      // queueing delays 0.8, 1.8 and 2.8 ms: dequeued at the opportunity (no bypass while waiting)
      expect(link.queueDelayUs!.count).toBe(3);
      expect(link.queueDelayUs!.min).toBeCloseTo(800, 0);
      expect(link.queueDelayUs!.max).toBeCloseTo(2800, 0);
    });
  }
});
