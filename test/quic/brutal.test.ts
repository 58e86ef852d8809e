/**
 * Hysteria's Brutal (src/quic/cc/brutal.ts) against brutal.go with
 * hand-computed values: the ACK rate is a float over 5 one-second slots,
 * 1 below 50 samples, floored at 0.8; a slot is reset when a new second
 * lands on it; cwnd = bps x smoothed RTT x 2 / ackRate; the pacer runs at
 * bps / ackRate with 4 ms or 10-datagram bursts.
 */
import { describe, expect, it } from 'vitest';
import { HY_BRUTAL_NO_RTT_CWND, HysteriaBrutal } from '../../src/quic/cc/brutal.js';
import { RttStats } from '../../src/quic/rtt.js';

const MS = 1_000_000;
/** 30 Mbit/s in bytes per second, as Hysteria's bandwidth. */
const BPS = 3_750_000;

function brutal(srttMs = 50): HysteriaBrutal {
  const rtt = new RttStats();
  if (srttMs > 0) rtt.update(srttMs * MS, 0);
  return new HysteriaBrutal(rtt, BPS, 1252);
}

describe('ACK rate', () => {
  it('is 1 below 50 samples (acked + lost)', () => {
    const b = brutal();
    b.countEvent(7, 30, 19);
    expect(b.ackRate).toBe(1);
    b.countEvent(7, 0, 1);
    // 30 / 50 = 0.6 < 0.8: the floor
    expect(b.ackRate).toBe(0.8);
  });

  it('is a float, not a whole percent: 199 acked of 200 gives 0.995', () => {
    const b = brutal();
    b.countEvent(3, 199, 1);
    expect(b.ackRate).toBe(0.995);
    const c = brutal();
    c.countEvent(3, 45, 5);
    expect(c.ackRate).toBe(0.9);
  });

  it('never goes below 0.8', () => {
    const b = brutal();
    b.countEvent(1, 10, 90);
    expect(b.ackRate).toBe(0.8);
  });

  it('sums the slots of the last 5 seconds; a new second resets its slot', () => {
    const b = brutal();
    for (const s of [1, 2, 3, 4]) b.countEvent(s, 20, 0);
    expect(b.ackRate).toBe(1);
    // second 6 lands on second 1's slot (6 % 5 = 1) and resets it: 20 + 20 + 20 acked (seconds 2..4) and 10 lost
    b.countEvent(6, 0, 10);
    expect(b.slots[1]).toEqual({ timestamp: 6, ackCount: 0, lossCount: 10 });
    expect(b.ackRate).toBeCloseTo(60 / 70, 15);
    // the same second adds to its slot
    b.countEvent(6, 0, 5);
    expect(b.slots[1]!.lossCount).toBe(15);
    expect(b.ackRate).toBe(0.8); // 60 / 75
    // second 12: minTimestamp 7, every other slot is older; only its own 0 + 2 counts, < 50 samples
    b.countEvent(12, 2, 0);
    expect(b.ackRate).toBe(1);
  });

  it('counts one congestion event per ACK at the second of the event time', () => {
    const b = brutal();
    const acked = Array.from({ length: 45 }, (_, i) => ({ pn: i, bytes: 1252 }));
    const lost = Array.from({ length: 5 }, (_, i) => ({ pn: 100 + i, bytes: 1252 }));
    b.onCongestionEvent(0, 2_999_999_999, acked, lost);
    expect(b.slots[2]).toEqual({ timestamp: 2, ackCount: 45, lossCount: 5 });
    expect(b.ackRate).toBe(0.9);
  });
});

describe('congestion window and pacing', () => {
  it('cwnd = bps x smoothed RTT x 2 / ackRate, truncated', () => {
    const b = brutal(50);
    // 3,750,000 x 0.05 x 2 = 375,000
    expect(b.congestionWindow()).toBe(375000);
    b.countEvent(1, 45, 5);
    // / 0.9 = 416,666.67
    expect(b.congestionWindow()).toBe(416666);
    // in flight up to and including the window
    expect(b.canSend(416666)).toBe(true);
    expect(b.canSend(416667)).toBe(false);
  });

  it('is 10240 bytes before an RTT sample, and at least one datagram', () => {
    expect(brutal(0).congestionWindow()).toBe(HY_BRUTAL_NO_RTT_CWND);
    const rtt = new RttStats();
    rtt.update(1 * MS, 0);
    // 62,500 B/s x 1 ms x 2 = 125 bytes < 1252
    expect(new HysteriaBrutal(rtt, 62500, 1252).congestionWindow()).toBe(1252);
  });

  it('paces at bps / ackRate with a 4 ms (or 10-datagram) burst', () => {
    const b = brutal(50);
    b.countEvent(1, 45, 5);
    // 3,750,000 / 0.9 = 4,166,666 B/s; burst max(4 ms x rate = 16,666, 12,520)
    expect(b.pacingRate()).toBe(4166666);
    expect(b.pacer.maxBurstSize()).toBe(16666);
    // the first send starts from a full burst
    expect(b.hasPacingBudget(0)).toBe(true);
    b.onPacketSent(0, 0, 0, 16666);
    expect(b.hasPacingBudget(0)).toBe(false);
    // 1252 bytes at 4,166,666 B/s take 300,480.02 ns, but never less than the 1 ms minimum pacing delay
    expect(b.timeUntilSend()).toBe(1 * MS);
    // after 1 ms the budget holds floor(4,166,666 x 1e6 / 1e9) = 4166 bytes
    expect(b.pacer.budget(1 * MS)).toBe(4166);
    expect(b.hasPacingBudget(1 * MS)).toBe(true);
  });
});
