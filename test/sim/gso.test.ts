/**
 * A paced sender sends GSO-sized skbs, as Linux does (TCP always builds GSO
 * skbs; with GSO off on the device they are cut into packets in software and
 * leave back to back). The VM's sender capture shows it: BBR at ~48 Mbit/s
 * emits bursts of 3-5 packets about 1 ms apart (kernel/measure-ack-noise.mjs).
 */
import { describe, expect, it } from 'vitest';
import { sendBursts } from '../helpers/sim.js';

/** Sizes of the bursts a flow's data leaves the sender in (segments handed over at the same instant), after `fromS`, and tcp_tso_segs() then. */
function burstSizes(sets: string[], fromS: number): { sizes: number[]; tso: number[] } {
  const bursts = sendBursts(sets, fromS);
  return { sizes: bursts.map((b) => b.psh.length), tso: bursts.map((b) => b.tso) };
}

describe('GSO-sized bursts of a paced sender (tcp_tso_segs)', () => {
  it('BBR at 50 Mbit/s, 10 ms sends about 1 ms of its pacing rate at once: 3 or 4 segments, never more than tcp_tso_segs()', () => {
    const { sizes, tso } = burstSizes(['flows[0].cc=bbr', 'link.rtt=10ms', 'duration=6s'], 3);
    expect(sizes.length).toBeGreaterThan(3000);
    // pacing 47.4 Mbit/s (cruise) -> 5786 B per 1/1024 s -> 3 segments; 59 Mbit/s (probing) -> 4;
    // 35.5 Mbit/s (draining) -> 2 or 3
    expect(sizes.filter((n) => n >= 2 && n <= 4).length / sizes.length).toBeGreaterThan(0.99);
    expect(sizes.filter((n) => n === 3 || n === 4).length / sizes.length).toBeGreaterThan(0.8);
    for (let i = 0; i < sizes.length; i++) expect(sizes[i]).toBeLessThanOrEqual(tso[i]!);
  });

  it('adds up to 64 KB per skb on short paths (tcp_tso_rtt_log): at 1 ms, bursts of 10 and more', () => {
    // min_rtt 1000 us >> 9 = 1: 64 KB >> 1 = 32 KB more per skb (22 segments), bounded by half of cwnd
    const { sizes } = burstSizes(['flows[0].cc=bbr', 'link.rtt=1ms', 'duration=3s'], 1);
    expect(Math.max(...sizes)).toBeGreaterThanOrEqual(10);
  });

  it('a slow paced flow (BBR below 1.2 Mbit/s: bbr_min_tso_segs = 1) sends single segments', () => {
    const { sizes } = burstSizes(['flows[0].cc=bbr', 'link.rate=1mbit', 'link.rtt=50ms', 'duration=8s'], 4);
    expect(sizes.length).toBeGreaterThan(200);
    expect(sizes.filter((n) => n === 1).length / sizes.length).toBeGreaterThan(0.9);
  });
});
