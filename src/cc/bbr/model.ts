/**
 * The bandwidth model (tcp_bbr.c, bbr_update_bw). Each valid rate sample
 * gives delivered / interval, in packets per microsecond << 24. Rounds are
 * packet-timed: a round ends when a packet sent after the previous round's
 * end is delivered (rs.prior_delivered reaches next_rtt_delivered). The
 * estimate is the max over the last 10 rounds; app-limited samples only
 * count when they do not lower it.
 */
import type { RateSample, TcpSock } from '../../tcp/types.js';
import type { BbrState } from './state.js';
import { ltBwSampling } from './lt_bw.js';
import { BBR_BW_RTTS, BW_UNIT } from './constants.js';

/** bbr_update_bw(): round counting, long-term sampling and the max-bw filter. */
export function updateBw(bbr: BbrState, tp: TcpSock, rs: RateSample): void {
  bbr.roundStart = false;
  if (rs.delivered < 0 || rs.intervalUs <= 0) return;

  if (rs.priorDelivered >= bbr.nextRttDelivered) {
    bbr.nextRttDelivered = tp.delivered;
    bbr.rttCnt++;
    bbr.roundStart = true;
    bbr.packetConservation = false;
  }

  ltBwSampling(bbr, tp, rs);

  // delivered << 24 stays below 2^53 for any realistic count
  const bw = Math.floor((rs.delivered * BW_UNIT) / rs.intervalUs);

  if (!rs.isAppLimited || bw >= bbr.maxBw()) {
    bbr.bwFilter.runningMax(BBR_BW_RTTS, bbr.rttCnt, bw);
  }
}
