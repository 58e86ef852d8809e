/**
 * The model's inputs per ACK (v3 tcp_bbr.c): packet-timed rounds, the
 * bandwidth sample, the latest round's delivery (bw_latest,
 * inflight_latest) and the "loss round", and the max-bw filter bw_hi,
 * which in v3 holds the max of the current and the previous PROBE_BW cycle
 * (two slots, flipped once per cycle) instead of v1's 10-round window.
 */
import type { RateSample, TcpSock } from '../../tcp/types.js';
import type { Bbr3State } from './state.js';
import { adaptLowerBounds } from './bounds.js';
import { BW_UNIT } from './constants.js';

/** bbr_update_round_start(): a round ends when a packet sent after the last round's end is delivered. */
export function updateRoundStart(bbr: Bbr3State, tp: TcpSock, rs: RateSample): number {
  let roundDelivered = 0;
  bbr.roundStart = false;
  if (rs.intervalUs > 0 && rs.priorDelivered >= bbr.nextRttDelivered) {
    roundDelivered = tp.delivered - bbr.nextRttDelivered;
    bbr.nextRttDelivered = tp.delivered;
    bbr.roundStart = true;
  }
  return roundDelivered;
}

/** bbr_calculate_bw_sample(): delivered / interval rounded up, pkts/us << 24; 0 for an invalid sample. */
export function calculateBwSample(rs: RateSample): number {
  if (rs.intervalUs > 0) {
    if (rs.delivered < 0) return 0;
    return Math.ceil((rs.delivered * BW_UNIT) / rs.intervalUs);
  }
  return 0;
}

/** bbr_update_latest_delivery_signals(): max bw and volume delivered this round; loss-round starts. */
export function updateLatestDeliverySignals(bbr: Bbr3State, tp: TcpSock, rs: RateSample, sampleBw: number): void {
  bbr.lossRoundStart = false;
  if (rs.intervalUs <= 0 || rs.ackedSacked === 0) return;
  bbr.bwLatest = Math.max(bbr.bwLatest, sampleBw);
  bbr.inflightLatest = Math.max(bbr.inflightLatest, rs.delivered);
  if (rs.priorDelivered >= bbr.lossRoundDelivered) {
    bbr.lossRoundDelivered = tp.delivered;
    bbr.lossRoundStart = true;
  }
}

/**
 * bbr_advance_latest_delivery_signals(): at a loss-round start the filters
 * restart from this sample. (The kernel keeps them when the ACK covers a
 * TLP retransmission, rs->is_acking_tlp_retrans_seq, which cclab's core
 * does not mark.)
 */
export function advanceLatestDeliverySignals(bbr: Bbr3State, rs: RateSample, sampleBw: number): void {
  if (bbr.lossRoundStart) {
    bbr.bwLatest = sampleBw;
    bbr.inflightLatest = rs.delivered;
  }
}

/** bbr_take_max_bw_sample(): into the current cycle's slot. */
export function takeMaxBwSample(bbr: Bbr3State, bw: number): void {
  bbr.bwHi[1] = Math.max(bw, bbr.bwHi[1]);
}

/** bbr_advance_max_bw_filter(): once per cycle, the current slot becomes the previous one. */
export function advanceMaxBwFilter(bbr: Bbr3State): void {
  if (bbr.bwHi[1] === 0) return; // no samples in this window: keep the old one
  bbr.bwHi[0] = bbr.bwHi[1];
  bbr.bwHi[1] = 0;
}

/** bbr_update_congestion_signals(): bw_hi, loss in round; once per loss round, the lower bounds. */
export function updateCongestionSignals(bbr: Bbr3State, tp: TcpSock, rs: RateSample, sampleBw: number): void {
  if (rs.intervalUs <= 0 || rs.ackedSacked === 0) return;
  if (!rs.isAppLimited || sampleBw >= bbr.maxBw()) takeMaxBwSample(bbr, sampleBw);
  bbr.lossInRound ||= rs.losses > 0;
  if (!bbr.lossRoundStart) return;
  adaptLowerBounds(bbr, tp);
  bbr.lossInRound = false;
  bbr.ecnInRound = false;
}
