/**
 * ACK processing, as Linux 6.1's tcp_input.c: tcp_ack() with the SACK
 * scoreboard (tcp_sacktag_write_queue, tcp_check_dsack), the cumulative
 * ACK (tcp_clean_rtx_queue), tcp_cong_control(), and the SYN-ACK
 * (tcp_rcv_synsent_state_process, tcp_finish_connect, tcp_init_transfer).
 *
 * Model in plain words. An ACK is processed in this order:
 *   1. SACK blocks tag newly SACKed segments (a D-SACK block, one below the
 *      cumulative ACK or inside another block, reports a duplicate instead),
 *      and snd_una moves to the cumulative ACK;
 *   2. the cumulatively ACKed segments leave the retransmission queue,
 *      giving the RTT sample (rtt.ts) from never-retransmitted segments and
 *      the delivery-rate snapshot (rate.ts); RACK advances (rack.ts);
 *   3. the congestion state machine runs if the ACK is a duplicate, carries
 *      SACK or D-SACK information, or arrives outside Open (recovery.ts);
 *   4. the retransmission timer is re-armed (xmit_timer.ts) and the
 *      delivery-rate sample completed;
 *   5. the congestion control acts: its cong_control on every ACK, or else
 *      PRR (prr.ts) while reducing and cong_avoid when cwnd may grow;
 *   6. lost segments are retransmitted, then new data sent (output.ts).
 * What the ACK did is summarised in FLAG_* bits (sock.ts).
 */
import type { Packet } from '../network/packet.js';
import { TCP_FASTRETRANS_THRESH, TCP_TIMEOUT_INIT_JIFFIES } from './constants.js';
import { segLen, updatePacingRate, writeXmit, xmitRecovery } from './output.js';
import { cwndReduction } from './prr.js';
import { checkSackReordering, highestSackSeq, rackAdvance, rackUpdateReoWnd } from './rack.js';
import { rateGen, rateSkbDelivered } from './rate.js';
import { fastretransAlert, processTlpAck, type RecoveryState } from './recovery.js';
import { ackUpdateRtt, type RttState } from './rtt.js';
import { TCPCB_LOST, TCPCB_RETRANS, TCPCB_SACKED_ACKED, TCPCB_SACKED_RETRANS } from './scoreboard.js';
import {
  FLAG_ACKED,
  FLAG_ACK_MAYBE_DELAYED,
  FLAG_CA_ALERT,
  FLAG_DATA_ACKED,
  FLAG_DATA_SACKED,
  FLAG_DSACKING_ACK,
  FLAG_DSACK_TLP,
  FLAG_ECE,
  FLAG_FORWARD_PROGRESS,
  FLAG_NOT_DUP,
  FLAG_ORIG_SACK_ACKED,
  FLAG_RETRANS_DATA_ACKED,
  FLAG_SET_XMIT_TIMER,
  FLAG_SLOWPATH,
  FLAG_SND_UNA_ADVANCED,
  FLAG_SYN_ACKED,
  FLAG_WIN_UPDATE,
  inCwndReduction,
  mstampRefresh,
  Push,
  Rexmit,
  SkPacing,
  TCP_ECN_OK,
  tsoptEcrBefore,
} from './sock.js';
import { CA_ACK_ECE, CA_ACK_SLOWPATH, CA_ACK_WIN_UPDATE, CA_LOSS, CA_OPEN, type AckSample, type RateSample } from './types.js';
import { clearXmitTimer, setXmitTimer } from './xmit_timer.js';

/** The connection state ACK processing reads and writes. */
export interface AckState extends RecoveryState, RttState {
  // fields the interfaces above declare with different access
  srttUs8: number;
  rtoJiffies: number;
  rcvTsecr: number;
  sndUna: number;
  sndNxt: number;
  clockNs: number;
  // the connection
  established: boolean;
  finished: boolean;
  /** When the last byte of a finite transfer was acknowledged, ns; -1 = not yet. */
  completionNs: number;
  /** The application has stopped writing. */
  readonly stopped: boolean;
  sndWnd: number;
  tsRecent: number;
  /** When the SYN was (last) sent, ns. */
  readonly synSentNs: number;
  // the scoreboard's bookkeeping
  highestSackEnd: number;
  /** D-SACKed segments so far: more than were retransmitted means a bogus D-SACK (tp->dsack_dups). */
  dsackDups: number;
  /** The previous ACK's SACK blocks, sorted start/end pairs (recv_sack_cache). */
  sackCache: number[];
  // per-ACK scratch (struct tcp_sacktag_state and tcp_ack's locals)
  /** This ACK's rate sample. */
  readonly rs: RateSample;
  /** struct ack_sample for pkts_acked, reused. */
  readonly ackSample: AckSample;
  /** Lowest never-retransmitted segment newly SACKed below the highest SACK (state->reord). */
  sackReord: number;
  /** Send times of the first and last newly SACKed never-retransmitted segments, us. */
  firstSackt: number;
  lastSackt: number;
  /** Segments this ACK newly SACKed or D-SACKed (sack_state.sack_delivered). */
  sackDelivered: number;
  /** Flags of the SACK walk (state->flag). */
  curSackFlag: number;
  /** Packets delivered by ACKs with ECE (tp->delivered_ce). */
  deliveredCe: number;
}

