/**
 * TCP Brutal: the congestion control of the Hysteria proxy, as the Linux
 * kernel module `tcp_brutal` implements it (facts: shared/reference/brutal.md).
 *
 * Model in plain words. Brutal does not probe for capacity. The application
 * sets a send rate (bytes per second) and a cwnd gain (tenths); on every ACK
 * the module
 *   1. drops the ACK entirely if Linux's rate sample is invalid;
 *   2. adds the ACK's newly delivered packets (acked_sacked) and newly marked
 *      losses to the slot of the current second of the sender's clock
 *      (tcp_mstamp / 1e6), one slot per second, PKT_INFO_SLOTS slots in a ring;
 *   3. computes the ACK rate (percent) over the slots of the last
 *      PKT_INFO_SLOTS seconds: 100 below 50 samples, else
 *      acked*100/(acked+losses) but never below 80;
 *   4. raises the rate to make up for the losses: rate' = rate*100/ack_rate
 *      (at most 1.25x the set rate);
 *   5. sets cwnd = rate' x srtt (whole ms) / mss x gain/10 (integer division at
 *      every step, in the module's order; at least 4; at most snd_cwnd_clamp)
 *      and the pacing rate to rate'.
 * It never slows down on loss or timeout: ssthresh() and undo_cwnd() hand back
 * the current values, there is no slow start (ssthresh stays infinite), and
 * because it implements cong_control the stack skips PRR and its own pacing
 * update. The socket is paced by the stack (SK_PACING_NEEDED).
 *
 * Arithmetic follows the module's C types: the rate is a u64 (exact here: a
 * Number while rate*100 fits in 2^53, BigInt beyond), acked/losses, ack_rate
 * and cwnd are u32 and wrap as the kernel's do.
 */
import type { CongestionOps, RateSample, TcpSock } from '../tcp/types.js';
import { TCP_INFINITE_SSTHRESH } from '../tcp/constants.js';
import type { CcSpec } from './spec.js';

/** MIN_PKT_INFO_SAMPLES: below this many packets (acked + lost) the ACK rate is taken as 100%. */
export const BRUTAL_MIN_PKT_INFO_SAMPLES = 50;
/** MIN_ACK_RATE_PERCENT: the ACK-rate floor, percent (caps the compensation at 100/80 = 1.25x). */
export const BRUTAL_MIN_ACK_RATE_PERCENT = 80;
/** MIN_CWND: smallest congestion window Brutal sets, packets. */
export const BRUTAL_MIN_CWND = 4;
/** PKT_INFO_SLOTS on current x86_64 kernels (ICSK_CA_PRIV_SIZE = 104 bytes). */
export const BRUTAL_DEFAULT_SLOTS = 5;
/** tcp_brutal's setsockopt limits: the smallest rate, bytes per second (500 kbit/s). */
export const BRUTAL_MIN_RATE_BYTES = 62500;
/** The rate a socket has until TCP_BRUTAL_PARAMS sets one: 1 Mbit/s, bytes per second. */
export const BRUTAL_DEFAULT_RATE_BYTES = 125000;
/** cwnd gain limits and default, tenths (20 = 2.0x). */
export const BRUTAL_MIN_CWND_GAIN = 5;
export const BRUTAL_MAX_CWND_GAIN = 80;
export const BRUTAL_DEFAULT_CWND_GAIN = 20;
/** Microseconds per second (USEC_PER_SEC), for the slot clock. */
const USEC_PER_SEC = 1_000_000;
/** USEC_PER_MSEC: srtt is truncated to whole milliseconds. */
const USEC_PER_MSEC = 1000;
/** MSEC_PER_SEC: the rate (bytes/s) is turned into bytes per millisecond first. */
const MSEC_PER_SEC = 1000;

export interface BrutalConfig {
  /** Send rate, bytes per second (TCP_BRUTAL_PARAMS.rate). */
  rateBytesPerSec: number;
  /** cwnd gain in tenths (TCP_BRUTAL_PARAMS.cwnd_gain; 20 = 2.0x). */
  cwndGain: number;
  /** PKT_INFO_SLOTS (3..5, depending on the kernel's ICSK_CA_PRIV_SIZE). */
  slots: number;
}

/** What one ACK made of the module's state: its inputs to the cwnd formula and the results. */
export interface BrutalUpdate {
  /** Packets delivered over the slot window. */
  acked: number;
  /** Packets lost over the slot window. */
  losses: number;
  /** ACK rate, percent (80..100). */
  ackRate: number;
  /** Compensated rate rate*100/ack_rate, bytes per second (u64: a BigInt only beyond 2^53). */
  rate: number | bigint;
  /** srtt in whole milliseconds, at least 1. */
  rttMs: number;
  /** cwnd from the formula, before the clamp, packets. */
  cwnd: number;
}

