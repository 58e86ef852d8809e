/**
 * RTT estimation and the retransmission timeout, as tcp_input.c's
 * tcp_ack_update_rtt(), tcp_rtt_estimator() and tcp_set_rto() (Linux 6.1).
 *
 * Model in plain words. Each ACK that newly acknowledges a never-retransmitted
 * segment gives an RTT sample (Karn's rule), from the segment's send time or,
 * failing that, from the timestamp echo. The sample feeds
 *   - srtt, a moving average with gain 1/8 (kept scaled by 8: srtt_us);
 *   - mdev, the mean deviation with gain 1/4, and rttvar, its maximum over
 *     the last window of data, never below TCP_RTO_MIN (200 ms);
 *   - the RTO = srtt + rttvar, so at least srtt + 200 ms, at most 120 s, in
 *     whole jiffies;
 *   - the windowed minimum RTT (300 s), which skips samples from possibly
 *     delayed ACKs that would raise it.
 * A sample also ends the exponential backoff of a previous timeout.
 */
import { HZ, TCP_MIN_RTT_WLEN_S, TCP_RTO_MAX_JIFFIES, TCP_RTO_MIN_US, jiffiesToUsecs, usecsToJiffies } from './constants.js';
import type { MinMax } from './minmax.js';
import type { RateSample } from './types.js';
import { FLAG_ACKED, FLAG_ACK_MAYBE_DELAYED } from './sock.js';

/** The connection state the RTT estimator reads and writes. */
export interface RttState {
  /** Smoothed RTT << 3, us (tp->srtt_us); 0 = no sample yet. */
  srttUs8: number;
  /** Mean deviation << 2, us (tp->mdev_us). */
  mdevUs: number;
  /** Maximal mdev over the last window of data, us (tp->mdev_max_us). */
  mdevMaxUs: number;
  /** Smoothed mdev_max, us (tp->rttvar_us). */
  rttvarUs: number;
  /** snd_nxt when rttvar was last updated: one window of data later it may fall (tp->rtt_seq). */
  rttSeq: number;
  /** Retransmission timeout, jiffies (icsk_rto). */
  rtoJiffies: number;
  /** Exponential backoff of the RTO (icsk_backoff). */
  backoff: number;
  /** Windowed minimum RTT, us (tp->rtt_min). */
  readonly rttMin: MinMax;
  /** Timestamp echo of the ACK being processed (rx_opt.rcv_tsecr), ms clock; 0 = none. */
  readonly rcvTsecr: number;
  readonly sndUna: number;
  readonly sndNxt: number;
  readonly jiffies: number;
  /** The event's clock (tcp_clock_cache), ns. */
  readonly clockNs: number;
}

/**
 * tcp_ack_update_rtt(): take this ACK's RTT sample (seqRttUs from the
 * cumulatively ACKed segments, else sackRttUs, else the timestamp echo) and
 * update srtt, rttvar, the RTO and the min RTT. caRttUs, the sample of the
 * newest (S)ACKed segment, becomes rs.rtt_us. Returns whether there was a
 * sample.
 */
export function ackUpdateRtt(tp: RttState, flag: number, seqRttUs: number, sackRttUs: number, caRttUs: number, rs: RateSample): boolean {
  if (seqRttUs < 0) seqRttUs = sackRttUs;
  if (seqRttUs < 0 && tp.rcvTsecr !== 0 && flag & FLAG_ACKED) {
    let delta = Math.floor(tp.clockNs / 1e6) + 1 - tp.rcvTsecr;
    if (delta >= 0) {
      if (delta === 0) delta = 1;
      seqRttUs = delta * 1000;
      caRttUs = seqRttUs;
    }
  }
  rs.rttUs = caRttUs;
  if (seqRttUs < 0) return false;
  updateRttMin(tp, caRttUs, flag);
  rttEstimator(tp, seqRttUs);
  setRto(tp);
  tp.backoff = 0;
  return true;
}

/** tcp_update_rtt_min(): the windowed min RTT; a maybe-delayed ACK may only lower it. */
export function updateRttMin(tp: RttState, rttUs: number, flag: number): void {
  if (flag & FLAG_ACK_MAYBE_DELAYED && rttUs > tp.rttMin.get()) return;
  tp.rttMin.runningMin(TCP_MIN_RTT_WLEN_S * HZ, tp.jiffies, rttUs !== 0 ? rttUs : jiffiesToUsecs(1));
}

/** tcp_rtt_estimator(): Jacobson/Karels with Linux's rttvar (RFC 6298 with a per-window maximum). */
export function rttEstimator(tp: RttState, mrttUs: number): void {
  let m = mrttUs;
  let srtt = tp.srttUs8;
  if (srtt !== 0) {
    m -= srtt >> 3;
    srtt += m;
    if (m < 0) {
      m = -m;
      m -= tp.mdevUs >> 2;
      if (m > 0) m >>= 3;
    } else {
      m -= tp.mdevUs >> 2;
    }
    tp.mdevUs += m;
    if (tp.mdevUs > tp.mdevMaxUs) {
      tp.mdevMaxUs = tp.mdevUs;
      if (tp.mdevMaxUs > tp.rttvarUs) tp.rttvarUs = tp.mdevMaxUs;
    }
    if (tp.sndUna > tp.rttSeq) {
      if (tp.mdevMaxUs < tp.rttvarUs) tp.rttvarUs -= (tp.rttvarUs - tp.mdevMaxUs) >> 2;
      tp.rttSeq = tp.sndNxt;
      tp.mdevMaxUs = TCP_RTO_MIN_US;
    }
  } else {
    srtt = m << 3;
    tp.mdevUs = m << 1;
    tp.rttvarUs = Math.max(tp.mdevUs, TCP_RTO_MIN_US);
    tp.mdevMaxUs = tp.rttvarUs;
    tp.rttSeq = tp.sndNxt;
  }
  tp.srttUs8 = Math.max(1, srtt);
}

/** tcp_set_rto(): RTO = srtt + rttvar (rttvar >= TCP_RTO_MIN), at most TCP_RTO_MAX. */
export function setRto(tp: RttState): void {
  tp.rtoJiffies = Math.min(usecsToJiffies((tp.srttUs8 >> 3) + tp.rttvarUs), TCP_RTO_MAX_JIFFIES);
}
