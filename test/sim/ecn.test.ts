/**
 * ECN end to end in whole simulations: DCTCP against a step marker (RED
 * with min = max = K, and fq_codel's ce_threshold) holds the queue at K
 * with no drops and a full link; Cubic with ECN through fq_codel gets marks
 * where a Cubic flow without ECN, beside it, gets drops; the summary's
 * per-flow ECN counts; determinism.
 */
import { describe, expect, it } from 'vitest';
import { ECN, type Packet } from '../../src/network/packet.js';
import type { TcpSender } from '../../src/tcp/sender.js';
import { mean, SINGLE_FLOW, simulateFile } from '../helpers/sim.js';

/** A data-centre-like path: 1 Gbit/s, 1 ms base RTT (BDP about 83 packets). */
const DC = ['duration=2s', 'link.rate=1gbit', 'link.rtt=1ms', 'link.queue=1000', 'flows[0].cc=dctcp'];
/** RED as a step marker at K = 30 KB (20 full-size packets of 1514 bytes): max = min + 1 byte. */
const RED_STEP = ['link.qdisc=red', 'link.qdisc.red.min=30kb', 'link.qdisc.red.max=30721', 'link.qdisc.red.burst=21', 'link.qdisc.red.ecn=true'];
const K_PKTS = (30 * 1024) / 1514;

describe('DCTCP against a step marker', () => {
  it('RED with min = max = K: the queue stays near K, nothing is dropped or retransmitted, the link is full, every mark is echoed exactly', () => {
    const r = simulateFile(SINGLE_FLOW, [...DC, ...RED_STEP]);
    const s = r.summary;
    expect(s.link.drops).toEqual({ queue: 0, random: 0, ack: 0 });
    expect(s.flows[0]!.segsRetrans).toBe(0);
    expect(s.link.utilization).toBeGreaterThan(0.98);
    expect(s.link.marks).toBeGreaterThan(1000);
    expect(s.link.queuePkts.mean).toBeGreaterThan(0.6 * K_PKTS);
    expect(s.link.queuePkts.mean).toBeLessThan(1.2 * K_PKTS);
    expect(s.link.queuePkts.max).toBeLessThan(1.5 * K_PKTS);
    // the marked packets reached the receiver (the summary counts to the flow's stop; a few were
    // still on their way), and DCTCP's receiver echoed exactly those: the packets ECE ACKs
    // delivered are the marked ones, but for the ones not yet ACKed at the end
    const f = s.flows[0]!;
    expect(f.ecn!.ceReceived).toBeLessThanOrEqual(s.link.marks!);
    expect(f.ecn!.ceReceived).toBeGreaterThan(s.link.marks! - K_PKTS);
    const snd = r.network.senders[0]! as TcpSender;
    const ceArrived = r.network.receivers[0]!.ceArrived;
    expect(snd.deliveredCe).toBeLessThanOrEqual(ceArrived);
    expect(ceArrived - snd.deliveredCe).toBeLessThanOrEqual(snd.packetsOut);
    // alpha settled to a small fraction: the window is cut by a few percent per mark episode
    const alpha = snd.ca.info!().alpha as number;
    expect(alpha).toBeGreaterThan(0);
    expect(alpha).toBeLessThan(256);
  });

  it("records alpha over time (dctcp_alpha, 0..1, as its get_info) and its mean in the summary; other flows have neither", () => {
    const r = simulateFile(SINGLE_FLOW, [...DC, ...RED_STEP, 'flows=[{cc: dctcp}, {cc: cubic}]']);
    const rows0 = r.timeseries.filter((x) => x.flow === 0);
    const alphas = rows0.map((x) => x.dctcp_alpha as number);
    expect(alphas.every((a) => a >= 0 && a <= 1)).toBe(true);
    expect(alphas.some((a) => a > 0)).toBe(true);
    const end = (r.network.senders[0]! as TcpSender).ca.info!().alpha as number;
    expect(alphas.at(-1)!).toBeCloseTo(end / 1024, 2);
    expect(r.timeseries.filter((x) => x.flow === 1).every((x) => x.dctcp_alpha === undefined)).toBe(true);
    const f = r.summary.flows;
    const measured = r.timeseries.filter((x) => x.flow === 0 && (x.time_s as number) > 0);
    expect(f[0]!.dctcpAlphaMean!).toBeCloseTo(mean(measured.map((x) => x.dctcp_alpha as number)), 5);
    expect(f[0]!.dctcpAlphaMean!).toBeLessThan(0.5);
    expect(f[1]!.dctcpAlphaMean).toBeUndefined();
  });

  it("fq_codel's ce_threshold (240 us, about 20 packets at 1 Gbit/s): the same, queueing delay near the threshold", () => {
    const s = simulateFile(SINGLE_FLOW, [...DC, 'link.qdisc=fq_codel', 'link.qdisc.fq_codel.ce_threshold=240us']).summary;
    expect(s.link.drops.queue).toBe(0);
    expect(s.flows[0]!.segsRetrans).toBe(0);
    expect(s.link.utilization).toBeGreaterThan(0.98);
    expect(s.link.marks).toBeGreaterThan(1000);
    expect(s.link.queueDelayMs!.mean).toBeLessThan(0.3);
    expect(s.link.queueDelayMs!.p95).toBeLessThan(0.4);
  });

  it('Reno with ECN against the same marker halves its window per mark episode: a shorter queue, a link less full', () => {
    const reno = simulateFile(SINGLE_FLOW, [...DC, 'flows[0].cc=reno', 'flows[0].ecn=true', ...RED_STEP]).summary;
    expect(reno.link.drops.queue).toBe(0);
    expect(reno.link.utilization).toBeLessThan(0.97);
  });
});

