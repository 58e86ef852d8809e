/**
 * BBRv3, as Google's net/ipv4/tcp_bbr.c on the v3 branch of
 * github.com/google/bbr (`#define BBR_VERSION 3`; the module registers as
 * "bbr", cclab names it bbr3 beside v1's bbr).
 *
 * The model in plain words. Like v1, BBRv3 estimates the bottleneck
 * bandwidth (max delivery rate, here over the last one or two PROBE_BW
 * cycles: bw_hi) and the propagation delay (min RTT over 10 s, refreshed by
 * PROBE_RTT every 5 s), paces near bw and caps in-flight data near the BDP.
 * Unlike v1 it reads loss and ECN: the path also has a volume bound,
 * inflight_hi, learned when a probe's loss exceeds 2% of what was in flight
 * (or its CE marks exceed 50%), and short-term lower bounds bw_lo and
 * inflight_lo, cut by 30% per round with loss (by ecn_alpha/3 with ECN) when
 * not probing. Probing for more is rare and gentle: PROBE_BW cruises with
 * 15% headroom below inflight_hi and probes every 2-3 s (or 63 rounds),
 * refilling the pipe for a round before pacing at 1.25 (probe_bw.ts).
 *
 *   STARTUP   pacing 2.77, cwnd gain 2; exits on a bw plateau, high loss or
 *             high ECN (startup.ts);
 *   DRAIN     pacing 1/2.885 until in flight <= BDP (drain.ts);
 *   PROBE_BW  DOWN -> CRUISE -> REFILL -> UP -> DOWN (probe_bw.ts);
 *   PROBE_RTT cwnd = BDP/2 for 200 ms and a round (probe_rtt.ts).
 *
 * Around it: model.ts (rounds, samples, bw_hi), bounds.ts (the hi/lo
 * bounds and the cwnd cap), ecn.ts (ecn_alpha), cwnd.ts, pacing.ts.
 *
 * The ops table mirrors tcp_bbr_cong_ops: init, cong_control (bbr_main),
 * skb_marked_lost, undo_cwnd, cwnd_event, ssthresh, set_state, get_info.
 * What cclab does not model, and why, is in docs/fidelity-notes.md ("BBRv3"): PLB (off by
 * default in Linux), the receiver's precise ECE ACKs, the TLP-retransmit
 * flag of the rate sample, bbr_tso_segs() as the skb sizer (the stack's
 * autosizing sizes skbs; the v3 goal sizes the quantization budget).
 */
import { CA_EVENT_TLP_RECOVERY, CA_EVENT_TX_START, CA_LOSS, CA_OPEN, type CaEvent, type CaState, type CongestionOps, type LostSkb, type RateSample, type TcpSock } from '../../tcp/types.js';
import { TCP_INFINITE_SSTHRESH } from '../../tcp/constants.js';
import type { CcSpec } from '../spec.js';
import { Bbr3State } from './state.js';
import { advanceLatestDeliverySignals, calculateBwSample, updateCongestionSignals, updateLatestDeliverySignals, updateRoundStart } from './model.js';
import { boundCwndForInflightModel, inflightHiFromLostSkb, isInflightTooHigh, isProbingBandwidth, resetCongestionSignals } from './bounds.js';
import { updateEcnAlpha } from './ecn.js';
import { checkFullBwReached, checkLossTooHighInStartup, resetFullBw, resetStartupMode } from './startup.js';
import { checkDrain } from './drain.js';
import { handleInflightTooHigh, updateCyclePhase } from './probe_bw.js';
import { checkProbeRttDone, updateMinRtt } from './probe_rtt.js';
import { saveCwnd, setCwnd, updateAckAggregation } from './cwnd.js';
import { bwBytesPerSec, initPacingRateFromRtt, setPacingRate } from './pacing.js';
import {
  BBR3_MODE_NAMES,
  BBR3_PHASE_NAMES,
  BBR_ACKS_INIT,
  BBR_BW_PROBE_CWND_GAIN,
  BBR_BW_PROBE_UP,
  BBR_CWND_GAIN,
  BBR_DRAIN,
  BBR_DRAIN_GAIN,
  BBR_ECN_ALPHA_INIT,
  BBR_FAST_PATH,
  BBR_PACING_GAIN,
  BBR_PROBE_BW,
  BBR_PROBE_RTT,
  BBR_STARTUP,
  BBR_STARTUP_CWND_GAIN,
  BBR_STARTUP_PACING_GAIN,
  BBR_UNIT,
  BBR_VERSION,
  U32_MAX,
} from './constants.js';

