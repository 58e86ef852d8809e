/**
 * The congestion window (v3 tcp_bbr.c). The BDP target with its budgets,
 *
 *   target = max(ceil(cwnd_gain x bw x min_rtt) + extra_acked, 3 x tso_segs_goal, 4)
 *            + 2 in PROBE_UP,
 *
 * is approached by the packets ACKed (slow-start like) and, once the pipe is
 * full, never exceeded. Unlike v1 there is no packet conservation in
 * recovery: loss acts through the model's bounds instead, applied after
 * this by bbr_bound_cwnd_for_inflight_model() (bounds.ts). PROBE_RTT caps
 * cwnd at max(4, BDP / 2).
 */
import type { RateSample, TcpSock } from '../../tcp/types.js';
import type { Bbr3State } from './state.js';
import { mulShr } from '../bbr/arith.js';
import { tsoSegsGoal } from './pacing.js';
import {
  BBR_ACK_EPOCH_ACKED_RESET_THRESH,
  BBR_BW_PROBE_UP,
  BBR_CWND_MIN_TARGET,
  BBR_EXTRA_ACKED_GAIN,
  BBR_EXTRA_ACKED_MAX_US,
  BBR_EXTRA_ACKED_WIN_RTTS,
  BBR_PROBE_BW,
  BBR_PROBE_RTT,
  BBR_PROBE_RTT_CWND_GAIN,
  BBR_SCALE,
  BBR_UNIT,
  BW_SCALE,
  BW_UNIT,
  NSEC_PER_USEC,
  U32_MAX,
} from './constants.js';
import { CA_RECOVERY } from '../../tcp/types.js';

/** bbr_bdp(): ceil(bw x min_rtt x gain), packets; the initial cwnd without an RTT sample. */
export function bdp(bbr: Bbr3State, bw: number, gain: number): number {
  if (bbr.minRttUs === U32_MAX) return bbr.initCwnd;
  const w = bw * bbr.minRttUs;
  let scaled: number;
  if (w * gain <= Number.MAX_SAFE_INTEGER) scaled = Math.floor((w * gain) / 2 ** BBR_SCALE);
  else scaled = Number((BigInt(bw) * BigInt(bbr.minRttUs) * BigInt(gain)) >> BigInt(BBR_SCALE));
  return Math.floor((scaled + BW_UNIT - 1) / BW_UNIT);
}

/** bbr_quantization_budget(): at least 3 full TSO bursts and 4 packets; +2 in PROBE_UP. */
export function quantizationBudget(bbr: Bbr3State, tp: TcpSock, cwnd: number): number {
  cwnd = Math.max(cwnd, 3 * tsoSegsGoal(bbr, tp));
  cwnd = Math.max(cwnd, BBR_CWND_MIN_TARGET);
  if (bbr.mode === BBR_PROBE_BW && bbr.cycleIdx === BBR_BW_PROBE_UP) cwnd += 2;
  return cwnd;
}

/** bbr_inflight(): the in-flight target for a bw and gain, packets. */
export function inflight(bbr: Bbr3State, tp: TcpSock, bw: number, gain: number): number {
  return quantizationBudget(bbr, tp, bdp(bbr, bw, gain));
}

/** bbr_target_inflight(): our BDP, unless congestion cut cwnd below it. */
export function targetInflight(bbr: Bbr3State, tp: TcpSock): number {
  return Math.min(inflight(bbr, tp, bbr.bw(), BBR_UNIT), tp.sndCwnd);
}

/** bbr_packets_in_net_at_edt(): in flight at the next departure, less what bw delivers until then. */
export function packetsInNetAtEdt(bbr: Bbr3State, tp: TcpSock, inflightNow: number): number {
  const nowNs = tp.tcpClockCacheNs;
  const edtNs = Math.max(tp.tcpWstampNs, nowNs);
  const intervalUs = Math.floor((edtNs - nowNs) / NSEC_PER_USEC);
  const intervalDelivered = mulShr(bbr.bw(), intervalUs, BW_SCALE);
  let inflightAtEdt = inflightNow;
  if (bbr.pacingGain > BBR_UNIT) inflightAtEdt += tsoSegsGoal(bbr, tp);
  if (intervalDelivered >= inflightAtEdt) return 0;
  return inflightAtEdt - intervalDelivered;
}

