/**
 * Pacing rate and TSO sizing (tcp_bbr.c). BBR paces at pacing_gain x bw,
 * 1% below the estimate on average so that the bottleneck queue drains:
 *
 *   rate (bytes/s) = bw * mss * gain / 256 * (1e6 / 100 * 99) >> 24
 *
 * in that order, as the kernel does it to stay within u64. Before the first
 * bandwidth sample it paces at high_gain x cwnd / srtt (or / 1 ms without an
 * RTT). Until STARTUP fills the pipe the rate only ever rises.
 */
import type { TcpSock } from '../../tcp/types.js';
import type { BbrState } from './state.js';
import {
  BBR_HIGH_GAIN,
  BBR_MIN_TSO_RATE_BPS,
  BBR_PACING_MARGIN_PERCENT,
  BBR_SCALE,
  BBR_TSO_MAX_BYTES,
  BBR_TSO_SEGS_MAX,
  BW_SCALE,
  BW_UNIT,
  SK_PACING_SHIFT,
  USEC_PER_MSEC,
  USEC_PER_SEC,
} from './constants.js';

const BBR_UNIT_DIV = 2 ** BBR_SCALE;
const BW_UNIT_DIV = 2 ** BW_SCALE;
const PACING_SHIFT_DIV = 2 ** SK_PACING_SHIFT;

/** USEC_PER_SEC / 100 * (100 - margin): the per-second factor with the 1% margin. */
const USEC_WITH_MARGIN = (USEC_PER_SEC / 100) * (100 - BBR_PACING_MARGIN_PERCENT);

/** bbr_rate_bytes_per_sec(): pkts/us << 24 with a gain to bytes/s, 1% below. */
export function rateBytesPerSec(tp: TcpSock, rate: number, gain: number): number {
  const a = rate * tp.mss * gain;
  if (a <= Number.MAX_SAFE_INTEGER && (a / 256) * USEC_WITH_MARGIN <= Number.MAX_SAFE_INTEGER) {
    const r = Math.floor(a / BBR_UNIT_DIV) * USEC_WITH_MARGIN;
    return Math.floor(r / BW_UNIT_DIV);
  }
  let r = BigInt(rate) * BigInt(tp.mss) * BigInt(gain);
  r >>= BigInt(BBR_SCALE);
  r *= BigInt(USEC_WITH_MARGIN);
  return Number(r >> BigInt(BW_SCALE));
}

/** bbr_bw_to_pacing_rate(): bytes/s, capped by sk_max_pacing_rate. */
export function bwToPacingRate(tp: TcpSock, bw: number, gain: number): number {
  return Math.min(rateBytesPerSec(tp, bw, gain), tp.maxPacingRate);
}

/** bbr_init_pacing_rate_from_rtt(): high_gain x cwnd / srtt (1 ms without a sample). */
export function initPacingRateFromRtt(bbr: BbrState, tp: TcpSock): void {
  let rttUs: number;
  if (tp.srttUs8 !== 0) {
    rttUs = Math.max(Math.floor(tp.srttUs8 / 8), 1);
    bbr.hasSeenRtt = true;
  } else {
    rttUs = USEC_PER_MSEC;
  }
  const bw = Math.floor((tp.sndCwnd * BW_UNIT) / rttUs);
  tp.pacingRate = bwToPacingRate(tp, bw, BBR_HIGH_GAIN);
}

/** bbr_set_pacing_rate(): pace at gain x bw; before the pipe is full, never slower. */
export function setPacingRate(bbr: BbrState, tp: TcpSock, bw: number, gain: number): void {
  const rate = bwToPacingRate(tp, bw, gain);
  if (!bbr.hasSeenRtt && tp.srttUs8 !== 0) initPacingRateFromRtt(bbr, tp);
  if (bbr.fullBwReached || rate > tp.pacingRate) tp.pacingRate = rate;
}

/** bbr_min_tso_segs(): 1 segment below 1.2 Mbit/s of pacing, else 2. */
export function minTsoSegs(tp: TcpSock): number {
  return tp.pacingRate < BBR_MIN_TSO_RATE_BPS >> 3 ? 1 : 2;
}

/**
 * bbr_tso_segs_goal(): segments per "TSO burst", ~1 ms of pacing (rate >>
 * sk_pacing_shift), at most 127. The kernel computes it from the pacing rate
 * alone, deliberately ignoring the device's sk_gso_max_size, so its value is
 * the same with TSO/GSO off as on: at 50 Mbit/s (~6.2 MB/s) it is 4 segments
 * and the quantization budget adds 12 packets to cwnd. (The skbs the sender
 * actually builds are sized by tcp_tso_segs() in tcp/output.ts, with
 * bbr_min_tso_segs() as the floor.)
 */
export function tsoSegsGoal(tp: TcpSock): number {
  const bytes = Math.min(Math.floor(tp.pacingRate / PACING_SHIFT_DIV), BBR_TSO_MAX_BYTES);
  const segs = Math.max(Math.floor(bytes / tp.mss), minTsoSegs(tp));
  return Math.min(segs, BBR_TSO_SEGS_MAX);
}
