/**
 * The congestion state machine (src/tcp/recovery.ts) and PRR (src/tcp/prr.ts)
 * on the sender harness, with Reno (ssthresh = cwnd / 2, undo_cwnd =
 * max(cwnd, prior_cwnd)). Handshake RTT 10 ms.
 */
import { describe, expect, it } from 'vitest';
import { TCP_INFINITE_SSTHRESH } from '../../src/tcp/constants.js';
import { cwndReduction, type PrrState } from '../../src/tcp/prr.js';
import { FLAG_SND_UNA_ADVANCED } from '../../src/tcp/sock.js';
import { SenderHarness } from './harness.js';

/** A sender with cwnd 20 and segments 10..29 in flight, sent at 20 ms; now is 30 ms. */
function twentyInFlight(): SenderHarness {
  const h = new SenderHarness().handshake(); // 0..9 at 10 ms
  h.advance(10).ack({ ack: 10 }); // slow start: cwnd 20, 10..29 leave at 20 ms
  expect(h.tp.sndCwnd).toBe(20);
  expect(h.sndNxt).toBe(30);
  return h.advance(10);
}

describe('fast retransmit', () => {
  it('enters Recovery on the third duplicate ACK (three segments SACKed above the hole) and retransmits at once', () => {
    const h = new SenderHarness().handshake(); // 0..9 at 10 ms
    h.advance(10);
    h.ack({ ack: 0, sack: [[1, 2]] });
    h.ack({ ack: 0, sack: [[1, 3]] });
    expect(h.state).toBe('Disorder');
    expect(h.retransmissions).toEqual([]);
    h.ack({ ack: 0, sack: [[1, 4]] });
    expect(h.state).toBe('Recovery');
    expect(h.retransmissions.map((s) => [s.seg, s.atNs / 1e6])).toEqual([[0, 20]]);
    // every change is logged, where it happened
    expect(h.caChanges).toEqual(['Open>Disorder@20', 'Disorder>Recovery@20']);
    // Reno's ssthresh: half the window when loss was detected
    expect(h.tp.priorCwnd).toBe(10);
    expect(h.tp.sndSsthresh).toBe(5);
  });
});

describe('Proportional Rate Reduction during Recovery (RFC 6937)', () => {
  it('sends ssthresh / prior_cwnd segments per segment delivered, then holds in flight at ssthresh, and ends with cwnd = ssthresh', () => {
    const h = twentyInFlight();
    let from = h.sent.length;
    h.ack({ ack: 10, sack: [[11, 14]] }); // segment 10 lost, 3 delivered
    expect(h.state).toBe('Recovery');
    const { priorCwnd, sndSsthresh: ssthresh } = h.tp;
    expect([priorCwnd, ssthresh]).toEqual([20, 10]);
    // ceil(10 * 3 / 20) = 2: the fast retransmission and one new segment
    expect(h.sentSince(from).map((s) => [s.seg, s.retrans])).toEqual([
      [10, true],
      [30, false],
    ]);
    let delivered = 3;
    // one more segment SACKed per ACK: while what is left in flight exceeds ssthresh, the total
    // sent is ceil(ssthresh * delivered / prior_cwnd), so one segment leaves for every second ACK
    const perAck: number[] = [];
    for (let end = 15; h.tp.inFlight - 1 > ssthresh; end++) {
      from = h.sent.length;
      h.ack({ ack: 10, sack: [[11, end]] });
      delivered++;
      perAck.push(h.sentSince(from).length);
      expect(h.tp.prrOut).toBe(Math.ceil((ssthresh * delivered) / priorCwnd));
    }
    expect(perAck.slice(0, 6)).toEqual([0, 1, 0, 1, 0, 1]);
    // the next delivery brings in flight down to ssthresh ...
    h.ack({ ack: 10, sack: [[11, 11 + delivered + 1]] });
    delivered++;
    expect(h.tp.inFlight).toBe(ssthresh);
    // ... where it stays: as much is sent as is delivered (up to segment 29, the last one sent
    // before Recovery, whose SACKs can have arrived by now)
    for (let i = 0; i < 2; i++) {
      from = h.sent.length;
      h.ack({ ack: 10, sack: [[11, 11 + delivered + 1]] });
      delivered++;
      expect(h.sentSince(from).length).toBe(1);
      expect(h.tp.inFlight).toBe(ssthresh);
    }
    // snd_una passes high_seq (30): Recovery ends, cwnd = ssthresh
    h.ack({ ack: 31 });
    expect(h.state).toBe('Open');
    expect(h.tp.sndCwnd).toBe(ssthresh);
  });

  it('Recovery ends when snd_una passes high_seq, and cwnd becomes ssthresh even where PRR had left it higher', () => {
    const h = twentyInFlight();
    h.ack({ ack: 10, sack: [[11, 14]] });
    expect(h.tp.sndCwnd).toBe(18);
    // everything up to and including the segment sent in Recovery arrives at once
    h.advance(10).ack({ ack: 31 });
    expect(h.state).toBe('Open');
    // cwnd = ssthresh = 10; then congestion avoidance credits this ACK's 18 segments: + 1
    expect(h.tp.sndCwnd).toBe(10 + 1);
  });

  it('tcp_cwnd_reduction() alone: the RFC 6937 arithmetic, and a forced first segment', () => {
    let inFlight = 0;
    const tp = {
      sndCwnd: 20,
      sndSsthresh: 10,
      priorCwnd: 20,
      prrDelivered: 0,
      prrOut: 0,
      packetsInFlight: () => inFlight,
    } as unknown as PrrState;
    // in flight above ssthresh: proportional, ceil(10 * 4 / 20) - 0 = 2
    inFlight = 15;
    cwndReduction(tp, 4, 1, 0);
    expect(tp.sndCwnd).toBe(17);
    // nothing sent yet and the proportional share rounds to 0 on the first ACK: one segment anyway
    Object.assign(tp, { prrDelivered: 0, prrOut: 0 });
    cwndReduction(tp, 1, 0, 0);
    expect(tp.sndCwnd).toBe(15 + 1);
    // in flight below ssthresh: what was delivered, plus one while snd_una advances without new loss,
    // but no more than ssthresh - in flight (PRR-SSRB)
    Object.assign(tp, { prrDelivered: 10, prrOut: 10 });
    inFlight = 7;
    cwndReduction(tp, 2, 0, FLAG_SND_UNA_ADVANCED);
    expect(tp.sndCwnd).toBe(7 + 3);
    Object.assign(tp, { prrDelivered: 10, prrOut: 10 });
    inFlight = 9;
    cwndReduction(tp, 2, 0, FLAG_SND_UNA_ADVANCED);
    expect(tp.sndCwnd).toBe(9 + 1);
  });
});

