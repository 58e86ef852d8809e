/**
 * The retransmission timer (src/tcp/xmit_timer.ts arming it, src/tcp/timer.ts
 * when it fires) on the sender harness: the RTO with its 200 ms floor and
 * exponential backoff, the tail loss probe, and the Loss state an RTO
 * leaves the connection in. Every TCP timer runs on jiffies (4 ms).
 */
import { describe, expect, it } from 'vitest';
import { JIFFY_MS, MSS, SenderHarness } from './harness.js';

/** A bulk sender at a steady 10 ms RTT, 20 segments a round (the receive window), ACKed for 300 ms. */
function steadyTenMs(): SenderHarness {
  const h = new SenderHarness({ rwnd: 20 * MSS, rttMs: 10 }).handshake();
  for (let round = 0; round < 30; round++) h.advance(10).ack({ ack: h.sndNxt });
  return h;
}

describe('the retransmission timeout', () => {
  it('at a steady 10 ms RTT is srtt + TCP_RTO_MIN (200 ms) in whole jiffies, and doubles on each expiry', () => {
    const h = steadyTenMs();
    const tp = h.tp;
    expect(tp.srttUs).toBe(10_000);
    // rttvar never falls below TCP_RTO_MIN: RTO = 10 ms + 200 ms = 52.5 jiffies, rounded up to 53
    expect(tp.rttvarUs).toBe(200_000);
    expect(tp.rtoMs).toBe(212);
    // the path goes dark: the tail loss probe first (2 x srtt + 2 ms, rounded up to 24 ms after the
    // last ACK's jiffy), then the RTO, re-armed in full from the probe
    const lastAckNs = h.now;
    const from = h.sent.length;
    h.advance(2000);
    const rtx = h.sentSince(from);
    const probeNs = rtx[0]!.atNs;
    expect(tp.stats.tlpCount).toBe(1);
    expect((probeNs - Math.floor(lastAckNs / 4e6) * 4e6) / 1e6).toBe(6 * JIFFY_MS);
    const rto = tp.stats.rtoTimesNs.map((t) => (t - probeNs) / 1e6);
    expect(rto).toEqual([212, 212 + 424, 212 + 424 + 848]);
    // each expiry retransmits the oldest outstanding segment
    expect(rtx.slice(1).map((s) => s.seg)).toEqual([tp.sndUna, tp.sndUna, tp.sndUna]);
    expect(tp.backoff).toBe(3);
  });

  it('a new RTT sample after the timeout ends the backoff', () => {
    const h = steadyTenMs();
    h.advance(660); // the TLP at +22 ms, then RTOs at +234 ms and +658 ms: backed off twice
    expect(h.tp.backoff).toBe(2);
    expect(h.tp.rtoMs).toBe(212 * 4);
    // the last retransmission is ACKed 10 ms later (the echo is its own timestamp: a valid sample)
    h.advance(10).ack({ ack: h.tp.sndUna + 1 });
    expect(h.tp.backoff).toBe(0);
    expect(h.tp.rtoMs).toBeLessThan(300);
  });
});

describe('the tail loss probe', () => {
  it('with two segments of a finished transfer out, retransmits the last one 2 x srtt + 2 ms after the ACK (in jiffies)', () => {
    const h = new SenderHarness({ bytes: 10 * MSS }).handshake(); // all 10 segments leave at 10 ms
    h.advance(10).ack({ ack: 8 }); // 20 ms = jiffy 5
    expect(h.tp.pendingTimer).toBe('tlp');
    h.advance(100);
    // usecs_to_jiffies(22 ms) = 6 jiffies: at jiffy 11 = 44 ms
    expect(h.retransmissions.map((s) => [s.seg, s.atNs / 1e6])).toEqual([[9, 44]]);
    expect(h.tp.stats.tlpCount).toBe(1);
    expect(h.tp.stats.rtoCount).toBe(0);
    expect(h.tp.pendingTimer).toBe('rto');
  });

  it('with one segment out, waits for a delayed ACK too (2 x srtt + 200 ms) but never past the RTO', () => {
    const h = new SenderHarness({ bytes: 10 * MSS }).handshake();
    h.advance(10).ack({ ack: 9 });
    h.advance(300);
    // 2 x 10 ms + 200 ms = 55 jiffies, capped by the RTO (53 jiffies = 212 ms): at 20 + 212 ms
    expect(h.retransmissions.map((s) => [s.seg, s.atNs / 1e6])).toEqual([[9, 232]]);
    expect(h.tp.stats.tlpCount).toBe(1);
    expect(h.tp.stats.rtoCount).toBe(0);
  });

  it('sends new data instead when the application has some and the windows allow', () => {
    const h = new SenderHarness().handshake();
    h.advance(10).ack({ ack: 8 }); // cwnd 12: segments 10..25 leave at 20 ms
    const next = h.sndNxt;
    const from = h.sent.length;
    h.advance(100);
    expect(h.sentSince(from).map((s) => [s.seg, s.atNs / 1e6, s.retrans])).toEqual([[next, 44, false]]);
    expect(h.tp.tlpRetrans).toBe(false);
  });
});

