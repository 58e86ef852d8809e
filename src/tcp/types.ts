/**
 * The congestion-control interface, mirroring Linux's struct
 * tcp_congestion_ops, and the connection state a congestion control may read
 * and write (the fields of struct tcp_sock it uses in the kernel).
 *
 * A congestion control in cclab is a small object implementing
 * CongestionOps over a TcpSock, exactly as a kernel module implements its
 * ops table over `struct sock`. Sequence numbers are counted in segments
 * (every segment is one MSS-sized packet, as with TSO/GSO off), times in
 * microseconds where Linux uses tcp_mstamp and in jiffies where Linux does.
 */

/** icsk_ca_state. */
export const CA_OPEN = 0;
export const CA_DISORDER = 1;
export const CA_CWR = 2;
export const CA_RECOVERY = 3;
export const CA_LOSS = 4;
export type CaState = 0 | 1 | 2 | 3 | 4;
export const CA_STATE_NAMES = ['Open', 'Disorder', 'CWR', 'Recovery', 'Loss'] as const;

/** enum tcp_ca_event. */
export const CA_EVENT_TX_START = 0;
export const CA_EVENT_CWND_RESTART = 1;
export const CA_EVENT_COMPLETE_CWR = 2;
export const CA_EVENT_LOSS = 3;
export const CA_EVENT_ECN_NO_CE = 4;
export const CA_EVENT_ECN_IS_CE = 5;
/**
 * CA_EVENT_TLP_RECOVERY (BBRv3's TCP core, tcp_process_tlp_ack): a tail loss
 * probe's retransmission repaired a loss. Sent just before the CWR episode
 * that follows; CCs other than bbr3 ignore it.
 */
export const CA_EVENT_TLP_RECOVERY = 6;
export type CaEvent = 0 | 1 | 2 | 3 | 4 | 5 | 6;

/** in_ack_event flags. */
export const CA_ACK_SLOWPATH = 1;
export const CA_ACK_WIN_UPDATE = 2;
export const CA_ACK_ECE = 4;

/**
 * struct rate_sample (tcp_rate.c): one delivery-rate sample per ACK.
 * `delivered` and `intervalUs` are -1 when the sample is invalid.
 */
export class RateSample {
  /** tp.delivered_mstamp at the time the sampled packet was sent (us), 0 = none. */
  priorMstamp = 0;
  /** tp.delivered when the sampled packet was sent. */
  priorDelivered = 0;
  /** Packets delivered over the interval (tp.delivered - priorDelivered), or -1. */
  delivered = 0;
  /** Length of the sampling interval (us), or -1. */
  intervalUs = 0;
  sndIntervalUs = 0;
  rcvIntervalUs = 0;
  /** RTT of the last (S)ACKed packet (us), or -1. */
  rttUs = -1;
  /** Packets marked lost by this ACK. */
  losses = 0;
  /** Packets newly ACKed or SACKed by this ACK. */
  ackedSacked = 0;
  /** Packets in flight before this ACK. */
  priorInFlight = 0;
  /** Whether the sampled packet was sent while application-limited. */
  isAppLimited = false;
  /** Whether the sampled packet was a retransmission. */
  isRetrans = false;
  /** Whether this ACK may be a delayed ACK (FLAG_ACK_MAYBE_DELAYED). */
  isAckDelayed = false;
  /** End sequence of the sampled segment (rs->last_end_seq). */
  lastEndSeq = 0;
  // --- the extended rate sample of BBRv3's TCP core (google/bbr v3, tcp_rate.c) ---
  /** Packets in flight just after the sampled packet was sent (rs->tx_in_flight, from skb tx.in_flight). */
  txInFlight = 0;
  /** tp->lost when the sampled packet was sent (rs->prior_lost). */
  priorLost = 0;
  /** Packets marked lost between the sampled packet's send and this ACK (rs->lost = tp->lost - prior_lost). */
  lost = 0;
  /** tp->delivered_ce when the sampled packet was sent (rs->prior_delivered_ce). */
  priorDeliveredCe = 0;
  /** Packets delivered with CE marks over the sample (rs->delivered_ce). */
  deliveredCe = 0;
  /** This ACK carried ECE (rs->is_ece = !!(flag & FLAG_ECE)). */
  isEce = false;

  reset(): void {
    this.priorMstamp = 0;
    this.priorDelivered = 0;
    this.delivered = 0;
    this.intervalUs = 0;
    this.sndIntervalUs = 0;
    this.rcvIntervalUs = 0;
    this.rttUs = -1;
    this.losses = 0;
    this.ackedSacked = 0;
    this.priorInFlight = 0;
    this.isAppLimited = false;
    this.isRetrans = false;
    this.isAckDelayed = false;
    this.lastEndSeq = 0;
    this.txInFlight = 0;
    this.priorLost = 0;
    this.lost = 0;
    this.priorDeliveredCe = 0;
    this.deliveredCe = 0;
    this.isEce = false;
  }
}

