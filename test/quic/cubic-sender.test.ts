/**
 * quic-go's Cubic/NewReno sender (src/quic/cc/cubic-sender.ts) with
 * hand-computed values: 32-datagram initial window, slow start by one
 * datagram per ACK while the window is used, the 0.7 cut once per loss
 * event (NewReno's rule), no growth in recovery, the 2-datagram floor, and
 * the pacer at 5/4 x cwnd / srtt.
 */
import { describe, expect, it } from 'vitest';
import { QuicGoCubicSender } from '../../src/quic/cc/cubic-sender.js';
import { RttStats } from '../../src/quic/rtt.js';

const MS = 1_000_000;
const D = 1252;

function sender(reno: boolean): QuicGoCubicSender {
  const rtt = new RttStats();
  rtt.update(50 * MS, 0);
  return new QuicGoCubicSender(rtt, D, reno);
}

describe("quic-go's cubic sender", () => {
  it('starts at 32 datagrams and grows by one per acknowledged packet in slow start when the window is used', () => {
    const s = sender(false);
    expect(s.congestionWindow()).toBe(32 * D);
    for (let pn = 0; pn < 32; pn++) s.onPacketSent(0, 0, pn, D, true);
    // in flight 32 packets = the window: cwnd-limited
    s.onCongestionEvent(32 * D, 50 * MS, [{ pn: 0, bytes: D }], []);
    expect(s.congestionWindow()).toBe(33 * D);
    // not using the window (in flight a quarter of it, in slow start): no growth
    s.onCongestionEvent(8 * D, 51 * MS, [{ pn: 1, bytes: D }], []);
    expect(s.congestionWindow()).toBe(33 * D);
    expect(s.mode()).toBe('application_limited');
  });

  for (const reno of [false, true]) {
    it(`${reno ? 'NewReno' : 'Cubic'}: a loss cuts to 0.7x once per loss event, and the window holds in recovery`, () => {
      const s = sender(reno);
      for (let pn = 0; pn < 40; pn++) s.onPacketSent(0, 0, pn, D, true);
      s.onCongestionEvent(40 * D, 50 * MS, [], [{ pn: 3, bytes: D }]);
      // 40,064 x 0.7 = 28,044.8 -> 28,044
      expect(s.congestionWindow()).toBe(28044);
      expect(s.slowStartThreshold).toBe(28044);
      // packet 5 was sent before the cut: the same loss event
      s.onCongestionEvent(40 * D, 51 * MS, [], [{ pn: 5, bytes: D }]);
      expect(s.congestionWindow()).toBe(28044);
      // an ACK of a packet sent before the cut: recovery, no growth
      s.onCongestionEvent(40 * D, 52 * MS, [{ pn: 10, bytes: D }], []);
      expect(s.inRecovery()).toBe(true);
      expect(s.congestionWindow()).toBe(28044);
      // a packet sent after the cut and lost: a new event, 28,044 x 0.7 = 19,630.8 -> 19,630
      s.onPacketSent(0, 0, 40, D, true);
      s.onCongestionEvent(30 * D, 53 * MS, [], [{ pn: 40, bytes: D }]);
      expect(s.congestionWindow()).toBe(19630);
    });
  }

  it('never below 2 datagrams', () => {
    const s = sender(true);
    for (let pn = 0; pn < 20; pn++) {
      s.onPacketSent(0, 0, pn, D, true);
      s.onCongestionEvent(0, pn * MS, [], [{ pn, bytes: D }]);
    }
    expect(s.congestionWindow()).toBe(2 * D);
  });

  it('NewReno adds one datagram per window of acknowledged packets in congestion avoidance', () => {
    const s = sender(true);
    s.slowStartThreshold = 10 * D;
    s.cwnd = 10 * D;
    for (let i = 0; i < 9; i++) s.onCongestionEvent(10 * D, MS, [{ pn: i, bytes: D }], []);
    expect(s.congestionWindow()).toBe(10 * D);
    s.onCongestionEvent(10 * D, MS, [{ pn: 9, bytes: D }], []);
    expect(s.congestionWindow()).toBe(11 * D);
  });

  it('paces at 5/4 x cwnd / srtt; unpaced before an RTT sample', () => {
    const s = sender(false);
    // 40,064 B x 8 / 50 ms = 6,410,240 bit/s -> 801,280 B/s x 5/4 = 1,001,600 B/s
    expect(s.pacingRate()).toBe(1_001_600);
    expect(new QuicGoCubicSender(new RttStats(), D, false).pacingRate()).toBe(Infinity);
  });
});
