/**
 * Sending, as Linux 6.1's tcp_output.c: tcp_write_xmit() with GSO sizing
 * (tcp_tso_segs) and pacing, __tcp_transmit_skb(), retransmission of lost
 * segments (tcp_xmit_retransmit_queue, tcp_retransmit_skb), the tail loss
 * probe (tcp_send_loss_probe), tcp_cwnd_validate(), and the SYN; plus the
 * default pacing rate (tcp_update_pacing_rate) and tcp_xmit_recovery() of
 * tcp_input.c.
 *
 * Model in plain words. The application has its next segment ready until it
 * stops (or its bytes are all written). New data leaves while fewer than
 * cwnd segments are in flight, the receive window has room and, for a
 * paced socket, the pacing clock allows, in GSO skbs of tcp_tso_segs()
 * segments (about 1 ms of the pacing rate, never more than half of cwnd)
 * whose packets leave back to back. A paced skb moves the pacing clock on by
 * its length at the pacing rate; an unpaced socket sends skb after skb. The
 * last segment of an skb of two or more carries PSH. Segments marked lost
 * are retransmitted first, in sequence order, one segment per skb, each
 * paced on its own. Sending starts the RTO if nothing was outstanding and
 * schedules a tail loss probe.
 */
import type { Timer } from '../engine/sim.js';
import type { Rng } from '../engine/rng.js';
import { ECN, type Packet, type PacketPool, type PacketSink } from '../network/packet.js';
import { GSO_MAX_SIZE, JIFFY_NS, SK_PACING_SHIFT, TCP_MIN_TSO_SEGS, TCP_PACING_CA_RATIO, TCP_PACING_SS_RATIO, TCP_TIMEOUT_INIT_JIFFIES, TCP_TSO_RTT_LOG } from './constants.js';
import { rateSkbSent, type RateState } from './rate.js';
import { TCPCB_EVER_RETRANS, TCPCB_LOST, TCPCB_RETRANS, TCPCB_SACKED_ACKED, TCPCB_SACKED_RETRANS, type Scoreboard } from './scoreboard.js';
import { caEvent, inCwndReduction, mstampRefresh, Push, Rexmit, SkPacing, TCP_ECN_OK, TCP_ECN_QUEUE_CWR, Tx, XmitTimer, type CcSock, type ClockState, type SenderStats } from './sock.js';
import { CA_EVENT_TX_START } from './types.js';
import { rearmRto, resetXmitTimer, RtoFrom, scheduleLossProbe, type XmitTimerState } from './xmit_timer.js';

/** Wire size of a SYN: 60 bytes TCP/IP with options + 14 Ethernet, no payload. */
const SYN_WIRE_BYTES = 74;

/** The connection state the output path reads and writes. */
export interface OutputState extends CcSock, ClockState, XmitTimerState, RateState {
  readonly flow: number;
  readonly sb: Scoreboard;
  readonly packetsOut: number;
  clockNs: number;
  mstampUs: number;
  delivered: number;
  deliveredMstamp: number;
  // application and receive window
  /** All the application's bytes are acknowledged (a finite transfer is complete). */
  readonly finished: boolean;
  /** Segments the application has written so far (Infinity for a bulk writer until it stops). */
  writeSegs: number;
  /** Segments of the whole transfer: writeSegs never passes it (Infinity without a byte limit). */
  readonly totalSegs: number;
  /** Length of the last segment of a finite transfer, bytes. */
  readonly lastSegLen: number;
  /** The receiver's window (snd_wnd), bytes. */
  readonly sndWnd: number;
  /** The peer's timestamp to echo (ts_recent). */
  readonly tsRecent: number;
  /** Set when the receive window stopped a transmission (for inspection). */
  rwndLimited: boolean;
  // sequence and scoreboard counts
  sndNxt: number;
  lostOut: number;
  retransOut: number;
  // cwnd use (tcp_cwnd_validate)
  sndCwndUsed: number;
  sndCwndStamp: number;
  isCwndLimitedFlag: boolean;
  maxPacketsOut: number;
  cwndUsageSeq: number;
  // loss recovery state the output updates
  prrOut: number;
  /** Lowest segment that may need retransmitting (retransmit_skb_hint), -1 = none. */
  rtxHint: number;
  retransStamp: number;
  undoRetrans: number;
  totalRetrans: number;
  readonly highSeq: number;
  frto: boolean;
  tlpHighSeq: number;
  tlpRetrans: boolean;
  // pacing
  pacingRate: number;
  pacingStatus: SkPacing;
  /** Earliest departure time of the next segment (tcp_wstamp_ns), ns. */
  wstampNs: number;
  /** Data segments sent (tp->data_segs_out). */
  dataSegsOut: number;
  lsndtime: number;
  readonly pacingTimer: Timer;
  /** The sending host's timer noise: the pacing timer fires up to this late, ns. */
  readonly timerSlackNs: number;
  readonly slackRng: Rng;
  // the SYN
  readonly synRetries: number;
  // ECN
  /** This host asks for ECN on its SYNs (net.ipv4.tcp_ecn = 1 for this flow). */
  readonly ecnWanted: boolean;
  /** tp->ecn_flags (TCP_ECN_* in sock.ts). */
  ecnFlags: number;
  // where segments go
  readonly stats: SenderStats;
  readonly pool: PacketPool;
  readonly out: PacketSink;
}

