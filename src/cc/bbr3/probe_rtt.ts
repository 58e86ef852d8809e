/**
 * min_rtt and PROBE_RTT (v3 tcp_bbr.c). v3 keeps two min filters:
 * probe_rtt_min_us over 5 s, which schedules PROBE_RTT, and min_rtt_us over
 * 10 s, which the model uses (refreshed from the 5 s one). When 5 s pass
 * without a lower RTT, PROBE_RTT cuts cwnd to max(4, BDP / 2), for at least
 * 200 ms and a round, then returns to PROBE_BW (CRUISE, with the probe clock
 * restarted) or STARTUP, with the lower bounds reset.
 */
import type { RateSample, TcpSock } from '../../tcp/types.js';
import { setMode, type Bbr3State } from './state.js';
import { probeRttCwnd, saveCwnd } from './cwnd.js';
import { resetLowerBounds } from './bounds.js';
import { startBwProbeCruise, startBwProbeDown } from './probe_bw.js';
import { BBR_ACKS_PROBE_STOPPING, BBR_MIN_RTT_WIN_SEC, BBR_PROBE_BW, BBR_PROBE_RTT, BBR_PROBE_RTT_MODE_MS, BBR_PROBE_RTT_WIN_MS, BBR_STARTUP } from './constants.js';
import { HZ } from '../../tcp/constants.js';

/** msecs_to_jiffies() for HZ dividing 1000: round up. */
function msecsToJiffies(ms: number): number {
  const msPerJiffy = 1000 / HZ;
  return Math.floor((ms + msPerJiffy - 1) / msPerJiffy);
}
const PROBE_RTT_WIN_JIFFIES = msecsToJiffies(BBR_PROBE_RTT_WIN_MS);
const PROBE_RTT_MODE_JIFFIES = msecsToJiffies(BBR_PROBE_RTT_MODE_MS);

/** bbr_exit_probe_rtt(): reset the lower bounds; PROBE_BW (DOWN then at once CRUISE) or STARTUP. */
export function exitProbeRtt(bbr: Bbr3State, tp: TcpSock): void {
  resetLowerBounds(bbr);
  if (bbr.fullBwReached) {
    setMode(bbr, tp, BBR_PROBE_BW);
    startBwProbeDown(bbr, tp);
    startBwProbeCruise(bbr);
  } else {
    setMode(bbr, tp, BBR_STARTUP);
  }
}

/** bbr_check_probe_rtt_done(). */
export function checkProbeRttDone(bbr: Bbr3State, tp: TcpSock): void {
  if (!(bbr.probeRttDoneStamp !== 0 && tp.jiffies > bbr.probeRttDoneStamp)) return;
  bbr.probeRttMinStamp = tp.jiffies; // schedule the next PROBE_RTT
  tp.sndCwnd = Math.max(tp.sndCwnd, bbr.priorCwnd);
  exitProbeRtt(bbr, tp);
}

/** bbr_update_min_rtt(): both min filters; enter, hold and leave PROBE_RTT. */
export function updateMinRtt(bbr: Bbr3State, tp: TcpSock, rs: RateSample): void {
  const probeRttExpired = tp.jiffies > bbr.probeRttMinStamp + PROBE_RTT_WIN_JIFFIES;
  if (rs.rttUs >= 0 && (rs.rttUs < bbr.probeRttMinUs || (probeRttExpired && !rs.isAckDelayed))) {
    bbr.probeRttMinUs = rs.rttUs;
    bbr.probeRttMinStamp = tp.jiffies;
  }
  const minRttExpired = tp.jiffies > bbr.minRttStamp + BBR_MIN_RTT_WIN_SEC * HZ;
  if (bbr.probeRttMinUs <= bbr.minRttUs || minRttExpired) {
    bbr.minRttUs = bbr.probeRttMinUs;
    bbr.minRttStamp = bbr.probeRttMinStamp;
  }

  if (BBR_PROBE_RTT_MODE_MS > 0 && probeRttExpired && !bbr.idleRestart && bbr.mode !== BBR_PROBE_RTT) {
    setMode(bbr, tp, BBR_PROBE_RTT);
    saveCwnd(bbr, tp);
    bbr.probeRttDoneStamp = 0;
    bbr.ackPhase = BBR_ACKS_PROBE_STOPPING;
    bbr.nextRttDelivered = tp.delivered;
  }

  if (bbr.mode === BBR_PROBE_RTT) {
    tp.appLimited = tp.delivered + tp.packetsInFlight() || 1;
    if (bbr.probeRttDoneStamp === 0 && tp.packetsInFlight() <= probeRttCwnd(bbr)) {
      bbr.probeRttDoneStamp = tp.jiffies + PROBE_RTT_MODE_JIFFIES;
      bbr.probeRttRoundDone = false;
      bbr.nextRttDelivered = tp.delivered;
    } else if (bbr.probeRttDoneStamp !== 0) {
      if (bbr.roundStart) bbr.probeRttRoundDone = true;
      if (bbr.probeRttRoundDone) checkProbeRttDone(bbr, tp);
    }
  }
  if (rs.delivered > 0) bbr.idleRestart = false;
}
