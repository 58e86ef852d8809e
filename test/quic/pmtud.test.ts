/**
 * QUIC's datagram size (flows[].quic; docs/quic.md "Datagram size"):
 * quic-go's path MTU discovery (src/quic/mtu-discoverer.ts, mtuFinder) with
 * hand-computed probe sequences, probes in the sent-packet handler (their
 * loss is no congestion signal, a PTO never resends them), what the
 * controllers see on SetMaxDatagramSize, and full runs: the datagram size
 * reached, goodput per wire byte, probes dropped by a smaller path MTU, and
 * the scenario surface.
 */
import { describe, expect, it } from 'vitest';
import { MAX_PACKET_BUFFER_SIZE, MtuFinder } from '../../src/quic/mtu-discoverer.js';
import { RttStats } from '../../src/quic/rtt.js';
import { SentPacketHandler, type SentPacket } from '../../src/quic/sent-packet-handler.js';
import { QuicGoCubicSender } from '../../src/quic/cc/cubic-sender.js';
import { HysteriaBrutal } from '../../src/quic/cc/brutal.js';
import { validateScenario } from '../../src/scenario/load.js';
import { scenarioHash } from '../../src/scenario/resolve.js';
import { runSimulation, type SimResult } from '../../src/sim/run.js';
import type { QuicSender } from '../../src/quic/sender.js';

const MS = 1_000_000;

function rttOf(srttMs: number): RttStats {
  const r = new RttStats();
  r.update(srttMs * MS, 0);
  return r;
}

/** Run the finder against a path that carries datagrams up to maxFit bytes, no random loss: the probe sizes in order. */
function search(maxFit: number): { probes: number[]; finder: MtuFinder } {
  const f = new MtuFinder(rttOf(100), 1252, MAX_PACKET_BUFFER_SIZE);
  f.start(0);
  const probes: number[] = [];
  let now = 0;
  for (let i = 0; i < 50 && !f.done(); i++) {
    now += 500 * MS;
    expect(f.shouldSendProbe(now)).toBe(true);
    const size = f.nextProbe(now);
    probes.push(size);
    if (size <= maxFit) f.onAcked();
    else f.onLost();
  }
  return { probes, finder: f };
}

describe("quic-go's mtuFinder (DPLPMTUD)", () => {
  it('a 1500-byte path (1472-byte datagrams fit): 1352, 1402, 1427, 1439, then done at 1439', () => {
    // min 1252, max 1452: (1252+1452)/2 = 1352; (1352+1452)/2 = 1402; 1427; 1439; 1452 - 1439 = 13 <= 21: done
    const { probes, finder } = search(1472);
    expect(probes).toEqual([1352, 1402, 1427, 1439]);
    expect(finder.min).toBe(1439);
    expect(finder.done()).toBe(true);
    expect(finder.probesLost).toBe(0);
  });

  it('a 1400-byte path (datagrams up to 1372): the lost sizes bring the top down only after 3 losses', () => {
    // 1352 ok; 1402 lost (lost = 1402, 1452); after a loss (min + lost[0]) / 2: 1377 lost (1377, 1402, 1452; max still 1452);
    // 1364 ok; (1364 + 1452) / 2 = 1408 lost (1377, 1402, 1408: max 1408); 1370 ok; (1370 + 1408) / 2 = 1389 lost
    // (1377, 1389, 1402: max 1402); 1373 lost (1373, 1377, 1389: max 1389); 1389 - 1370 = 19 <= 21: done at 1370,
    // 2 bytes below what the path carries (quic-go stops within maxMTUDiff)
    const { probes, finder } = search(1372);
    expect(probes).toEqual([1352, 1402, 1377, 1364, 1408, 1370, 1389, 1373]);
    expect(finder.min).toBe(1370);
    expect(finder.max()).toBe(1389);
    expect(finder.probesLost).toBe(5);
  });

  it('one probe at a time, 5 smoothed RTTs apart, none before start', () => {
    const f = new MtuFinder(rttOf(40), 1252, 1452);
    expect(f.shouldSendProbe(10_000 * MS)).toBe(false);
    f.start(1000 * MS);
    expect(f.shouldSendProbe(1199 * MS)).toBe(false);
    expect(f.shouldSendProbe(1200 * MS)).toBe(true);
    f.nextProbe(1200 * MS);
    expect(f.shouldSendProbe(5000 * MS)).toBe(false); // in flight
    f.onAcked();
    expect(f.shouldSendProbe(1399 * MS)).toBe(false);
    expect(f.shouldSendProbe(1400 * MS)).toBe(true);
  });
});