export { Bbr3State } from './state.js';

/** bbr_update_gains(). */
export function updateGains(bbr: Bbr3State): void {
  switch (bbr.mode) {
    case BBR_STARTUP:
      bbr.pacingGain = BBR_STARTUP_PACING_GAIN;
      bbr.cwndGain = BBR_STARTUP_CWND_GAIN;
      break;
    case BBR_DRAIN:
      bbr.pacingGain = BBR_DRAIN_GAIN;
      bbr.cwndGain = BBR_STARTUP_CWND_GAIN;
      break;
    case BBR_PROBE_BW:
      bbr.pacingGain = BBR_PACING_GAIN[bbr.cycleIdx]!;
      bbr.cwndGain = BBR_CWND_GAIN;
      if (BBR_BW_PROBE_CWND_GAIN !== 0 && bbr.cycleIdx === BBR_BW_PROBE_UP) bbr.cwndGain += (BBR_UNIT * BBR_BW_PROBE_CWND_GAIN) / 4;
      break;
    case BBR_PROBE_RTT:
      bbr.pacingGain = BBR_UNIT;
      bbr.cwndGain = BBR_UNIT;
      break;
  }
}

/** bbr_update_model(): everything the ACK teaches, in the kernel's order. */
function updateModel(bbr: Bbr3State, tp: TcpSock, rs: RateSample, sampleBw: number): void {
  updateCongestionSignals(bbr, tp, rs, sampleBw);
  updateAckAggregation(bbr, tp, rs);
  checkLossTooHighInStartup(bbr, tp, rs);
  checkFullBwReached(bbr, rs, sampleBw);
  checkDrain(bbr, tp);
  updateCyclePhase(bbr, tp, rs, sampleBw);
  updateMinRtt(bbr, tp, rs);
}

/**
 * bbr_run_fast_path(): an app-limited ACK without loss/ECN whose sample
 * cannot raise bw skips the model; it skips control too when neither mode
 * nor min_rtt changed. Returns 'skip' (nothing more to do), 'control'
 * (skip the model only) or 'full'.
 */
function runFastPath(bbr: Bbr3State, tp: TcpSock, rs: RateSample, sampleBw: number): 'skip' | 'control' | 'full' {
  if (BBR_FAST_PATH && bbr.tryFastPath && rs.isAppLimited && sampleBw < bbr.maxBw() && !bbr.lossInRound && !bbr.ecnInRound) {
    const prevMode = bbr.mode;
    const prevMinRttUs = bbr.minRttUs;
    checkDrain(bbr, tp);
    updateCyclePhase(bbr, tp, rs, sampleBw);
    updateMinRtt(bbr, tp, rs);
    if (bbr.mode === prevMode && bbr.minRttUs === prevMinRttUs && bbr.tryFastPath) return 'skip';
    return 'control';
  }
  return 'full';
}

/** bbr_main(): the cong_control hook. */
export function bbr3Main(bbr: Bbr3State, tp: TcpSock, rs: RateSample): void {
  updateRoundStart(bbr, tp, rs);
  if (bbr.roundStart) {
    bbr.roundsSinceProbe = Math.min(bbr.roundsSinceProbe + 1, 0xff);
    updateEcnAlpha(bbr, tp);
  }
  // bbr_plb(): Protective Load Balancing is off by default (net.ipv4.tcp_plb_enabled = 0)

  bbr.ecnInRound ||= bbr.ecnEligible && rs.isEce;
  const sampleBw = calculateBwSample(rs);
  updateLatestDeliverySignals(bbr, tp, rs, sampleBw);

  const path = runFastPath(bbr, tp, rs, sampleBw);
  if (path !== 'skip') {
    if (path === 'full') updateModel(bbr, tp, rs, sampleBw);
    updateGains(bbr);
    const bw = bbr.bw();
    setPacingRate(bbr, tp, bw, bbr.pacingGain);
    setCwnd(bbr, tp, rs.ackedSacked, bw, bbr.cwndGain, tp.sndCwnd);
    boundCwndForInflightModel(bbr, tp);
  }
  advanceLatestDeliverySignals(bbr, rs, sampleBw);
  bbr.prevCaState = tp.caState;
  bbr.lossInCycle ||= rs.lost > 0;
  bbr.ecnInCycle ||= rs.deliveredCe > 0;
}

