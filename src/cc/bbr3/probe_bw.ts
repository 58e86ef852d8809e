/**
 * PROBE_BW (v3 tcp_bbr.c): four phases instead of v1's eight-slot cycle.
 *
 *   DOWN    pacing 0.91: drain the queue a probe built, until in flight is
 *           at most the BDP and inflight_hi less 15% headroom -> CRUISE;
 *   CRUISE  pacing 1.0, cwnd capped at inflight_hi less headroom and by
 *           inflight_lo: use the pipe, respond to loss/ECN;
 *   REFILL  pacing 1.0, lower bounds reset: refill the pipe for one round
 *           -> UP;
 *   UP      pacing 1.25, cwnd gain 2.25: raise inflight_hi by a slope that
 *           doubles each round, until loss/ECN are too high (inflight_hi cut,
 *           -> DOWN), the bw plateaus, or a previous too-high level is hit.
 *
 * A probe starts (DOWN/CRUISE -> REFILL) when the wall-clock wait, 2-3 s
 * picked at random, has elapsed, or after min(63, target inflight) rounds
 * (a Reno flow at the same BDP would have probed by then), or at once
 * after a cycle where ECN, but no loss, marked the flow.
 */
import type { RateSample, TcpSock } from '../../tcp/types.js';
import type { Bbr3State } from './state.js';
import { advanceMaxBwFilter } from './model.js';
import { inflightWithHeadroom, isInflightTooHigh, probeInflightHiUpward, raiseInflightHiSlope, resetCongestionSignals, resetLowerBounds } from './bounds.js';
import { inflight, packetsInNetAtEdt, targetInflight } from './cwnd.js';
import { resetFullBw } from './startup.js';
import {
  BBR_ACKS_INIT,
  BBR_ACKS_PROBE_FEEDBACK,
  BBR_ACKS_PROBE_STARTING,
  BBR_ACKS_PROBE_STOPPING,
  BBR_ACKS_REFILLING,
  BBR_BETA,
  BBR_BW_PROBE_BASE_US,
  BBR_BW_PROBE_CRUISE,
  BBR_BW_PROBE_DOWN,
  BBR_BW_PROBE_MAX_ROUNDS,
  BBR_BW_PROBE_RAND_ROUNDS,
  BBR_BW_PROBE_RAND_US,
  BBR_BW_PROBE_REFILL,
  BBR_BW_PROBE_UP,
  BBR_ECN_REPROBE_GAIN,
  BBR_PROBE_BW,
  BBR_SCALE,
  BBR_UNIT,
  U32_MAX,
  type Bbr3Phase,
} from './constants.js';
import { CA_OPEN } from '../../tcp/types.js';

const UNIT = 2 ** BBR_SCALE;

/**
 * get_random_u32_below(ceil) for a compile-time ceil (Linux 6.2+): the
 * 8-bit path up to 256, the 32-bit one above 65536, rejecting the few
 * draws that would bias the result. Each byte comes from one 32-bit draw
 * of the flow's random stream.
 */
export function randomU32Below(tp: TcpSock, ceil: number): number {
  if (ceil <= 1) return 0;
  const pow2 = (ceil & (ceil - 1)) === 0;
  for (;;) {
    if (ceil <= 256) {
      const mult = ceil * (tp.randomU32() & 0xff);
      if (pow2 || (mult & 0xff) >= 256 % ceil) return mult >>> 8;
    } else {
      const mult = ceil * (tp.randomU32() >>> 0);
      if (pow2 || mult % 2 ** 32 >= (2 ** 32 - ceil) % ceil) return Math.floor(mult / 2 ** 32);
    }
  }
}

/** bbr_has_elapsed_in_phase(): tcp_mstamp is past cycle_mstamp + interval. */
export function hasElapsedInPhase(bbr: Bbr3State, tp: TcpSock, intervalUs: number): boolean {
  return tp.mstampUs - (bbr.cycleMstamp + intervalUs) > 0;
}

/** bbr_is_reno_coexistence_probe_time(): rounds since the last probe reached min(63, target inflight). */
export function isRenoCoexistenceProbeTime(bbr: Bbr3State, tp: TcpSock): boolean {
  const rounds = Math.min(BBR_BW_PROBE_MAX_ROUNDS, targetInflight(bbr, tp));
  return bbr.roundsSinceProbe >= rounds;
}

