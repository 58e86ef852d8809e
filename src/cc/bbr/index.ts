/**
 * BBR v1, as Linux 6.1's net/ipv4/tcp_bbr.c.
 *
 * The model in plain words. BBR keeps two numbers about the path: the
 * bottleneck bandwidth (the max delivery rate over the last 10 round trips)
 * and the propagation delay (the min RTT over the last 10 s). Their product
 * is the BDP. It paces at pacing_gain x bw and caps in-flight data at
 * cwnd_gain x BDP (plus small budgets); loss is not a congestion signal,
 * except through the policer detector and the packet-conservation step in
 * recovery. A state machine picks the gains:
 *
 *   STARTUP   gains 2.89: double the rate each round until bw stops growing
 *             by 25% for three rounds (startup.ts);
 *   DRAIN     pacing 1/2.89: empty the queue STARTUP built (drain.ts);
 *   PROBE_BW  cwnd gain 2, pacing cycling 5/4, 3/4, 1 x 6, one phase per
 *             min_rtt (probe_bw.ts);
 *   PROBE_RTT every 10 s without a new min RTT: cwnd 4 for >= 200 ms and a
 *             round, to re-measure the propagation delay (probe_rtt.ts).
 *
 * Around it: the bandwidth filter and round counting (model.ts), the
 * long-term policer estimate (lt_bw.ts), ACK-aggregation compensation
 * (ack_aggregation.ts), cwnd (cwnd.ts) and pacing (pacing.ts). All of it is
 * integer arithmetic in the kernel's units and order (constants.ts).
 *
 * The ops table mirrors tcp_bbr_cong_ops: init, cong_control (bbr_main, on
 * every ACK with its rate sample), ssthresh, undo_cwnd, cwnd_event,
 * set_state, min_tso_segs and get_info. sndbuf_expand has no counterpart
 * in cclab (unlimited send buffer).
 */
import { CA_EVENT_TX_START, CA_LOSS, CA_OPEN, RateSample, type CaEvent, type CaState, type CongestionOps, type TcpSock } from '../../tcp/types.js';
import { BbrState } from './state.js';
import { TCP_INFINITE_SSTHRESH } from '../../tcp/constants.js';
import { updateBw } from './model.js';
import { updateAckAggregation } from './ack_aggregation.js';
import { updateCyclePhase } from './probe_bw.js';
import { checkFullBwReached, resetStartupMode } from './startup.js';
import { checkDrain } from './drain.js';
import { checkProbeRttDone, updateMinRtt } from './probe_rtt.js';
import { ltBwSampling, resetLtBwSampling } from './lt_bw.js';
import { initPacingRateFromRtt, minTsoSegs, setPacingRate } from './pacing.js';
import { saveCwnd, setCwnd } from './cwnd.js';
import { mulShr } from './arith.js';
import type { CcSpec } from '../spec.js';
import {
  BBR_CWND_GAIN,
  BBR_DRAIN,
  BBR_DRAIN_GAIN,
  BBR_HIGH_GAIN,
  BBR_MODE_NAMES,
  BBR_PACING_GAIN,
  BBR_PROBE_BW,
  BBR_PROBE_RTT,
  BBR_STARTUP,
  BBR_UNIT,
  BW_SCALE,
  USEC_PER_SEC,
} from './constants.js';

export { BbrState } from './state.js';

/** bbr_update_gains(): the gains of the current mode. */
function updateGains(bbr: BbrState): void {
  switch (bbr.mode) {
    case BBR_STARTUP:
      bbr.pacingGain = BBR_HIGH_GAIN;
      bbr.cwndGain = BBR_HIGH_GAIN;
      break;
    case BBR_DRAIN:
      bbr.pacingGain = BBR_DRAIN_GAIN;
      bbr.cwndGain = BBR_HIGH_GAIN;
      break;
    case BBR_PROBE_BW:
      bbr.pacingGain = bbr.ltUseBw ? BBR_UNIT : BBR_PACING_GAIN[bbr.cycleIdx]!;
      bbr.cwndGain = BBR_CWND_GAIN;
      break;
    case BBR_PROBE_RTT:
      bbr.pacingGain = BBR_UNIT;
      bbr.cwndGain = BBR_UNIT;
      break;
  }
}

/** bbr_update_model(): everything the ACK teaches, in the kernel's order. */
function updateModel(bbr: BbrState, tp: TcpSock, rs: RateSample): void {
  updateBw(bbr, tp, rs);
  updateAckAggregation(bbr, tp, rs);
  updateCyclePhase(bbr, tp, rs);
  checkFullBwReached(bbr, rs);
  checkDrain(bbr, tp, rs);
  updateMinRtt(bbr, tp, rs);
  updateGains(bbr);
}

/** bbr_main(): the cong_control hook. */
export function bbrMain(bbr: BbrState, tp: TcpSock, rs: RateSample): void {
  updateModel(bbr, tp, rs);
  const bw = bbr.bw();
  setPacingRate(bbr, tp, bw, bbr.pacingGain);
  setCwnd(bbr, tp, rs, rs.ackedSacked, bw, bbr.cwndGain);
}

