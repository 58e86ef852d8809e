/**
 * The congestion state machine of Linux 6.1's tcp_input.c: the Open,
 * Disorder, CWR, Recovery and Loss states (tcp_fastretrans_alert), entering
 * Recovery and Loss, F-RTO, the tail loss probe's outcome, and undoing a
 * reduction that proves spurious. PRR's cwnd arithmetic is prr.ts; loss
 * marking is rack.ts.
 *
 * Model in plain words. A connection is Open while nothing is SACKed, lost
 * or retransmitted, and in Disorder while something is. When RACK marks a
 * segment lost, it enters Recovery: the CC's ssthresh, PRR reducing cwnd,
 * lost segments retransmitted; Recovery ends when snd_una passes high_seq
 * (snd_nxt when it began), and cwnd becomes ssthresh. An RTO enters Loss
 * instead: every outstanding segment not sent within the last RACK RTT is
 * marked lost and cwnd drops to one more than what is in flight; F-RTO then
 * sends new data on the first ACKs, and if those ACKs show that only the
 * original transmissions were delayed (never-retransmitted segments
 * acknowledged), the timeout was spurious. Any reduction is undone (cwnd and
 * ssthresh restored) when it proves spurious: the ACK's timestamp echo
 * predates the first retransmission, or D-SACKs report every retransmission
 * as a duplicate. A tail loss probe whose retransmission repaired a real
 * loss (no D-SACK for it) counts as a congestion signal: a CWR episode.
 * An ACK with ECE (ECN) outside Recovery and Loss enters CWR
 * (tcp_try_to_open -> tcp_enter_cwr): a PRR reduction without loss and
 * without undo; inside Recovery or Loss it changes nothing, except that a
 * Recovery begun by an ECE ACK keeps no ssthresh to undo to.
 *
 * Every state change goes through setCaState() (sock.ts).
 */
import { TCP_FASTRETRANS_THRESH, TCP_RACK_RECOVERY_THRESH } from './constants.js';
import { sndWndTest, unsentSegs, xmitRetransmitQueue, type OutputState } from './output.js';
import { cwndReduction, endCwndReduction, enterCwr, initCwndReduction, type PrrState } from './prr.js';
import { checkSackReordering, markSkbLost, rackDetectLoss, rackMarkLost, type RackState } from './rack.js';
import { TCPCB_EVER_RETRANS, TCPCB_LOST } from './scoreboard.js';
import {
  caEvent,
  type CaStateSock,
  ecnQueueCwr,
  ecnWithdrawCwr,
  FLAG_DATA_SACKED,
  FLAG_DSACK_TLP,
  FLAG_ECE,
  FLAG_LOST_RETRANS,
  FLAG_NOT_DUP,
  FLAG_ORIG_SACK_ACKED,
  FLAG_SET_XMIT_TIMER,
  FLAG_SND_UNA_ADVANCED,
  inCwndReduction,
  Rexmit,
  setCaState,
  SkPacing,
  tsoptEcrBefore,
  XmitTimer,
} from './sock.js';
import { CA_CWR, CA_DISORDER, CA_EVENT_LOSS, CA_EVENT_TLP_RECOVERY, CA_LOSS, CA_OPEN, CA_RECOVERY, type CaState } from './types.js';
import { rearmRto } from './xmit_timer.js';

