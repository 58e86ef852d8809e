/**
 * The per-connection BBRv3 state (struct bbr in Google's v3 tcp_bbr.c).
 * Field names follow the kernel's; units in the comments; ~0U is U32_MAX.
 * A fresh instance is all zeroes, as icsk_ca_priv is before bbr_init().
 */
import type { TcpSock } from '../../tcp/types.js';
import { CA_OPEN, type CaState } from '../../tcp/types.js';
import { BBR3_MODE_NAMES, BBR_STARTUP, BBR_ACKS_INIT, type Bbr3Mode, type Bbr3Phase } from './constants.js';

export class Bbr3State {
  /** min RTT in the min_rtt_win_sec window, us. */
  minRttUs = 0;
  /** When minRttUs was taken, jiffies. */
  minRttStamp = 0;
  /** When PROBE_RTT may end, jiffies; 0 = not scheduled. */
  probeRttDoneStamp = 0;
  /** min RTT in the probe_rtt_win_ms window, us. */
  probeRttMinUs = 0;
  /** When probeRttMinUs was taken, jiffies. */
  probeRttMinStamp = 0;
  /** tp->delivered at which the current round ends. */
  nextRttDelivered = 0;
  /** Start of the current PROBE_BW phase (tcp_mstamp), us. */
  cycleMstamp = 0;
  mode: Bbr3Mode = BBR_STARTUP;
  prevCaState: CaState = CA_OPEN;
  roundStart = false;
  /** Receiver side: the most recent data carried CE (precise ECE ACKs). */
  ceState = 0;
  /** Cwnd-limited rounds in PROBE_UP (5 bits; capped at 30). */
  bwProbeUpRounds = 0;
  tryFastPath = false;
  idleRestart = false;
  probeRttRoundDone = false;
  /** Initial cwnd, packets (7 bits). */
  initCwnd = 0;
  pacingGain = 0;
  cwndGain = 0;
  fullBwReached = false;
  /** Rounds without large bw gains (2 bits). */
  fullBwCnt = 0;
  /** PROBE_BW phase, BBR_BW_PROBE_* (2 bits). */
  cycleIdx: Bbr3Phase = 0;
  hasSeenRtt = false;
  /** cwnd saved on entering recovery or PROBE_RTT, packets. */
  priorCwnd = 0;
  /** Recent bw to compare growth against, pkts/us << 24. */
  fullBw = 0;

  ackEpochMstamp = 0;
  readonly extraAcked: [number, number] = [0, 0];
  ackEpochAcked = 0;
  extraAckedWinRtts = 0;
  extraAckedWinIdx = 0;

  /** Recently reached a full-bw plateau. */
  fullBwNow = false;
  /** Consecutive STARTUP rounds with a high CE ratio (2 bits). */
  startupEcnRounds = 0;
  lossInCycle = false;
  ecnInCycle = false;
  /** tp->delivered ending the current loss round. */
  lossRoundDelivered = 0;
  undoBwLo = 0;
  undoInflightLo = 0;
  undoInflightHi = 0;
  /** Max delivered bw in the last round trip, pkts/us << 24. */
  bwLatest = 0;
  /** Lower bound on sending bandwidth, pkts/us << 24 (~0U = none). */
  bwLo = 0;
  /** Max measured bw in this and the previous PROBE_BW cycle, pkts/us << 24. */
  readonly bwHi: [number, number] = [0, 0];
  /** Max delivered data in the last round trip, packets. */
  inflightLatest = 0;
  /** Lower bound of the inflight range, packets (~0U = none). */
  inflightLo = 0;
  /** Upper bound of the inflight range, packets (~0U = none). */
  inflightHi = 0;
  /** Packets delivered per inflight_hi increment. */
  bwProbeUpCnt = 0;
  /** Packets (S)ACKed since the last inflight_hi increment. */
  bwProbeUpAcks = 0;
  /** PROBE_DOWN / CRUISE until the next clock-driven probe, us. */
  probeWaitUs = 0;
  /** tp->rcv_nxt when the receiver's CE state last changed. */
  priorRcvNxt = 0;
  /** The sender uses ECN (negotiated, ecn_low route, min_rtt <= 5 ms). */
  ecnEligible = false;
  /** EWMA of delivered_ce / delivered, 0..256. */
  ecnAlpha = 0;
  /** Rate samples reflect bandwidth probing. */
  bwProbeSamples = false;
  /** The last PROBE_UP went too high. */
  prevProbeTooHigh = false;
  /** The last PROBE_UP stopped at inflight_hi (risky). */
  stoppedRiskyProbe = false;
  /** Packet-timed rounds since bw was probed (8 bits). */
  roundsSinceProbe = 0;
  lossRoundStart = false;
  lossInRound = false;
  ecnInRound = false;
  /** enum bbr_ack_phase. */
  ackPhase = BBR_ACKS_INIT;
  /** Loss events in a STARTUP round (4 bits). */
  lossEventsInRound = 0;
  initialized = false;
  alphaLastDelivered = 0;
  alphaLastDeliveredCe = 0;
  /**
   * The route's ecn_low feature (TCP_ECN_LOW: CE marks come from a
   * shallow-threshold AQM); cclab's `bbr3: {ecn_low: true}`. Not kernel state.
   */
  ecnLowRoute = false;

  /** bbr_max_bw(): max of bw_hi[0], bw_hi[1]. */
  maxBw(): number {
    return Math.max(this.bwHi[0], this.bwHi[1]);
  }

  /** bbr_bw(): min(max_bw, bw_lo). */
  bw(): number {
    return Math.min(this.maxBw(), this.bwLo);
  }

  /** bbr_extra_acked(). */
  extraAckedMax(): number {
    return Math.max(this.extraAcked[0], this.extraAcked[1]);
  }
}

/** The one place the mode changes; the stack hears of it (the time series' cc_mode). */
export function setMode(bbr: Bbr3State, tp: TcpSock, mode: Bbr3Mode): void {
  bbr.mode = mode;
  tp.ccModeChanged(BBR3_MODE_NAMES[mode]);
}