describe('probes in the sent-packet handler', () => {
  const data = (pn: number, t: number): SentPacket => ({ pn, sendNs: t, bytes: 1252, frames: [pn * 1221, 1221], retransBytes: 0, deliveredAtSend: 0, deliveredNsAtSend: 0 });
  const probe = (pn: number, t: number, bytes: number): SentPacket => ({ pn, sendNs: t, bytes, frames: [], retransBytes: 0, deliveredAtSend: 0, deliveredNsAtSend: 0, mtuProbe: true });

  it('a lost probe leaves flight without being reported as lost; a lost data packet is', () => {
    const h = new SentPacketHandler();
    const probesLost: number[] = [];
    h.onMtuProbeLost = (p) => probesLost.push(p.pn);
    h.onPacketSent(data(0, 0));
    h.onPacketSent(probe(1, 0, 1352));
    h.onPacketSent(data(2, 0));
    for (let pn = 3; pn < 6; pn++) h.onPacketSent(data(pn, 0));
    expect(h.bytesInFlight).toBe(5 * 1252 + 1352);
    const acked: SentPacket[] = [];
    const lost: SentPacket[] = [];
    // 0 and 3..5 arrive: 1 and 2 are 3 or more below the largest (5): both lost
    h.onAckReceived({ ranges: [3, 5, 0, 0], ackDelayNs: 0 }, 50 * MS, acked, lost);
    expect(lost.map((p) => p.pn)).toEqual([2]);
    expect(probesLost).toEqual([1]);
    expect(h.bytesInFlight).toBe(0);
  });

  it("a probe timeout resends data packets' data, never a probe's, and a lone probe arms no PTO", () => {
    const h = new SentPacketHandler();
    h.onPacketSent(probe(0, 0, 1352));
    expect(h.lossDetectionTimeout()).toBe(-1);
    h.onPacketSent(data(1, 0));
    expect(h.lossDetectionTimeout()).toBeGreaterThan(0);
    expect(h.queueProbePacket()!.pn).toBe(1);
    expect(h.queueProbePacket()).toBeNull();
  });
});

describe('SetMaxDatagramSize: what the controllers see', () => {
  it("quic-go's Cubic: a window at its minimum (2 datagrams) stays at the minimum of the new size; another keeps its bytes", () => {
    const c = new QuicGoCubicSender(rttOf(50), 1252, false);
    expect(c.cwnd).toBe(32 * 1252);
    c.setMaxDatagramSize(1439);
    expect(c.cwnd).toBe(32 * 1252); // 40064 bytes: fewer, larger packets
    expect(c.pacer.maxDatagramSize).toBe(1439);
    const m = new QuicGoCubicSender(rttOf(50), 1252, true);
    m.cwnd = 2 * 1252;
    m.setMaxDatagramSize(1439);
    expect(m.cwnd).toBe(2 * 1439);
    expect(() => m.setMaxDatagramSize(1300)).toThrow(/decreased/);
  });

  it("Hysteria's Brutal: the pacer's packet and the window's floor; the window itself is rate x srtt x 2 / ackRate as before", () => {
    const b = new HysteriaBrutal(rttOf(50), 3_750_000, 1252);
    const before = b.congestionWindow();
    b.setMaxDatagramSize(1439);
    expect(b.congestionWindow()).toBe(before); // 3,750,000 x 0.05 x 2 = 375,000
    expect(before).toBe(375_000);
    expect(b.pacer.maxDatagramSize).toBe(1439);
    // the burst: max(4 ms x rate, 10 datagrams): 4 ms x 3.75 MB/s = 15,000 > 10 x 1439
    expect(b.pacer.maxBurstSize()).toBe(15_000);
    // at 1 Mbit/s the floor of 10 datagrams of the new size rules: 500 < 14,390
    const slow = new HysteriaBrutal(rttOf(50), 125_000, 1252);
    slow.setMaxDatagramSize(1439);
    expect(slow.pacer.maxBurstSize()).toBe(14_390);
  });
});