/** The connection state the state machine reads and writes. */
export interface RecoveryState extends OutputState, RackState, PrrState, CaStateSock {
  // fields the interfaces above declare with different access
  clockNs: number;
  mstampUs: number;
  delivered: number;
  deliveredMstamp: number;
  wstampNs: number;
  lost: number;
  pacingStatus: SkPacing;
  lsndtime: number;
  // the state machine's own
  caState: CaState;
  sndUna: number;
  sndNxt: number;
  sackedOut: number;
  lostOut: number;
  retransOut: number;
  sndCwnd: number;
  sndSsthresh: number;
  sndCwndStamp: number;
  priorCwnd: number;
  highSeq: number;
  tlpHighSeq: number;
  prrOut: number;
  rtxHint: number;
  /** ssthresh before the reduction, to restore on undo; 0 = nothing to undo (tp->prior_ssthresh). */
  priorSsthresh: number;
  /** snd_una + 1 when the reduction began; 0 = no undo possible (tp->undo_marker). */
  undoMarker: number;
  /** Retransmissions not yet proven spurious; -1 = none were needed (tp->undo_retrans). */
  undoRetrans: number;
  /** The ms timestamp of the episode's first retransmission; 0 = none (tp->retrans_stamp). */
  retransStamp: number;
  /** F-RTO is running (tp->frto). */
  frto: boolean;
  /** The tail loss probe was a retransmission (tp->tlp_retrans). */
  tlpRetrans: boolean;
  /** The receiver reneged on SACKed data (tp->is_sack_reneg). */
  isSackReneg: boolean;
  /** Consecutive RTOs of this episode (icsk_retransmits). */
  retransmits: number;
  /** The ms timestamp the ACK echoes (rx_opt.rcv_tsecr). */
  readonly rcvTsecr: number;
  /** The ACK's flags, which the state machine may add to (tcp_ack's flag, passed by pointer in Linux). */
  ackFlag: number;
  /** What to retransmit after the ACK (tcp_ack's rexmit). */
  rexmit: Rexmit;
}

/** tcp_undo_cwnd_reduction()'s unmark_loss. */
export const enum LossMarks {
  /** Lost segments stay marked (Recovery: they may still be lost). */
  Keep = 0,
  /** Clear every loss mark (Loss state, F-RTO: nothing was lost). */
  Unmark = 1,
}

/** tcp_try_undo_loss()'s frto_undo: why the RTO is undone. */
export const enum LossUndo {
  /** Only if it proves spurious (timestamps, D-SACK). */
  IfSpurious = 0,
  /** F-RTO showed the timeout was spurious. */
  Frto = 1,
}

// ---------------------------------------------------------------------------
// tcp_fastretrans_alert()
// ---------------------------------------------------------------------------

/**
 * tcp_fastretrans_alert(): the state machine's step for one ACK that is a
 * duplicate, carries SACK or D-SACK information, or arrives outside Open.
 * Reads and updates tp.ackFlag; sets tp.rexmit.
 */
export function fastretransAlert(tp: RecoveryState, priorSndUna: number, numDupack: number): void {
  const flag = tp.ackFlag;
  if (tp.packetsOut === 0 && tp.sackedOut !== 0) tp.sackedOut = 0;

  // D. state exit conditions
  if (tp.caState === CA_OPEN) {
    tp.retransStamp = 0;
  } else if (tp.sndUna >= tp.highSeq) {
    switch (tp.caState) {
      case CA_CWR:
        if (tp.sndUna !== tp.highSeq) {
          endCwndReduction(tp);
          setCaState(tp, CA_OPEN);
        }
        break;
      case CA_RECOVERY:
        if (tryUndoRecovery(tp)) return;
        endCwndReduction(tp);
        break;
    }
  }

  // E. process state
  switch (tp.caState) {
    case CA_RECOVERY: {
      if (flag & FLAG_SND_UNA_ADVANCED) {
        if (tryUndoPartial(tp, priorSndUna)) return;
      }
      if (tryUndoDsack(tp)) tryToOpen(tp, flag);
      identifyPacketLoss(tp);
      if (tp.caState !== CA_RECOVERY) {
        if (!timeToRecover(tp)) return;
        enterRecovery(tp, flag);
      }
      break;
    }
    case CA_LOSS: {
      processLoss(tp, flag, numDupack);
      identifyPacketLoss(tp);
      if (!((tp.caState as CaState) === CA_OPEN || tp.ackFlag & FLAG_LOST_RETRANS)) return;
      // fall through to the default handling
      alertDefault(tp, flag);
      return;
    }
    default:
      alertDefault(tp, flag);
      return;
  }
  tp.rexmit = Rexmit.Lost;
}

/** tcp_fastretrans_alert()'s default case (Open, Disorder, CWR): undo, detect loss, maybe enter Recovery. */
function alertDefault(tp: RecoveryState, flag: number): void {
  if (tp.caState <= CA_DISORDER) tryUndoDsack(tp);
  identifyPacketLoss(tp);
  if (!timeToRecover(tp)) {
    tryToOpen(tp, flag);
    return;
  }
  enterRecovery(tp, flag);
  tp.rexmit = Rexmit.Lost;
}