// ---------------------------------------------------------------------------
// arrivals: the SYN-ACK, then ACKs
// ---------------------------------------------------------------------------

/**
 * tcp_rcv_synsent_state_process(): the SYN-ACK arrived: the handshake's RTT
 * sample (none from a retransmitted SYN: Karn), the peer's window and
 * timestamp, the CC's init (tcp_init_transfer), then the first data.
 */
export function rcvSynAck(tp: AckState, p: Packet): void {
  if (tp.established) return;
  mstampRefresh(tp);
  tp.established = true;
  clearXmitTimer(tp);
  if (tp.synRetries === 0) {
    const rttUs = tp.mstampUs - Math.floor(tp.synSentNs / 1000);
    ackUpdateRtt(tp, FLAG_SYN_ACKED, rttUs, -1, rttUs, tp.rs);
  } else {
    // Karn: no sample from a retransmitted SYN; Linux then falls back to 3 s initial cwnd rules we do not model
    tp.rtoJiffies = TCP_TIMEOUT_INIT_JIFFIES;
  }
  tp.sndWnd = p.wnd;
  tp.tsRecent = p.tsVal;
  // tcp_ecn_rcv_synack(): ECN only if the SYN-ACK agreed (ECE without CWR)
  if (tp.ecnFlags & TCP_ECN_OK && (!p.ece || p.cwr)) tp.ecnFlags &= ~TCP_ECN_OK;
  // tcp_ack() of the SYN-ACK: the SYN counts as delivered, and tcp_rate_gen() clears the
  // initial app_limited (~0U), so the first data window is not marked app-limited
  tp.delivered = 1;
  tp.deliveredMstamp = tp.mstampUs;
  tp.appLimited = 0;
  tp.sndCwndStamp = tp.jiffies;
  tp.lsndtime = tp.jiffies; // tcp_finish_connect()
  if (tp.ca.needsPacing && tp.pacingStatus === SkPacing.None) tp.pacingStatus = SkPacing.Needed;
  if (tp.ca.init !== undefined) tp.ca.init(tp);
  updatePacingRate(tp);
  tp.pool.release(p);
  if (tp.stopped) return;
  writeXmit(tp, Push.All);
}

/**
 * tcp_rcv_established() for a pure ACK: tcp_ack(), then send what the
 * windows allow (tcp_data_snd_check). A finite transfer completes when its
 * last byte is acknowledged.
 */
export function rcvEstablished(tp: AckState, p: Packet): void {
  mstampRefresh(tp);
  tcpAck(tp, p);
  tp.pool.release(p);
  if (!tp.finished) writeXmit(tp, Push.All);
  if (tp.sndUna >= tp.totalSegs && tp.completionNs < 0) {
    tp.completionNs = tp.sim.now;
    tp.finished = true;
    clearXmitTimer(tp);
    tp.pacingTimer.cancel();
  }
}

// ---------------------------------------------------------------------------
// tcp_ack()
// ---------------------------------------------------------------------------

