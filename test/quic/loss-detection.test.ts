/**
 * QUIC loss detection and PTO (src/quic/sent-packet-handler.ts) against
 * RFC 9002's pseudocode (appendix A) with hand-computed values: RTT samples
 * (A.7 UpdateRtt, with ACK Delay), packet and time thresholds (A.10
 * DetectAndRemoveLostPackets), the loss-detection timer (A.8
 * SetLossDetectionTimer, PTO with backoff) and the PTO's probes (A.9).
 */
import { describe, expect, it } from 'vitest';
import { SendMode, SentPacketHandler, type SentPacket } from '../../src/quic/sent-packet-handler.js';
import { RttStats } from '../../src/quic/rtt.js';

const MS = 1_000_000;

function pkt(pn: number, sendNs: number, bytes = 1252): SentPacket {
  return { pn, sendNs, bytes, frames: [pn * 1000, 1000], retransBytes: 0, deliveredAtSend: 0, deliveredNsAtSend: 0 };
}

/** Send packets 0..n-1, packet i at times[i]. */
function sent(times: number[]): SentPacketHandler {
  const h = new SentPacketHandler();
  times.forEach((t, i) => h.onPacketSent(pkt(i, t)));
  return h;
}

const acked: SentPacket[] = [];
const lost: SentPacket[] = [];

describe('RTT estimation (RFC 9002 5.3, A.7)', () => {
  it('first sample: smoothed_rtt = sample, rttvar = sample / 2; later: 7/8 and 3/4 weights', () => {
    const h = sent([0, 0]);
    h.onAckReceived({ ranges: [0, 0], ackDelayNs: 0 }, 100 * MS, acked, lost);
    expect(h.rtt.smoothedRttNs).toBe(100 * MS);
    expect(h.rtt.meanDeviationNs).toBe(50 * MS);
    // second sample 60 ms: rttvar = 3/4 x 50 + 1/4 x |100 - 60| = 47.5 ms; srtt = 7/8 x 100 + 1/8 x 60 = 95 ms
    h.onAckReceived({ ranges: [1, 1], ackDelayNs: 0 }, 60 * MS, acked, lost);
    expect(h.rtt.meanDeviationNs).toBe(47.5 * MS);
    expect(h.rtt.smoothedRttNs).toBe(95 * MS);
    expect(h.rtt.minRttNs).toBe(60 * MS);
  });

  it('ACK Delay is taken off the sample unless that would go below min_rtt, and at most max_ack_delay counts', () => {
    const r = new RttStats();
    r.update(50 * MS, 0);
    // 80 ms with 10 ms ACK delay: 80 - 50 >= 10, so adjusted 70
    r.update(80 * MS, 10 * MS);
    expect(r.latestRttNs).toBe(70 * MS);
    // 55 ms with 10 ms delay: 55 - 50 < 10, so the raw 55
    r.update(55 * MS, 10 * MS);
    expect(r.latestRttNs).toBe(55 * MS);
    // the handler caps the reported delay at max_ack_delay (25 ms): 200 ms with 100 ms reported -> 175
    const h = sent([0, 0]);
    h.onAckReceived({ ranges: [0, 0], ackDelayNs: 0 }, 50 * MS, acked, lost);
    h.onAckReceived({ ranges: [1, 1], ackDelayNs: 100 * MS }, 200 * MS, acked, lost);
    expect(h.rtt.latestRttNs).toBe(175 * MS);
  });

  it('only an ACK that newly acknowledges its largest packet gives a sample', () => {
    const h = sent([5 * MS, 10 * MS]);
    h.onAckReceived({ ranges: [1, 1], ackDelayNs: 0 }, 55 * MS, acked, lost);
    expect(h.rtt.latestRttNs).toBe(45 * MS);
    // 0 is not lost yet: sent at 5 ms, after 55 - 9/8 x 45 = 4.375 ms
    expect(lost).toEqual([]);
    // an ACK repeating 1 and adding 0 has an old largest: no sample
    const r = h.onAckReceived({ ranges: [0, 1], ackDelayNs: 0 }, 56 * MS, acked, lost);
    expect(r.rttSampleNs).toBe(0);
    expect(h.rtt.latestRttNs).toBe(45 * MS);
    expect(acked.map((p) => p.pn)).toEqual([0]);
  });
});