/** tcp_identify_packet_loss(): RACK marks what is lost; a reordering timer replaces the ACK's timer re-arm. */
export function identifyPacketLoss(tp: RecoveryState): void {
  if (tp.packetsOut === 0) return;
  const priorRetrans = tp.retransOut;
  if (rackMarkLost(tp)) tp.ackFlag &= ~FLAG_SET_XMIT_TIMER;
  if (priorRetrans > tp.retransOut) tp.ackFlag |= FLAG_LOST_RETRANS;
}

/** tcp_time_to_recover(): with RACK, only proven loss starts recovery. */
export function timeToRecover(tp: RecoveryState): boolean {
  return tp.lostOut !== 0;
}

/**
 * tcp_try_to_open(): no loss to recover: an ECN echo enters CWR
 * (tcp_enter_cwr); otherwise go (back) to Open or Disorder.
 */
export function tryToOpen(tp: RecoveryState, flag: number): void {
  if (!anyRetransDone(tp)) tp.retransStamp = 0;
  if (flag & FLAG_ECE) enterCwr(tp);
  if (tp.caState !== CA_CWR) tryKeepOpen(tp);
}

/** tcp_try_keep_open(): Disorder while anything is SACKed, lost or retransmitted, else Open. */
export function tryKeepOpen(tp: RecoveryState): void {
  let state: CaState = CA_OPEN;
  if (tp.sackedOut + tp.lostOut !== 0 || anyRetransDone(tp)) state = CA_DISORDER;
  if (tp.caState !== state) {
    setCaState(tp, state);
    tp.highSeq = tp.sndNxt;
  }
}

/** tcp_any_retrans_done(): a retransmission is out, or the oldest segment was ever retransmitted. */
export function anyRetransDone(tp: RecoveryState): boolean {
  if (tp.retransOut !== 0) return true;
  if (tp.packetsOut > 0 && tp.sb.flags[tp.sb.slot(tp.sndUna)]! & TCPCB_EVER_RETRANS) return true;
  return false;
}

// ---------------------------------------------------------------------------
// entering Recovery
// ---------------------------------------------------------------------------

/** tcp_enter_recovery(): start fast recovery; an ECE-triggered one keeps no ssthresh to undo to. */
export function enterRecovery(tp: RecoveryState, flag: number): void {
  // tcp_retrans_stamp_cleanup
  if (!anyRetransDone(tp)) tp.retransStamp = 0;
  tp.priorSsthresh = 0;
  initUndo(tp);
  if (!inCwndReduction(tp)) {
    if ((flag & FLAG_ECE) === 0) tp.priorSsthresh = currentSsthresh(tp);
    initCwndReduction(tp);
  }
  setCaState(tp, CA_RECOVERY);
}

/** tcp_init_undo(): remember where the episode began and how many retransmissions it must explain away. */
export function initUndo(tp: RecoveryState): void {
  tp.undoMarker = tp.sndUna + 1; // +1 so that segment 0 is a valid marker (0 means none)
  tp.undoRetrans = tp.retransOut;
  if (tp.tlpHighSeq !== 0 && tp.tlpRetrans) tp.undoRetrans++;
  if (tp.undoRetrans === 0) tp.undoRetrans = -1;
}

/** tcp_current_ssthresh(): ssthresh to restore on undo: at least 3/4 of cwnd outside a reduction. */
export function currentSsthresh(tp: RecoveryState): number {
  if (inCwndReduction(tp)) return tp.sndSsthresh;
  return Math.max(tp.sndSsthresh, (tp.sndCwnd >>> 1) + (tp.sndCwnd >>> 2));
}

// ---------------------------------------------------------------------------
// undo
// ---------------------------------------------------------------------------

/** tcp_packet_delayed(): the ACK echoes a timestamp older than our first retransmission. */
export function packetDelayed(tp: RecoveryState): boolean {
  if (tp.retransStamp !== 0) return tsoptEcrBefore(tp, tp.retransStamp);
  return true;
}

/** tcp_may_undo(): every retransmission proved spurious (D-SACK), or the original was only delayed. */
export function mayUndo(tp: RecoveryState): boolean {
  return tp.undoMarker !== 0 && (tp.undoRetrans === 0 || packetDelayed(tp));
}

