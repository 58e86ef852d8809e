/**
 * Pacing rate and TSO sizing (v3 tcp_bbr.c). As v1, BBRv3 paces at
 * pacing_gain x bw with a 1% margin,
 *
 *   rate (bytes/s) = max(bw * mss * gain >> 8 * (1e6 / 100 * 99) >> 24, 1),
 *
 * and before the first bw sample at startup_pacing_gain (2.77) x cwnd / srtt.
 * v3's TSO budget adds an RTT-based allowance, 64 KB >> (min_rtt / 512 us),
 * to ~1 ms of pacing, and floors it at sysctl_tcp_min_tso_segs (2).
 */
import type { TcpSock } from '../../tcp/types.js';
import type { Bbr3State } from './state.js';
import { SK_PACING_SHIFT } from '../../tcp/constants.js';
import {
  BBR_PACING_MARGIN_PERCENT,
  BBR_SCALE,
  BBR_STARTUP_PACING_GAIN,
  BBR_TSO_RTT_SHIFT,
  BBR_UNIT,
  BW_SCALE,
  BW_UNIT,
  GSO_LEGACY_MAX_SIZE,
  MAX_TCP_HEADER,
  TCP_MIN_TSO_SEGS,
  USEC_PER_MSEC,
  USEC_PER_SEC,
} from './constants.js';

/** bbr_rate_bytes_per_sec(): pkts/us << 24 with a gain and margin (%) to bytes/s, at least 1. */
export function rateBytesPerSec(tp: TcpSock, rate: number, gain: number, margin: number): number {
  const perSec = (USEC_PER_SEC / 100) * (100 - margin);
  const a = rate * tp.mss * gain;
  let r: number;
  if (a <= Number.MAX_SAFE_INTEGER && (a / 256) * perSec <= Number.MAX_SAFE_INTEGER) {
    r = Math.floor((Math.floor(a / 2 ** BBR_SCALE) * perSec) / 2 ** BW_SCALE);
  } else {
    let b = BigInt(rate) * BigInt(tp.mss) * BigInt(gain);
    b >>= BigInt(BBR_SCALE);
    b *= BigInt(perSec);
    r = Number(b >> BigInt(BW_SCALE));
  }
  return Math.max(r, 1);
}

/** bbr_bw_bytes_per_sec(): the estimate in bytes/s, no gain, no margin (tcp_bbr_info). */
export function bwBytesPerSec(tp: TcpSock, rate: number): number {
  return rateBytesPerSec(tp, rate, BBR_UNIT, 0);
}

/** bbr_bw_to_pacing_rate(): bytes/s with the 1% margin, capped by sk_max_pacing_rate. */
export function bwToPacingRate(tp: TcpSock, bw: number, gain: number): number {
  return Math.min(rateBytesPerSec(tp, bw, gain, BBR_PACING_MARGIN_PERCENT), tp.maxPacingRate);
}

/** bbr_init_pacing_rate_from_rtt(): startup_pacing_gain x cwnd / srtt (1 ms without a sample). */
export function initPacingRateFromRtt(bbr: Bbr3State, tp: TcpSock): void {
  let rttUs: number;
  if (tp.srttUs8 !== 0) {
    rttUs = Math.max(Math.floor(tp.srttUs8 / 8), 1);
    bbr.hasSeenRtt = true;
  } else {
    rttUs = USEC_PER_MSEC;
  }
  const bw = Math.floor((tp.sndCwnd * BW_UNIT) / rttUs);
  tp.pacingRate = bwToPacingRate(tp, bw, BBR_STARTUP_PACING_GAIN);
}

/** bbr_set_pacing_rate(): pace at gain x bw; before the pipe is full, never slower. */
export function setPacingRate(bbr: Bbr3State, tp: TcpSock, bw: number, gain: number): void {
  const rate = bwToPacingRate(tp, bw, gain);
  if (!bbr.hasSeenRtt && tp.srttUs8 !== 0) initPacingRateFromRtt(bbr, tp);
  if (bbr.fullBwReached || rate > tp.pacingRate) tp.pacingRate = rate;
}

/**
 * bbr_tso_segs_generic(sk, mss, gso_max_size) with bbr_tso_segs_goal()'s
 * arguments (mss_cache, GSO_LEGACY_MAX_SIZE): segments per burst from
 * ~1 ms of pacing plus 64 KB >> (min_rtt >> 9), at least 2.
 */
export function tsoSegsGoal(bbr: Bbr3State, tp: TcpSock): number {
  let bytes = Math.floor(tp.pacingRate / 2 ** SK_PACING_SHIFT);
  const r = Math.floor(bbr.minRttUs / 2 ** BBR_TSO_RTT_SHIFT);
  if (r < 32) bytes += Math.floor(GSO_LEGACY_MAX_SIZE / 2 ** r);
  bytes = Math.min(bytes, GSO_LEGACY_MAX_SIZE - 1 - MAX_TCP_HEADER);
  return Math.max(Math.floor(bytes / tp.mss), TCP_MIN_TSO_SEGS);
}