// ---------------------------------------------------------------------------
// the application and the receive window
// ---------------------------------------------------------------------------

/** Segments written by the application and not yet sent. */
export function unsentSegs(tp: OutputState): number {
  return tp.writeSegs - tp.sndNxt;
}

/** Payload length of segment `seg`, bytes: an MSS, or less for the last of a finite transfer. */
export function segLen(tp: OutputState, seg: number): number {
  return seg === tp.totalSegs - 1 ? tp.lastSegLen : tp.mss;
}

/** tcp_snd_wnd_test(): the next new segment ends within snd_una + snd_wnd. */
export function sndWndTest(tp: OutputState): boolean {
  return sndWndTestAt(tp, tp.sndNxt);
}

/** Segment `seg` ends within snd_una + snd_wnd. */
export function sndWndTestAt(tp: OutputState, seg: number): boolean {
  return (seg - tp.sndUna) * tp.mss + segLen(tp, seg) <= tp.sndWnd;
}

// ---------------------------------------------------------------------------
// the SYN (tcp_connect)
// ---------------------------------------------------------------------------

/**
 * tcp_connect() / the SYN's retransmission: send a SYN, arm its timer (1 s,
 * doubling per retry). The first SYN asks for ECN with ECE and CWR
 * (tcp_ecn_send_syn) when the host wants it or the CC needs it, and is ECT
 * itself only for a CC that needs ECN; a retransmitted SYN asks no more
 * (tcp_ecn_clear_syn, sysctl tcp_ecn_fallback = 1), so the SYN-ACK turns
 * ECN off.
 */
export function sendSyn(tp: OutputState): void {
  const p = tp.pool.data(tp.flow, -1, 0, Math.floor(tp.clockNs / 1e6) + 1, 0);
  p.wireBytes = SYN_WIRE_BYTES;
  if (tp.synRetries === 0) {
    tp.ecnFlags = 0;
    if (tp.ecnWanted || tp.ca.needsEcn === true) {
      p.ece = true;
      p.cwr = true;
      tp.ecnFlags = TCP_ECN_OK;
      if (tp.ca.needsEcn === true) p.ecn = ECN.ECT_0;
    }
  } else if (tp.ca.needsEcn === true && tp.ecnFlags & TCP_ECN_OK) {
    p.ecn = ECN.ECT_0;
  }
  tp.stats.packetsToNetwork++;
  tp.out.receive(p);
  tp.pending = XmitTimer.Retrans;
  const jf = tp.jiffies + (TCP_TIMEOUT_INIT_JIFFIES << tp.synRetries);
  tp.timeoutJiffies = jf;
  tp.xmitTimer.at(jf * JIFFY_NS);
}

// ---------------------------------------------------------------------------
// pacing and skb sizing
// ---------------------------------------------------------------------------

/**
 * tcp_update_pacing_rate() (tcp_input.c): for a CC without cong_control,
 * pace at 200% of cwnd * mss / srtt in slow start, 120% after.
 */
export function updatePacingRate(tp: OutputState): void {
  if (tp.ca.congControl !== undefined) return;
  let rate = tp.mss * ((1e6 / 100) * 8);
  rate *= tp.sndCwnd < tp.sndSsthresh / 2 ? TCP_PACING_SS_RATIO : TCP_PACING_CA_RATIO;
  rate *= Math.max(tp.sndCwnd, tp.packetsOut);
  if (tp.srttUs8 !== 0) rate = Math.floor(rate / tp.srttUs8);
  tp.pacingRate = Math.min(rate, tp.maxPacingRate);
}

