/**
 * STARTUP (v3 tcp_bbr.c): pace at 2.77 x bw (cwnd gain 2) so that the rate
 * doubles each round, until one of three exits sets full_bw_reached:
 *
 *   - bw plateau: three rounds without 25% growth (as v1, but v3 compares
 *     each sample against full_bw, not once per round the max);
 *   - loss: at the end of a round in Recovery with >= 6 loss events and a
 *     loss rate above 2% of what was in flight;
 *   - ECN: two rounds in a row with a CE ratio >= 50% (ECN-eligible flows).
 *
 * The loss and ECN exits also set inflight_hi to max(BDP, what the last
 * round delivered), so that PROBE_BW starts bounded.
 */
import { CA_RECOVERY, type RateSample, type TcpSock } from '../../tcp/types.js';
import { setMode, type Bbr3State } from './state.js';
import { isInflightTooHigh } from './bounds.js';
import { inflight } from './cwnd.js';
import { BBR_ECN_THRESH, BBR_FULL_BW_CNT, BBR_FULL_BW_THRESH, BBR_FULL_ECN_CNT, BBR_FULL_LOSS_CNT, BBR_SCALE, BBR_STARTUP, BBR_UNIT } from './constants.js';

/** bbr_reset_startup_mode(). */
export function resetStartupMode(bbr: Bbr3State, tp: TcpSock): void {
  setMode(bbr, tp, BBR_STARTUP);
}

/** bbr_reset_full_bw(). */
export function resetFullBw(bbr: Bbr3State): void {
  bbr.fullBw = 0;
  bbr.fullBwCnt = 0;
  bbr.fullBwNow = false;
}

/** bbr_handle_queue_too_high_in_startup(): the pipe is full; inflight_hi = max(BDP, inflight_latest). */
export function handleQueueTooHighInStartup(bbr: Bbr3State, tp: TcpSock): void {
  bbr.fullBwReached = true;
  const b = inflight(bbr, tp, bbr.maxBw(), BBR_UNIT);
  bbr.inflightHi = Math.max(b, bbr.inflightLatest);
}

/** bbr_check_ecn_too_high_in_startup(): two rounds in a row at a CE ratio >= 1/2. */
export function checkEcnTooHighInStartup(bbr: Bbr3State, tp: TcpSock, ceRatio: number): void {
  if (bbr.fullBwReached || !bbr.ecnEligible || BBR_FULL_ECN_CNT === 0 || BBR_ECN_THRESH === 0) return;
  if (ceRatio >= BBR_ECN_THRESH) bbr.startupEcnRounds = (bbr.startupEcnRounds + 1) & 3;
  else bbr.startupEcnRounds = 0;
  if (bbr.startupEcnRounds >= BBR_FULL_ECN_CNT) handleQueueTooHighInStartup(bbr, tp);
}

/** bbr_check_loss_too_high_in_startup(): at a loss-round end in Recovery, >= 6 loss events and loss too high. */
export function checkLossTooHighInStartup(bbr: Bbr3State, tp: TcpSock, rs: RateSample): void {
  if (bbr.fullBwReached) return;
  if (rs.losses > 0 && bbr.lossEventsInRound < 0xf) bbr.lossEventsInRound++;
  if (BBR_FULL_LOSS_CNT !== 0 && bbr.lossRoundStart && tp.caState === CA_RECOVERY && bbr.lossEventsInRound >= BBR_FULL_LOSS_CNT && isInflightTooHigh(bbr, rs)) {
    handleQueueTooHighInStartup(bbr, tp);
    return;
  }
  if (bbr.lossRoundStart) bbr.lossEventsInRound = 0;
}

/** bbr_check_full_bw_reached(): 25% growth restarts the count; three rounds without it fill the pipe. */
export function checkFullBwReached(bbr: Bbr3State, rs: RateSample, sampleBw: number): void {
  if (bbr.fullBwNow || rs.isAppLimited) return;
  const bwThresh = Math.floor((bbr.fullBw * BBR_FULL_BW_THRESH) / 2 ** BBR_SCALE);
  if (sampleBw >= bwThresh) {
    resetFullBw(bbr);
    bbr.fullBw = sampleBw;
    return;
  }
  if (!bbr.roundStart) return;
  bbr.fullBwCnt++;
  bbr.fullBwNow = bbr.fullBwCnt >= BBR_FULL_BW_CNT;
  bbr.fullBwReached ||= bbr.fullBwNow;
}
