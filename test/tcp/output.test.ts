/**
 * The output path (src/tcp/output.ts, tcp_output.c) on the sender harness:
 * GSO-sized skbs, PSH, pacing and the receive window. Reno, handshake RTT
 * 10 ms, so the initial window of 10 segments leaves at 10 ms.
 */
import { describe, expect, it } from 'vitest';
import { MSS, SenderHarness } from './harness.js';

describe('tcp_write_xmit', () => {
  it('sends the initial window at once, in skbs of tcp_tso_segs() segments with PSH on the last of each', () => {
    const h = new SenderHarness().handshake();
    expect(h.tp.tsoSegs()).toBe(2); // sysctl_tcp_min_tso_segs at this pacing rate
    expect(h.sent.map((s) => [s.seg, s.atNs / 1e6, s.psh])).toEqual(
      Array.from({ length: 10 }, (_, i) => [i, 10, i % 2 === 1]),
    );
  });

  it('a paced (fq) sender spaces its skbs by their length at the pacing rate', () => {
    const h = new SenderHarness({ fq: true }).handshake();
    h.advance(10).ack({ ack: 10 }); // cwnd 20, pacing rate 2 x 20 x MSS / 10 ms
    const rate = h.tp.pacingRate;
    expect(rate).toBe(2 * 20 * MSS * 100);
    const segs = h.tp.tsoSegs();
    expect(segs).toBe(3);
    h.advance(10);
    const starts = [...new Set(h.sent.slice(10).map((s) => s.atNs))];
    const gaps = starts.slice(2).map((t, i) => t - starts[i + 1]!);
    // each skb of 3 segments moves the pacing clock by 3 x MSS / rate (the first after idle by half)
    expect(gaps.every((g) => g === (segs * MSS * 1e9) / rate)).toBe(true);
    expect(starts[1]! - starts[0]!).toBe((segs * MSS * 1e9) / rate / 2);
  });

  it('never sends past snd_una + the receive window', () => {
    const h = new SenderHarness({ rwnd: 5 * MSS }).handshake();
    expect(h.sndNxt).toBe(5);
    expect(h.tp.rwndLimited).toBe(true);
    h.advance(10).ack({ ack: 2 });
    expect(h.sndNxt).toBe(7);
    h.advance(10).ack({ ack: 7, wnd: 8 * MSS });
    expect(h.sndNxt).toBe(15);
  });
});
