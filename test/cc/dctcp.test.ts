/**
 * DCTCP (src/cc/dctcp.ts) against values worked out by hand with
 * tcp_dctcp.c's integer arithmetic: alpha's update once per window
 * (alpha -= min_not_zero(alpha, alpha >> g); alpha += (ce << (10 - g)) /
 * delivered, capped at 1024), ssthresh = cwnd - (cwnd * alpha >> 11), the
 * halving on loss, undo, the Reno fallback; and the sender's delivered_ce
 * feeding it on the sender harness, in Linux 6.1's order (in_ack_event
 * before the cumulative ACK is counted).
 */
import { describe, expect, it } from 'vitest';
import { createDctcp, dctcpSpec } from '../../src/cc/dctcp.js';
import { CA_EVENT_LOSS, CA_OPEN, CA_RECOVERY } from '../../src/tcp/types.js';
import { FakeSock } from './fake-sock.js';
import { SenderHarness } from '../tcp/harness.js';

/** A DCTCP connection initialised with snd_nxt = 20 (the first window ends when snd_una reaches 20). */
function started(params = { shiftG: 4, alphaOnInit: 1024 }) {
  const tp = new FakeSock();
  tp.sndNxt = 20;
  const ops = createDctcp(params);
  ops.init!(tp);
  return { tp, ops, ca: ops.state };
}

/** Deliver `n` packets, `ce` of them by ECE ACKs, send `n` more, and let snd_una reach the window's end. */
function window(s: ReturnType<typeof started>, n: number, ce: number): number {
  const { tp, ops } = s;
  tp.delivered += n;
  tp.deliveredCe += ce;
  tp.sndUna = tp.sndNxt;
  tp.sndNxt += n;
  ops.inAckEvent!(tp, 0);
  return s.ca.alpha;
}

describe("DCTCP's alpha (dctcp_update_alpha)", () => {
  it('starts at alpha_on_init and moves by g = 1/16 per window, with the kernel integer arithmetic', () => {
    const s = started();
    expect(s.ca.alpha).toBe(1024);
    // half marked: 1024 - 1024/16 = 960; + (10 << 6) / 20 = 32
    expect(window(s, 20, 10)).toBe(992);
    // all marked: 992 - 62 = 930; + (20 << 6) / 20 = 64
    expect(window(s, 20, 20)).toBe(994);
    // none marked: 994 - 62
    expect(window(s, 20, 0)).toBe(932);
    // 7 of 30: 932 - 58 = 874; + 448 / 30 = 14 (truncated)
    expect(window(s, 30, 7)).toBe(888);
  });

  it('waits for snd_una to pass the window end (snd_nxt at the last update)', () => {
    const s = started();
    s.tp.delivered = 15;
    s.tp.deliveredCe = 15;
    s.tp.sndUna = 19;
    s.ops.inAckEvent!(s.tp, 0);
    expect(s.ca.alpha).toBe(1024);
    s.tp.sndUna = 20;
    s.ops.inAckEvent!(s.tp, 0);
    expect(s.ca.alpha).toBe(1024 - 64 + 64);
    expect(s.ca.nextSeq).toBe(20);
  });

  it('never exceeds 1024, decays to exactly 0 (min_not_zero), and follows shift_g', () => {
    expect(window(started(), 20, 20)).toBe(1024);
    // 15 >> 4 = 0: min_not_zero takes all of alpha
    expect(window(started({ shiftG: 4, alphaOnInit: 15 }), 20, 0)).toBe(0);
    expect(window(started({ shiftG: 4, alphaOnInit: 17 }), 20, 0)).toBe(16);
    // g = 1 (shift_g 0): alpha is the last window's fraction, (10 << 10) / 20
    expect(window(started({ shiftG: 0, alphaOnInit: 1024 }), 20, 10)).toBe(512);
    // g = 1/4 (shift_g 2): 1024 - 256 + (5 << 8) / 20 = 832
    expect(window(started({ shiftG: 2, alphaOnInit: 1024 }), 20, 5)).toBe(832);
    // alpha_on_init above 1024 is clamped, as min(dctcp_alpha_on_init, DCTCP_MAX_ALPHA)
    expect(started({ shiftG: 4, alphaOnInit: 5000 }).ca.alpha).toBe(1024);
  });
});