function run(flows: Record<string, unknown>[], extra: Record<string, unknown> = {}): SimResult {
  const doc = { name: 'pmtud', duration: '10s', link: { rate: '50mbit', rtt: '50ms' }, flows, ...extra };
  return runSimulation(validateScenario(doc, 'pmtud').resolved);
}

describe('path MTU discovery in full runs', () => {
  it('by default (as Hysteria) the datagram grows from 1252 to 1439 on a 1500-byte path, in 4 probes', () => {
    const r = run([{ cc: 'brutal', transport: 'quic', brutal: { rate: '30mbit' } }, { cc: 'cubic', start: '9s' }]);
    const s = r.network.senders[0] as QuicSender;
    expect(s.maxDatagramSize).toBe(1439);
    // the summary says so for the QUIC flow, and nothing for the TCP one
    expect(r.summary.flows[0]).toMatchObject({ datagramBytes: 1439, mtuProbes: 4 });
    expect('datagramBytes' in r.summary.flows[1]!).toBe(false);
    expect(s.stats.mtuProbes).toBe(4);
    expect(s.stats.mtuProbesTooBig).toBe(0);
    expect(s.mtu!.probesAcked).toBe(4);
    expect((s.cc as HysteriaBrutal).maxDatagramSize).toBe(1439);
    // 4 probes each 5 smoothed RTTs (>= 50 ms) after the last: at least 1 s after the first RTT sample
    expect(s.mtuRaisedNs).toBeGreaterThan(1000 * MS);
  });

  it('goodput per wire byte: a full 1439-byte datagram carries 1408 stream bytes in 1481 on the link (1252: 1221 in 1294)', () => {
    for (const cc of ['cubic', 'newreno']) {
      const on = run([{ cc, transport: 'quic' }], { warmup: '3s' }).summary.flows[0]!;
      const off = run([{ cc, transport: 'quic', quic: { pmtud: false } }], { warmup: '3s' }).summary.flows[0]!;
      expect(on.goodputMbps).toBeLessThan(50 * (1408 / 1481) + 0.1);
      expect(on.goodputMbps).toBeGreaterThan(50 * (1221 / 1294) + 0.1);
      expect(off.goodputMbps).toBeLessThan(50 * (1221 / 1294) + 0.1);
      expect(off.goodputMbps).toBeGreaterThan(40);
    }
  });

  it('a 1400-byte path: probes too big are dropped before the link, and the datagram settles at 1370', () => {
    const r = run([{ cc: 'brutal', transport: 'quic', brutal: { rate: '30mbit' }, quic: { mtu: 1400 } }]);
    const s = r.network.senders[0] as QuicSender;
    expect(s.maxDatagramSize).toBe(1370);
    // 1402, 1377, 1408, 1389, 1373: each + 28 > 1400
    expect(s.stats.mtuProbesTooBig).toBe(5);
    expect(s.stats.mtuProbes).toBe(8);
    // their loss is no congestion signal: Brutal below the link loses no data packet, and its
    // slots count no loss (the ACK rate stays 1) although 5 probes were lost
    expect(s.stats.packetsLost).toBe(0);
    expect(s.mtu!.probesLost).toBe(5);
    const b = s.cc as HysteriaBrutal;
    expect(b.ackRate).toBe(1);
    expect(b.slots.reduce((a, x) => a + x.lossCount, 0)).toBe(0);
  });

  it('pmtud: false keeps 1252-byte datagrams and sends no probe (Hysteria disablePathMTUDiscovery: true)', () => {
    const s = run([{ cc: 'brutal', transport: 'quic', brutal: { rate: '30mbit' }, quic: { pmtud: false } }], { duration: '3s' }).network.senders[0] as QuicSender;
    expect(s.maxDatagramSize).toBe(1252);
    expect(s.stats.mtuProbes).toBe(0);
  });
});