/** tcp_ack(): process one ACK (steps 1-6 of the header). */
export function tcpAck(tp: AckState, p: Packet): void {
  const ack = p.ackSeg;
  const rs = tp.rs;
  rs.reset();
  const priorSndUna = tp.sndUna;
  const isSackReneg = tp.isSackReneg;
  let numDupack = 0;
  const priorPackets = tp.packetsOut;
  const deliveredBefore = tp.delivered;
  const lostBefore = tp.lost;
  tp.rexmit = Rexmit.None;
  tp.firstSackt = 0;
  tp.lastSackt = 0;
  tp.sackDelivered = 0;
  let flag = 0;

  if (ack < priorSndUna) {
    // old ACK: may still carry SACK information
    tp.rcvTsecr = p.tsEcr;
    tp.tsRecent = p.tsVal;
    if (p.nSack > 0) {
      tp.ackFlag = sacktagWriteQueue(tp, p, priorSndUna);
      fastretransAlert(tp, priorSndUna, numDupack);
      xmitRecovery(tp, tp.rexmit);
    }
    return;
  }
  if (ack > tp.sndNxt) return;

  if (ack > priorSndUna) {
    flag |= FLAG_SND_UNA_ADVANCED;
    tp.retransmits = 0;
  }
  const priorFack = highestSackSeq(tp);
  rs.priorInFlight = tp.packetsInFlight();
  tp.rcvTsecr = p.tsEcr;
  tp.tsRecent = p.tsVal; // tcp_replace_ts_recent(): a pure ACK is always in sequence
  // tcp_ack_update_window(): a new window comes with an advancing ACK, or when it grows
  if (ack > priorSndUna || p.wnd > tp.sndWnd) tp.sndWnd = p.wnd;

  // header prediction fails on SACK blocks and on ECE (TCP_HP_BITS), which take the slow path
  if (p.nSack === 0 && !p.ece && ack > priorSndUna) {
    // fast path: pure forward advance
    tp.sndUna = ack;
    flag |= FLAG_WIN_UPDATE;
    inAckEvent(tp, CA_ACK_WIN_UPDATE);
  } else {
    let ackEvFlags = CA_ACK_SLOWPATH;
    flag |= FLAG_SLOWPATH;
    if (ack > priorSndUna) flag |= FLAG_WIN_UPDATE;
    tp.sndUna = ack;
    if (p.nSack > 0) flag |= sacktagWriteQueue(tp, p, priorSndUna);
    // tcp_ecn_rcv_ecn_echo()
    if (p.ece && tp.ecnFlags & TCP_ECN_OK) {
      flag |= FLAG_ECE;
      ackEvFlags |= CA_ACK_ECE;
      tp.stats.eceAcks++;
    }
    if (tp.sackDelivered > 0) countDelivered(tp, tp.sackDelivered, flag & FLAG_ECE);
    if (flag & FLAG_WIN_UPDATE) ackEvFlags |= CA_ACK_WIN_UPDATE;
    inAckEvent(tp, ackEvFlags);
  }

  if (priorPackets === 0) {
    // no_queue
    if (flag & FLAG_DSACKING_ACK) {
      tp.ackFlag = flag;
      fastretransAlert(tp, priorSndUna, numDupack);
    }
    if (tp.tlpHighSeq !== 0) processTlpAck(tp, ack, flag);
    return;
  }

  flag |= cleanRtxQueue(tp, priorFack, flag & FLAG_ECE);
  rackUpdateReoWnd(tp, rs);
  if (tp.tlpHighSeq !== 0) processTlpAck(tp, ack, flag);

  tp.ackFlag = flag;
  // tcp_ack_is_dubious()
  if (!(flag & FLAG_NOT_DUP) || flag & FLAG_CA_ALERT || tp.caState !== CA_OPEN) {
    if (!(flag & (FLAG_SND_UNA_ADVANCED | FLAG_NOT_DUP | FLAG_DSACKING_ACK))) numDupack = 1;
    fastretransAlert(tp, priorSndUna, numDupack);
  }
  flag = tp.ackFlag;

  if (flag & FLAG_SET_XMIT_TIMER) setXmitTimer(tp);

  const delivered = tp.delivered - deliveredBefore;
  const lostNow = tp.lost - lostBefore;
  rs.isAckDelayed = (flag & FLAG_ACK_MAYBE_DELAYED) !== 0;
  rs.isEce = (flag & FLAG_ECE) !== 0;
  rateGen(tp, delivered, lostNow, isSackReneg, rs);
  if (rs.rttUs >= 0) tp.stats.rttUs.record(rs.rttUs);
  congControl(tp, ack, delivered, flag, rs);
  xmitRecovery(tp, tp.rexmit);
}

/**
 * tcp_in_ack_event(): tell the CC how the ACK was processed (CA_ACK_*
 * flags). As in Linux 6.1 it runs before the cumulative ACK is cleaned from
 * the queue: snd_una has moved, but tp->delivered counts only the SACKed
 * part of this ACK so far.
 */
