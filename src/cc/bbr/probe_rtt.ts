/**
 * min_rtt and PROBE_RTT (tcp_bbr.c, bbr_update_min_rtt). min_rtt is the
 * lowest RTT seen in the last 10 s. When it has not been refreshed for 10 s
 * (and the flow is not just restarting from idle), BBR enters PROBE_RTT:
 * cwnd drops to 4 packets so the queue drains and the path's propagation
 * delay shows. Once in-flight is down to 4, it stays there for at least
 * 200 ms and at least one round, then restores the saved cwnd and returns
 * to PROBE_BW (or STARTUP if the pipe was never found full). Samples taken
 * in PROBE_RTT are marked app-limited so they do not lower the bw estimate.
 */
import type { RateSample, TcpSock } from '../../tcp/types.js';
import { setMode, type BbrState } from './state.js';
import { saveCwnd } from './cwnd.js';
import { resetProbeBwMode } from './probe_bw.js';
import { resetStartupMode } from './startup.js';
import { BBR_CWND_MIN_TARGET, BBR_MIN_RTT_WIN_SEC, BBR_PROBE_RTT, BBR_PROBE_RTT_MODE_MS } from './constants.js';
import { HZ } from '../../tcp/constants.js';

/** msecs_to_jiffies() for HZ dividing 1000: round up. */
function msecsToJiffies(ms: number): number {
  const msPerJiffy = 1000 / HZ;
  return Math.floor((ms + msPerJiffy - 1) / msPerJiffy);
}

/** PROBE_RTT's minimum duration, jiffies (50 at HZ=250). */
const PROBE_RTT_JIFFIES = msecsToJiffies(BBR_PROBE_RTT_MODE_MS);

/** bbr_reset_mode(): leave PROBE_RTT for STARTUP or PROBE_BW. */
export function resetMode(bbr: BbrState, tp: TcpSock): void {
  if (!bbr.fullBwReached) resetStartupMode(bbr, tp);
  else resetProbeBwMode(bbr, tp);
}

/** bbr_check_probe_rtt_done(): end PROBE_RTT once its time is up. */
export function checkProbeRttDone(bbr: BbrState, tp: TcpSock): void {
  if (!(bbr.probeRttDoneStamp !== 0 && tp.jiffies > bbr.probeRttDoneStamp)) return;
  // the min_rtt sample is fresh now: wait another 10 s before probing again
  bbr.minRttStamp = tp.jiffies;
  tp.sndCwnd = Math.max(tp.sndCwnd, bbr.priorCwnd);
  resetMode(bbr, tp);
}

/** bbr_update_min_rtt(): track min_rtt, enter and run PROBE_RTT. */
export function updateMinRtt(bbr: BbrState, tp: TcpSock, rs: RateSample): void {
  const filterExpired = tp.jiffies > bbr.minRttStamp + BBR_MIN_RTT_WIN_SEC * HZ;
  if (rs.rttUs >= 0 && (rs.rttUs < bbr.minRttUs || (filterExpired && !rs.isAckDelayed))) {
    bbr.minRttUs = rs.rttUs;
    bbr.minRttStamp = tp.jiffies;
  }

  if (BBR_PROBE_RTT_MODE_MS > 0 && filterExpired && !bbr.idleRestart && bbr.mode !== BBR_PROBE_RTT) {
    setMode(bbr, tp, BBR_PROBE_RTT);
    saveCwnd(bbr, tp);
    bbr.probeRttDoneStamp = 0;
  }

  if (bbr.mode === BBR_PROBE_RTT) {
    // what is delivered while cwnd is clamped says nothing about bw
    tp.appLimited = tp.delivered + tp.packetsInFlight() || 1;
    // hold the minimum in-flight for max(200 ms, one round)
    if (bbr.probeRttDoneStamp === 0 && tp.packetsInFlight() <= BBR_CWND_MIN_TARGET) {
      bbr.probeRttDoneStamp = tp.jiffies + PROBE_RTT_JIFFIES;
      bbr.probeRttRoundDone = false;
      bbr.nextRttDelivered = tp.delivered;
    } else if (bbr.probeRttDoneStamp !== 0) {
      if (bbr.roundStart) bbr.probeRttRoundDone = true;
      if (bbr.probeRttRoundDone) checkProbeRttDone(bbr, tp);
    }
  }
  // the idle restart ends with the first new delivery
  if (rs.delivered > 0) bbr.idleRestart = false;
}