/** tcp_undo_cwnd_reduction(): restore cwnd (the CC's undo_cwnd) and ssthresh. */
export function undoCwndReduction(tp: RecoveryState, marks: LossMarks): void {
  if (marks === LossMarks.Unmark) {
    const sb = tp.sb;
    for (let seg = tp.sndUna; seg < tp.sndNxt; seg++) {
      const i = sb.slot(seg);
      sb.flags[i] = sb.flags[i]! & ~TCPCB_LOST;
    }
    tp.lostOut = 0;
    tp.rtxHint = -1;
  }
  if (tp.priorSsthresh !== 0) {
    tp.sndCwnd = tp.ca.undoCwnd(tp);
    if (tp.priorSsthresh > tp.sndSsthresh) {
      tp.sndSsthresh = tp.priorSsthresh;
      ecnWithdrawCwr(tp);
    }
  }
  tp.sndCwndStamp = tp.jiffies;
  tp.undoMarker = 0;
  tp.rackAdvanced = true;
}

/** tcp_try_undo_recovery(): Recovery is over; undo it if it was spurious, then Open. */
export function tryUndoRecovery(tp: RecoveryState): boolean {
  if (mayUndo(tp)) {
    undoCwndReduction(tp, LossMarks.Keep);
  } else if (tp.rackReoWndPersist > 0) {
    tp.rackReoWndPersist--;
  }
  setCaState(tp, CA_OPEN);
  tp.isSackReneg = false;
  return false;
}

/** tcp_try_undo_dsack(): D-SACKs covered every retransmission: undo, and keep RACK's wider window. */
export function tryUndoDsack(tp: RecoveryState): boolean {
  if (tp.undoMarker !== 0 && tp.undoRetrans === 0) {
    tp.rackReoWndPersist = Math.min(TCP_RACK_RECOVERY_THRESH, tp.rackReoWndPersist + 1);
    undoCwndReduction(tp, LossMarks.Keep);
    return true;
  }
  return false;
}

/** tcp_try_undo_loss(): undo an RTO that proved spurious (or F-RTO says so), back to Open. */
export function tryUndoLoss(tp: RecoveryState, why: LossUndo): boolean {
  if (why === LossUndo.Frto || mayUndo(tp)) {
    undoCwndReduction(tp, LossMarks.Unmark);
    tp.retransmits = 0;
    setCaState(tp, CA_OPEN);
    tp.isSackReneg = false;
    return true;
  }
  return false;
}

/**
 * tcp_try_undo_partial(): a partial ACK in Recovery whose timestamp shows
 * the original was only delayed: the path reorders; undo once no
 * retransmission is left outstanding.
 */
export function tryUndoPartial(tp: RecoveryState, priorSndUna: number): boolean {
  if (tp.undoMarker !== 0 && packetDelayed(tp)) {
    checkSackReordering(tp, priorSndUna);
    if (tp.retransOut !== 0) return true;
    if (!anyRetransDone(tp)) tp.retransStamp = 0;
    undoCwndReduction(tp, LossMarks.Unmark);
    tryKeepOpen(tp);
  }
  return false;
}

// ---------------------------------------------------------------------------
// the Loss state (after an RTO)
// ---------------------------------------------------------------------------

/** tcp_enter_loss(): the RTO fired: mark what is lost, cwnd = in flight + 1, state Loss, F-RTO. */
export function enterLoss(tp: RecoveryState): void {
  const newRecovery = tp.caState < CA_RECOVERY;
  timeoutMarkLost(tp);
  if (tp.caState <= CA_DISORDER || tp.highSeq <= tp.sndUna || (tp.caState === CA_LOSS && tp.retransmits === 0)) {
    tp.priorSsthresh = currentSsthresh(tp);
    tp.priorCwnd = tp.sndCwnd;
    tp.sndSsthresh = tp.ca.ssthresh(tp);
    caEvent(tp, CA_EVENT_LOSS);
    initUndo(tp);
  }
  tp.sndCwnd = tp.packetsInFlight() + 1;
  tp.sndCwndCnt = 0;
  tp.sndCwndStamp = tp.jiffies;
  if (tp.caState <= CA_DISORDER && tp.sackedOut >= TCP_FASTRETRANS_THRESH) {
    tp.reordering = Math.min(tp.reordering, TCP_FASTRETRANS_THRESH);
  }
  setCaState(tp, CA_LOSS);
  tp.highSeq = tp.sndNxt;
  ecnQueueCwr(tp);
  tp.tlpHighSeq = 0;
  tp.frto = newRecovery || tp.retransmits !== 0;
}

