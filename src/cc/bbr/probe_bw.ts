/**
 * PROBE_BW (tcp_bbr.c): the steady state. The pacing gain cycles through
 * eight phases {5/4, 3/4, 1, 1, 1, 1, 1, 1}, each about one min_rtt long:
 * the 5/4 phase probes for more bandwidth, the 3/4 phase drains the queue
 * the probe may have built, and six phases cruise at the estimate. The
 * 5/4 phase lasts until in-flight reaches 5/4 x BDP (or a loss); the 3/4
 * phase ends early once in-flight is down to the BDP. The cycle starts at
 * a random phase other than 3/4 so competing flows do not probe in step.
 */
import type { RateSample, TcpSock } from '../../tcp/types.js';
import { setMode, type BbrState } from './state.js';
import { inflight, packetsInNetAtEdt } from './cwnd.js';
import { BBR_CYCLE_RAND, BBR_PROBE_BW, BBR_UNIT, CYCLE_LEN } from './constants.js';

/** bbr_is_next_cycle_phase(): the phase has lasted long enough and/or hit its in-flight target. */
export function isNextCyclePhase(bbr: BbrState, tp: TcpSock, rs: RateSample): boolean {
  const isFullLength = Math.max(tp.deliveredMstamp - bbr.cycleMstamp, 0) > bbr.minRttUs;

  // gain 1.0: cruise for one min_rtt of wall-clock time
  if (bbr.pacingGain === BBR_UNIT) return isFullLength;

  const inflightAtEdt = packetsInNetAtEdt(bbr, tp, rs.priorInFlight);
  const bw = bbr.maxBw();

  // probing: raise in-flight to gain x BDP, but stop at a loss (small buffer)
  if (bbr.pacingGain > BBR_UNIT) {
    return isFullLength && (rs.losses !== 0 || inflightAtEdt >= inflight(bbr, tp, bw, bbr.pacingGain));
  }

  // draining: done once in-flight is back to the BDP
  return isFullLength || inflightAtEdt <= inflight(bbr, tp, bw, BBR_UNIT);
}

/** bbr_advance_cycle_phase(). */
export function advanceCyclePhase(bbr: BbrState, tp: TcpSock): void {
  bbr.cycleIdx = (bbr.cycleIdx + 1) & (CYCLE_LEN - 1);
  bbr.cycleMstamp = tp.deliveredMstamp;
}

/** bbr_update_cycle_phase(). */
export function updateCyclePhase(bbr: BbrState, tp: TcpSock, rs: RateSample): void {
  if (bbr.mode === BBR_PROBE_BW && isNextCyclePhase(bbr, tp, rs)) advanceCyclePhase(bbr, tp);
}

/**
 * prandom_u32_max(ceil) for a small compile-time ceil, as Linux 6.1 expands
 * it (get_random_u32_below, 8-bit path): multiply a random byte by ceil and
 * reject the few low results that would bias the draw. Each byte is taken
 * from one 32-bit draw of the flow's random stream.
 */
export function randomBelow(tp: TcpSock, ceil: number): number {
  for (;;) {
    const mult = ceil * (tp.randomU32() & 0xff);
    if ((mult & 0xff) >= 256 % ceil) return mult >> 8;
  }
}

/** bbr_reset_probe_bw_mode(): enter PROBE_BW at a random phase, never the 3/4 one. */
export function resetProbeBwMode(bbr: BbrState, tp: TcpSock): void {
  setMode(bbr, tp, BBR_PROBE_BW);
  bbr.cycleIdx = CYCLE_LEN - 1 - randomBelow(tp, BBR_CYCLE_RAND);
  advanceCyclePhase(bbr, tp);
}