describe('flows[].quic in scenarios', () => {
  function resolve(flow: Record<string, unknown>) {
    return validateScenario({ name: 'q', duration: '5s', link: { rate: '50mbit', rtt: '50ms' }, flows: [flow] }, 'q').resolved;
  }
  function problem(flow: Record<string, unknown>): string {
    try {
      resolve(flow);
    } catch (e) {
      return (e as Error).message;
    }
    return 'no error';
  }

  it('absent unless given (existing scenarios keep their hashes); given: both fields with defaults', () => {
    expect('quic' in resolve({ cc: 'cubic', transport: 'quic' }).flows[0]!).toBe(false);
    expect(resolve({ cc: 'cubic', transport: 'quic', quic: { mtu: 1400 } }).flows[0]!.quic).toEqual({ pmtud: true, mtuBytes: 1400 });
    expect(resolve({ cc: 'cubic', transport: 'quic', quic: { pmtud: false } }).flows[0]!.quic).toEqual({ pmtud: false, mtuBytes: 1500 });
    expect(scenarioHash(resolve({ cc: 'cubic', transport: 'quic', quic: { pmtud: false } }))).not.toBe(scenarioHash(resolve({ cc: 'cubic', transport: 'quic' })));
  });

  it.each([
    [{ cc: 'cubic', transport: 'quic', quic: { mtu: 1200 } }, /^flows\[0\]\.quic\.mtu: must be at least 1280 bytes: quic-go's first datagrams are 1252 bytes, 1280 with UDP and IPv4 headers$/],
    [{ cc: 'cubic', transport: 'quic', quic: { mtu: 70000 } }, /^flows\[0\]\.quic\.mtu: must be at most 65535 bytes/],
    [{ cc: 'cubic', transport: 'quic', quic: { mtu: '1500b' } }, /^flows\[0\]\.quic\.mtu: expected a whole number of bytes, 1280\.\.65535$/],
    [{ cc: 'cubic', transport: 'quic', quic: { pmtud: 'yes' } }, /^flows\[0\]\.quic\.pmtud: expected true or false/],
    [{ cc: 'cubic', transport: 'quic', quic: { maxDatagram: 1400 } }, /^flows\[0\]\.quic: unknown field "maxDatagram"; known: pmtud, mtu$/],
    [{ cc: 'cubic', quic: { pmtud: false } }, /^flows\[0\]\.quic: the quic block \(pmtud, mtu\) is for QUIC flows only/],
  ])('one line naming the field: %j', (flow, message) => {
    const m = problem(flow);
    expect(m).toMatch(message);
    expect(m.split('\n')).toHaveLength(1);
  });
});

describe('discoveredDatagramSize', () => {
  it('what a lossless search ends at: 1439 on 1500, 1370 on 1400, 1252 with discovery off or on a 1280-byte path', async () => {
    const { discoveredDatagramSize } = await import('../../src/quic/mtu-discoverer.js');
    expect(discoveredDatagramSize(1252, 1500, true)).toBe(1439);
    expect(discoveredDatagramSize(1252, 1400, true)).toBe(1370);
    expect(discoveredDatagramSize(1252, 1500, false)).toBe(1252);
    expect(discoveredDatagramSize(1252, 1280, true)).toBe(1252);
  });
});