/** bbr_init(). */
export function bbr3Init(bbr: Bbr3State, tp: TcpSock): void {
  bbr.initialized = true;
  bbr.initCwnd = Math.min(0x7f, tp.sndCwnd);
  bbr.priorCwnd = tp.priorCwnd;
  tp.sndSsthresh = TCP_INFINITE_SSTHRESH;
  bbr.nextRttDelivered = tp.delivered;
  bbr.prevCaState = CA_OPEN;

  bbr.probeRttDoneStamp = 0;
  bbr.probeRttRoundDone = false;
  bbr.probeRttMinUs = tp.minRttUs;
  bbr.probeRttMinStamp = tp.jiffies;
  bbr.minRttUs = tp.minRttUs;
  bbr.minRttStamp = tp.jiffies;

  bbr.hasSeenRtt = false;
  initPacingRateFromRtt(bbr, tp);

  bbr.roundStart = false;
  bbr.idleRestart = false;
  bbr.fullBwReached = false;
  bbr.fullBw = 0;
  bbr.fullBwCnt = 0;
  bbr.cycleMstamp = 0;
  bbr.cycleIdx = 0;
  resetStartupMode(bbr, tp);

  bbr.ackEpochMstamp = tp.mstampUs;
  bbr.ackEpochAcked = 0;
  bbr.extraAckedWinRtts = 0;
  bbr.extraAckedWinIdx = 0;
  bbr.extraAcked[0] = 0;
  bbr.extraAcked[1] = 0;

  bbr.ceState = 0;
  bbr.priorRcvNxt = 0;
  bbr.tryFastPath = false;

  // start sampling ECN marks after the first full flight is ACKed
  bbr.lossRoundDelivered = tp.delivered + 1;
  bbr.lossRoundStart = false;
  bbr.undoBwLo = 0;
  bbr.undoInflightLo = 0;
  bbr.undoInflightHi = 0;
  bbr.lossEventsInRound = 0;
  bbr.startupEcnRounds = 0;
  resetCongestionSignals(bbr);
  bbr.bwLo = U32_MAX;
  bbr.bwHi[0] = 0;
  bbr.bwHi[1] = 0;
  bbr.inflightLo = U32_MAX;
  bbr.inflightHi = U32_MAX;
  resetFullBw(bbr);
  bbr.bwProbeUpCnt = U32_MAX;
  bbr.bwProbeUpAcks = 0;
  bbr.bwProbeUpRounds = 0;
  bbr.probeWaitUs = 0;
  bbr.stoppedRiskyProbe = false;
  bbr.ackPhase = BBR_ACKS_INIT;
  bbr.roundsSinceProbe = 0;
  bbr.bwProbeSamples = false;
  bbr.prevProbeTooHigh = false;
  bbr.ecnEligible = false;
  bbr.ecnAlpha = BBR_ECN_ALPHA_INIT;
  bbr.alphaLastDelivered = 0;
  bbr.alphaLastDeliveredCe = 0;
}

/** bbr_note_loss(): the round with the first loss becomes a loss round. */
export function noteLoss(bbr: Bbr3State, tp: TcpSock): void {
  if (!bbr.lossInRound) bbr.lossRoundDelivered = tp.delivered;
  bbr.lossInRound = true;
  bbr.lossInCycle = true;
}

/**
 * bbr_skb_marked_lost(): while probing, rebuild the lost segment's flight
 * (tx_in_flight, tp->lost - tx.lost) and, if its loss rate is too high, set
 * inflight_hi to where within it the rate crossed 2%.
 */