function inAckEvent(tp: AckState, ev: number): void {
  if (tp.ca.inAckEvent !== undefined) tp.ca.inAckEvent(tp, ev);
}

/** tcp_count_delivered(): packets delivered, and counted CE-marked when the ACK had ECE. */
function countDelivered(tp: AckState, delivered: number, ece: number): void {
  tp.delivered += delivered;
  if (ece) tp.deliveredCe += delivered;
}

/**
 * tcp_cong_control(): the CC's cong_control on every ACK; otherwise PRR
 * while reducing, or cong_avoid when cwnd may grow (tcp_may_raise_cwnd:
 * in-order delivery, or any forward progress when the path reorders),
 * then the default pacing rate.
 */
export function congControl(tp: AckState, ack: number, ackedSacked: number, flag: number, rs: RateSample): void {
  const ca = tp.ca;
  if (ca.congControl !== undefined) {
    ca.congControl(tp, rs, ack, flag);
    return;
  }
  if (inCwndReduction(tp)) {
    cwndReduction(tp, ackedSacked, rs.losses, flag);
  } else {
    const mayRaise = tp.reordering > TCP_FASTRETRANS_THRESH ? (flag & FLAG_FORWARD_PROGRESS) !== 0 : (flag & FLAG_DATA_ACKED) !== 0;
    if (mayRaise && ca.congAvoid !== undefined) {
      ca.congAvoid(tp, ack, ackedSacked);
      tp.sndCwndStamp = tp.jiffies;
    }
  }
  updatePacingRate(tp);
}

// ---------------------------------------------------------------------------
// the SACK scoreboard
// ---------------------------------------------------------------------------

/**
 * tcp_sacktag_write_queue(): check the first block for a D-SACK
 * (tcp_check_dsack), then tag every segment the other blocks newly cover,
 * skipping what the previous ACK's blocks already covered
 * (recv_sack_cache). Returns the FLAG_* bits of what it found.
 */
export function sacktagWriteQueue(tp: AckState, p: Packet, priorSndUna: number): number {
  let stateFlag = 0;
  tp.sackReord = tp.sndNxt;
  if (tp.sackedOut === 0) tp.highestSackEnd = tp.sndUna;

  // D-SACK detection (tcp_check_dsack)
  const s0 = p.sack[0]!;
  const e0 = p.sack[1]!;
  let foundDup = false;
  if (s0 < p.ackSeg) foundDup = true;
  else if (p.nSack > 1) {
    const s1 = p.sack[2]!;
    const e1 = p.sack[3]!;
    if (!(e0 > e1 || s0 < s1)) foundDup = true;
  }
  if (foundDup) {
    const dupSegs = e0 - s0;
    if (dupSegs <= 0) foundDup = false;
    else {
      if (tp.tlpHighSeq !== 0 && tp.tlpHighSeq === e0 && dupSegs === 1) stateFlag |= FLAG_DSACK_TLP;
      tp.dsackDups += dupSegs;
      if (tp.dsackDups > tp.totalRetrans) foundDup = false;
      else {
        if (tp.reordSeen !== 0 && !(stateFlag & FLAG_DSACK_TLP)) tp.rackDsackSeen = true;
        stateFlag |= FLAG_DSACKING_ACK;
        tp.sackDelivered += dupSegs;
        if (tp.undoMarker !== 0 && tp.undoRetrans > 0 && e0 <= priorSndUna && e0 > tp.undoMarker - 1) {
          tp.undoRetrans = Math.max(0, tp.undoRetrans - dupSegs);
        }
      }
    }
  }

  if (tp.packetsOut === 0) return stateFlag;

  // collect valid blocks, sorted by start
  const blocks: number[] = [];
  for (let i = 0; i < p.nSack; i++) {
    let s = p.sack[2 * i]!;
    let e = p.sack[2 * i + 1]!;
    const dup = i === 0 && foundDup;
    if (e <= s || e > tp.sndNxt) continue;
    if (e <= priorSndUna && !dup) continue;
    if (dup) {
      // D-SACK above snd_una: clear in-flight retransmission marks (tcp_sacktag_one dup path)
      for (let seg = Math.max(s, tp.sndUna); seg < e; seg++) sacktagDup(tp, seg);
      continue;
    }
    if (s < tp.sndUna) s = tp.sndUna;
    if (e > tp.sndNxt) e = tp.sndNxt;
    if (s < e) blocks.push(s, e);
  }
  // sort pairs by start (few blocks: insertion sort)
  for (let i = 2; i < blocks.length; i += 2) {
    const s = blocks[i]!;
    const e = blocks[i + 1]!;
    let j = i - 2;
    while (j >= 0 && blocks[j]! > s) {
      blocks[j + 2] = blocks[j]!;
      blocks[j + 3] = blocks[j + 1]!;
      j -= 2;
    }
    blocks[j + 2] = s;
    blocks[j + 3] = e;
  }

  // walk, skipping ranges the previous ACK's blocks already covered (recv_sack_cache)
  const cache = tp.sackedOut > 0 ? tp.sackCache : [];
  let c = 0;
  tp.curSackFlag = 0;
  for (let i = 0; i < blocks.length; i += 2) {
    const s = blocks[i]!;
    const e = blocks[i + 1]!;
    while (c < cache.length && s >= cache[c + 1]!) c += 2;
    let cur = s;
    let k = c;
    while (k < cache.length && cache[k]! < e) {
      const cs = cache[k]!;
      const ce = cache[k + 1]!;
      if (cs > cur) sacktagRange(tp, cur, cs);
      if (ce > cur) cur = ce;
      k += 2;
    }
    if (cur < e) sacktagRange(tp, cur, e);
  }
  tp.sackCache = blocks;
  stateFlag |= tp.curSackFlag;

  if (tp.caState !== CA_LOSS || tp.undoMarker !== 0) checkSackReordering(tp, tp.sackReord);
  return stateFlag;
}