/** bbr_init(). */
export function bbrInit(bbr: BbrState, tp: TcpSock): void {
  bbr.priorCwnd = 0;
  tp.sndSsthresh = TCP_INFINITE_SSTHRESH;
  bbr.rttCnt = 0;
  bbr.nextRttDelivered = tp.delivered;
  bbr.prevCaState = CA_OPEN;
  bbr.packetConservation = false;

  bbr.probeRttDoneStamp = 0;
  bbr.probeRttRoundDone = false;
  bbr.minRttUs = tp.minRttUs;
  bbr.minRttStamp = tp.jiffies;

  bbr.bwFilter.reset(bbr.rttCnt, 0);

  bbr.hasSeenRtt = false;
  initPacingRateFromRtt(bbr, tp);

  bbr.roundStart = false;
  bbr.idleRestart = false;
  bbr.fullBwReached = false;
  bbr.fullBw = 0;
  bbr.fullBwCnt = 0;
  bbr.cycleMstamp = 0;
  bbr.cycleIdx = 0;
  resetLtBwSampling(bbr, tp);
  resetStartupMode(bbr, tp);

  bbr.ackEpochMstamp = tp.mstampUs;
  bbr.ackEpochAcked = 0;
  bbr.extraAckedWinRtts = 0;
  bbr.extraAckedWinIdx = 0;
  bbr.extraAcked[0] = 0;
  bbr.extraAcked[1] = 0;
}

/** bbr_cwnd_event(): restarting from idle while app-limited. */
export function bbrCwndEvent(bbr: BbrState, tp: TcpSock, event: CaEvent): void {
  if (event === CA_EVENT_TX_START && tp.appLimited !== 0) {
    bbr.idleRestart = true;
    bbr.ackEpochMstamp = tp.mstampUs;
    bbr.ackEpochAcked = 0;
    // no need to go faster than the estimate after idle: avoid a burst into the queue
    if (bbr.mode === BBR_PROBE_BW) setPacingRate(bbr, tp, bbr.bw(), BBR_UNIT);
    else if (bbr.mode === BBR_PROBE_RTT) checkProbeRttDone(bbr, tp);
  }
}

/** bbr_undo_cwnd(): the loss was spurious; restart full-pipe detection. */
export function bbrUndoCwnd(bbr: BbrState, tp: TcpSock): number {
  bbr.fullBw = 0;
  bbr.fullBwCnt = 0;
  resetLtBwSampling(bbr, tp);
  return tp.sndCwnd;
}

/** bbr_ssthresh(): entering loss recovery; save cwnd, leave ssthresh as it is. */
export function bbrSsthresh(bbr: BbrState, tp: TcpSock): number {
  saveCwnd(bbr, tp);
  return tp.sndSsthresh;
}

/** One reusable sample for bbr_set_state's { .losses = 1 }. */
const rtoSample = new RateSample();

/** bbr_set_state(): an RTO counts as the end of a round and as a loss for lt sampling. */
export function bbrSetState(bbr: BbrState, tp: TcpSock, newState: CaState): void {
  if (newState === CA_LOSS) {
    rtoSample.reset();
    rtoSample.rttUs = 0; // designated initializer zeroes every other field
    rtoSample.losses = 1;
    bbr.prevCaState = CA_LOSS;
    bbr.fullBw = 0;
    bbr.roundStart = true;
    ltBwSampling(bbr, tp, rtoSample);
  }
}

/** bbr_get_info(): bw in bytes/s, min_rtt, gains; plus mode and cwnd for cclab's time series. */
export function bbrInfo(bbr: BbrState, tp: TcpSock | null): Record<string, number | string> {
  const mss = tp?.mss ?? 0;
  const bwBytes = mulShr(mulShr(bbr.bw(), mss, 0), USEC_PER_SEC, BW_SCALE);
  return {
    bw: bwBytes,
    minRttUs: bbr.minRttUs,
    pacingGain: bbr.pacingGain,
    cwndGain: bbr.cwndGain,
    mode: BBR_MODE_NAMES[bbr.mode],
    cycleIdx: bbr.cycleIdx,
    fullBwReached: bbr.fullBwReached ? 1 : 0,
    ltUseBw: bbr.ltUseBw ? 1 : 0,
    cwnd: tp?.sndCwnd ?? 0,
  };
}

/** The ops table; `state` and `sock` are exposed for tests and inspection. */
export interface BbrOps extends CongestionOps {
  readonly state: BbrState;
}

export function createBbr(): BbrOps {
  const bbr = new BbrState();
  let sock: TcpSock | null = null;
  return {
    name: 'bbr',
    needsPacing: true,
    state: bbr,
    init(tp) {
      sock = tp;
      bbrInit(bbr, tp);
    },
    congControl: (tp, rs) => bbrMain(bbr, tp, rs),
    minTsoSegs: (tp) => minTsoSegs(tp),
    ssthresh: (tp) => bbrSsthresh(bbr, tp),
    undoCwnd: (tp) => bbrUndoCwnd(bbr, tp),
    cwndEvent: (tp, ev) => bbrCwndEvent(bbr, tp, ev),
    setState: (tp, s) => bbrSetState(bbr, tp, s),
    info: () => bbrInfo(bbr, sock),
  };
}

/** BBR v1 (tcp_bbr.c in Linux 6.1). */
export const bbrSpec: CcSpec = {
  name: 'bbr',
  label: 'BBR',
  doc: 'BBR v1 as in Linux 6.1 (tcp_bbr.c): a model of bottleneck bandwidth and min RTT, paced',
  color: '#0072b2', // Okabe-Ito (src/report/palette.ts)
  marker: 'circle',
  dash: [],
  create: () => createBbr(),
  paced: true,
};
