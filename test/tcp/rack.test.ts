/**
 * RACK (src/tcp/rack.ts, tcp_recovery.c) on the sender harness: segments
 * are lost by time, not by count. Handshake RTT 10 ms, so min RTT = srtt =
 * 10 ms and the reordering window is min RTT / 4 = 2.5 ms.
 */
import { describe, expect, it } from 'vitest';
import { rackReoWnd } from '../../src/tcp/rack.js';
import { JIFFY_MS, SenderHarness } from './harness.js';

describe('RACK marks a segment lost once it is outstanding longer than the RTT plus the reordering window', () => {
  it('a hole behind one SACKed segment sent at the same instant waits out the 2.5 ms window, rounded up to the timer (3 jiffies)', () => {
    const h = new SenderHarness().handshake(); // segments 0..9 leave at 10 ms
    h.advance(10).ack({ ack: 0, sack: [[2, 3]] }); // at 20 ms: segment 2 arrived, 0 and 1 did not (yet)
    // one SACKed segment, no reordering seen: the window is min_rtt / 4
    expect(rackReoWnd(h.tp)).toBe(2500);
    expect(h.tp.lostOut).toBe(0);
    expect(h.state).toBe('Disorder');
    expect(h.retransmissions).toEqual([]);
    // the reordering timer: usecs_to_jiffies(2.5 ms) + TCP_TIMEOUT_MIN = 3 jiffies after jiffy 5
    expect(h.tp.pendingTimer).toBe('reo');
    h.advance(3 * JIFFY_MS - 0.1);
    expect(h.retransmissions).toEqual([]);
    h.advance(0.1); // 32 ms
    // 0 and 1 were sent with segment 2 but below it: lost; 3..9 were sent after it (same instant, higher
    // sequence) and are not
    expect(h.tp.lostOut).toBe(2);
    expect(h.state).toBe('Recovery');
    expect(h.retransmissions.map((s) => [s.seg, s.atNs / 1e6])).toEqual([[0, 32]]);
  });

  it('a segment sent earlier than the SACKed one by more than the window is lost at once, even with one SACK', () => {
    const h = new SenderHarness().handshake(); // 0..9 at 10 ms
    h.advance(10).ack({ ack: 2 }); // 20 ms: cwnd 12, segments 10..13 leave now
    expect(h.sndNxt).toBe(14);
    const from = h.sent.length;
    h.advance(10).ack({ ack: 2, sack: [[10, 11]] }); // 30 ms: segment 10 (sent at 20 ms) arrived
    // 2..9 were sent 10 ms before segment 10 > 2.5 ms window: lost now, no timer needed
    expect(h.tp.lostOut).toBe(8);
    expect(h.state).toBe('Recovery');
    // 11..13 left with segment 10 at higher sequence: not lost
    expect(h.tp.pendingTimer).not.toBe('reo');
    expect(h.sentSince(from).filter((s) => s.retrans)[0]!.seg).toBe(2);
  });

  it('with three or more segments SACKed and no reordering seen the window is zero (the dupack threshold)', () => {
    const h = new SenderHarness().handshake();
    h.advance(10).ack({ ack: 0, sack: [[1, 4]] });
    expect(rackReoWnd(h.tp)).toBe(0);
    expect(h.tp.lostOut).toBe(1);
  });

  it('once reordering has been seen the window stays open however many segments are SACKed', () => {
    const h = new SenderHarness().handshake(); // 0..9 at 10 ms
    h.advance(10).ack({ ack: 0, sack: [[5, 6]] });
    // segment 2 arrives after 5, never retransmitted: reordering of degree 6 - 2 = 4
    h.ack({ ack: 0, sack: [[2, 3], [5, 6]] });
    expect(h.tp.reordSeen).toBe(1);
    expect(h.tp.reordering).toBe(4);
    h.ack({ ack: 0, sack: [[2, 3], [5, 9]] }); // five SACKed: more than tp->reordering
    expect(rackReoWnd(h.tp)).toBe(2500);
    expect(h.tp.lostOut).toBe(0);
    expect(h.retransmissions).toEqual([]);
  });
});
