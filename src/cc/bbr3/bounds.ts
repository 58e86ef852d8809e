/**
 * The bounds of v3's model (tcp_bbr.c). Two pairs bracket the operating point:
 *
 *   bw_hi, inflight_hi   long-term upper bounds: the most the path delivered
 *                        and held without too much loss/ECN; raised while
 *                        probing finds more, cut when a probe sees loss above
 *                        2% of what was in flight (or CE above 50%);
 *   bw_lo, inflight_lo   short-term lower bounds: once per round with loss
 *                        or ECN when not probing, cut by beta (30%) or by
 *                        ecn_alpha x 1/3, but never below what the last
 *                        round delivered; reset when the next probe starts.
 *
 * cwnd is then capped by inflight_hi (probing phases), inflight_hi minus 15%
 * headroom (CRUISE and PROBE_RTT) and by inflight_lo, never below 4.
 */
import type { RateSample, TcpSock } from '../../tcp/types.js';
import type { Bbr3State } from './state.js';
import { ecnCut } from './ecn.js';
import {
  BBR_BETA,
  BBR_BW_PROBE_CRUISE,
  BBR_BW_PROBE_REFILL,
  BBR_BW_PROBE_UP,
  BBR_CWND_MIN_TARGET,
  BBR_ECN_FACTOR,
  BBR_ECN_THRESH,
  BBR_INFLIGHT_HEADROOM,
  BBR_LOSS_THRESH,
  BBR_PROBE_BW,
  BBR_PROBE_RTT,
  BBR_SCALE,
  BBR_STARTUP,
  BBR_UNIT,
  U32_MAX,
} from './constants.js';

const UNIT = 2 ** BBR_SCALE;

/** bbr_is_probing_bandwidth(): STARTUP, REFILL or UP. */
export function isProbingBandwidth(bbr: Bbr3State): boolean {
  return bbr.mode === BBR_STARTUP || (bbr.mode === BBR_PROBE_BW && (bbr.cycleIdx === BBR_BW_PROBE_REFILL || bbr.cycleIdx === BBR_BW_PROBE_UP));
}

/** What bbr_is_inflight_too_high() reads of a rate sample. */
export type TooHighSample = Pick<RateSample, 'lost' | 'txInFlight' | 'deliveredCe' | 'delivered'>;

/**
 * bbr_is_inflight_too_high(): lost > tx_in_flight x 2% (loss_thresh 5/256),
 * or, ECN-eligible, delivered_ce > delivered x 1/2.
 */
export function isInflightTooHigh(bbr: Bbr3State, rs: TooHighSample): boolean {
  if (rs.lost > 0 && rs.txInFlight !== 0) {
    const lossThresh = Math.floor((rs.txInFlight * BBR_LOSS_THRESH) / UNIT);
    if (rs.lost > lossThresh) return true;
  }
  if (rs.deliveredCe > 0 && rs.delivered > 0 && bbr.ecnEligible && BBR_ECN_THRESH !== 0) {
    const ecnThresh = Math.floor((rs.delivered * BBR_ECN_THRESH) / UNIT);
    if (rs.deliveredCe > ecnThresh) return true;
  }
  return false;
}

/**
 * bbr_inflight_hi_from_lost_skb(): the in-flight level at which the loss
 * rate crossed loss_thresh, within the lost skb: solve
 * (lost_prev + prefix) / (inflight_prev + prefix) >= thresh for prefix,
 * rounded up; ~0U when the sample is inconsistent.
 */
export function inflightHiFromLostSkb(rs: { txInFlight: number; lost: number }, pcount: number): number {
  const inflightPrev = rs.txInFlight - pcount;
  if (inflightPrev < 0) return U32_MAX;
  const lostPrev = rs.lost - pcount;
  if (lostPrev < 0) return U32_MAX;
  const lossBudget = Math.floor((inflightPrev * BBR_LOSS_THRESH + BBR_UNIT - 1) / UNIT);
  let lostPrefix: number;
  if (lostPrev >= lossBudget) lostPrefix = 0;
  else lostPrefix = Math.floor(((lossBudget - lostPrev) * UNIT) / (BBR_UNIT - BBR_LOSS_THRESH));
  return inflightPrev + lostPrefix;
}

/** bbr_inflight_with_headroom(): inflight_hi less 15% (at least 1 packet), not below 4; ~0U without inflight_hi. */
export function inflightWithHeadroom(bbr: Bbr3State): number {
  if (bbr.inflightHi === U32_MAX) return U32_MAX;
  const headroom = Math.max(Math.floor((bbr.inflightHi * BBR_INFLIGHT_HEADROOM) / UNIT), 1);
  return Math.max(bbr.inflightHi - headroom, BBR_CWND_MIN_TARGET);
}