/** bbr_pick_probe_wait(): 0-1 rounds already counted; a wall-clock wait of 2 s + 0..1 s. */
export function pickProbeWait(bbr: Bbr3State, tp: TcpSock): void {
  bbr.roundsSinceProbe = randomU32Below(tp, BBR_BW_PROBE_RAND_ROUNDS);
  bbr.probeWaitUs = BBR_BW_PROBE_BASE_US + randomU32Below(tp, BBR_BW_PROBE_RAND_US);
}

/** bbr_set_cycle_idx(): a new phase; cwnd and pacing must be recomputed. */
export function setCycleIdx(bbr: Bbr3State, idx: Bbr3Phase): void {
  bbr.cycleIdx = idx;
  bbr.tryFastPath = false;
}

/** bbr_start_bw_probe_refill(): reset the lower bounds and refill the pipe for a round. */
export function startBwProbeRefill(bbr: Bbr3State, tp: TcpSock, bwProbeUpRounds: number): void {
  resetLowerBounds(bbr);
  bbr.bwProbeUpRounds = bwProbeUpRounds;
  bbr.bwProbeUpAcks = 0;
  bbr.stoppedRiskyProbe = false;
  bbr.ackPhase = BBR_ACKS_REFILLING;
  bbr.nextRttDelivered = tp.delivered;
  setCycleIdx(bbr, BBR_BW_PROBE_REFILL);
}

/** bbr_start_bw_probe_up(). */
export function startBwProbeUp(bbr: Bbr3State, tp: TcpSock, sampleBw: number): void {
  bbr.ackPhase = BBR_ACKS_PROBE_STARTING;
  bbr.nextRttDelivered = tp.delivered;
  bbr.cycleMstamp = tp.mstampUs;
  resetFullBw(bbr);
  bbr.fullBw = sampleBw;
  setCycleIdx(bbr, BBR_BW_PROBE_UP);
  raiseInflightHiSlope(bbr, tp);
}

/** bbr_start_bw_probe_down(): a new cycle: pick the next probe time, start the clock. */
export function startBwProbeDown(bbr: Bbr3State, tp: TcpSock): void {
  resetCongestionSignals(bbr);
  bbr.bwProbeUpCnt = U32_MAX;
  pickProbeWait(bbr, tp);
  bbr.cycleMstamp = tp.mstampUs;
  bbr.ackPhase = BBR_ACKS_PROBE_STOPPING;
  bbr.nextRttDelivered = tp.delivered;
  setCycleIdx(bbr, BBR_BW_PROBE_DOWN);
}

/** bbr_start_bw_probe_cruise(): inflight_lo no higher than inflight_hi. */
export function startBwProbeCruise(bbr: Bbr3State): void {
  if (bbr.inflightLo !== U32_MAX) bbr.inflightLo = Math.min(bbr.inflightLo, bbr.inflightHi);
  setCycleIdx(bbr, BBR_BW_PROBE_CRUISE);
}

/**
 * bbr_handle_inflight_too_high(): once per probe, cut inflight_hi to
 * max(tx_in_flight, target inflight x (1 - beta)) (unless app-limited);
 * in UP, go DOWN.
 */
export function handleInflightTooHigh(bbr: Bbr3State, tp: TcpSock, rs: { isAppLimited: boolean; txInFlight: number }): void {
  bbr.prevProbeTooHigh = true;
  bbr.bwProbeSamples = false;
  if (!rs.isAppLimited) {
    bbr.inflightHi = Math.max(rs.txInFlight, Math.floor((targetInflight(bbr, tp) * (BBR_UNIT - BBR_BETA)) / UNIT));
  }
  if (bbr.mode === BBR_PROBE_BW && bbr.cycleIdx === BBR_BW_PROBE_UP) startBwProbeDown(bbr, tp);
}

/**
 * bbr_adapt_upper_bounds(): track the probe's feedback round (advancing
 * bw_hi once per cycle), cut inflight_hi on a too-high sample from probing,
 * else raise it to any safe tx_in_flight seen. True when it already decided
 * a phase change.
 */
