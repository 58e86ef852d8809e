/**
 * Arming the connection's one retransmission timer (icsk_retransmit_timer):
 * inet_csk_reset_xmit_timer() and tcp_reset_xmit_timer() of the headers,
 * tcp_rearm_rto() and tcp_set_xmit_timer() of tcp_input.c,
 * tcp_schedule_loss_probe() of tcp_output.c. What happens when it fires is
 * timer.ts (tcp_timer.c).
 *
 * Model in plain words. The timer is armed for one purpose at a time
 * (XmitTimer): the RTO, the tail loss probe (TLP) or RACK's reordering
 * timeout, always in whole jiffies (4 ms at HZ=250), never beyond
 * TCP_RTO_MAX (120 s), and pushed back by the pacing delay of a segment not
 * yet sent. While data is outstanding in the Open or CWR state, an ACK or a
 * transmission schedules a TLP about two smoothed RTTs out (plus 200 ms for
 * a delayed ACK when only one segment is out), but never later than the RTO
 * of the oldest segment; otherwise the RTO is re-armed to expire one RTO
 * after the oldest outstanding segment was sent.
 */
import type { Simulator, Timer } from '../engine/sim.js';
import {
  JIFFY_NS,
  TCP_RTO_MAX_JIFFIES,
  TCP_RTO_MIN_US,
  TCP_TIMEOUT_INIT_JIFFIES,
  TCP_TIMEOUT_MIN_US,
  jiffiesToUsecs,
  usecsToJiffies,
} from './constants.js';
import type { Scoreboard } from './scoreboard.js';
import { XmitTimer } from './sock.js';
import { CA_CWR, CA_OPEN, type CaState } from './types.js';

/** The connection state the timer's arming reads and writes. */
export interface XmitTimerState {
  /** What the timer is armed for (icsk_pending). */
  pending: XmitTimer;
  /** When it expires, jiffies (icsk_timeout). */
  timeoutJiffies: number;
  readonly xmitTimer: Timer;
  readonly sim: Simulator;
  readonly jiffies: number;
  /** The event's clock (tcp_clock_cache), ns. */
  readonly clockNs: number;
  /** tcp_mstamp, us. */
  readonly mstampUs: number;
  /** The pacing clock: earliest departure of the next segment (tcp_wstamp_ns), ns. */
  readonly wstampNs: number;
  readonly rtoJiffies: number;
  readonly srttUs8: number;
  readonly caState: CaState;
  readonly sb: Scoreboard;
  readonly sndUna: number;
  readonly packetsOut: number;
}

/** Where tcp_schedule_loss_probe() counts the RTO from (its advancing_rto argument). */
export const enum RtoFrom {
  /** The oldest outstanding segment's send time: the RTO as it is armed now. */
  HeadSent = 0,
  /** Now: the RTO is about to be re-armed in full (tcp_set_xmit_timer after an ACK). */
  Now = 1,
}

/** inet_csk_clear_xmit_timer(). */
export function clearXmitTimer(tp: XmitTimerState): void {
  tp.pending = XmitTimer.None;
  tp.xmitTimer.cancel();
}

/** inet_csk_reset_xmit_timer(): arm for `what`, `when` jiffies from now (at most TCP_RTO_MAX). */
export function resetXmitTimerRaw(tp: XmitTimerState, what: XmitTimer, when: number): void {
  if (when > TCP_RTO_MAX_JIFFIES) when = TCP_RTO_MAX_JIFFIES;
  tp.pending = what;
  tp.timeoutJiffies = tp.jiffies + when;
  tp.xmitTimer.at(Math.max(tp.sim.now, tp.timeoutJiffies * JIFFY_NS));
}

/** tcp_reset_xmit_timer(): as inet_csk_reset_xmit_timer() plus the pacing delay of the next segment. */
export function resetXmitTimer(tp: XmitTimerState, what: XmitTimer, when: number): void {
  const delay = tp.wstampNs - tp.clockNs;
  const pacingDelay = delay > 0 ? Math.floor(delay / JIFFY_NS) : 0;
  resetXmitTimerRaw(tp, what, when + pacingDelay);
}

/** tcp_rto_delta_us(): time until the RTO of the oldest outstanding segment would fire, us. */
export function rtoDeltaUs(tp: XmitTimerState): number {
  const txUs = tp.sb.txUs[tp.sb.slot(tp.sndUna)]!;
  return txUs + jiffiesToUsecs(tp.rtoJiffies) - tp.mstampUs;
}

/** tcp_rearm_rto(): the RTO covers the oldest outstanding segment; no data out, no RTO. */
export function rearmRto(tp: XmitTimerState): void {
  if (tp.packetsOut === 0) {
    if (tp.pending === XmitTimer.Retrans) clearXmitTimer(tp);
    return;
  }
  let rto = tp.rtoJiffies;
  if (tp.pending === XmitTimer.ReoTimeout || tp.pending === XmitTimer.LossProbe) {
    // the RTO was not running: what is left of the oldest segment's RTO
    const deltaUs = rtoDeltaUs(tp);
    rto = usecsToJiffies(Math.max(deltaUs, 1));
  }
  resetXmitTimer(tp, XmitTimer.Retrans, rto);
}

/** tcp_set_xmit_timer(): after an ACK that needs it, a loss probe if one may be scheduled, else the RTO. */
export function setXmitTimer(tp: XmitTimerState): void {
  if (!scheduleLossProbe(tp, RtoFrom.Now)) rearmRto(tp);
}

/**
 * tcp_schedule_loss_probe(): in Open or CWR with data out, arm the TLP at
 * 2 x srtt (+ TCP_RTO_MIN when one segment is out, for its delayed ACK;
 * + TCP_TIMEOUT_MIN otherwise), no later than the RTO. Returns whether it did.
 */
export function scheduleLossProbe(tp: XmitTimerState, rtoFrom: RtoFrom): boolean {
  if (tp.packetsOut === 0 || (tp.caState !== CA_OPEN && tp.caState !== CA_CWR)) return false;
  let timeout: number;
  if (tp.srttUs8 !== 0) {
    let timeoutUs = tp.srttUs8 >> 2;
    if (tp.packetsOut === 1) timeoutUs += TCP_RTO_MIN_US;
    else timeoutUs += TCP_TIMEOUT_MIN_US;
    timeout = usecsToJiffies(timeoutUs);
  } else {
    timeout = TCP_TIMEOUT_INIT_JIFFIES;
  }
  const deltaUs = rtoFrom === RtoFrom.Now ? jiffiesToUsecs(tp.rtoJiffies) : rtoDeltaUs(tp);
  if (deltaUs > 0) timeout = Math.min(timeout, usecsToJiffies(deltaUs));
  resetXmitTimer(tp, XmitTimer.LossProbe, timeout);
  return true;
}