/** Tag the not yet SACKed segments of [s, e). */
function sacktagRange(tp: AckState, s: number, e: number): void {
  const sb = tp.sb;
  for (let seg = s; seg < e; seg++) {
    if ((sb.flags[sb.slot(seg)]! & TCPCB_SACKED_ACKED) === 0) sacktagOne(tp, seg);
  }
}

/** tcp_sacktag_one() for a segment newly covered by a (non-duplicate) SACK block. */
function sacktagOne(tp: AckState, seg: number): void {
  const sb = tp.sb;
  const i = sb.slot(seg);
  let sacked = sb.flags[i]!;
  const txUs = sb.txUs[i]!;
  rackAdvance(tp, sacked, seg + 1, txUs);
  if (sacked & TCPCB_SACKED_RETRANS) {
    if (sacked & TCPCB_LOST) {
      sacked &= ~(TCPCB_LOST | TCPCB_SACKED_RETRANS);
      tp.lostOut--;
      tp.retransOut--;
    }
  } else {
    if (!(sacked & TCPCB_RETRANS)) {
      if (seg < highestSackSeq(tp) && seg < tp.sackReord) tp.sackReord = seg;
      if (seg + 1 <= tp.highSeq) tp.curSackFlag |= FLAG_ORIG_SACK_ACKED;
      if (tp.firstSackt === 0) tp.firstSackt = txUs;
      tp.lastSackt = txUs;
    }
    if (sacked & TCPCB_LOST) {
      sacked &= ~TCPCB_LOST;
      tp.lostOut--;
    }
  }
  sacked |= TCPCB_SACKED_ACKED;
  tp.curSackFlag |= FLAG_DATA_SACKED;
  tp.sackedOut++;
  tp.sackDelivered++;
  sb.flags[i] = sacked;
  // SACKed segments leave the time-sorted list (tcp_sacktag_walk)
  sb.tsRemove(seg);
  if (seg + 1 > tp.highestSackEnd) tp.highestSackEnd = seg + 1;
  // the rate sample takes this segment's snapshot
  rateSkbDelivered(tp, seg, tp.rs);
}

/** D-SACK for a segment still in the queue: its retransmission was not needed. */
function sacktagDup(tp: AckState, seg: number): void {
  const sb = tp.sb;
  const i = sb.slot(seg);
  const sacked = sb.flags[i]!;
  if (sacked & TCPCB_RETRANS && tp.undoMarker !== 0 && tp.undoRetrans > 0 && seg + 1 > tp.undoMarker - 1) {
    tp.undoRetrans = Math.max(0, tp.undoRetrans - 1);
  }
  if (sacked & TCPCB_SACKED_RETRANS && !(sacked & TCPCB_SACKED_ACKED)) {
    sb.flags[i] = sacked & ~TCPCB_SACKED_RETRANS;
    tp.retransOut--;
  }
}

