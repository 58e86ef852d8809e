/**
 * DRAIN (tcp_bbr.c): once STARTUP has filled the pipe, pace at 1/high_gain
 * to empty the queue STARTUP built, until the packets that will be in the
 * network at the next departure are down to one BDP (plus quantization
 * budget); then PROBE_BW. ssthresh is set to that in-flight target, for
 * tools that read it.
 */
import type { RateSample, TcpSock } from '../../tcp/types.js';
import { setMode, type BbrState } from './state.js';
import { inflight, packetsInNetAtEdt } from './cwnd.js';
import { resetProbeBwMode } from './probe_bw.js';
import { BBR_DRAIN, BBR_STARTUP, BBR_UNIT } from './constants.js';

/** bbr_check_drain(). */
export function checkDrain(bbr: BbrState, tp: TcpSock, _rs: RateSample): void {
  if (bbr.mode === BBR_STARTUP && bbr.fullBwReached) {
    setMode(bbr, tp, BBR_DRAIN);
    tp.sndSsthresh = inflight(bbr, tp, bbr.maxBw(), BBR_UNIT);
  }
  // the queue may already be small: check right away
  if (bbr.mode === BBR_DRAIN && packetsInNetAtEdt(bbr, tp, tp.packetsInFlight()) <= inflight(bbr, tp, bbr.maxBw(), BBR_UNIT)) {
    resetProbeBwMode(bbr, tp);
  }
}
