/**
 * Delivery-rate sampling, as Linux's net/ipv4/tcp_rate.c.
 *
 * Each transmitted segment records the connection's delivery state when it
 * was sent; when it is (S)ACKed, the ACK yields a sample
 *   delivered / max(send phase, ACK phase)
 * using the most recently sent of the newly delivered segments. Samples
 * shorter than min_rtt are invalid, and samples are marked app-limited when
 * the sender ran out of data while the segment was in flight.
 *
 * BBRv3's TCP core (google/bbr, v3 branch) extends the snapshot with the
 * packets in flight just after the send (tx.in_flight), tp->lost and
 * tp->delivered_ce, so that each sample also says how much was lost and
 * CE-marked out of how much was in flight (rs->tx_in_flight, rs->lost,
 * rs->delivered_ce). Every CC may read them; only bbr3 does.
 */
import type { RateSample } from './types.js';
import type { Scoreboard } from './scoreboard.js';
import { TCPCB_RETRANS, TCPCB_SACKED_ACKED } from './scoreboard.js';

/** The connection state the rate sampler reads and writes. */
export interface RateState {
  sb: Scoreboard;
  packetsOut: number;
  delivered: number;
  deliveredMstamp: number;
  firstTxMstamp: number;
  appLimited: number;
  rateDelivered: number;
  rateIntervalUs: number;
  rateAppLimited: boolean;
  mstampUs: number;
  readonly minRttUs: number;
  /** tp->lost and tp->delivered_ce, for BBRv3's extended snapshot. */
  readonly lost: number;
  readonly deliveredCe: number;
  /** tcp_packets_in_flight(). */
  packetsInFlight(): number;
}

/** tcp_rate_skb_sent: snapshot delivery state into a segment being sent at txUs. */
export function rateSkbSent(tp: RateState, seg: number, txUs: number): void {
  if (tp.packetsOut === 0) {
    tp.firstTxMstamp = txUs;
    tp.deliveredMstamp = txUs;
  }
  const i = tp.sb.slot(seg);
  tp.sb.txFirstTxMstamp[i] = tp.firstTxMstamp;
  tp.sb.txDeliveredMstamp[i] = tp.deliveredMstamp;
  tp.sb.txDelivered[i] = tp.delivered;
  tp.sb.txAppLimited[i] = tp.appLimited !== 0 ? 1 : 0;
  tp.sb.txDeliveredCe[i] = tp.deliveredCe;
  tp.sb.txLost[i] = tp.lost;
  // tcp_set_tx_in_flight(): in flight after this send (it is not yet counted in packets_out or retrans_out)
  tp.sb.txInFlight[i] = tp.packetsInFlight() + 1;
}

/**
 * tcp_rate_skb_delivered: a segment was (S)ACKed. The sample follows the
 * most recently sent of the segments this ACK delivers (by send time, then
 * sequence: tcp_skb_sent_after), as Linux 6.1 does.
 */
export function rateSkbDelivered(tp: RateState, seg: number, rs: RateSample): void {
  const sb = tp.sb;
  const i = sb.slot(seg);
  const dm = sb.txDeliveredMstamp[i]!;
  if (dm === 0) return;
  const txUs = sb.txUs[i]!;
  const endSeq = seg + 1;
  if (rs.priorDelivered === 0 || txUs > tp.firstTxMstamp || (txUs === tp.firstTxMstamp && endSeq > rs.lastEndSeq)) {
    rs.priorDelivered = sb.txDelivered[i]!;
    rs.priorMstamp = dm;
    rs.isAppLimited = sb.txAppLimited[i] === 1;
    rs.isRetrans = (sb.flags[i]! & TCPCB_RETRANS) !== 0;
    rs.lastEndSeq = endSeq;
    rs.priorLost = sb.txLost[i]!;
    rs.priorDeliveredCe = sb.txDeliveredCe[i]!;
    rs.txInFlight = sb.txInFlight[i]!;
    tp.firstTxMstamp = txUs;
    rs.intervalUs = tp.firstTxMstamp - sb.txFirstTxMstamp[i]!;
  }
  if ((sb.flags[i]! & TCPCB_SACKED_ACKED) !== 0) sb.txDeliveredMstamp[i] = 0;
}

/** tcp_rate_gen: finish the ACK's sample. */
export function rateGen(tp: RateState, delivered: number, lost: number, isSackReneg: boolean, rs: RateSample): void {
  if (tp.appLimited !== 0 && tp.delivered > tp.appLimited) tp.appLimited = 0;
  if (delivered !== 0) tp.deliveredMstamp = tp.mstampUs;
  rs.ackedSacked = delivered;
  rs.losses = lost;
  if (rs.priorMstamp === 0 || isSackReneg) {
    rs.delivered = -1;
    rs.intervalUs = -1;
    return;
  }
  rs.delivered = tp.delivered - rs.priorDelivered;
  rs.deliveredCe = tp.deliveredCe - rs.priorDeliveredCe;
  rs.lost = tp.lost - rs.priorLost;
  const sndUs = rs.intervalUs;
  const ackUs = tp.mstampUs - rs.priorMstamp;
  rs.intervalUs = Math.max(sndUs, ackUs);
  rs.sndIntervalUs = sndUs;
  rs.rcvIntervalUs = ackUs;
  if (rs.intervalUs < tp.minRttUs) {
    rs.intervalUs = -1;
    return;
  }
  if (!rs.isAppLimited || rs.delivered * tp.rateIntervalUs >= tp.rateDelivered * rs.intervalUs) {
    tp.rateDelivered = rs.delivered;
    tp.rateIntervalUs = rs.intervalUs;
    tp.rateAppLimited = rs.isAppLimited;
  }
}

/**
 * tcp_rate_check_app_limited: called when the application has written all it
 * has; marks the connection app-limited until what is in flight is delivered.
 */
export function rateCheckAppLimited(
  tp: RateState,
  unsentSegs: number,
  inFlight: number,
  cwnd: number,
  lostOut: number,
  retransOut: number,
): void {
  if (unsentSegs < 1 && inFlight < cwnd && lostOut <= retransOut) {
    tp.appLimited = tp.delivered + inFlight || 1;
  }
}
