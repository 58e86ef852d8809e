/**
 * Long-term bandwidth: token-bucket policer detection (tcp_bbr.c). After the
 * first loss, BBR measures the average delivery rate over intervals of 4 to
 * 16 rounds that end at a loss. If an interval loses at least 20% (50/256)
 * of what it delivered, and its rate agrees with the previous lossy
 * interval's (within 1/8 or 4 kbit/s), the flow is probably policed: BBR
 * then uses the average of the two ("lt_bw") as its bandwidth, with pacing
 * gain 1, for 48 rounds, and starts over.
 */
import type { RateSample, TcpSock } from '../../tcp/types.js';
import type { BbrState } from './state.js';
import { absDiffU32 } from './arith.js';
import { rateBytesPerSec } from './pacing.js';
import { resetProbeBwMode } from './probe_bw.js';
import {
  BBR_LT_BW_DIFF,
  BBR_LT_BW_MAX_RTTS,
  BBR_LT_BW_RATIO,
  BBR_LT_INTVL_MIN_RTTS,
  BBR_LT_LOSS_THRESH,
  BBR_PROBE_BW,
  BBR_SCALE,
  BBR_UNIT,
  BW_UNIT,
  U32_MAX,
  USEC_PER_MSEC,
} from './constants.js';

/** bbr_reset_lt_bw_sampling_interval(): a new interval starts now. */
export function resetLtBwSamplingInterval(bbr: BbrState, tp: TcpSock): void {
  bbr.ltLastStamp = Math.floor(tp.deliveredMstamp / USEC_PER_MSEC);
  bbr.ltLastDelivered = tp.delivered;
  bbr.ltLastLost = tp.lost;
  bbr.ltRttCnt = 0;
}

/** bbr_reset_lt_bw_sampling(): forget the long-term estimate entirely. */
export function resetLtBwSampling(bbr: BbrState, tp: TcpSock): void {
  bbr.ltBw = 0;
  bbr.ltUseBw = false;
  bbr.ltIsSampling = false;
  resetLtBwSamplingInterval(bbr, tp);
}

/** bbr_lt_bw_interval_done(): compare with the previous interval; two that agree mean a policer. */
export function ltBwIntervalDone(bbr: BbrState, tp: TcpSock, bw: number): void {
  if (bbr.ltBw !== 0) {
    const diff = absDiffU32(bw, bbr.ltBw);
    if (diff * BBR_UNIT <= BBR_LT_BW_RATIO * bbr.ltBw || rateBytesPerSec(tp, diff, BBR_UNIT) <= BBR_LT_BW_DIFF) {
      bbr.ltBw = (bw + bbr.ltBw) >>> 1;
      bbr.ltUseBw = true;
      bbr.pacingGain = BBR_UNIT;
      bbr.ltRttCnt = 0;
      return;
    }
  }
  bbr.ltBw = bw;
  resetLtBwSamplingInterval(bbr, tp);
}

/** bbr_lt_bw_sampling(): per-ACK long-term sampling. */
export function ltBwSampling(bbr: BbrState, tp: TcpSock, rs: RateSample): void {
  if (bbr.ltUseBw) {
    // policed: keep lt_bw for 48 rounds of PROBE_BW, then probe again
    if (bbr.mode === BBR_PROBE_BW && bbr.roundStart && ++bbr.ltRttCnt >= BBR_LT_BW_MAX_RTTS) {
      resetLtBwSampling(bbr, tp);
      resetProbeBwMode(bbr, tp);
    }
    return;
  }

  // start at the first loss, once a policer would have used up its tokens
  if (!bbr.ltIsSampling) {
    if (rs.losses === 0) return;
    resetLtBwSamplingInterval(bbr, tp);
    bbr.ltIsSampling = true;
  }

  // running out of data would under-estimate the rate
  if (rs.isAppLimited) {
    resetLtBwSampling(bbr, tp);
    return;
  }

  if (bbr.roundStart) bbr.ltRttCnt++;
  if (bbr.ltRttCnt < BBR_LT_INTVL_MIN_RTTS) return;
  if (bbr.ltRttCnt > 4 * BBR_LT_INTVL_MIN_RTTS) {
    resetLtBwSampling(bbr, tp);
    return;
  }

  // intervals end at a loss (tokens exhausted)
  if (rs.losses === 0) return;

  const lost = tp.lost - bbr.ltLastLost;
  const delivered = tp.delivered - bbr.ltLastDelivered;
  if (delivered === 0 || lost << BBR_SCALE < BBR_LT_LOSS_THRESH * delivered) return;

  // average delivery rate over the interval (at least 1 ms)
  let t = Math.floor(tp.deliveredMstamp / USEC_PER_MSEC) - bbr.ltLastStamp;
  if (t < 1) return;
  if (t >= Math.floor(U32_MAX / USEC_PER_MSEC)) {
    resetLtBwSampling(bbr, tp);
    return;
  }
  t *= USEC_PER_MSEC;
  const bw = Math.floor((delivered * BW_UNIT) / t);
  ltBwIntervalDone(bbr, tp, bw);
}