/**
 * What BBRv3's skb_marked_lost hook reads of a segment just marked lost
 * (its TCP_SKB_CB(skb)->tx snapshot). One reused object, filled by the
 * stack right after tp->lost counted the segment.
 */
export class LostSkb {
  /** Segments in the skb (tcp_skb_pcount): 1 in cclab's per-segment scoreboard. */
  pcount = 1;
  /** tx.in_flight: packets in flight just after it was (last) sent. */
  txInFlight = 0;
  /** tx.lost: tp->lost when it was sent. */
  txLost = 0;
  /** tx.is_app_limited. */
  isAppLimited = false;
  /** tx.delivered_mstamp (0 once SACKed), us. */
  deliveredMstamp = 0;
}

/** struct ack_sample, passed to pkts_acked. */
export interface AckSample {
  pktsAcked: number;
  rttUs: number;
  inFlight: number;
}

/**
 * The part of a TCP connection a congestion control sees (struct tcp_sock /
 * inet_connection_sock fields). Writable fields are the ones Linux CCs write.
 */
export interface TcpSock {
  /** Congestion window, packets (tcp_snd_cwnd). */
  sndCwnd: number;
  /** Slow-start threshold, packets. */
  sndSsthresh: number;
  /** Linear-increase counter (snd_cwnd_cnt). */
  sndCwndCnt: number;
  /** Upper bound on cwnd (snd_cwnd_clamp). */
  sndCwndClamp: number;
  /** cwnd before the last reduction (prior_cwnd). */
  readonly priorCwnd: number;
  /** Pacing rate in bytes per second (sk_pacing_rate). */
  pacingRate: number;
  /** Upper bound for pacing (sk_max_pacing_rate), bytes/s. */
  readonly maxPacingRate: number;
  /** Segment payload size, bytes (mss_cache). */
  readonly mss: number;
  /** Smoothed RTT in microseconds, scaled by 8 (tp->srtt_us). 0 = no sample yet. */
  readonly srttUs8: number;
  /** Windowed minimum RTT, microseconds (tcp_min_rtt); 0xffffffff before any sample. */
  readonly minRttUs: number;
  /** Packets delivered (ACKed or SACKed) so far (tp->delivered). */
  readonly delivered: number;
  /** Packets marked lost so far (tp->lost). */
  readonly lost: number;
  /** Packets delivered by ACKs that carried ECE (tp->delivered_ce): DCTCP's marked fraction. */
  readonly deliveredCe: number;
  /** ECN was negotiated on this connection (tp->ecn_flags & TCP_ECN_OK). */
  readonly ecnOk: boolean;
  /** Packets sent and not cumulatively ACKed (packets_out). */
  readonly packetsOut: number;
  /** Packets retransmitted and not yet ACKed (retrans_out). */
  readonly retransOut: number;
  /**
   * Non-zero while the connection is application-limited (tp->app_limited):
   * the delivered count at which it stops being so; -1 stands for Linux's
   * initial ~0U, cleared by the first ACK. BBR's PROBE_RTT writes it.
   */
  appLimited: number;
  /** Current time in microseconds (tp->tcp_mstamp). */
  readonly mstampUs: number;
  /** Current time in jiffies (tcp_jiffies32). */
  readonly jiffies: number;
  /** When data was last sent, jiffies (tp->lsndtime); Cubic's CA_EVENT_TX_START reads it. */
  readonly lsndtime: number;
  /** sk_pacing_status: 0 none, 1 paced by the stack (SK_PACING_NEEDED), 2 by fq; HyStart reads it. */
  readonly pacingStatus: number;
  /** When tp->delivered last grew (tp->delivered_mstamp), microseconds. */
  readonly deliveredMstamp: number;
  /** The clock of the event being processed (tp->tcp_clock_cache), nanoseconds. */
  readonly tcpClockCacheNs: number;
  /** Earliest departure time of the next paced packet (tp->tcp_wstamp_ns), nanoseconds. */
  readonly tcpWstampNs: number;
  /** Congestion state (icsk_ca_state). */
  readonly caState: CaState;
  /** First unacknowledged segment (snd_una), in segments. */
  readonly sndUna: number;
  /** Next segment to send (snd_nxt), in segments. */
  readonly sndNxt: number;
  /** tcp_packets_in_flight(). */
  packetsInFlight(): number;
  /**
   * tp->is_cwnd_limited, the field tcp_cwnd_validate() sets: cwnd was the
   * limit in the current window. BBRv3 reads the field itself; Reno and
   * Cubic call tcp_is_cwnd_limited(), which also answers true in slow start
   * while cwnd < 2 x max_packets_out.
   */
  isCwndLimitedFlag: boolean;
  /** tcp_is_cwnd_limited(). */
  isCwndLimited(): boolean;
  /** tcp_in_slow_start(). */
  inSlowStart(): boolean;
  /** A uniform 32-bit random number from this flow's CC stream (get_random_u32). */
  randomU32(): number;
  /**
   * The congestion control entered a named mode of its own (BBR's STARTUP,
   * DRAIN, PROBE_BW, PROBE_RTT): the stack shows it in the time series
   * (cc_mode) and logs the change. cclab's hook: Linux 6.1 does not expose
   * BBR's mode.
   */
  ccModeChanged(mode: string): void;
}

