/**
 * The sender's side of ECN (RFC 3168 as Linux 6.1 does it) on the sender
 * harness: negotiation on the SYN, ECT(0) on new data and Not-ECT
 * retransmissions, CWR entered on an ECE ACK (tcp_enter_cwr) with PRR
 * reducing cwnd and no undo, the CWR flag on the next new segment, once
 * per window; and the CCs that ignore ECE (BBR, Brutal). Handshake RTT
 * 10 ms.
 */
import { describe, expect, it } from 'vitest';
import { createBbr } from '../../src/cc/bbr/index.js';
import { createBrutal } from '../../src/cc/brutal.js';
import { createCubic } from '../../src/cc/cubic.js';
import { createDctcp } from '../../src/cc/dctcp.js';
import { ECN } from '../../src/network/packet.js';
import type { CongestionOps } from '../../src/tcp/types.js';
import { SenderHarness } from './harness.js';

/** An ECN sender with cwnd 20 and segments 10..29 in flight, sent at 20 ms; now is 30 ms. */
function twentyInFlight(cc?: CongestionOps): SenderHarness {
  const h = new SenderHarness({ ecn: true, ...(cc ? { cc } : {}) }).handshake(); // 0..9 at 10 ms
  h.advance(10).ack({ ack: 10 }); // slow start: cwnd 20, 10..29 leave at 20 ms
  expect(h.tp.sndCwnd).toBe(20);
  return h.advance(10);
}

describe('ECN negotiation (tcp_ecn_send_syn, tcp_ecn_rcv_synack)', () => {
  it('an ECN flow asks with ECE and CWR on a Not-ECT SYN; agreed, its new data leaves ECT(0)', () => {
    const h = new SenderHarness({ ecn: true }).handshake();
    expect(h.synFlags).toEqual([{ ece: true, cwr: true, ecn: ECN.NOT_ECT }]);
    expect(h.tp.ecnOk).toBe(true);
    expect(h.sent.map((s) => s.ecn)).toEqual(Array(10).fill(ECN.ECT_0));
  });

  it('a flow without ECN asks nothing and sends Not-ECT data', () => {
    const h = new SenderHarness().handshake();
    expect(h.synFlags).toEqual([{ ece: false, cwr: false, ecn: ECN.NOT_ECT }]);
    expect(h.tp.ecnOk).toBe(false);
    expect(h.sent.every((s) => s.ecn === ECN.NOT_ECT)).toBe(true);
  });

  it('a SYN-ACK without ECE turns ECN off: Not-ECT data, and ECE on later ACKs is ignored', () => {
    const h = new SenderHarness({ ecn: true, synAckEce: false }).handshake();
    expect(h.tp.ecnOk).toBe(false);
    expect(h.sent.every((s) => s.ecn === ECN.NOT_ECT)).toBe(true);
    h.advance(10).ack({ ack: 5, ece: true });
    expect(h.state).toBe('Open');
    expect(h.tp.stats.eceAcks).toBe(0);
  });

  it('a retransmitted SYN asks no more (tcp_ecn_fallback): ECN ends up off', () => {
    const h = new SenderHarness({ ecn: true });
    h.advance(0).advance(1001); // the SYN is lost; its timer (1 s) resends it
    expect(h.syns).toBe(2);
    expect(h.synFlags[1]).toEqual({ ece: false, cwr: false, ecn: ECN.NOT_ECT });
  });

  it('a CC that needs ECN (DCTCP) asks without the flow saying so, and its SYN is ECT(0)', () => {
    const h = new SenderHarness({ cc: createDctcp() }).handshake();
    expect(h.synFlags[0]).toEqual({ ece: true, cwr: true, ecn: ECN.ECT_0 });
    expect(h.tp.ecnOk).toBe(true);
  });
});