export function bbr3SkbMarkedLost(bbr: Bbr3State, tp: TcpSock, skb: LostSkb): void {
  noteLoss(bbr, tp);
  if (!bbr.bwProbeSamples) return;
  if (skb.deliveredMstamp === 0) return; // SACKed, reneged or already marked
  const rs = { txInFlight: skb.txInFlight, lost: tp.lost - skb.txLost, isAppLimited: skb.isAppLimited, deliveredCe: 0, delivered: 0 };
  if (isInflightTooHigh(bbr, rs)) {
    rs.txInFlight = inflightHiFromLostSkb(rs, skb.pcount);
    handleInflightTooHigh(bbr, tp, rs);
  }
}

/** bbr_run_loss_probe_recovery(): a TLP repaired one lost segment. */
export function runLossProbeRecovery(bbr: Bbr3State, tp: TcpSock): void {
  noteLoss(bbr, tp);
  if (!bbr.bwProbeSamples) return;
  // tp->tlp_orig_data_app_limited: cclab's core does not keep it; the probe's data is taken as not app-limited
  const rs = { lost: 1, txInFlight: bbr.inflightLatest + 1, isAppLimited: false, deliveredCe: 0, delivered: 0 };
  if (isInflightTooHigh(bbr, rs)) handleInflightTooHigh(bbr, tp, rs);
}

/** bbr_cwnd_event(): idle restart; a TLP that repaired a loss. */
export function bbr3CwndEvent(bbr: Bbr3State, tp: TcpSock, event: CaEvent): void {
  if (event === CA_EVENT_TX_START) {
    if (tp.appLimited === 0) return;
    bbr.idleRestart = true;
    bbr.ackEpochMstamp = tp.mstampUs;
    bbr.ackEpochAcked = 0;
    if (bbr.mode === BBR_PROBE_BW) setPacingRate(bbr, tp, bbr.bw(), BBR_UNIT);
    else if (bbr.mode === BBR_PROBE_RTT) checkProbeRttDone(bbr, tp);
  } else if (event === CA_EVENT_TLP_RECOVERY) {
    runLossProbeRecovery(bbr, tp);
  }
}

/** bbr_undo_cwnd(): the loss was spurious: restore the bounds saved at ssthresh. */
export function bbr3UndoCwnd(bbr: Bbr3State): number {
  resetFullBw(bbr);
  bbr.lossInRound = false;
  bbr.bwLo = Math.max(bbr.bwLo, bbr.undoBwLo);
  bbr.inflightLo = Math.max(bbr.inflightLo, bbr.undoInflightLo);
  bbr.inflightHi = Math.max(bbr.inflightHi, bbr.undoInflightHi);
  bbr.tryFastPath = false;
  return bbr.priorCwnd;
}

/** bbr_ssthresh(): entering recovery; save cwnd and the loss-adapted bounds for undo. */
export function bbr3Ssthresh(bbr: Bbr3State, tp: TcpSock): number {
  saveCwnd(bbr, tp);
  bbr.undoBwLo = bbr.bwLo;
  bbr.undoInflightLo = bbr.inflightLo;
  bbr.undoInflightHi = bbr.inflightHi;
  return tp.sndSsthresh;
}

/** bbr_set_state(): an RTO resets full-bw detection and seeds inflight_lo; leaving Loss restores cwnd. */
export function bbr3SetState(bbr: Bbr3State, tp: TcpSock, newState: CaState): void {
  if (newState === CA_LOSS) {
    bbr.prevCaState = CA_LOSS;
    resetFullBw(bbr);
    if (!isProbingBandwidth(bbr) && bbr.inflightLo === U32_MAX) bbr.inflightLo = Math.max(tp.sndCwnd, bbr.priorCwnd);
  } else if (bbr.prevCaState === CA_LOSS) {
    // bbr_exit_loss_recovery()
    tp.sndCwnd = Math.max(tp.sndCwnd, bbr.priorCwnd);
    bbr.tryFastPath = false;
  }
}

