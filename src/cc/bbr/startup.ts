/**
 * STARTUP (tcp_bbr.c): pace and size cwnd at high_gain = 2/ln2 so the
 * sending rate doubles each round, like slow start, until the bandwidth
 * estimate stops growing: when three consecutive rounds (not app-limited)
 * each fail to raise max bw by 25% over the last plateau, the pipe is
 * considered full ("full_bw_reached") and BBR moves on to DRAIN.
 */
import type { RateSample, TcpSock } from '../../tcp/types.js';
import { setMode, type BbrState } from './state.js';
import { mulShr } from './arith.js';
import { BBR_FULL_BW_CNT, BBR_FULL_BW_THRESH, BBR_SCALE, BBR_STARTUP } from './constants.js';

/** bbr_reset_startup_mode(). */
export function resetStartupMode(bbr: BbrState, tp: TcpSock): void {
  setMode(bbr, tp, BBR_STARTUP);
}

/** bbr_check_full_bw_reached(): once per round, test whether bw still grows 25%. */
export function checkFullBwReached(bbr: BbrState, rs: RateSample): void {
  if (bbr.fullBwReached || !bbr.roundStart || rs.isAppLimited) return;

  const bwThresh = mulShr(bbr.fullBw, BBR_FULL_BW_THRESH, BBR_SCALE);
  if (bbr.maxBw() >= bwThresh) {
    bbr.fullBw = bbr.maxBw();
    bbr.fullBwCnt = 0;
    return;
  }
  bbr.fullBwCnt++;
  bbr.fullBwReached = bbr.fullBwCnt >= BBR_FULL_BW_CNT;
}
