/**
 * The congestion window (tcp_bbr.c). BBR's cwnd is a cap on data in flight,
 * not its rate control:
 *
 *   target = ceil(cwnd_gain x bw x min_rtt)           (the BDP with a gain)
 *          + extra_acked                              (ACK aggregation)
 *          + 3 x tso_segs_goal, rounded up to even    (quantization budget)
 *          + 2 in the 5/4 probing phase
 *
 * cwnd grows toward the target by the packets ACKed (slow-start like) and,
 * once the pipe is full, is cut to it at once; never below 4 packets.
 * In loss recovery the first round follows packet conservation (send what
 * is ACKed); on leaving recovery the cwnd saved on entry is restored.
 * PROBE_RTT clamps cwnd to 4.
 */
import { CA_RECOVERY, type RateSample, type TcpSock } from '../../tcp/types.js';
import type { BbrState } from './state.js';
import { mulShr } from './arith.js';
import { ackAggregationCwnd } from './ack_aggregation.js';
import { tsoSegsGoal } from './pacing.js';
import { TCP_INIT_CWND } from '../../tcp/constants.js';
import {
  BBR_CWND_MIN_TARGET,
  BBR_PROBE_BW,
  BBR_PROBE_RTT,
  BBR_SCALE,
  BBR_UNIT,
  BW_SCALE,
  BW_UNIT,
  NSEC_PER_USEC,
  U32_MAX,
} from './constants.js';

const BBR_UNIT_DIV = 2 ** BBR_SCALE;

/** bbr_bdp(): ceil(bw x min_rtt x gain), packets; TCP_INIT_CWND without an RTT sample. */
export function bdp(bbr: BbrState, bw: number, gain: number): number {
  if (bbr.minRttUs === U32_MAX) return TCP_INIT_CWND;
  // w = (u64)bw * min_rtt_us; then ((w * gain) >> BBR_SCALE) rounded up to whole packets
  const w = bw * bbr.minRttUs;
  let scaled: number;
  if (w * gain <= Number.MAX_SAFE_INTEGER) scaled = Math.floor((w * gain) / BBR_UNIT_DIV);
  else scaled = Number((BigInt(bw) * BigInt(bbr.minRttUs) * BigInt(gain)) >> BigInt(BBR_SCALE));
  return Math.floor((scaled + BW_UNIT - 1) / BW_UNIT);
}

/** bbr_quantization_budget(): room for full-sized bursts at both ends, even count. */
export function quantizationBudget(bbr: BbrState, tp: TcpSock, cwnd: number): number {
  cwnd += 3 * tsoSegsGoal(tp);
  cwnd = (cwnd + 1) & ~1;
  if (bbr.mode === BBR_PROBE_BW && bbr.cycleIdx === 0) cwnd += 2;
  return cwnd;
}

/** bbr_inflight(): the in-flight target for a bw and gain, packets. */
export function inflight(bbr: BbrState, tp: TcpSock, bw: number, gain: number): number {
  return quantizationBudget(bbr, tp, bdp(bbr, bw, gain));
}

/**
 * bbr_packets_in_net_at_edt(): packets that will still be in the network when
 * the next paced packet departs: in-flight minus what bw delivers until then,
 * plus that packet's burst when inflight is rising.
 */
export function packetsInNetAtEdt(bbr: BbrState, tp: TcpSock, inflightNow: number): number {
  const nowNs = tp.tcpClockCacheNs;
  const edtNs = Math.max(tp.tcpWstampNs, nowNs);
  const intervalUs = Math.floor((edtNs - nowNs) / NSEC_PER_USEC);
  const intervalDelivered = mulShr(bbr.bw(), intervalUs, BW_SCALE);
  let inflightAtEdt = inflightNow;
  if (bbr.pacingGain > BBR_UNIT) inflightAtEdt += tsoSegsGoal(tp);
  if (intervalDelivered >= inflightAtEdt) return 0;
  return inflightAtEdt - intervalDelivered;
}

/** bbr_save_cwnd(): remember the last good cwnd before recovery or PROBE_RTT cut it. */
export function saveCwnd(bbr: BbrState, tp: TcpSock): void {
  if (bbr.prevCaState < CA_RECOVERY && bbr.mode !== BBR_PROBE_RTT) bbr.priorCwnd = tp.sndCwnd;
  else bbr.priorCwnd = Math.max(bbr.priorCwnd, tp.sndCwnd);
}

/** The new cwnd, and whether packet conservation decided it (the kernel's bool + *new_cwnd). */
export interface RecoverResult {
  cwnd: number;
  conservation: boolean;
}
/** Reused on every ACK: the result is read immediately by the caller. */
const recoverResult: RecoverResult = { cwnd: 0, conservation: false };

/**
 * bbr_set_cwnd_to_recover_or_restore(): deduct losses; packet conservation in
 * the first round of recovery; restore the saved cwnd when recovery ends.
 */
export function setCwndToRecoverOrRestore(bbr: BbrState, tp: TcpSock, rs: RateSample, acked: number): RecoverResult {
  const prevState = bbr.prevCaState;
  const state = tp.caState;
  let cwnd = tp.sndCwnd;

  // an ACK for P packets releases at most 2P: first take the lost ones off
  if (rs.losses > 0) cwnd = Math.max(cwnd - rs.losses, 1);

  if (state === CA_RECOVERY && prevState !== CA_RECOVERY) {
    // first round of recovery: packet conservation, and a round starts now
    bbr.packetConservation = true;
    bbr.nextRttDelivered = tp.delivered;
    cwnd = tp.packetsInFlight() + acked;
  } else if (prevState >= CA_RECOVERY && state < CA_RECOVERY) {
    // leaving recovery (or Loss): back to the cwnd saved on entry
    cwnd = Math.max(cwnd, bbr.priorCwnd);
    bbr.packetConservation = false;
  }
  bbr.prevCaState = state;

  const r = recoverResult;
  r.conservation = bbr.packetConservation;
  r.cwnd = bbr.packetConservation ? Math.max(cwnd, tp.packetsInFlight() + acked) : cwnd;
  return r;
}

/** bbr_set_cwnd(): move cwnd toward the target, then apply the clamps. */
export function setCwnd(bbr: BbrState, tp: TcpSock, rs: RateSample, acked: number, bw: number, gain: number): void {
  let cwnd = tp.sndCwnd;
  if (acked !== 0) {
    const r = setCwndToRecoverOrRestore(bbr, tp, rs, acked);
    cwnd = r.cwnd;
    if (!r.conservation) {
      let targetCwnd = bdp(bbr, bw, gain);
      targetCwnd += ackAggregationCwnd(bbr);
      targetCwnd = quantizationBudget(bbr, tp, targetCwnd);

      if (bbr.fullBwReached) cwnd = Math.min(cwnd + acked, targetCwnd);
      else if (cwnd < targetCwnd || tp.delivered < TCP_INIT_CWND) cwnd = cwnd + acked;
      cwnd = Math.max(cwnd, BBR_CWND_MIN_TARGET);
    }
  }
  tp.sndCwnd = Math.min(cwnd, tp.sndCwndClamp);
  if (bbr.mode === BBR_PROBE_RTT) tp.sndCwnd = Math.min(tp.sndCwnd, BBR_CWND_MIN_TARGET);
}
