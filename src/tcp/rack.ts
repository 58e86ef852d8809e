/**
 * Loss detection by time: RACK-TLP (RFC 8985) as Linux 6.1's tcp_recovery.c,
 * with tcp_mark_skb_lost() and tcp_check_sack_reordering() of tcp_input.c.
 * The tail loss probe that completes it is output.ts (sending) and
 * xmit_timer.ts (scheduling); RACK's reordering timeout fires in timer.ts.
 *
 * Model in plain words. RACK remembers the most recently *sent* segment that
 * has been delivered (ACKed or SACKed) and the RTT it took. A segment sent
 * before that one and still not delivered is lost once it has been
 * outstanding longer than that RTT plus a reordering window; until then a
 * timer waits for the remaining time. The reordering window is a quarter
 * of the min RTT (times the number of D-SACK-driven steps, at most srtt); it
 * is zero, so loss is declared at once, while no reordering has been seen
 * and either the connection is already recovering or three or more
 * segments are SACKed above the hole (the classic dupack threshold).
 * Segments leave RACK's time-ordered list when they are SACKed or marked
 * lost; a retransmission moves its segment to the tail.
 */
import { TCP_MAX_REORDERING, TCP_RACK_RECOVERY_THRESH, TCP_TIMEOUT_MIN_JIFFIES, usecsToJiffies } from './constants.js';
import type { MinMax } from './minmax.js';
import { TCPCB_LOST, TCPCB_RETRANS, TCPCB_SACKED_ACKED, TCPCB_SACKED_RETRANS, type Scoreboard } from './scoreboard.js';
import { XmitTimer, type CcSock } from './sock.js';
import { CA_RECOVERY, LostSkb, type CaState, type RateSample } from './types.js';
import { resetXmitTimerRaw, type XmitTimerState } from './xmit_timer.js';

/** The connection state RACK reads and writes (tp->rack and the counts it updates). */
export interface RackState extends XmitTimerState, CcSock {
  /** Send time of the most recently sent delivered segment, us (rack.mstamp). */
  rackMstamp: number;
  /** Its end sequence (rack.end_seq): breaks ties between segments sent at one instant. */
  rackEndSeq: number;
  /** The RTT of the latest delivered segment, us (rack.rtt_us). */
  rackRttUs: number;
  /** A newer segment was delivered since the last detection (rack.advanced). */
  rackAdvanced: boolean;
  /** Reordering window multiplier, 1..255 (rack.reo_wnd_steps). */
  rackReoWndSteps: number;
  /** A D-SACK was seen: widen the window on the next round (rack.dsack_seen). */
  rackDsackSeen: boolean;
  /** tp->delivered when the window was last widened (rack.last_delivered). */
  rackLastDelivered: number;
  /** Recoveries left before the window falls back to one step (rack.reo_wnd_persist). */
  rackReoWndPersist: number;
  /** Reordering seen on this connection (tp->reord_seen). */
  reordSeen: number;
  /** Reordering degree, segments (tp->reordering; 3 = the dupack threshold). */
  reordering: number;
  /** End of the highest SACKed segment (tcp_highest_sack_seq while sacked_out > 0). */
  readonly highestSackEnd: number;
  readonly rttMin: MinMax;
  readonly caState: CaState;
  readonly sb: Scoreboard;
  readonly sndUna: number;
  readonly sackedOut: number;
  readonly srttUs8: number;
  readonly mstampUs: number;
  readonly delivered: number;
  rtxHint: number;
  lostOut: number;
  retransOut: number;
  /** Segments marked lost so far (tp->lost). */
  lost: number;
}

/** tcp_skb_sent_after(): (t1, seq1) was sent after (t2, seq2); sequence order breaks a tie in time. */
export function sentAfter(t1: number, t2: number, seq1: number, seq2: number): boolean {
  return t1 > t2 || (t1 === t2 && seq1 > seq2);
}

/**
 * tcp_rack_advance(): a segment sent at xmitUs, ending at endSeq, was
 * delivered. A retransmission ACKed faster than the min RTT may be the
 * original's ACK, so it does not count.
 */
export function rackAdvance(tp: RackState, sacked: number, endSeq: number, xmitUs: number): void {
  const rttUs = tp.mstampUs - xmitUs;
  if (rttUs < tp.rttMin.get() && sacked & TCPCB_RETRANS) return;
  tp.rackAdvanced = true;
  tp.rackRttUs = rttUs;
  if (sentAfter(xmitUs, tp.rackMstamp, endSeq, tp.rackEndSeq)) {
    tp.rackMstamp = xmitUs;
    tp.rackEndSeq = endSeq;
  }
}

/** tcp_rack_reo_wnd(): the reordering window, us. */
export function rackReoWnd(tp: RackState): number {
  if (tp.reordSeen === 0) {
    if (tp.caState >= CA_RECOVERY) return 0;
    if (tp.sackedOut >= tp.reordering) return 0;
  }
  return Math.min((tp.rttMin.get() >>> 2) * tp.rackReoWndSteps, tp.srttUs8 >> 3);
}

/**
 * tcp_rack_detect_loss(): walk the segments in send order; mark lost every
 * one sent before RACK's segment and outstanding longer than rack.rtt +
 * the reordering window. Returns the longest wait left for the others, us
 * (0 = none).
 */