describe('what the tail loss probe reveals (tcp_process_tlp_ack)', () => {
  /** A steady flow whose window is full, so the probe retransmits the last segment; then ACKs resume. */
  function probed(): { h: SenderHarness; probe: number } {
    const h = steadyTenMs();
    h.advance(30); // the probe at +22 ms
    expect(h.tp.stats.tlpCount).toBe(1);
    const probe = h.retransmissions.at(-1)!.seg;
    expect(h.tp.tlpRetrans).toBe(true);
    return { h, probe };
  }

  it('a probe that repaired a loss (no D-SACK for it) is a congestion signal: a CWR episode halves cwnd', () => {
    const { h, probe } = probed();
    const cwnd = h.tp.sndCwnd;
    h.ack({ ack: probe + 1 }); // everything up to the probe: new data leaves
    h.advance(10).ack({ ack: probe + 2 }); // and beyond the probe's snd_nxt
    expect(h.tp.sndSsthresh).toBe(cwnd / 2);
    expect(h.tp.sndCwnd).toBeLessThanOrEqual(cwnd / 2 + 1);
    expect(h.caChanges).toEqual([`Open>CWR@${h.now / 1e6}`, `CWR>Open@${h.now / 1e6}`]);
  });

  it('a D-SACK for the probe means nothing was lost: no reduction', () => {
    const { h, probe } = probed();
    const cwnd = h.tp.sndCwnd;
    h.ack({ ack: probe + 1, dsack: [probe, probe + 1] });
    h.advance(10).ack({ ack: probe + 2 });
    expect(h.tp.sndSsthresh).toBeGreaterThan(cwnd);
    expect(h.caChanges).toEqual([]);
  });
});

describe('the Loss state after an RTO', () => {
  it('cwnd 1 and ssthresh halved, every outstanding segment marked lost and retransmitted in order in slow start, then Open', () => {
    const h = new SenderHarness({ bytes: 20 * MSS }).handshake();
    h.advance(10).ack({ ack: 10 }); // cwnd 20: segments 10..19 leave at 20 ms
    h.advance(400); // TLP (segment 19) at 44 ms, the RTO at 256 ms
    const tp = h.tp;
    expect(tp.stats.rtoTimesNs.map((t) => t / 1e6)).toEqual([256]);
    expect(h.state).toBe('Loss');
    expect(h.caChanges).toEqual(['Open>Loss@256']);
    expect(tp.sndSsthresh).toBe(10);
    expect(tp.sndCwnd).toBe(1);
    expect(tp.lostOut).toBe(10);
    expect(h.retransmissions.map((s) => [s.seg, s.atNs / 1e6])).toEqual([
      [19, 44],
      [10, 256],
    ]);
    // each ACK of a retransmission lets out two more (slow start from cwnd 1)
    const order: number[] = [];
    for (const ack of [11, 13, 17]) {
      const from = h.sent.length;
      h.advance(10).ack({ ack });
      expect(h.state).toBe('Loss');
      order.push(...h.sentSince(from).map((s) => s.seg));
    }
    expect(order).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19]);
    expect(tp.sndCwnd).toBe(8);
    // snd_una passes high_seq: back to Open
    h.advance(10).ack({ ack: 20 });
    expect(h.state).toBe('Open');
    expect(h.caChanges).toEqual(['Open>Loss@256', 'Loss>Open@460']);
    expect(tp.stats.rtoCount).toBe(1);
  });

  it('F-RTO: an ACK for a never-retransmitted segment after the RTO shows it was spurious and undoes it', () => {
    const h = new SenderHarness({ bytes: 20 * MSS }).handshake();
    h.advance(10).ack({ ack: 10 });
    h.advance(240); // 260 ms: the RTO fired at 256 ms and retransmitted segment 10
    expect(h.state).toBe('Loss');
    expect(h.tp.frto).toBe(true);
    // the original transmissions were only delayed: the ACK covers segments 11 and 12, never
    // retransmitted (no timestamps: only F-RTO can tell)
    h.ack({ ack: 13, tsEcr: 0 });
    expect(h.state).toBe('Open');
    expect(h.tp.lostOut).toBe(0);
    expect(h.tp.sndCwnd).toBeGreaterThanOrEqual(20);
  });

  it('without F-RTO evidence (only the retransmission is ACKed) the Loss state continues', () => {
    const h = new SenderHarness({ bytes: 20 * MSS }).handshake();
    h.advance(10).ack({ ack: 10 });
    h.advance(240);
    h.ack({ ack: 11, tsEcr: 0 });
    expect(h.state).toBe('Loss');
    expect(h.tp.sndCwnd).toBe(2);
  });
});
