/**
 * The per-connection BBR state (struct bbr in tcp_bbr.c). Field names follow
 * the kernel's; units are in the comments. A fresh instance is all zeroes,
 * as the kernel's icsk_ca_priv is before bbr_init().
 */
import { MinMax } from '../../tcp/minmax.js';
import { BBR_MODE_NAMES, BBR_STARTUP, type BbrMode } from './constants.js';
import { CA_OPEN, type CaState, type TcpSock } from '../../tcp/types.js';

export class BbrState {
  /** Minimum RTT over the min_rtt window, us (~0U = none yet). */
  minRttUs = 0;
  /** When minRttUs was taken, jiffies. */
  minRttStamp = 0;
  /** When PROBE_RTT may end, jiffies; 0 = not yet scheduled. */
  probeRttDoneStamp = 0;
  /** Windowed max of delivery-rate samples, pkts/us << BW_SCALE, over rtt_cnt time. */
  readonly bwFilter = new MinMax();
  /** Packet-timed round trips elapsed. */
  rttCnt = 0;
  /** tp->delivered at which the current round ends. */
  nextRttDelivered = 0;
  /** Start of the current gain-cycle phase, us (a delivered_mstamp). */
  cycleMstamp = 0;
  mode: BbrMode = BBR_STARTUP;
  /** CA state seen on the previous ACK. */
  prevCaState: CaState = CA_OPEN;
  /** Packet conservation during the first round of recovery. */
  packetConservation = false;
  /** Whether this ACK starts a new round. */
  roundStart = false;
  /** Restarting after idle (until data is delivered again). */
  idleRestart = false;
  /** A PROBE_RTT round at the minimum cwnd has completed. */
  probeRttRoundDone = false;
  /** Taking long-term samples now. */
  ltIsSampling = false;
  /** Rounds in the current long-term interval (a 7-bit field in the kernel). */
  ltRttCnt = 0;
  /** Use ltBw as the bandwidth estimate (policer detected). */
  ltUseBw = false;
  /** Long-term delivery rate, pkts/us << BW_SCALE. */
  ltBw = 0;
  /** Long-term interval start: tp->delivered, tp->delivered_mstamp in ms, tp->lost. */
  ltLastDelivered = 0;
  ltLastStamp = 0;
  ltLastLost = 0;
  /** Current gains, BBR_UNIT fixed point. */
  pacingGain = 0;
  cwndGain = 0;
  /** STARTUP estimated the pipe full. */
  fullBwReached = false;
  /** Rounds without significant bw growth (a 2-bit field). */
  fullBwCnt = 0;
  /** Current index in the pacing-gain cycle (3 bits). */
  cycleIdx = 0;
  /** pacing rate has been initialised from a real RTT. */
  hasSeenRtt = false;
  /** cwnd saved on entering recovery or PROBE_RTT, packets. */
  priorCwnd = 0;
  /** Recent bw to compare growth against, pkts/us << BW_SCALE. */
  fullBw = 0;
  /** Start of the ACK-aggregation epoch, us. */
  ackEpochMstamp = 0;
  /** Max excess packets ACKed in each half of the window (u16 each). */
  readonly extraAcked: [number, number] = [0, 0];
  /** Packets (S)ACKed in the current epoch (20 bits). */
  ackEpochAcked = 0;
  /** Age of the current extraAcked slot, rounds (5 bits). */
  extraAckedWinRtts = 0;
  /** Current extraAcked slot (0 or 1). */
  extraAckedWinIdx = 0;

  /** bbr_max_bw(): windowed max bw, pkts/us << BW_SCALE. */
  maxBw(): number {
    return this.bwFilter.get();
  }

  /** bbr_bw(): the bandwidth the model uses (the policer estimate when active). */
  bw(): number {
    return this.ltUseBw ? this.ltBw : this.maxBw();
  }

  /** bbr_extra_acked(): max extra ACKed over the last 5-10 rounds, packets. */
  extraAckedMax(): number {
    return Math.max(this.extraAcked[0], this.extraAcked[1]);
  }
}

/** The one place BBR's mode changes; the stack hears of it (the time series' cc_mode). */
export function setMode(bbr: BbrState, tp: TcpSock, mode: BbrMode): void {
  bbr.mode = mode;
  tp.ccModeChanged(BBR_MODE_NAMES[mode]);
}