describe('loss detection (RFC 9002 6.1, A.10)', () => {
  it('packet threshold: a packet is lost when 3 later packets are acknowledged (kPacketThreshold = 3)', () => {
    // packets 0..4 sent at 0..4 ms; ACK of 3 and 4 at 50 ms
    const h = sent([0, 1 * MS, 2 * MS, 3 * MS, 4 * MS]);
    h.onAckReceived({ ranges: [3, 4], ackDelayNs: 0 }, 50 * MS, acked, lost);
    expect(acked.map((p) => p.pn)).toEqual([3, 4]);
    // largest acked 4: 0 and 1 are 3+ behind (4 >= 0 + 3, 4 >= 1 + 3); 2 is not (4 < 2 + 3)
    expect(lost.map((p) => p.pn)).toEqual([0, 1]);
    // 2 waits for the time threshold: sent at 2 ms + 9/8 x max(latest 46 ms, srtt 46 ms) = 2 + 51.75 ms
    expect(h.rtt.latestRttNs).toBe(46 * MS);
    expect(h.lossTimeNs).toBe(2 * MS + 51.75 * MS);
    expect(h.bytesInFlight).toBe(1252);
  });

  it('time threshold: the loss timer declares the packet lost at send time + 9/8 x max(smoothed, latest RTT)', () => {
    const h = sent([0, 1 * MS, 2 * MS]);
    h.onAckReceived({ ranges: [1, 2], ackDelayNs: 0 }, 42 * MS, acked, lost);
    // largest 2 < 0 + 3: not lost by count; RTT 40 ms -> loss delay 45 ms -> loss time 0 + 45 ms
    expect(lost).toEqual([]);
    expect(h.lossDetectionTimeout()).toBe(45 * MS);
    expect(h.onLossDetectionTimeout(45 * MS, lost)).toBe('loss');
    expect(lost.map((p) => p.pn)).toEqual([0]);
    expect(h.lossTimeNs).toBe(-1);
    expect(h.bytesInFlight).toBe(0);
  });

  it('the time threshold is at least kGranularity (1 ms)', () => {
    // RTT 0.4 ms: 9/8 x 0.4 = 0.45 ms < 1 ms
    const h = sent([0, 100_000]);
    h.onAckReceived({ ranges: [1, 1], ackDelayNs: 0 }, 500_000, acked, lost);
    expect(h.lossTimeNs).toBe(0 + 1 * MS);
  });

  it('an ACK that acknowledges nothing new runs no loss detection', () => {
    const h = sent([0, 1 * MS, 2 * MS, 3 * MS, 4 * MS]);
    h.onAckReceived({ ranges: [4, 4], ackDelayNs: 0 }, 50 * MS, acked, lost);
    expect(lost.map((p) => p.pn)).toEqual([0, 1]);
    h.onAckReceived({ ranges: [4, 4], ackDelayNs: 0 }, 500 * MS, acked, lost);
    expect(acked).toEqual([]);
    expect(lost).toEqual([]);
  });

  it('ranges with gaps acknowledge only the packets in them', () => {
    const h = sent([0, 0, 0, 0, 0, 0, 0]);
    h.onAckReceived({ ranges: [5, 6, 2, 3, 0, 0], ackDelayNs: 0 }, 10 * MS, acked, lost);
    expect(acked.map((p) => p.pn)).toEqual([0, 2, 3, 5, 6]);
    // 1 and 4: both 3+ behind 6? 6 >= 1 + 3 yes, 6 >= 4 + 3 no -> only 1 by count; 4 was sent at 0, 10 ms ago > 9/8 x 10 ms? no
    expect(lost.map((p) => p.pn)).toEqual([1]);
    expect(h.outstanding).toBe(1);
  });
});

describe('probe timeout (RFC 9002 6.2, A.8, A.9)', () => {
  it('PTO = smoothed_rtt + max(4 x rttvar, kGranularity) + max_ack_delay after the last ack-eliciting packet, doubling each time', () => {
    const h = sent([0]);
    h.onAckReceived({ ranges: [0, 0], ackDelayNs: 0 }, 100 * MS, acked, lost);
    // srtt 100, rttvar 50: PTO = 100 + 200 + 25 = 325 ms
    h.onPacketSent(pkt(1, 110 * MS));
    expect(h.lossDetectionTimeout()).toBe(110 * MS + 325 * MS);
    expect(h.onLossDetectionTimeout(435 * MS, lost)).toBe('pto');
    expect(h.ptoCount).toBe(1);
    expect(h.numProbesToSend).toBe(2);
    expect(h.sendMode(435 * MS, () => false, () => false)).toBe(SendMode.Pto);
    // the probe resends the oldest outstanding packet's data, taken out of flight without a loss
    const probe = h.queueProbePacket();
    expect(probe?.pn).toBe(1);
    expect(h.bytesInFlight).toBe(0);
    h.onPacketSent(pkt(2, 435 * MS));
    h.onPacketSent(pkt(3, 435 * MS));
    expect(h.numProbesToSend).toBe(0);
    // backoff: 2 x 325 ms after the last probe
    expect(h.lossDetectionTimeout()).toBe(435 * MS + 650 * MS);
    // an ACK resets the count
    h.onAckReceived({ ranges: [2, 3], ackDelayNs: 0 }, 500 * MS, acked, lost);
    expect(h.ptoCount).toBe(0);
    expect(h.lossDetectionTimeout()).toBe(-1);
  });

  it('before any RTT sample the PTO is 2 x the 100 ms initial RTT', () => {
    const h = sent([5 * MS]);
    expect(h.lossDetectionTimeout()).toBe(5 * MS + 200 * MS);
  });

  it('a pending loss time comes before the PTO', () => {
    const h = sent([0, 1 * MS, 2 * MS]);
    h.onAckReceived({ ranges: [2, 2], ackDelayNs: 0 }, 40 * MS, acked, lost);
    // RTT 38 ms: loss delay 42.75 ms; packet 0 sent at 0
    expect(h.lossDetectionTimeout()).toBe(42.75 * MS);
  });

  it('send modes: congestion window, pacer, then anything', () => {
    const h = sent([0]);
    expect(h.sendMode(0, () => false, () => true)).toBe(SendMode.Ack);
    expect(h.sendMode(0, () => true, () => false)).toBe(SendMode.PacingLimited);
    expect(h.sendMode(0, () => true, () => true)).toBe(SendMode.Any);
  });
});