/** bbr_save_cwnd(). */
export function saveCwnd(bbr: Bbr3State, tp: TcpSock): void {
  if (bbr.prevCaState < CA_RECOVERY && bbr.mode !== BBR_PROBE_RTT) bbr.priorCwnd = tp.sndCwnd;
  else bbr.priorCwnd = Math.max(bbr.priorCwnd, tp.sndCwnd);
}

/** bbr_update_ack_aggregation(): as v1, but the window is 1 round until the pipe is full. */
export function updateAckAggregation(bbr: Bbr3State, tp: TcpSock, rs: RateSample): void {
  if (BBR_EXTRA_ACKED_GAIN === 0 || rs.ackedSacked <= 0 || rs.delivered < 0 || rs.intervalUs <= 0) return;
  if (bbr.roundStart) {
    bbr.extraAckedWinRtts = Math.min(0x1f, bbr.extraAckedWinRtts + 1);
    const thresh = bbr.fullBwReached ? BBR_EXTRA_ACKED_WIN_RTTS : 1;
    if (bbr.extraAckedWinRtts >= thresh) {
      bbr.extraAckedWinRtts = 0;
      bbr.extraAckedWinIdx = bbr.extraAckedWinIdx !== 0 ? 0 : 1;
      bbr.extraAcked[bbr.extraAckedWinIdx] = 0;
    }
  }
  const epochUs = Math.max(tp.deliveredMstamp - bbr.ackEpochMstamp, 0);
  let expectedAcked = mulShr(bbr.bw(), epochUs, BW_SCALE);
  if (bbr.ackEpochAcked <= expectedAcked || bbr.ackEpochAcked + rs.ackedSacked >= BBR_ACK_EPOCH_ACKED_RESET_THRESH) {
    bbr.ackEpochAcked = 0;
    bbr.ackEpochMstamp = tp.deliveredMstamp;
    expectedAcked = 0;
  }
  bbr.ackEpochAcked = Math.min(0xfffff, bbr.ackEpochAcked + rs.ackedSacked);
  const extraAcked = Math.min(bbr.ackEpochAcked - expectedAcked, tp.sndCwnd);
  const idx = bbr.extraAckedWinIdx;
  if (extraAcked > bbr.extraAcked[idx]) bbr.extraAcked[idx] = extraAcked & 0xffff;
}

/** bbr_ack_aggregation_cwnd(): v3 adds it in every mode, capped by 100 ms at bw. */
export function ackAggregationCwnd(bbr: Bbr3State): number {
  if (BBR_EXTRA_ACKED_GAIN === 0) return 0;
  const maxAggrCwnd = Math.floor((bbr.bw() * BBR_EXTRA_ACKED_MAX_US) / BW_UNIT);
  const aggrCwnd = (BBR_EXTRA_ACKED_GAIN * bbr.extraAckedMax()) >> BBR_SCALE;
  return Math.min(aggrCwnd, maxAggrCwnd);
}

/** bbr_probe_rtt_cwnd(): max(4, BDP x 1/2). */
export function probeRttCwnd(bbr: Bbr3State): number {
  return Math.max(BBR_CWND_MIN_TARGET, bdp(bbr, bbr.bw(), BBR_PROBE_RTT_CWND_GAIN));
}

/** bbr_set_cwnd(): grow toward the target (snap down once full); enable the fast path at the target. */
export function setCwnd(bbr: Bbr3State, tp: TcpSock, acked: number, bw: number, gain: number, cwnd: number): void {
  if (acked !== 0) {
    let targetCwnd = bdp(bbr, bw, gain);
    targetCwnd += ackAggregationCwnd(bbr);
    targetCwnd = quantizationBudget(bbr, tp, targetCwnd);

    bbr.tryFastPath = false;
    if (bbr.fullBwReached) {
      cwnd += acked;
      if (cwnd >= targetCwnd) {
        cwnd = targetCwnd;
        bbr.tryFastPath = true;
      }
    } else if (cwnd < targetCwnd || cwnd < 2 * bbr.initCwnd) {
      cwnd += acked;
    } else {
      bbr.tryFastPath = true;
    }
    cwnd = Math.max(cwnd, BBR_CWND_MIN_TARGET);
  }
  tp.sndCwnd = Math.min(cwnd, tp.sndCwndClamp);
  if (bbr.mode === BBR_PROBE_RTT) tp.sndCwnd = Math.min(tp.sndCwnd, probeRttCwnd(bbr));
}