const MAX_SAFE_RATE = Math.floor(Number.MAX_SAFE_INTEGER / 100);

/** a * b as the kernel's u32 multiplication (wraps modulo 2^32). */
function mulU32(a: number, b: number): number {
  return Math.imul(a, b) >>> 0;
}

/**
 * The module's ack_rate: 100 below MIN_PKT_INFO_SAMPLES samples, else
 * acked*100/(acked+losses) (u32 arithmetic), floored at 80.
 */
export function brutalAckRate(acked: number, losses: number): number {
  const total = (acked + losses) >>> 0;
  if (total < BRUTAL_MIN_PKT_INFO_SAMPLES) return 100;
  const r = Math.floor(mulU32(acked, 100) / total);
  return r < BRUTAL_MIN_ACK_RATE_PERCENT ? BRUTAL_MIN_ACK_RATE_PERCENT : r;
}

/** floor(a / b) for non-negative integers below 2^53, exact (corrects the float quotient's rounding). */
function idiv(a: number, b: number): number {
  let q = Math.floor(a / b);
  if (q * b > a) q--;
  else if ((q + 1) * b <= a) q++;
  return q;
}

/**
 * rate * 100 / ack_rate in u64, exactly: a Number while rate * 100 fits in
 * 2^53 (any rate below ~720 Tbit/s), else a BigInt.
 */
export function brutalCompensatedRate(rateBytesPerSec: number, ackRate: number): number | bigint {
  if (rateBytesPerSec <= MAX_SAFE_RATE) return idiv(rateBytesPerSec * 100, ackRate);
  return BigInt.asUintN(64, BigInt(rateBytesPerSec) * 100n) / BigInt(ackRate);
}

/**
 * The module's cwnd formula, in its order with integer division at each step
 * (cwnd is a u32: `cwnd = rate / 1000` truncates, the products wrap):
 * cwnd = rate/1000; cwnd *= rtt_ms; cwnd /= mss; cwnd *= gain; cwnd /= 10; max(cwnd, 4).
 */
export function brutalCwnd(rate: number | bigint, rttMs: number, mss: number, cwndGain: number): number {
  let cwnd =
    typeof rate === 'number' ? idiv(rate, MSEC_PER_SEC) >>> 0 : Number(BigInt.asUintN(32, rate / BigInt(MSEC_PER_SEC)));
  cwnd = mulU32(cwnd, rttMs);
  cwnd = Math.floor(cwnd / mss);
  cwnd = mulU32(cwnd, cwndGain);
  cwnd = Math.floor(cwnd / 10);
  return Math.max(cwnd, BRUTAL_MIN_CWND);
}

/** srtt in whole milliseconds from tp->srtt_us (scaled by 8), at least 1. */
export function brutalRttMs(srttUs8: number): number {
  const ms = Math.floor(Math.floor(srttUs8 / 8) / USEC_PER_MSEC);
  return ms === 0 ? 1 : ms;
}

export interface BrutalOps extends CongestionOps {
  /** The state the last valid ACK produced (null before the first), for tests and time series. */
  readonly last: BrutalUpdate | null;
}

