/**
 * DRAIN (v3 tcp_bbr.c): once STARTUP has filled the pipe, pace at 1/2.885
 * until what will be in the network at the next departure is down to the
 * BDP; then PROBE_BW, starting with PROBE_DOWN. Entering DRAIN clears the
 * congestion signals STARTUP gathered and sets ssthresh (for monitoring).
 */
import type { TcpSock } from '../../tcp/types.js';
import { setMode, type Bbr3State } from './state.js';
import { resetCongestionSignals } from './bounds.js';
import { inflight, packetsInNetAtEdt } from './cwnd.js';
import { startBwProbeDown } from './probe_bw.js';
import { BBR_DRAIN, BBR_PROBE_BW, BBR_STARTUP, BBR_UNIT } from './constants.js';

/** bbr_check_drain(). */
export function checkDrain(bbr: Bbr3State, tp: TcpSock): void {
  if (bbr.mode === BBR_STARTUP && bbr.fullBwReached) {
    setMode(bbr, tp, BBR_DRAIN);
    tp.sndSsthresh = inflight(bbr, tp, bbr.maxBw(), BBR_UNIT);
    resetCongestionSignals(bbr);
  }
  if (bbr.mode === BBR_DRAIN && packetsInNetAtEdt(bbr, tp, tp.packetsInFlight()) <= inflight(bbr, tp, bbr.maxBw(), BBR_UNIT)) {
    setMode(bbr, tp, BBR_PROBE_BW);
    startBwProbeDown(bbr, tp);
  }
}