describe('Cubic with and without ECN through fq_codel (ecn on by default)', () => {
  // a limit of 1000 packets: CoDel acts, overflow never does
  const MIX = ['duration=4s', 'link.rate=100mbit', 'link.rtt=10ms', 'link.qdisc=fq_codel', 'link.queue=1000', 'flows=[{cc: cubic, ecn: true}, {cc: cubic}]'];

  it('the ECN flow is marked, never dropped; the flow without ECN is dropped, never marked; only the ECN flow has ECN counts', () => {
    // what left each sender: ECT(0) new data, Not-ECT otherwise
    const codepoints = [new Set<number>(), new Set<number>()];
    const r = simulateFile(SINGLE_FLOW, MIX, {
      setup(net) {
        const access = net.access;
        const receive = access.receive.bind(access);
        access.receive = (p: Packet) => {
          if (!p.isAck && p.seg >= 0) codepoints[p.flow]!.add(p.ecn);
          receive(p);
        };
      },
    });
    const net = r.network;
    const [ecnFlow, plain] = r.summary.flows;
    expect(net.ceMarks[0]).toBeGreaterThan(0);
    expect(net.queueDrops[0]).toBe(0);
    expect(ecnFlow!.segsRetrans).toBe(0);
    expect(net.ceMarks[1]).toBe(0);
    expect(net.queueDrops[1]).toBeGreaterThan(0);
    expect(plain!.segsRetrans).toBeGreaterThan(0);
    expect([...codepoints[0]!]).toEqual([ECN.ECT_0]);
    expect([...codepoints[1]!]).toEqual([ECN.NOT_ECT]);
    // the ECN flow's counts: every mark reached the receiver and was echoed until CWR
    expect(ecnFlow!.ecn!.ceReceived).toBe(net.ceMarks[0]);
    expect(ecnFlow!.ecn!.eceAcks).toBeGreaterThanOrEqual(ecnFlow!.ecn!.cwrSent);
    expect(ecnFlow!.ecn!.cwrSent).toBeGreaterThan(0);
    expect('ecn' in plain!).toBe(false);
    // the ECN flow reduced in CWR, the other one in Recovery
    const states = (flow: number) => new Set(r.transitions.filter((t) => t.flow === flow && t.kind === 'ca_state').map((t) => t.to));
    expect(states(0).has('CWR')).toBe(true);
    expect(states(0).has('Recovery')).toBe(false);
    expect(states(1).has('Recovery')).toBe(true);
    expect(states(1).has('CWR')).toBe(false);
  });

  it('is deterministic: the same seed gives the same summary, byte for byte', () => {
    const a = simulateFile(SINGLE_FLOW, [...MIX, 'duration=2s']).summary;
    const b = simulateFile(SINGLE_FLOW, [...MIX, 'duration=2s']).summary;
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });
});