export function createBrutal(cfg: Partial<BrutalConfig> = {}): BrutalOps {
  const rate = cfg.rateBytesPerSec ?? BRUTAL_DEFAULT_RATE_BYTES;
  const cwndGain = cfg.cwndGain ?? BRUTAL_DEFAULT_CWND_GAIN;
  const nSlots = cfg.slots ?? BRUTAL_DEFAULT_SLOTS;
  // struct brutal_pkt_info { u64 sec; u32 acked; u32 losses; } slots[PKT_INFO_SLOTS], zeroed by init
  const slotSec = new Float64Array(nSlots);
  const slotAcked = new Float64Array(nSlots);
  const slotLosses = new Float64Array(nSlots);
  let last: BrutalUpdate | null = null;

  /** brutal_update_rate(): cwnd and pacing rate from the slots. */
  function updateRate(tp: TcpSock): void {
    const sec = Math.floor(tp.mstampUs / USEC_PER_SEC);
    // The module computes min_sec = sec - PKT_INFO_SLOTS in u64; on a real host
    // tcp_mstamp counts from boot, so sec >= PKT_INFO_SLOTS and it never wraps.
    // The simulator's clock starts at 0: compare signed to keep that behaviour.
    const minSec = sec - nSlots;
    let acked = 0;
    let losses = 0;
    for (let i = 0; i < nSlots; i++) {
      if (slotSec[i]! >= minSec) {
        acked = (acked + slotAcked[i]!) >>> 0;
        losses = (losses + slotLosses[i]!) >>> 0;
      }
    }
    const ackRate = brutalAckRate(acked, losses);
    const rateAdj = brutalCompensatedRate(rate, ackRate);
    const rttMs = brutalRttMs(tp.srttUs8);
    const cwnd = brutalCwnd(rateAdj, rttMs, tp.mss, cwndGain);
    tp.sndCwnd = Math.min(cwnd, tp.sndCwndClamp);
    const r = Number(rateAdj);
    tp.pacingRate = Math.min(r, tp.maxPacingRate);
    last = { acked, losses, ackRate, rate: rateAdj, rttMs, cwnd };
  }

  return {
    name: 'brutal',
    needsPacing: true,
    get last() {
      return last;
    },
    init(tp: TcpSock): void {
      tp.sndSsthresh = TCP_INFINITE_SSTHRESH;
      slotSec.fill(0);
      slotAcked.fill(0);
      slotLosses.fill(0);
      last = null;
    },
    /** brutal_main(). */
    congControl(tp: TcpSock, rs: RateSample): void {
      if (rs.delivered < 0 || rs.intervalUs <= 0) return;
      const sec = Math.floor(tp.mstampUs / USEC_PER_SEC);
      const slot = sec % nSlots;
      if (slotSec[slot] === sec) {
        slotAcked[slot] = (slotAcked[slot]! + rs.ackedSacked) >>> 0;
        slotLosses[slot] = (slotLosses[slot]! + rs.losses) >>> 0;
      } else {
        slotSec[slot] = sec;
        slotAcked[slot] = rs.ackedSacked >>> 0;
        slotLosses[slot] = rs.losses >>> 0;
      }
      updateRate(tp);
    },
    ssthresh(tp: TcpSock): number {
      return tp.sndSsthresh;
    },
    undoCwnd(tp: TcpSock): number {
      return tp.sndCwnd;
    },
    info(): Record<string, number | string> {
      return {
        rateBytesPerSec: rate,
        cwndGain,
        slots: nSlots,
        ackRate: last?.ackRate ?? 100,
        pacingRateBytesPerSec: last ? Number(last.rate) : 0,
        windowAcked: last?.acked ?? 0,
        windowLosses: last?.losses ?? 0,
        rttMs: last?.rttMs ?? 0,
      };
    },
  };
}

/** TCP Brutal (the tcp_brutal module, apernet/tcp-brutal). */
export const brutalSpec: CcSpec<BrutalConfig> = {
  name: 'brutal',
  label: 'Brutal',
  doc: "Hysteria's fixed-rate congestion control as the tcp_brutal module: a set rate, raised to make up for loss",
  color: '#d55e00', // Okabe-Ito (src/report/palette.ts)
  marker: 'rectRot',
  dash: [10, 4, 2, 4],
  params: {
    rate: {
      kind: 'rate',
      default: `${BRUTAL_DEFAULT_RATE_BYTES * 8}bit`,
      help: 'the send rate (TCP_BRUTAL_PARAMS.rate)',
      check: (bps) => (Math.floor(bps / 8) >= BRUTAL_MIN_RATE_BYTES ? null : `below tcp_brutal's minimum of 500kbit (${BRUTAL_MIN_RATE_BYTES} bytes/s)`),
    },
    cwndGain: { kind: 'int', default: BRUTAL_DEFAULT_CWND_GAIN, min: BRUTAL_MIN_CWND_GAIN, max: BRUTAL_MAX_CWND_GAIN, help: 'tenths: 20 = 2.0x, as tcp_brutal accepts' },
    /** PKT_INFO_SLOTS: 5 on current x86_64 kernels (ICSK_CA_PRIV_SIZE 104); 3 or 4 on older ones. */
    slots: { kind: 'int', default: BRUTAL_DEFAULT_SLOTS, min: 3, max: 5, help: "PKT_INFO_SLOTS, 3 to 5 depending on the kernel's ICSK_CA_PRIV_SIZE" },
  },
  resolveParams: (p) => ({ rateBytesPerSec: Math.floor((p.rate as number) / 8), cwndGain: p.cwndGain as number, slots: p.slots as number }),
  create: (p) => createBrutal(p),
  paced: true,
  kernel: {
    shimEnv: (p) => [`CCLAB_BRUTAL_RATE=${p.rateBytesPerSec}`, `CCLAB_BRUTAL_CWND_GAIN=${p.cwndGain}`],
  },
};