describe('an ECE ACK: CWR with PRR (tcp_enter_cwr, tcp_cwnd_reduction, tcp_end_cwnd_reduction)', () => {
  it("enters CWR with Reno's ssthresh, reduces cwnd by PRR over the window, marks the next new segment CWR, and ends at cwnd = ssthresh", () => {
    const h = twentyInFlight();
    let from = h.sent.length;
    h.ack({ ack: 11, ece: true });
    expect(h.state).toBe('CWR');
    expect(h.caChanges).toEqual(['Open>CWR@30']);
    expect([h.tp.priorCwnd, h.tp.sndSsthresh, h.tp.highSeq]).toEqual([20, 10, 30]);
    // congestion is proven: nothing to undo
    expect([h.tp.priorSsthresh, h.tp.undoMarker]).toEqual([0, 0]);
    // PRR's first step: ceil(10 * 1 / 20) = 1 new segment, which carries CWR
    expect(h.sentSince(from).map((s) => [s.seg, s.cwr, s.ecn])).toEqual([[30, true, ECN.ECT_0]]);
    // one segment per two ACKs while in flight is above ssthresh; ECE on them changes nothing
    let delivered = 1;
    for (let ack = 12; ack <= 20; ack++) {
      h.ack({ ack, ece: true });
      delivered++;
      expect(h.tp.prrOut).toBe(Math.ceil((10 * delivered) / 20));
      expect(h.tp.sndSsthresh).toBe(10);
    }
    expect(h.state).toBe('CWR');
    // only the first segment after the reduction carries CWR
    expect(h.sent.filter((s) => s.cwr).map((s) => s.seg)).toEqual([30]);
    expect(h.tp.stats.cwrSent).toBe(1);
    // snd_una at high_seq is not enough; past it, CWR ends with cwnd = ssthresh
    h.ack({ ack: 30 });
    expect(h.state).toBe('CWR');
    from = h.sent.length;
    h.ack({ ack: 31 });
    expect(h.state).toBe('Open');
    expect(h.tp.sndCwnd).toBe(10);
    expect(h.sentSince(from).every((s) => !s.cwr)).toBe(true);
  });

  it('forbids undo: a later ECE clears what an earlier Recovery kept for undo (prior_ssthresh, undo_marker)', () => {
    const h = twentyInFlight();
    h.ack({ ack: 10, sack: [[11, 14]] }); // segment 10 lost: Recovery, retransmitted at 30 ms
    h.advance(10).ack({ ack: 31, tsEcr: h.tsValOf(10) }); // a real loss (the echo is the retransmission's): no undo
    expect(h.state).toBe('Open');
    expect(h.tp.priorSsthresh).toBeGreaterThan(0);
    expect(h.tp.undoMarker).toBeGreaterThan(0);
    h.ack({ ack: 32, ece: true });
    expect(h.state).toBe('CWR');
    expect([h.tp.priorSsthresh, h.tp.undoMarker]).toEqual([0, 0]);
  });

  it('reduces once per window: a second reduction needs an ECE after CWR ended', () => {
    const h = twentyInFlight();
    h.ack({ ack: 11, ece: true });
    for (let ack = 12; ack <= 31; ack++) h.ack({ ack, ece: true });
    // the ACK that ends CWR carries ECE too: a new window, a new reduction (10 -> 5)
    expect(h.caChanges).toEqual(['Open>CWR@30', 'CWR>Open@30', 'Open>CWR@30']);
    expect(h.tp.sndSsthresh).toBe(5);
    expect(h.tp.stats.cwrSent).toBe(2);
  });

  it("Cubic reduces to 717/1024 of cwnd on ECE, once per window", () => {
    const h = twentyInFlight(createCubic());
    h.ack({ ack: 11, ece: true });
    expect(h.state).toBe('CWR');
    expect(h.tp.sndSsthresh).toBe(Math.floor((20 * 717) / 1024));
    for (let ack = 12; ack <= 30; ack++) h.ack({ ack, ece: true });
    expect(h.tp.sndSsthresh).toBe(14);
    expect(h.caChanges).toEqual(['Open>CWR@30']);
  });

  it('ECE inside Recovery changes nothing: ssthresh stays what the loss set', () => {
    const h = twentyInFlight();
    h.ack({ ack: 10, sack: [[11, 14]] }); // segment 10 lost
    expect(h.state).toBe('Recovery');
    expect(h.tp.sndSsthresh).toBe(10);
    h.ack({ ack: 10, sack: [[11, 16]], ece: true });
    h.ack({ ack: 10, sack: [[11, 18]], ece: true });
    expect(h.state).toBe('Recovery');
    expect(h.tp.sndSsthresh).toBe(10);
    expect(h.tp.stats.eceAcks).toBe(2);
  });
});

describe('which segments are ECN-capable (tcp_ecn_send)', () => {
  it('retransmissions leave Not-ECT, new data ECT(0); the first new segment after entering Recovery carries CWR', () => {
    const h = twentyInFlight();
    const from = h.sent.length;
    h.ack({ ack: 10, sack: [[11, 14]] });
    const sent = h.sentSince(from);
    expect(sent.map((s) => [s.seg, s.retrans, s.ecn, s.cwr])).toEqual([
      [10, true, ECN.NOT_ECT, false],
      [30, false, ECN.ECT_0, true],
    ]);
  });

  it('a CC that needs ECN (DCTCP) keeps its retransmissions ECT(0)', () => {
    const h = twentyInFlight(createDctcp());
    const from = h.sent.length;
    h.ack({ ack: 10, sack: [[11, 14]] });
    const rtx = h.sentSince(from).filter((s) => s.retrans);
    expect(rtx.map((s) => [s.seg, s.ecn])).toEqual([[10, ECN.ECT_0]]);
  });
});

describe('CCs that set cwnd themselves do not react to ECE', () => {
  /** Feed two identical senders the same ACKs, ECE on one of them only; compare after each ACK. */
  function sideBySide(make: () => CongestionOps): { withEce: SenderHarness; without: SenderHarness } {
    const withEce = new SenderHarness({ ecn: true, cc: make() }).handshake();
    const without = new SenderHarness({ ecn: true, cc: make() }).handshake();
    for (const h of [withEce, without]) h.advance(10);
    let ack = 0;
    for (let round = 0; round < 6; round++) {
      const top = withEce.sndNxt;
      expect(without.sndNxt).toBe(top);
      while (ack < top) {
        ack = Math.min(ack + 2, top);
        withEce.ack({ ack, ece: true });
        without.ack({ ack });
        expect(withEce.tp.sndCwnd).toBe(without.tp.sndCwnd);
        expect(withEce.tp.pacingRate).toBe(without.tp.pacingRate);
      }
      for (const h of [withEce, without]) h.advance(10);
    }
    return { withEce, without };
  }

  it('BBR: the same cwnd and pacing rate as without ECE; it still passes through CWR, as Linux does', () => {
    const { withEce, without } = sideBySide(() => createBbr());
    expect(withEce.tp.stats.eceAcks).toBeGreaterThan(10);
    expect(withEce.caChanges.some((c) => c.startsWith('Open>CWR'))).toBe(true);
    expect(without.caChanges).toEqual([]);
  });

  it('Brutal: the same cwnd and pacing rate as without ECE', () => {
    const { withEce } = sideBySide(() => createBrutal({ rateBytesPerSec: 2_500_000, cwndGain: 20 }));
    expect(withEce.tp.stats.eceAcks).toBeGreaterThan(10);
  });
});