/** tcp_pacing_check(): true when the pacing clock forbids sending now (and the pacing timer is armed). */
export function pacingCheck(tp: OutputState): boolean {
  if (tp.pacingStatus === SkPacing.None) return false;
  if (tp.wstampNs <= tp.clockNs) return false;
  if (!tp.pacingTimer.pending) {
    const slack = tp.timerSlackNs > 0 ? Math.floor(tp.slackRng.next() * tp.timerSlackNs) : 0;
    tp.pacingTimer.at(Math.ceil(tp.wstampNs) + slack);
  }
  return true;
}

/** The pacing timer fired (tcp_pace_kick, then tcp_tsq_write): lost segments first, then new data. */
export function pacingTimerFired(tp: OutputState): void {
  if (tp.finished) return;
  if (tp.lostOut > tp.retransOut && tp.sndCwnd > tp.packetsInFlight()) xmitRetransmitQueue(tp);
  writeXmit(tp, Push.All);
}

/**
 * tcp_update_skb_after_send(): the next skb may leave `bytes` at the pacing
 * rate later; a late send (OS jitter) gets up to half of that back.
 */
export function paceAfterSend(tp: OutputState, priorWstamp: number, bytes: number): void {
  const rate = tp.pacingRate;
  if (rate > 0 && tp.dataSegsOut >= 10) {
    let lenNs = Math.floor((bytes * 1e9) / rate);
    const credit = tp.wstampNs - priorWstamp;
    lenNs -= Math.min(Math.floor(lenNs / 2), credit);
    tp.wstampNs += lenNs;
  }
}

/**
 * tcp_tso_segs(): segments per skb. TCP always builds GSO skbs (the device,
 * or software GSO when the device has it off, cuts them into packets that
 * leave back to back): about 1 ms of the pacing rate (tcp_tso_autosize,
 * plus up to 64 KB on paths under a few ms), at least the congestion
 * control's min_tso_segs (sysctl_tcp_min_tso_segs = 2 by default).
 */
export function tsoSegs(tp: OutputState): number {
  const minTso = tp.ca.minTsoSegs ? tp.ca.minTsoSegs(tp) : TCP_MIN_TSO_SEGS;
  let bytes = Math.floor(tp.pacingRate / 2 ** SK_PACING_SHIFT);
  const r = Math.floor(tp.minRttUs / 2 ** TCP_TSO_RTT_LOG);
  if (r < 32) bytes += Math.floor(GSO_MAX_SIZE / 2 ** r);
  bytes = Math.min(bytes, GSO_MAX_SIZE);
  return Math.max(Math.floor(bytes / tp.mss), minTso);
}

// ---------------------------------------------------------------------------
// new data (tcp_write_xmit)
// ---------------------------------------------------------------------------

/**
 * tcp_write_xmit(): send new data while cwnd, the receive window and
 * pacing allow, in skbs of up to tcp_tso_segs() segments (never more than
 * half of cwnd: tcp_cwnd_test) whose segments leave together. A paced
 * flow sends one skb per pacing slot and its pacing clock advances by the
 * whole skb; an unpaced flow sends skb after skb at once. The last segment
 * of an skb of two or more carries PSH (__tcp_transmit_skb), which a Linux
 * receiver ACKs on read. Returns whether nothing is out and data waits
 * (Linux's "probe0 needed").
 */
