/**
 * What the sender's modules share, as Linux's include/net/tcp.h and
 * inet_connection_sock.h are what tcp_input.c, tcp_output.c, tcp_timer.c and
 * tcp_recovery.c share: the flags an ACK is summarised by, the kinds the one
 * retransmission timer is armed for, and other named codes.
 *
 * Model in plain words. tcp_ack() condenses what an ACK did into a set of
 * FLAG_* bits (new data acknowledged, SACKed, duplicate, D-SACK, ...); the
 * loss state machine and the congestion control decide from those bits. The
 * connection has one retransmission timer, armed for exactly one purpose at
 * a time (RTO, tail loss probe, or RACK's reordering timeout), on the
 * jiffies clock.
 */
import type { Simulator } from '../engine/sim.js';
import { LogHistogram } from '../network/histogram.js';
import { CA_CWR, CA_RECOVERY, CA_STATE_NAMES, type CaEvent, type CaState, type CongestionOps, type TcpSock } from './types.js';

// ---------------------------------------------------------------------------
// tcp_ack() flags (tcp_input.c): what one ACK did. Bits, combined with |.
// ---------------------------------------------------------------------------

/** Incoming frame contained data. */
export const FLAG_DATA = 0x01;
/** Incoming ACK was a window update. */
export const FLAG_WIN_UPDATE = 0x02;
/** This ACK acknowledged new data. */
export const FLAG_DATA_ACKED = 0x04;
/** Some of the newly acknowledged data had been retransmitted. */
export const FLAG_RETRANS_DATA_ACKED = 0x08;
/** This ACK acknowledged the SYN. */
export const FLAG_SYN_ACKED = 0x10;
/** New SACK blocks. */
export const FLAG_DATA_SACKED = 0x20;
/** ECE in this ACK (ECN echo) on a connection that negotiated ECN: tcp_try_to_open() enters CWR. */
export const FLAG_ECE = 0x40;
/** A retransmission was marked lost again. */
export const FLAG_LOST_RETRANS = 0x80;
/** Processed in the slow path (SACK blocks, or no snd_una advance). */
export const FLAG_SLOWPATH = 0x100;
/** A never-retransmitted segment below high_seq was (S)ACKed. */
export const FLAG_ORIG_SACK_ACKED = 0x200;
/** snd_una advanced. */
export const FLAG_SND_UNA_ADVANCED = 0x400;
/** The ACK carried a (valid) D-SACK block. */
export const FLAG_DSACKING_ACK = 0x800;
/** The retransmission timer must be re-armed (tcp_set_xmit_timer). */
export const FLAG_SET_XMIT_TIMER = 0x1000;
/** The receiver dropped data it had SACKed. */
export const FLAG_SACK_RENEGING = 0x2000;
/** The ACK may be a delayed one (an RTT sample not to trust for min_rtt). */
export const FLAG_ACK_MAYBE_DELAYED = 0x10000;
/** A D-SACK for the tail loss probe's retransmission. */
export const FLAG_DSACK_TLP = 0x20000;

export const FLAG_ACKED = FLAG_DATA_ACKED | FLAG_SYN_ACKED;
export const FLAG_NOT_DUP = FLAG_DATA | FLAG_WIN_UPDATE | FLAG_ACKED;
export const FLAG_CA_ALERT = FLAG_DATA_SACKED | FLAG_ECE | FLAG_DSACKING_ACK;
export const FLAG_FORWARD_PROGRESS = FLAG_ACKED | FLAG_DATA_SACKED;

// ---------------------------------------------------------------------------
// tp->ecn_flags (include/net/tcp.h): RFC 3168 ECN state. Bits.
// ---------------------------------------------------------------------------

/** ECN was negotiated (the SYN asked, the SYN-ACK agreed). */
export const TCP_ECN_OK = 1;
/** A cwnd reduction happened: put CWR on the next new data segment. */
export const TCP_ECN_QUEUE_CWR = 2;
/** A CE mark arrived: echo ECE on every ACK until a segment with CWR arrives. */
export const TCP_ECN_DEMAND_CWR = 4;
/** An ECT or CE segment has arrived (a later Not-ECT one is likely a retransmission). */
export const TCP_ECN_SEEN = 8;

/** tcp_ecn_queue_cwr(): after a reduction, the next new data segment carries CWR. */
export function ecnQueueCwr(tp: { ecnFlags: number }): void {
  if (tp.ecnFlags & TCP_ECN_OK) tp.ecnFlags |= TCP_ECN_QUEUE_CWR;
}

/** tcp_ecn_withdraw_cwr(): the reduction was undone; no CWR to send. */
export function ecnWithdrawCwr(tp: { ecnFlags: number }): void {
  tp.ecnFlags &= ~TCP_ECN_QUEUE_CWR;
}

// ---------------------------------------------------------------------------
// Named codes
// ---------------------------------------------------------------------------

/** What the retransmission timer is armed for (icsk_pending, ICSK_TIME_*). */
export const enum XmitTimer {
  None = 0,
  /** The retransmission timeout (ICSK_TIME_RETRANS). */
  Retrans = 1,
  /** The tail loss probe (ICSK_TIME_LOSS_PROBE). */
  LossProbe = 3,
  /** RACK's reordering timeout (ICSK_TIME_REO_TIMEOUT). */
  ReoTimeout = 4,
}

