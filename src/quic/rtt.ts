/**
 * QUIC round-trip statistics, as quic-go's RTTStats (internal/utils/rtt_stats.go)
 * implements RFC 9002 section 5.
 *
 * Model in plain words. Each ACK that newly acknowledges the largest packet
 * it reports gives one sample: the time since that packet was sent. The
 * minimum RTT takes the raw sample; the sample used for the smoothed RTT has
 * the peer's ACK Delay taken off (at most max_ack_delay) unless that would
 * bring it below the minimum. The first sample sets smoothed RTT = sample and
 * mean deviation = sample / 2; later ones move them by 1/8 and 1/4 (quic-go
 * rounds both to whole microseconds). The probe timeout is smoothed RTT +
 * max(4 x mean deviation, 1 ms timer granularity) + max_ack_delay, or twice
 * the 100 ms initial RTT before any sample.
 *
 * All times are ns.
 */

/** kGranularity / protocol.TimerGranularity: 1 ms. */
export const TIMER_GRANULARITY_NS = 1_000_000;
/** defaultInitialRTT (RFC 9002 kInitialRtt = 333 ms; quic-go uses 100 ms). */
export const INITIAL_RTT_NS = 100_000_000;
/** protocol.MaxAckDelay: the max_ack_delay transport parameter quic-go sends (RFC 9000 default 25 ms). */
export const MAX_ACK_DELAY_NS = 25_000_000;
/** rttAlpha, rttBeta. */
const RTT_ALPHA = 0.125;
const RTT_BETA = 0.25;

export class RttStats {
  hasMeasurement = false;
  minRttNs = 0;
  latestRttNs = 0;
  smoothedRttNs = 0;
  meanDeviationNs = 0;
  /** The peer's max_ack_delay. */
  maxAckDelayNs = MAX_ACK_DELAY_NS;

  /** UpdateRTT: a sample of `sendDeltaNs` with the peer's reported ACK delay (already capped at max_ack_delay by the caller). */
  update(sendDeltaNs: number, ackDelayNs: number): void {
    if (sendDeltaNs <= 0) return;
    if (this.minRttNs === 0 || this.minRttNs > sendDeltaNs) this.minRttNs = sendDeltaNs;
    let sample = sendDeltaNs;
    if (sample - this.minRttNs >= ackDelayNs) sample -= ackDelayNs;
    this.latestRttNs = sample;
    if (!this.hasMeasurement) {
      this.hasMeasurement = true;
      this.smoothedRttNs = sample;
      this.meanDeviationNs = Math.floor(sample / 2);
      return;
    }
    // quic-go computes both in float32 microseconds and truncates to a whole microsecond
    const us = (ns: number) => Math.trunc(ns / 1000);
    this.meanDeviationNs = Math.trunc((1 - RTT_BETA) * us(this.meanDeviationNs) + RTT_BETA * us(Math.abs(this.smoothedRttNs - sample))) * 1000;
    this.smoothedRttNs = Math.trunc(us(this.smoothedRttNs) * (1 - RTT_ALPHA) + us(sample) * RTT_ALPHA) * 1000;
  }

  /** PTO(includeMaxAckDelay): the probe timeout before backoff. */
  pto(includeMaxAckDelay: boolean): number {
    if (this.smoothedRttNs === 0) return 2 * INITIAL_RTT_NS;
    let pto = this.smoothedRttNs + Math.max(4 * this.meanDeviationNs, TIMER_GRANULARITY_NS);
    if (includeMaxAckDelay) pto += this.maxAckDelayNs;
    return pto;
  }
}