export function writeXmit(tp: OutputState, pushOne: Push): boolean {
  mstampRefresh(tp);
  let sent = 0;
  let isCwndLimited = false;
  const paced = tp.pacingStatus !== SkPacing.None;
  const maxSegs = tsoSegs(tp);
  while (unsentSegs(tp) > 0) {
    if (pacingCheck(tp)) break;
    const inFlight = tp.packetsInFlight();
    let quota = tp.sndCwnd > inFlight ? Math.min(Math.max(tp.sndCwnd >> 1, 1), tp.sndCwnd - inFlight) : 0;
    if (quota === 0) {
      if (pushOne === Push.LossProbe) quota = 1;
      else break;
    }
    if (!sndWndTest(tp)) {
      tp.rwndLimited = true;
      break;
    }
    // tcp_mss_split_point(): the skb ends at the cwnd quota, max_segs or the window's end
    let segs = pushOne !== Push.All ? 1 : Math.min(quota, maxSegs, unsentSegs(tp));
    while (segs > 1 && !sndWndTestAt(tp, tp.sndNxt + segs - 1)) segs--;
    const priorWstamp = tp.wstampNs;
    const priorPackets = tp.packetsOut;
    let bytes = 0;
    for (let k = 0; k < segs; k++) {
      const seg = tp.sndNxt;
      tp.sb.append();
      // PSH: forced on the last segment of a multi-segment skb (__tcp_transmit_skb), and on the
      // last segment of a finite transfer (tcp_push at the end of the application's write)
      bytes += transmit(tp, seg, (segs > 1 && k === segs - 1) || seg === tp.writeSegs - 1 ? Tx.Psh : Tx.New);
      tp.sndNxt = seg + 1;
    }
    // tcp_event_new_data_sent(), once per skb
    if (priorPackets === 0 || tp.pending === XmitTimer.LossProbe) rearmRto(tp);
    if (paced) paceAfterSend(tp, priorWstamp, bytes);
    sent += segs;
    if (pushOne !== Push.All) break;
  }
  isCwndLimited = isCwndLimited || tp.packetsInFlight() >= tp.sndCwnd;
  if (sent > 0 || isCwndLimited) cwndValidate(tp, isCwndLimited);
  if (sent > 0) {
    if (inCwndReduction(tp)) tp.prrOut += sent;
    if (pushOne !== Push.LossProbe) scheduleLossProbe(tp, RtoFrom.HeadSent);
    return false;
  }
  return tp.packetsOut === 0 && unsentSegs(tp) > 0;
}

/**
 * __tcp_transmit_skb() for segment `seg` (new or retransmission): set the
 * departure time, snapshot rate state, put it on the wire; a
 * retransmission then accounts its own pacing (tcp_write_xmit() does it
 * once for a new skb). Returns the segment's length.
 */
export function transmit(tp: OutputState, seg: number, how: Tx): number {
  const sb = tp.sb;
  const i = sb.slot(seg);
  const len = segLen(tp, seg);
  const priorWstamp = tp.wstampNs;
  if (tp.wstampNs < tp.clockNs) tp.wstampNs = tp.clockNs;
  const txUs = Math.floor(tp.wstampNs / 1000);
  // tcp_event_data_sent
  if (tp.packetsInFlight() === 0) caEvent(tp, CA_EVENT_TX_START);
  tp.lsndtime = tp.jiffies;
  tp.dataSegsOut++;

  const p = tp.pool.data(tp.flow, seg, len, Math.floor(tp.wstampNs / 1e6) + 1, tp.tsRecent);
  p.psh = (how & Tx.Psh) !== 0;
  tp.stats.segsSent++;
  tp.stats.bytesSent += len;
  tp.stats.packetsToNetwork++;
  const isRetrans = (how & Tx.Retrans) !== 0;
  if (tp.ecnFlags & TCP_ECN_OK) ecnSend(tp, p, isRetrans);
  if (isRetrans) {
    tp.stats.segsRetrans++;
    tp.stats.bytesRetrans += len;
    tp.totalRetrans++;
  }

  sb.txUs[i] = txUs;
  if (isRetrans && tp.pacingStatus !== SkPacing.None) paceAfterSend(tp, priorWstamp, len);
  sb.tsMoveTail(seg);
  rateSkbSent(tp, seg, txUs);
  tp.out.receive(p);
  return len;
}

/**
 * tcp_ecn_send() on an ECN connection: new data is ECT(0), and the first
 * new segment after a cwnd reduction carries CWR (on a GSO skb, its first
 * packet: tcp_gso_segment clears CWR on the rest); a retransmission is
 * Not-ECT (RFC 3168 6.1.5) unless the CC needs ECN (INET_ECN_xmit stays
 * set on the socket).
 */
function ecnSend(tp: OutputState, p: Packet, isRetrans: boolean): void {
  if (!isRetrans) {
    p.ecn = ECN.ECT_0;
    if (tp.ecnFlags & TCP_ECN_QUEUE_CWR) {
      tp.ecnFlags &= ~TCP_ECN_QUEUE_CWR;
      p.cwr = true;
      tp.stats.cwrSent++;
    }
  } else if (tp.ca.needsEcn === true) {
    p.ecn = ECN.ECT_0;
  }
}

/** tcp_cwnd_validate(): remember whether cwnd was the limit in this window. */
export function cwndValidate(tp: OutputState, isCwndLimited: boolean): void {
  if (tp.sndUna >= tp.cwndUsageSeq || isCwndLimited || (!tp.isCwndLimitedFlag && tp.packetsOut > tp.maxPacketsOut)) {
    tp.isCwndLimitedFlag = isCwndLimited;
    tp.maxPacketsOut = tp.packetsOut;
    tp.cwndUsageSeq = tp.sndNxt;
  }
  if (tp.isCwndLimited()) {
    tp.sndCwndUsed = 0;
    tp.sndCwndStamp = tp.jiffies;
  } else {
    if (tp.packetsOut > tp.sndCwndUsed) tp.sndCwndUsed = tp.packetsOut;
    // tcp_slow_start_after_idle: the application is never idle in our workloads
  }
}