/** What tcp_xmit_recovery() sends after an ACK (the rexmit of tcp_ack, REXMIT_*). */
export const enum Rexmit {
  None = 0,
  /** Retransmit the segments marked lost. */
  Lost = 1,
  /** F-RTO: send new data first, then lost segments if new data could not go. */
  New = 2,
}

/** sk_pacing_status (SK_PACING_*): who paces the socket. */
export const enum SkPacing {
  /** Nobody: segments leave as cwnd allows. */
  None = 0,
  /** TCP paces itself (a CC asked for it: BBR, Brutal). */
  Needed = 1,
  /** The fq qdisc paces the flow. */
  Fq = 2,
}

/** tcp_write_xmit()'s push_one: how many skbs this call may send. */
export const enum Push {
  /** As many as cwnd, the receive window and pacing allow. */
  All = 0,
  /** One segment, ignoring cwnd: the tail loss probe's new data. */
  LossProbe = 2,
}

/** How __tcp_transmit_skb() sends one segment. Bits: New, New | Psh, or Retrans. */
export const enum Tx {
  /** A first transmission inside an skb; tcp_write_xmit() accounts the skb's pacing once. */
  New = 0,
  /** PSH on this segment: the last of a multi-segment skb or of the transfer. */
  Psh = 1,
  /** A retransmission: a one-segment skb of its own, paced alone, counted as retransmitted. */
  Retrans = 2,
}

// ---------------------------------------------------------------------------
// Shared state and helpers
// ---------------------------------------------------------------------------

/** Per-flow counters the metrics layer reads. */
export class SenderStats {
  segsSent = 0;
  segsRetrans = 0;
  bytesSent = 0;
  bytesRetrans = 0;
  rtoCount = 0;
  /** When each RTO fired (ns). */
  readonly rtoTimesNs: number[] = [];
  tlpCount = 0;
  /** Data packets handed to the network (first transmissions, retransmissions and SYN). */
  packetsToNetwork = 0;
  /** RTT samples (rs.rtt_us of each ACK that has one), microseconds; shared by a workload's connections. */
  readonly rttUs: LogHistogram;
  /** ACKs that carried ECE on an ECN connection (each enters CWR unless already reducing). */
  eceAcks = 0;
  /** Data segments sent with CWR (one per cwnd reduction). */
  cwrSent = 0;

  constructor(rttUs?: LogHistogram) {
    this.rttUs = rttUs ?? new LogHistogram();
  }
}

/** The event's clocks. */
export interface ClockState {
  readonly sim: Simulator;
  /** tcp_clock_cache, ns. */
  clockNs: number;
  /** tcp_mstamp, us. */
  mstampUs: number;
}

/** tcp_mstamp_refresh(): read the clock once per event (ns and us views). */
export function mstampRefresh(tp: ClockState): void {
  tp.clockNs = tp.sim.now;
  tp.mstampUs = Math.floor(tp.clockNs / 1000);
}

/** tcp_in_cwnd_reduction(): CWR or Recovery, where PRR sets cwnd. */
export function inCwndReduction(tp: { readonly caState: CaState }): boolean {
  return tp.caState === CA_CWR || tp.caState === CA_RECOVERY;
}

/** A socket with its congestion control: what calls the CC's hooks. */
export interface CcSock extends TcpSock {
  readonly ca: CongestionOps;
}

/** tcp_ca_event(): tell the congestion control (cwnd_event). */
export function caEvent(tp: CcSock, ev: CaEvent): void {
  if (tp.ca.cwndEvent !== undefined) tp.ca.cwndEvent(tp, ev);
}

/** The kinds of named state a flow reports: the CA state, and the CC's own mode (BBR's). */
export type StateKind = 'ca_state' | 'cc_mode';

/** Where a sender reports its state changes: the run's transition log (sim/run.ts). */
export interface StateLog {
  /** At timeNs, flow's `kind` went from one named state to another. */
  record(timeNs: number, flow: number, kind: StateKind, from: string, to: string): void;
}

/** A socket whose CA state changes: the CC sees each change first (set_state); the log records it. */
export interface CaStateSock extends CcSock {
  caState: CaState;
  readonly flow: number;
  readonly sim: Simulator;
  readonly stateLog: StateLog | null;
}

/**
 * tcp_set_ca_state(): the one place the congestion state (Open, Disorder,
 * CWR, Recovery, Loss) changes. The congestion control hears of it first;
 * a change is recorded in the transition log.
 */
export function setCaState(tp: CaStateSock, s: CaState): void {
  if (tp.ca.setState !== undefined) tp.ca.setState(tp, s);
  if (s !== tp.caState && tp.stateLog !== null) tp.stateLog.record(tp.sim.now, tp.flow, 'ca_state', CA_STATE_NAMES[tp.caState], CA_STATE_NAMES[s]);
  tp.caState = s;
}

/** tcp_tsopt_ecr_before(): the ACK echoes a timestamp (ms clock) older than `when`. */
export function tsoptEcrBefore(tp: { readonly rcvTsecr: number }, when: number): boolean {
  return tp.rcvTsecr !== 0 && tp.rcvTsecr < when;
}
