/**
 * ACK aggregation (tcp_bbr.c, bbr_update_ack_aggregation): when ACKs arrive
 * in bursts (delayed or stretched ACKs, aggregating links), more data is
 * ACKed in an epoch than bw x epoch would predict. The excess, "extra_acked",
 * is kept as a max over 5-10 rounds (two 5-round halves) and, once the pipe
 * is full, added to the target cwnd so the sender keeps sending through
 * ACK silences. It is capped by cwnd and by 100 ms at the estimated bw.
 */
import type { RateSample, TcpSock } from '../../tcp/types.js';
import type { BbrState } from './state.js';
import { mulShr } from './arith.js';
import {
  BBR_ACK_EPOCH_ACKED_RESET_THRESH,
  BBR_EXTRA_ACKED_GAIN,
  BBR_EXTRA_ACKED_MAX_US,
  BBR_EXTRA_ACKED_WIN_RTTS,
  BBR_SCALE,
  BW_SCALE,
} from './constants.js';

/** Width of the ack_epoch_acked bit field. */
const ACK_EPOCH_ACKED_MAX = 0xfffff;
/** Width of the extra_acked_win_rtts bit field. */
const EXTRA_ACKED_WIN_RTTS_MAX = 0x1f;

/** bbr_update_ack_aggregation(). */
export function updateAckAggregation(bbr: BbrState, tp: TcpSock, rs: RateSample): void {
  if (BBR_EXTRA_ACKED_GAIN === 0 || rs.ackedSacked <= 0 || rs.delivered < 0 || rs.intervalUs <= 0) return;

  if (bbr.roundStart) {
    bbr.extraAckedWinRtts = Math.min(EXTRA_ACKED_WIN_RTTS_MAX, bbr.extraAckedWinRtts + 1);
    if (bbr.extraAckedWinRtts >= BBR_EXTRA_ACKED_WIN_RTTS) {
      bbr.extraAckedWinRtts = 0;
      bbr.extraAckedWinIdx = bbr.extraAckedWinIdx !== 0 ? 0 : 1;
      bbr.extraAcked[bbr.extraAckedWinIdx] = 0;
    }
  }

  // packets the bw estimate predicts for the epoch so far
  const epochUs = Math.max(tp.deliveredMstamp - bbr.ackEpochMstamp, 0);
  let expectedAcked = mulShr(bbr.bw(), epochUs, BW_SCALE);

  // ACKs slower than predicted, or a very long epoch: start a new epoch
  if (bbr.ackEpochAcked <= expectedAcked || bbr.ackEpochAcked + rs.ackedSacked >= BBR_ACK_EPOCH_ACKED_RESET_THRESH) {
    bbr.ackEpochAcked = 0;
    bbr.ackEpochMstamp = tp.deliveredMstamp;
    expectedAcked = 0;
  }

  bbr.ackEpochAcked = Math.min(ACK_EPOCH_ACKED_MAX, bbr.ackEpochAcked + rs.ackedSacked);
  let extraAcked = bbr.ackEpochAcked - expectedAcked;
  extraAcked = Math.min(extraAcked, tp.sndCwnd);
  const idx = bbr.extraAckedWinIdx;
  // stored in a u16, as the kernel's extra_acked[]
  if (extraAcked > bbr.extraAcked[idx]) bbr.extraAcked[idx] = extraAcked & 0xffff;
}

/** bbr_ack_aggregation_cwnd(): cwnd increment for ACK aggregation, packets. */
export function ackAggregationCwnd(bbr: BbrState): number {
  let aggrCwnd = 0;
  if (BBR_EXTRA_ACKED_GAIN !== 0 && bbr.fullBwReached) {
    const maxAggrCwnd = mulShr(bbr.bw(), BBR_EXTRA_ACKED_MAX_US, BW_SCALE);
    aggrCwnd = (BBR_EXTRA_ACKED_GAIN * bbr.extraAckedMax()) >> BBR_SCALE;
    aggrCwnd = Math.min(aggrCwnd, maxAggrCwnd);
  }
  return aggrCwnd;
}