describe("DCTCP's window (dctcp_ssthresh, dctcp_react_to_loss, dctcp_cwnd_undo)", () => {
  it('ssthresh = cwnd - (cwnd * alpha >> 11), at least 2', () => {
    const s = started();
    const ss = (cwnd: number, alpha: number) => {
      s.tp.sndCwnd = cwnd;
      s.ca.alpha = alpha;
      return s.ops.ssthresh(s.tp);
    };
    expect(ss(100, 992)).toBe(52); // 99200 >> 11 = 48
    expect(ss(100, 1024)).toBe(50);
    expect(ss(100, 0)).toBe(100);
    expect(ss(100, 40)).toBe(99); // 4000 >> 11 = 1
    expect(ss(3, 1024)).toBe(2);
    expect(ss(2, 1024)).toBe(2);
    expect(s.ca.lossCwnd).toBe(2);
  });

  it('a loss halves the window whatever alpha is: entering Recovery (set_state) and an RTO (CA_EVENT_LOSS); undo restores the window before', () => {
    const s = started();
    s.ca.alpha = 0;
    s.tp.sndCwnd = 80;
    s.tp.caState = CA_OPEN;
    s.ops.setState!(s.tp, CA_RECOVERY);
    expect(s.tp.sndSsthresh).toBe(40);
    // already in Recovery: nothing more
    s.tp.caState = CA_RECOVERY;
    s.tp.sndCwnd = 60;
    s.ops.setState!(s.tp, CA_RECOVERY);
    expect(s.tp.sndSsthresh).toBe(40);
    s.ops.cwndEvent!(s.tp, CA_EVENT_LOSS);
    expect(s.tp.sndSsthresh).toBe(30);
    s.tp.sndCwnd = 1;
    expect(s.ops.undoCwnd(s.tp)).toBe(60);
  });

  it('without ECN it is Reno (dctcp_reno): half the window, alpha untouched', () => {
    const tp = new FakeSock();
    tp.ecnOk = false;
    const ops = createDctcp();
    ops.init!(tp);
    expect(ops.state.renoFallback).toBe(true);
    tp.sndCwnd = 100;
    expect(ops.ssthresh(tp)).toBe(50);
    tp.deliveredCe = 10;
    tp.delivered = 10;
    tp.sndUna = 100;
    ops.inAckEvent!(tp, 0);
    expect(ops.state.alpha).toBe(0);
  });

  it("is registered as dctcp with Linux's module parameters and needs ECN", () => {
    expect(dctcpSpec.ecn).toBe('required');
    expect(Object.keys(dctcpSpec.params!)).toEqual(['shift_g', 'alpha_on_init']);
    expect(dctcpSpec.kernel!.moduleParams!({ shiftG: 4, alphaOnInit: 1024 })).toEqual({ dctcp_shift_g: 4, dctcp_alpha_on_init: 1024 });
  });
});

describe('DCTCP on the sender: delivered_ce from ECE ACKs, in Linux 6.1 order', () => {
  it("counts each ECE ACK's delivered packets as marked; alpha sees a window when the ACK passing its end arrives, before that ACK's own packets", () => {
    const h = new SenderHarness({ cc: createDctcp() }).handshake(); // 0..9 at 10 ms; the window ends at snd_nxt = 0 (init ran before any data)
    const ca = (h.tp.ca as ReturnType<typeof createDctcp>).state;
    h.advance(10);
    // the first ACK ends the empty first window (the SYN: 1 delivered, 0 marked): 1024 - 64
    h.ack({ ack: 4, ece: true });
    expect(ca.alpha).toBe(960);
    expect(ca.nextSeq).toBe(10);
    expect([h.tp.delivered, h.tp.deliveredCe]).toEqual([5, 4]);
    // and its ECE entered CWR with DCTCP's ssthresh: 10 - (10 * 960 >> 11) = 6
    expect(h.state).toBe('CWR');
    expect(h.tp.sndSsthresh).toBe(6);
    h.ack({ ack: 7 });
    expect([h.tp.delivered, h.tp.deliveredCe]).toEqual([8, 4]);
    expect(ca.alpha).toBe(960);
    // snd_una reaches 10: the window held 7 delivered (8 - 1), 4 marked: 960 - 60 + (4 << 6) / 7 = 936;
    // this ACK's 3 packets count towards the next window
    h.ack({ ack: 10, ece: true });
    expect(ca.alpha).toBe(936);
    expect([h.tp.delivered, h.tp.deliveredCe]).toEqual([11, 7]);
    expect([ca.oldDelivered, ca.oldDeliveredCe]).toEqual([8, 4]);
  });
});
