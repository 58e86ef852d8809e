/**
 * Reducing cwnd after congestion, as Linux 6.1's tcp_input.c does it for a
 * congestion control without cong_control (Reno, Cubic): Proportional Rate
 * Reduction (RFC 6937) in tcp_init_cwnd_reduction(), tcp_cwnd_reduction()
 * and tcp_end_cwnd_reduction(). BBR and Brutal set cwnd themselves.
 *
 * Model in plain words. On entering Recovery (or CWR) the CC picks the new
 * ssthresh and PRR remembers cwnd as prior_cwnd. On every ACK during the
 * reduction, PRR lets out about ssthresh / prior_cwnd segments per segment
 * delivered, so that the reduction is spread over one round trip instead of
 * halting the ACK clock; once in flight falls below ssthresh it sends as
 * much as was delivered (plus one while snd_una advances without new loss),
 * growing back towards ssthresh. The first ACK of a reduction may always
 * send one segment (the fast retransmission). When the reduction ends, cwnd
 * is set to ssthresh.
 *
 * ECN's reaction is the same reduction without a loss: an ACK with ECE
 * makes tcp_try_to_open() call tcp_enter_cwr(), which takes the CC's
 * ssthresh, forbids undo (the congestion is proven) and enters the CWR
 * state, where PRR reduces cwnd exactly as in Recovery; CWR ends when
 * snd_una passes high_seq (recovery.ts), with cwnd = ssthresh. Every
 * reduction also queues the CWR flag for the next new data segment
 * (output.ts), which tells the receiver to stop echoing ECE.
 */
import { TCP_INFINITE_SSTHRESH } from './constants.js';
import { caEvent, ecnQueueCwr, FLAG_SND_UNA_ADVANCED, setCaState, type CaStateSock, type CcSock } from './sock.js';
import { CA_CWR, CA_EVENT_COMPLETE_CWR, type CaState } from './types.js';

/** The connection state PRR reads and writes. */
export interface PrrState extends CcSock {
  sndCwnd: number;
  sndSsthresh: number;
  sndCwndCnt: number;
  sndCwndStamp: number;
  /** cwnd when the reduction started (tp->prior_cwnd). */
  priorCwnd: number;
  /** Segments delivered since the reduction started (tp->prr_delivered). */
  prrDelivered: number;
  /** Segments sent since the reduction started (tp->prr_out). */
  prrOut: number;
  /** snd_nxt when the reduction started: it ends when snd_una passes it (tp->high_seq). */
  highSeq: number;
  tlpHighSeq: number;
  /** Non-zero while a reduction may be undone (tp->undo_marker, stored + 1). */
  readonly undoMarker: number;
  /** tp->ecn_flags (TCP_ECN_* in sock.ts). */
  ecnFlags: number;
}

/** tcp_init_cwnd_reduction(): start a reduction: the CC's ssthresh, PRR's counters. */
export function initCwndReduction(tp: PrrState): void {
  tp.highSeq = tp.sndNxt;
  tp.tlpHighSeq = 0;
  tp.sndCwndCnt = 0;
  tp.priorCwnd = tp.sndCwnd;
  tp.prrDelivered = 0;
  tp.prrOut = 0;
  tp.sndSsthresh = tp.ca.ssthresh(tp);
  ecnQueueCwr(tp);
}

/** The state tcp_enter_cwr() changes besides PRR's. */
export interface CwrState extends PrrState, CaStateSock {
  // fields the interfaces above declare with different access
  caState: CaState;
  priorCwnd: number;
  sndCwnd: number;
  sndSsthresh: number;
  sndCwndCnt: number;
  // tcp_enter_cwr()'s own
  priorSsthresh: number;
  undoMarker: number;
}

/**
 * tcp_enter_cwr(): an ECN echo (or a local congestion signal) without loss:
 * no undo (prior_ssthresh = 0, undo_marker = 0); below CWR, start a PRR
 * reduction and enter CWR. In CWR, Recovery or Loss, nothing more: one
 * reduction per window of data.
 */
export function enterCwr(tp: CwrState): void {
  tp.priorSsthresh = 0;
  if (tp.caState < CA_CWR) {
    tp.undoMarker = 0;
    initCwndReduction(tp);
    setCaState(tp, CA_CWR);
  }
}

/**
 * tcp_cwnd_reduction(): PRR's cwnd for this ACK, which (S)ACKed
 * newlyAckedSacked segments and marked newlyLost lost.
 */
export function cwndReduction(tp: PrrState, newlyAckedSacked: number, newlyLost: number, flag: number): void {
  if (newlyAckedSacked <= 0 || tp.priorCwnd === 0) return;
  let sndcnt: number;
  const delta = tp.sndSsthresh - tp.packetsInFlight();
  tp.prrDelivered += newlyAckedSacked;
  if (delta < 0) {
    // proportional: ssthresh / prior_cwnd of what was delivered, rounded up
    const dividend = tp.sndSsthresh * tp.prrDelivered + tp.priorCwnd - 1;
    sndcnt = Math.floor(dividend / tp.priorCwnd) - tp.prrOut;
  } else {
    // slow start back to ssthresh, at most as fast as delivery
    sndcnt = Math.max(tp.prrDelivered - tp.prrOut, newlyAckedSacked);
    if (flag & FLAG_SND_UNA_ADVANCED && newlyLost === 0) sndcnt++;
    sndcnt = Math.min(delta, sndcnt);
  }
  // force a fast retransmission on entering recovery
  sndcnt = Math.max(sndcnt, tp.prrOut !== 0 ? 0 : 1);
  tp.sndCwnd = tp.packetsInFlight() + sndcnt;
}

/** tcp_end_cwnd_reduction(): the reduction is over: cwnd = ssthresh (unless undone), tell the CC. */
export function endCwndReduction(tp: PrrState): void {
  if (tp.ca.congControl !== undefined) return;
  if (tp.sndSsthresh < TCP_INFINITE_SSTHRESH && (tp.caState === CA_CWR || tp.undoMarker !== 0)) {
    tp.sndCwnd = tp.sndSsthresh;
    tp.sndCwndStamp = tp.jiffies;
  }
  caEvent(tp, CA_EVENT_COMPLETE_CWR);
}