export function rackDetectLoss(tp: RackState): number {
  let reoTimeout = 0;
  const reoWnd = rackReoWnd(tp);
  const sb = tp.sb;
  let seg = sb.tsHead;
  while (seg !== -1) {
    const next = sb.tsNext(seg);
    const i = sb.slot(seg);
    const sacked = sb.flags[i]!;
    if (sacked & TCPCB_LOST && !(sacked & TCPCB_SACKED_RETRANS)) {
      seg = next;
      continue;
    }
    const txUs = sb.txUs[i]!;
    if (!sentAfter(tp.rackMstamp, txUs, tp.rackEndSeq, seg + 1)) break;
    const remaining = tp.rackRttUs + reoWnd - (tp.mstampUs - txUs);
    if (remaining <= 0) {
      markSkbLost(tp, seg);
      sb.tsRemove(seg);
    } else if (remaining > reoTimeout) {
      reoTimeout = remaining;
    }
    seg = next;
  }
  return reoTimeout;
}

/** tcp_rack_mark_lost(): detect losses if RACK advanced; arm the reordering timer for the rest. True when armed. */
export function rackMarkLost(tp: RackState): boolean {
  if (!tp.rackAdvanced) return false;
  tp.rackAdvanced = false;
  const timeout = rackDetectLoss(tp);
  if (timeout !== 0) {
    resetXmitTimerRaw(tp, XmitTimer.ReoTimeout, usecsToJiffies(timeout) + TCP_TIMEOUT_MIN_JIFFIES);
    return true;
  }
  return false;
}

/**
 * tcp_rack_update_reo_wnd(): after a D-SACK (a spurious retransmission),
 * widen the window by one step, at most once per round trip, and keep it
 * for TCP_RACK_RECOVERY_THRESH recoveries.
 */
export function rackUpdateReoWnd(tp: RackState, rs: RateSample): void {
  if (rs.priorDelivered === 0) return;
  if (rs.priorDelivered < tp.rackLastDelivered) tp.rackDsackSeen = false;
  if (tp.rackDsackSeen) {
    tp.rackReoWndSteps = Math.min(0xff, tp.rackReoWndSteps + 1);
    tp.rackDsackSeen = false;
    tp.rackLastDelivered = tp.delivered;
    tp.rackReoWndPersist = TCP_RACK_RECOVERY_THRESH;
  } else if (tp.rackReoWndPersist === 0) {
    tp.rackReoWndSteps = 1;
  }
}

/** tcp_mark_skb_lost() (tcp_input.c): mark a segment lost (a lost retransmission is lost again). */
export function markSkbLost(tp: RackState, seg: number): void {
  const sb = tp.sb;
  const i = sb.slot(seg);
  const sacked = sb.flags[i]!;
  if (sacked & TCPCB_SACKED_ACKED) return;
  // tcp_verify_retransmit_hint
  if ((tp.rtxHint === -1 && tp.retransOut >= tp.lostOut) || (tp.rtxHint !== -1 && seg < tp.rtxHint)) {
    tp.rtxHint = seg;
  }
  if (sacked & TCPCB_LOST) {
    if (sacked & TCPCB_SACKED_RETRANS) {
      sb.flags[i] = sacked & ~TCPCB_SACKED_RETRANS;
      tp.retransOut--;
      notifySkbLossEvent(tp, i);
    }
  } else {
    tp.lostOut++;
    sb.flags[i] = sacked | TCPCB_LOST;
    notifySkbLossEvent(tp, i);
  }
}

/** The one LostSkb handed to skb_marked_lost (read at once by the CC). */
const lostSkb = new LostSkb();

/**
 * tcp_notify_skb_loss_event() (BBRv3's core): count the segment in tp->lost,
 * then tell a CC with skb_marked_lost what its send-time snapshot was.
 */
function notifySkbLossEvent(tp: RackState, i: number): void {
  tp.lost++;
  const ca = tp.ca;
  if (ca.skbMarkedLost === undefined) return;
  const sb = tp.sb;
  lostSkb.txInFlight = sb.txInFlight[i]!;
  lostSkb.txLost = sb.txLost[i]!;
  lostSkb.isAppLimited = sb.txAppLimited[i] === 1;
  lostSkb.deliveredMstamp = sb.txDeliveredMstamp[i]!;
  ca.skbMarkedLost(tp, lostSkb);
}

/** tcp_highest_sack_seq(): end of the highest SACKed segment, or snd_una when nothing is SACKed. */
export function highestSackSeq(tp: RackState): number {
  if (tp.sackedOut === 0) return tp.sndUna;
  return tp.highestSackEnd;
}

/**
 * tcp_check_sack_reordering() (tcp_input.c): a segment below the highest
 * SACK was delivered without retransmission, so the path reorders: raise
 * tp->reordering to the distance (at most TCP_MAX_REORDERING) and count it.
 */
export function checkSackReordering(tp: RackState, lowSeq: number): void {
  const fack = highestSackSeq(tp);
  if (lowSeq >= fack) return;
  const metric = fack - lowSeq;
  if (metric > tp.reordering) tp.reordering = Math.min(metric, TCP_MAX_REORDERING);
  tp.reordSeen++;
}