/**
 * struct tcp_congestion_ops. Optional hooks are left undefined when the
 * algorithm does not implement them, as in the kernel.
 */
export interface CongestionOps {
  readonly name: string;
  /**
   * Whether the stack must pace this socket itself (sk_pacing_status =
   * SK_PACING_NEEDED, set by BBR's and Brutal's init).
   */
  readonly needsPacing: boolean;
  /**
   * TCP_CONG_NEEDS_ECN (DCTCP): the connection asks for ECN whatever
   * net.ipv4.tcp_ecn says, and its retransmissions stay ECT.
   */
  readonly needsEcn?: boolean;
  init?(tp: TcpSock): void;
  /** New slow-start threshold after loss. */
  ssthresh(tp: TcpSock): number;
  /** Window growth, called when the stack does not reduce cwnd. */
  congAvoid?(tp: TcpSock, ack: number, acked: number): void;
  /**
   * Full control of cwnd and pacing from every ACK's rate sample; when
   * present, Linux skips cong_avoid, PRR and its own pacing update. `ack`
   * and `flag` (the ACK's FLAG_* bits) are the arguments later kernels
   * (and BBRv3's core) pass as cong_control(sk, ack, flag, rs).
   */
  congControl?(tp: TcpSock, rs: RateSample, ack?: number, flag?: number): void;
  /**
   * skb_marked_lost (BBRv3's TCP core, tcp_notify_skb_loss_event): a
   * segment was just marked lost; tp.lost already counts it.
   */
  skbMarkedLost?(tp: TcpSock, skb: LostSkb): void;
  setState?(tp: TcpSock, newState: CaState): void;
  cwndEvent?(tp: TcpSock, ev: CaEvent): void;
  inAckEvent?(tp: TcpSock, flags: number): void;
  pktsAcked?(tp: TcpSock, sample: AckSample): void;
  /** cwnd to restore when a reduction is undone. */
  undoCwnd(tp: TcpSock): number;
  /** The fewest segments per skb (else sysctl_tcp_min_tso_segs). */
  minTsoSegs?(tp: TcpSock): number;
  /** Extra per-flow state for time series and tests (like tcp_get_info's cc info). */
  info?(): Record<string, number | string>;
  /**
   * cwnd_event(CA_EVENT_ECN_IS_CE / CA_EVENT_ECN_NO_CE) on the receiving
   * socket: a data segment arrived with (or without) a CE mark. Linux calls
   * it only for a CC with TCP_CONG_NEEDS_ECN (tcp_ca_needs_ecn); DCTCP uses
   * it to echo CE marks exactly. cclab's receiver is a separate object, so
   * the receiving side's hook takes it rather than a TcpSock.
   */
  rcvCeEvent?(sk: AckSock, ev: CaEvent): void;
}

/**
 * The receiving side of a connection as a congestion control's ECN hook
 * sees it (inet_connection_sock's icsk_ack and tp->ecn_flags of the socket
 * that receives the data).
 */
export interface AckSock {
  /** Next segment expected (rcv_nxt). */
  readonly rcvNxt: number;
  /** The delayed-ACK timer is armed (icsk_ack.pending & ICSK_ACK_TIMER). */
  readonly delackTimerPending: boolean;
  /** TCP_ECN_DEMAND_CWR: ACKs carry ECE while it is set. */
  demandCwr: boolean;
  /** __tcp_send_ack(sk, rcv_nxt): send an ACK now for `rcvNxt` (which may be an earlier rcv_nxt). */
  sendAckFor(rcvNxt: number): void;
  /** icsk_ack.pending |= ICSK_ACK_NOW: the next ACK check sends at once. */
  ackNow(): void;
}

/** Builds a congestion control instance for one connection. */
export type CongestionFactory = () => CongestionOps;