/** A bound as tcp_bbr_info reports it: ~0U (none) as -1 in cclab's tables. */
function bound(v: number): number {
  return v === U32_MAX ? -1 : v;
}

/**
 * bbr_get_info() (tcp_bbr_info with v3's fields: bw_hi, bw_lo, inflight_hi,
 * inflight_lo, phase, version) in bytes/s and packets, plus ecn_alpha and
 * the PROBE_BW phase by name for cclab's time series.
 */
export function bbr3Info(bbr: Bbr3State, tp: TcpSock | null): Record<string, number | string> {
  const bytes = (v: number) => (tp === null ? 0 : bwBytesPerSec(tp, v));
  return {
    version: BBR_VERSION,
    bw: bytes(bbr.bw()),
    bwHi: bytes(bbr.maxBw()),
    bwLo: bbr.bwLo === U32_MAX ? -1 : bytes(bbr.bwLo),
    inflightHi: bound(bbr.inflightHi),
    inflightLo: bound(bbr.inflightLo),
    ecnAlpha: bbr.ecnAlpha,
    minRttUs: bbr.minRttUs,
    pacingGain: bbr.pacingGain,
    cwndGain: bbr.cwndGain,
    mode: BBR3_MODE_NAMES[bbr.mode],
    phase: bbr.mode === BBR_PROBE_BW ? BBR3_PHASE_NAMES[bbr.cycleIdx] : BBR3_MODE_NAMES[bbr.mode],
    fullBwReached: bbr.fullBwReached ? 1 : 0,
    extraAcked: bbr.extraAckedMax(),
    cwnd: tp?.sndCwnd ?? 0,
  };
}

export interface Bbr3Params {
  /** The route's ecn_low feature: CE marks are a shallow-threshold signal (bbr_can_use_ecn). */
  ecnLow: boolean;
}

export interface Bbr3Ops extends CongestionOps {
  readonly state: Bbr3State;
}

export function createBbr3(p: Bbr3Params = { ecnLow: false }): Bbr3Ops {
  const bbr = new Bbr3State();
  bbr.ecnLowRoute = p.ecnLow;
  let sock: TcpSock | null = null;
  return {
    name: 'bbr3',
    needsPacing: true,
    state: bbr,
    init(tp) {
      sock = tp;
      bbr3Init(bbr, tp);
    },
    congControl: (tp, rs) => bbr3Main(bbr, tp, rs),
    skbMarkedLost: (tp, skb) => bbr3SkbMarkedLost(bbr, tp, skb),
    ssthresh: (tp) => bbr3Ssthresh(bbr, tp),
    undoCwnd: () => bbr3UndoCwnd(bbr),
    cwndEvent: (tp, ev) => bbr3CwndEvent(bbr, tp, ev),
    setState: (tp, s) => bbr3SetState(bbr, tp, s),
    info: () => bbr3Info(bbr, sock),
  };
}

/** BBRv3 (google/bbr v3 tcp_bbr.c). */
export const bbr3Spec: CcSpec<Bbr3Params> = {
  name: 'bbr3',
  label: 'BBRv3',
  doc: "BBRv3 as Google's v3 tcp_bbr.c: BBR with loss/ECN-bounded inflight (bw_lo/hi, inflight_lo/hi), paced",
  color: '#56b4e9', // Okabe-Ito (src/report/palette.ts)
  marker: 'crossRot',
  dash: [8, 2, 2, 2],
  params: {
    ecn_low: { kind: 'bool', default: false, help: "the route's ecn_low feature (ip route ... features ecn_low): CE marks come from a shallow-threshold AQM, so BBRv3 may use them (with min_rtt <= 5 ms)" },
  },
  resolveParams: (v) => ({ ecnLow: v.ecn_low as boolean }),
  create: (params) => createBbr3(params ?? { ecnLow: false }),
  paced: true,
  kernel: {
    linuxName: 'bbr',
    moduleVersion: String(BBR_VERSION),
    missingHint: "Debian's kernel has no BBRv3 (its tcp_bbr is v1): run bbr3 on a target with Google's v3 kernel (github.com/google/bbr, branch v3), e.g. --target ssh, or with --backend sim",
  },
};