export function adaptUpperBounds(bbr: Bbr3State, tp: TcpSock, rs: RateSample): boolean {
  if (bbr.ackPhase === BBR_ACKS_PROBE_STARTING && bbr.roundStart) bbr.ackPhase = BBR_ACKS_PROBE_FEEDBACK;
  if (bbr.ackPhase === BBR_ACKS_PROBE_STOPPING && bbr.roundStart) {
    bbr.bwProbeSamples = false;
    bbr.ackPhase = BBR_ACKS_INIT;
    if (bbr.mode === BBR_PROBE_BW && !rs.isAppLimited) advanceMaxBwFilter(bbr);
    if (bbr.mode === BBR_PROBE_BW && bbr.stoppedRiskyProbe && !bbr.prevProbeTooHigh) {
      startBwProbeRefill(bbr, tp, 0);
      return true;
    }
  }
  if (isInflightTooHigh(bbr, rs)) {
    if (bbr.bwProbeSamples) handleInflightTooHigh(bbr, tp, rs);
  } else {
    if (bbr.inflightHi === U32_MAX) return false;
    if (rs.txInFlight > bbr.inflightHi) bbr.inflightHi = rs.txInFlight;
    if (bbr.mode === BBR_PROBE_BW && bbr.cycleIdx === BBR_BW_PROBE_UP) probeInflightHiUpward(bbr, tp, rs);
  }
  return false;
}

/** ilog2() of a u32 (floor(log2 v); the kernel's ilog2(0) is undefined, here 0). */
function ilog2(v: number): number {
  return v <= 1 ? 0 : Math.floor(Math.log2(v));
}

/** bbr_check_time_to_probe_bw(): ECN-only cycle ended, probe wait elapsed, or Reno-coexistence rounds passed. */
export function checkTimeToProbeBw(bbr: Bbr3State, tp: TcpSock): boolean {
  if (BBR_ECN_REPROBE_GAIN !== 0 && bbr.ecnEligible && bbr.ecnInCycle && !bbr.lossInCycle && tp.caState === CA_OPEN) {
    const n = ilog2(Math.floor((bbr.inflightHi * BBR_ECN_REPROBE_GAIN) / UNIT));
    startBwProbeRefill(bbr, tp, n);
    return true;
  }
  if (hasElapsedInPhase(bbr, tp, bbr.probeWaitUs) || isRenoCoexistenceProbeTime(bbr, tp)) {
    startBwProbeRefill(bbr, tp, 0);
    return true;
  }
  return false;
}

/** bbr_check_time_to_cruise(): in flight down to the headroom level and to the BDP. */
export function checkTimeToCruise(bbr: Bbr3State, tp: TcpSock, inflightNow: number, bw: number): boolean {
  if (inflightNow > inflightWithHeadroom(bbr)) return false;
  return inflightNow <= inflight(bbr, tp, bw, BBR_UNIT);
}

/** bbr_update_cycle_phase(): the PROBE_BW state machine, after the upper bounds adapt. */
export function updateCyclePhase(bbr: Bbr3State, tp: TcpSock, rs: RateSample, sampleBw: number): void {
  if (!bbr.fullBwReached) return;
  if (adaptUpperBounds(bbr, tp, rs)) return;
  if (bbr.mode !== BBR_PROBE_BW) return;

  const inflightNow = packetsInNetAtEdt(bbr, tp, rs.priorInFlight);
  const bw = bbr.maxBw();
  switch (bbr.cycleIdx) {
    case BBR_BW_PROBE_CRUISE:
      checkTimeToProbeBw(bbr, tp);
      break;
    case BBR_BW_PROBE_REFILL:
      if (bbr.roundStart) {
        // a round of REFILL: the samples now reflect it
        bbr.bwProbeSamples = true;
        startBwProbeUp(bbr, tp, sampleBw);
      }
      break;
    case BBR_BW_PROBE_UP: {
      let isBwProbeDone = false;
      if (bbr.prevProbeTooHigh && inflightNow >= bbr.inflightHi) {
        bbr.stoppedRiskyProbe = true;
        isBwProbeDone = true;
      } else if (tp.isCwndLimitedFlag && tp.sndCwnd >= bbr.inflightHi) {
        // inflight_hi limits growth: the plateau test restarts
        resetFullBw(bbr);
        bbr.fullBw = sampleBw;
      } else if (bbr.fullBwNow) {
        isBwProbeDone = true;
      }
      if (isBwProbeDone) {
        bbr.prevProbeTooHigh = false;
        startBwProbeDown(bbr, tp);
      }
      break;
    }
    case BBR_BW_PROBE_DOWN:
      if (checkTimeToProbeBw(bbr, tp)) return;
      if (checkTimeToCruise(bbr, tp, inflightNow, bw)) startBwProbeCruise(bbr);
      break;
  }
}