/**
 * tcp_timeout_mark_lost(): mark outstanding segments lost, except those sent
 * within the last RACK RTT (tcp_rack_skb_timeout > 0), which may still arrive.
 */
export function timeoutMarkLost(tp: RecoveryState): void {
  const sb = tp.sb;
  for (let seg = tp.sndUna; seg < tp.sndNxt; seg++) {
    if (seg !== tp.sndUna) {
      const txUs = sb.txUs[sb.slot(seg)]!;
      if (tp.rackRttUs - (tp.mstampUs - txUs) > 0) continue;
    }
    markSkbLost(tp, seg);
  }
  // tcp_clear_all_retrans_hints(): the next retransmission walk starts at snd_una
  tp.rtxHint = -1;
}

/** tcp_process_loss(): an ACK in the Loss state: undo, F-RTO's new data, or retransmit what is lost. */
export function processLoss(tp: RecoveryState, flag: number, numDupack: number): void {
  const recovered = tp.sndUna >= tp.highSeq;
  if (flag & FLAG_SND_UNA_ADVANCED && tryUndoLoss(tp, LossUndo.IfSpurious)) return;
  if (tp.frto) {
    // F-RTO (RFC 5682): a never-retransmitted segment (S)ACKed means the RTO was spurious
    if (flag & FLAG_ORIG_SACK_ACKED && tryUndoLoss(tp, LossUndo.Frto)) return;
    if (tp.sndNxt > tp.highSeq) {
      // step 3.b: new data was sent; a duplicate ACK or a SACK means a real loss
      if (flag & FLAG_DATA_SACKED || numDupack) tp.frto = false;
    } else if (flag & FLAG_SND_UNA_ADVANCED && !recovered) {
      // step 2.b: send new data instead of retransmitting
      tp.highSeq = tp.sndNxt;
      if (unsentSegs(tp) > 0 && sndWndTest(tp)) {
        tp.rexmit = Rexmit.New;
        return;
      }
      tp.frto = false;
    }
  }
  if (recovered) {
    tryUndoRecovery(tp);
    return;
  }
  tp.rexmit = Rexmit.Lost;
}

// ---------------------------------------------------------------------------
// the tail loss probe's outcome, RACK's reordering timeout
// ---------------------------------------------------------------------------

/**
 * tcp_process_tlp_ack(): the probe's segment is acknowledged. A D-SACK for
 * it means nothing was lost; otherwise its retransmission repaired a loss,
 * which counts as congestion: a CWR episode, ended at once.
 */
export function processTlpAck(tp: RecoveryState, ack: number, flag: number): void {
  if (ack < tp.tlpHighSeq) return;
  if (!tp.tlpRetrans) {
    tp.tlpHighSeq = 0;
  } else if (flag & FLAG_DSACK_TLP) {
    tp.tlpHighSeq = 0;
  } else if (ack > tp.tlpHighSeq) {
    // BBRv3's core tells the CC first (CA_EVENT_TLP_RECOVERY); other CCs ignore the event
    caEvent(tp, CA_EVENT_TLP_RECOVERY);
    initCwndReduction(tp);
    setCaState(tp, CA_CWR);
    endCwndReduction(tp);
    tryKeepOpen(tp);
  } else if (!(flag & (FLAG_SND_UNA_ADVANCED | FLAG_NOT_DUP | FLAG_DATA_SACKED))) {
    tp.tlpHighSeq = 0;
  }
}

/**
 * tcp_rack_reo_timeout() (tcp_recovery.c): the reordering window of a
 * segment ran out. If RACK marks anything lost now, enter Recovery (PRR's
 * first step lets the fast retransmission out) and retransmit; then the
 * RTO takes over again.
 */
export function rackReoTimeout(tp: RecoveryState): void {
  const priorInflight = tp.packetsInFlight();
  rackDetectLoss(tp);
  if (priorInflight !== tp.packetsInFlight()) {
    if (tp.caState !== CA_RECOVERY) {
      enterRecovery(tp, 0);
      if (tp.ca.congControl === undefined) cwndReduction(tp, 1, 0, 0);
    }
    xmitRetransmitQueue(tp);
  }
  if (tp.pending !== XmitTimer.Retrans) rearmRto(tp);
}