describe('undo of a spurious fast retransmission', () => {
  it('a D-SACK for the only retransmission undoes Recovery: cwnd and ssthresh come back, the state leaves Recovery', () => {
    const h = twentyInFlight();
    h.ack({ ack: 10, sack: [[11, 14]] }); // Recovery, segment 10 retransmitted
    expect(h.tp.undoRetrans).toBe(1);
    // the original segment 10 was only late: the cumulative ACK moves on (no timestamps, so only a
    // D-SACK can tell the retransmission was spurious) ...
    h.advance(1).ack({ ack: 14, tsEcr: 0 });
    expect(h.state).toBe('Recovery');
    expect(h.tp.sndCwnd).toBeLessThan(20);
    // ... and the retransmission arrives as a duplicate
    h.ack({ ack: 14, dsack: [10, 11], tsEcr: 0 });
    expect(h.tp.undoRetrans).toBe(0);
    expect(h.state).toBe('Open');
    expect(h.tp.sndCwnd).toBe(20);
    expect(h.tp.sndSsthresh).toBe(TCP_INFINITE_SSTHRESH);
  });

  it('without the D-SACK (or with one for another segment) the reduction stands', () => {
    const h = twentyInFlight();
    h.ack({ ack: 10, sack: [[11, 14]] });
    h.advance(1).ack({ ack: 14, tsEcr: 0 });
    h.ack({ ack: 14, sack: [[15, 16]], tsEcr: 0 });
    expect(h.state).toBe('Recovery');
    expect(h.tp.sndSsthresh).toBe(10);
  });

  it('an ACK at the end of Recovery that echoes the timestamp of the original transmission undoes it (Eifel)', () => {
    const h = twentyInFlight();
    const originalTs = h.tsValOf(10);
    h.ack({ ack: 10, sack: [[11, 14]] });
    expect(h.tsValOf(10)).toBeGreaterThan(originalTs);
    h.advance(1).ack({ ack: 31, tsEcr: originalTs });
    expect(h.state).toBe('Open');
    // back in slow start from the undone cwnd of 20 (and growing with this ACK), not from ssthresh 10
    expect(h.tp.sndSsthresh).toBe(TCP_INFINITE_SSTHRESH);
    expect(h.tp.sndCwnd).toBeGreaterThanOrEqual(20);
  });
});