// ---------------------------------------------------------------------------
// the cumulative ACK
// ---------------------------------------------------------------------------

/**
 * tcp_clean_rtx_queue(): drop the cumulatively ACKed segments, count them
 * delivered, advance RACK, take the RTT sample and call pkts_acked. Returns
 * the FLAG_* bits of what it found.
 */
export function cleanRtxQueue(tp: AckState, priorFack: number, eceAck: number): number {
  const sb = tp.sb;
  const rs = tp.rs;
  const priorSacked = tp.sackedOut;
  let reord = tp.sndNxt;
  let firstAckt = 0;
  let lastAckt = 0;
  let seqRtt = -1;
  let caRtt = -1;
  let sackRtt = -1;
  let pktsAcked = 0;
  let ackedBytes = 0;
  let flag = 0;

  for (let seg = sb.base; seg < tp.sndUna; seg++) {
    const i = sb.slot(seg);
    const sacked = sb.flags[i]!;
    if (sacked & TCPCB_RETRANS) {
      if (sacked & TCPCB_SACKED_RETRANS) tp.retransOut--;
      flag |= FLAG_RETRANS_DATA_ACKED;
    } else if (!(sacked & TCPCB_SACKED_ACKED)) {
      lastAckt = sb.txUs[i]!;
      if (firstAckt === 0) firstAckt = lastAckt;
      if (seg < reord) reord = seg;
      if (seg + 1 <= tp.highSeq) flag |= FLAG_ORIG_SACK_ACKED;
    }
    if (sacked & TCPCB_SACKED_ACKED) {
      tp.sackedOut--;
    } else {
      countDelivered(tp, 1, eceAck);
      if (!skbSpuriousRetrans(tp, sacked, sb.txUs[i]!)) rackAdvance(tp, sacked, seg + 1, sb.txUs[i]!);
    }
    if (sacked & TCPCB_LOST) tp.lostOut--;
    pktsAcked++;
    ackedBytes += segLen(tp, seg);
    rateSkbDelivered(tp, seg, rs);
    flag |= FLAG_DATA_ACKED;
    sb.tsRemove(seg);
    if (seg === tp.rtxHint) tp.rtxHint = -1;
  }
  sb.advanceBase(tp.sndUna);
  if (tp.rtxHint !== -1 && tp.rtxHint < tp.sndUna) tp.rtxHint = -1;

  if (firstAckt !== 0 && !(flag & FLAG_RETRANS_DATA_ACKED)) {
    seqRtt = tp.mstampUs - firstAckt;
    caRtt = tp.mstampUs - lastAckt;
    if (
      pktsAcked === 1 &&
      priorSacked === 0 &&
      ackedBytes < tp.mss &&
      rs.priorDelivered + 1 === tp.delivered &&
      !(flag & (FLAG_CA_ALERT | FLAG_SYN_ACKED))
    ) {
      flag |= FLAG_ACK_MAYBE_DELAYED;
    }
  }
  if (tp.firstSackt !== 0) {
    sackRtt = tp.mstampUs - tp.firstSackt;
    caRtt = tp.mstampUs - tp.lastSackt;
  }
  const rttUpdate = ackUpdateRtt(tp, flag, seqRtt, sackRtt, caRtt, rs);

  if (flag & FLAG_ACKED) {
    flag |= FLAG_SET_XMIT_TIMER;
    if (reord < priorFack) checkSackReordering(tp, reord);
  } else if (tp.packetsOut > 0 && rttUpdate && sackRtt >= 0 && sackRtt > tp.mstampUs - sb.txUs[sb.slot(tp.sndUna)]!) {
    flag |= FLAG_SET_XMIT_TIMER;
  }

  if (tp.ca.pktsAcked !== undefined) {
    const sample = tp.ackSample;
    sample.pktsAcked = pktsAcked;
    sample.rttUs = rs.rttUs;
    sample.inFlight = tp.mss * (tp.delivered - rs.priorDelivered);
    tp.ca.pktsAcked(tp, sample);
  }
  return flag;
}

/** tcp_skb_spurious_retrans(): a retransmitted segment whose echo predates the retransmission. */
function skbSpuriousRetrans(tp: AckState, sacked: number, txUs: number): boolean {
  return (sacked & TCPCB_RETRANS) !== 0 && tsoptEcrBefore(tp, Math.floor(txUs / 1000) + 1);
}