// ---------------------------------------------------------------------------
// retransmissions
// ---------------------------------------------------------------------------

/** tcp_xmit_recovery() (tcp_input.c): after an ACK, retransmit what is lost (F-RTO: new data first). */
export function xmitRecovery(tp: OutputState, rexmit: Rexmit): void {
  if (rexmit === Rexmit.None) return;
  if (rexmit === Rexmit.New) {
    writeXmit(tp, Push.All);
    if (tp.sndNxt > tp.highSeq) return;
    tp.frto = false;
  }
  xmitRetransmitQueue(tp);
}

/** tcp_xmit_retransmit_queue(): retransmit segments marked lost, in order, as cwnd and pacing allow. */
export function xmitRetransmitQueue(tp: OutputState): void {
  if (tp.packetsOut === 0) return;
  const sb = tp.sb;
  let seg = tp.rtxHint !== -1 && tp.rtxHint >= tp.sndUna ? tp.rtxHint : tp.sndUna;
  let hole = -1;
  let rearmTimer = false;
  for (; seg < tp.sndNxt; seg++) {
    if (pacingCheck(tp)) break;
    if (hole === -1) tp.rtxHint = seg;
    if (tp.sndCwnd - tp.packetsInFlight() <= 0) break;
    const sacked = sb.flags[sb.slot(seg)]!;
    if (tp.retransOut >= tp.lostOut) break;
    if (!(sacked & TCPCB_LOST)) {
      if (hole === -1 && !(sacked & (TCPCB_SACKED_RETRANS | TCPCB_SACKED_ACKED))) hole = seg;
      continue;
    }
    if (sacked & (TCPCB_SACKED_ACKED | TCPCB_SACKED_RETRANS)) continue;
    retransmitSkb(tp, seg);
    if (inCwndReduction(tp)) tp.prrOut++;
    if (seg === tp.sndUna && tp.pending !== XmitTimer.ReoTimeout) rearmTimer = true;
  }
  if (rearmTimer) resetXmitTimer(tp, XmitTimer.Retrans, tp.rtoJiffies);
}

/** tcp_retransmit_skb(): retransmit one segment; it counts in retrans_out and for undo. */
export function retransmitSkb(tp: OutputState, seg: number): void {
  mstampRefresh(tp);
  const sb = tp.sb;
  const i = sb.slot(seg);
  transmit(tp, seg, Tx.Retrans);
  sb.flags[i] = sb.flags[i]! | TCPCB_EVER_RETRANS | TCPCB_RETRANS;
  tp.retransOut++;
  if (tp.retransStamp === 0) tp.retransStamp = Math.floor(sb.txUs[i]! / 1000) + 1;
  if (tp.undoRetrans < 0) tp.undoRetrans = 0;
  tp.undoRetrans++;
}

/**
 * tcp_send_loss_probe(): the TLP timer fired. Send one new segment if the
 * windows allow, else retransmit the last segment (marked EVER_RETRANS only,
 * not counted in retrans_out); then the RTO takes over.
 */
export function sendLossProbe(tp: OutputState): void {
  if (tp.tlpHighSeq !== 0) {
    rearmRto(tp);
    return;
  }
  tp.tlpRetrans = false;
  let sentProbe = false;
  if (unsentSegs(tp) > 0 && sndWndTest(tp)) {
    const before = tp.packetsOut;
    writeXmit(tp, Push.LossProbe);
    if (tp.packetsOut > before) sentProbe = true;
    else {
      rearmRto(tp);
      return;
    }
  } else {
    if (tp.packetsOut === 0) {
      tp.pending = XmitTimer.None;
      return;
    }
    const last = tp.sndNxt - 1;
    transmit(tp, last, Tx.Retrans);
    const li = tp.sb.slot(last);
    tp.sb.flags[li] = tp.sb.flags[li]! | TCPCB_EVER_RETRANS;
    tp.tlpRetrans = true;
    sentProbe = true;
  }
  if (sentProbe) {
    tp.stats.tlpCount++;
    tp.tlpHighSeq = tp.sndNxt;
    tp.pending = XmitTimer.None;
  }
  rearmRto(tp);
}