/** bbr_bound_cwnd_for_inflight_model(): cap cwnd by inflight_hi (or it less headroom) and inflight_lo. */
export function boundCwndForInflightModel(bbr: Bbr3State, tp: TcpSock): void {
  if (!bbr.initialized) return;
  let cap = U32_MAX;
  if (bbr.mode === BBR_PROBE_BW && bbr.cycleIdx !== BBR_BW_PROBE_CRUISE) {
    cap = bbr.inflightHi;
  } else if (bbr.mode === BBR_PROBE_RTT || (bbr.mode === BBR_PROBE_BW && bbr.cycleIdx === BBR_BW_PROBE_CRUISE)) {
    cap = inflightWithHeadroom(bbr);
  }
  cap = Math.min(cap, bbr.inflightLo);
  cap = Math.max(cap, BBR_CWND_MIN_TARGET);
  tp.sndCwnd = Math.min(cap, tp.sndCwnd);
}

/** bbr_init_lower_bounds(): start bw_lo at max bw and inflight_lo at cwnd, if unset. */
export function initLowerBounds(bbr: Bbr3State, tp: TcpSock, initBw: boolean): void {
  if (initBw && bbr.bwLo === U32_MAX) bbr.bwLo = bbr.maxBw();
  if (bbr.inflightLo === U32_MAX) bbr.inflightLo = tp.sndCwnd;
}

/** bbr_loss_lower_bounds(): x (1 - beta), never below this round's delivery. */
export function lossLowerBounds(bbr: Bbr3State): { bw: number; inflight: number } {
  const lossCut = BBR_UNIT - BBR_BETA;
  return {
    bw: Math.max(bbr.bwLatest, Math.floor((bbr.bwLo * lossCut) / UNIT)),
    inflight: Math.max(bbr.inflightLatest, Math.floor((bbr.inflightLo * lossCut) / UNIT)),
  };
}

/** bbr_ecn_lower_bounds(): inflight_lo x (1 - ecn_alpha x ecn_factor). */
export function ecnLowerBounds(bbr: Bbr3State): number {
  return Math.floor((bbr.inflightLo * ecnCut(bbr)) / UNIT);
}

/** bbr_adapt_lower_bounds(): once per round with loss or ECN, and only when not probing. */
export function adaptLowerBounds(bbr: Bbr3State, tp: TcpSock): void {
  let ecnInflightLo = U32_MAX;
  if (isProbingBandwidth(bbr)) return;
  if (bbr.ecnInRound && BBR_ECN_FACTOR !== 0) {
    initLowerBounds(bbr, tp, false);
    ecnInflightLo = ecnLowerBounds(bbr);
  }
  if (bbr.lossInRound) {
    initLowerBounds(bbr, tp, true);
    const cut = lossLowerBounds(bbr);
    bbr.bwLo = cut.bw;
    bbr.inflightLo = cut.inflight;
  }
  bbr.inflightLo = Math.min(bbr.inflightLo, ecnInflightLo);
  bbr.bwLo = Math.max(1, bbr.bwLo);
}

/** bbr_reset_lower_bounds(). */
export function resetLowerBounds(bbr: Bbr3State): void {
  bbr.bwLo = U32_MAX;
  bbr.inflightLo = U32_MAX;
}

/** bbr_reset_congestion_signals(): after probing, before a phase that adapts the lower bounds. */
export function resetCongestionSignals(bbr: Bbr3State): void {
  bbr.lossInRound = false;
  bbr.ecnInRound = false;
  bbr.lossInCycle = false;
  bbr.ecnInCycle = false;
  bbr.bwLatest = 0;
  bbr.inflightLatest = 0;
}

/** bbr_raise_inflight_hi_slope(): each PROBE_UP round doubles the growth: +1 per cwnd / 2^rounds ACKed. */
export function raiseInflightHiSlope(bbr: Bbr3State, tp: TcpSock): void {
  const growthThisRound = 2 ** bbr.bwProbeUpRounds;
  bbr.bwProbeUpRounds = Math.min(bbr.bwProbeUpRounds + 1, 30);
  bbr.bwProbeUpCnt = Math.max(Math.floor(tp.sndCwnd / growthThisRound), 1);
}

/**
 * bbr_probe_inflight_hi_upward(): cwnd-limited at inflight_hi without
 * trouble: raise it. "cwnd-limited" is tp->is_cwnd_limited, the field, as
 * in the source (not tcp_is_cwnd_limited(), whose slow-start clause is true
 * whenever cwnd is below the ssthresh DRAIN set, about one BDP).
 */
export function probeInflightHiUpward(bbr: Bbr3State, tp: TcpSock, rs: RateSample): void {
  if (!tp.isCwndLimitedFlag || tp.sndCwnd < bbr.inflightHi) return;
  bbr.bwProbeUpAcks += rs.ackedSacked;
  if (bbr.bwProbeUpAcks >= bbr.bwProbeUpCnt) {
    const delta = Math.floor(bbr.bwProbeUpAcks / bbr.bwProbeUpCnt);
    bbr.bwProbeUpAcks -= delta * bbr.bwProbeUpCnt;
    bbr.inflightHi += delta;
    bbr.tryFastPath = false;
  }
  if (bbr.roundStart) raiseInflightHiSlope(bbr, tp);
}
