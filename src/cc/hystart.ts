/**
 * HyStart (hybrid slow start), as Linux 6.1's tcp_cubic.c runs it for Cubic
 * (Ha & Rhee, "Taming the Elephants: New TCP Slow Start", 2008).
 *
 * Model in plain words. While in slow start with cwnd >= hystart_low_window
 * (16 packets), every ACK carrying an RTT sample feeds two detectors over
 * the current round (a round ends when snd_una passes the snd_nxt recorded at
 * its start):
 *   - ACK train: ACKs arriving at most hystart_ack_delta_us (2 ms) apart form
 *     a train; once the train has lasted longer than delay_min (plus a
 *     GSO/TSO cushion of at most 1 ms), halved when the socket is not paced,
 *     the pipe is considered full;
 *   - delay: the minimum RTT of the round's first HYSTART_MIN_SAMPLES (8)
 *     samples, then of every further sample, is compared with delay_min plus
 *     a threshold of delay_min/8 clamped to 4..16 ms; above it, the queue is
 *     building.
 * Either detector sets ssthresh = cwnd (slow start ends on this ACK's
 * cong_avoid) and `found`, after which HyStart is silent until the state is
 * reset by a Loss (RTO) episode.
 *
 * Clocks as in the kernel: round_start and last_ack are the u32 microsecond
 * clock tcp_mstamp (bictcp_clock_us), compared as signed 32-bit differences;
 * end_seq is snd_nxt (here in segments, which compares the same way).
 */
import type { TcpSock } from '../tcp/types.js';

/** hystart_detect bit: ACK-train detection. */
export const HYSTART_ACK_TRAIN = 0x1;
/** hystart_detect bit: delay-increase detection. */
export const HYSTART_DELAY = 0x2;
/** RTT samples per round before the delay detector may fire. */
export const HYSTART_MIN_SAMPLES = 8;
/** Delay-threshold clamp, microseconds: HYSTART_DELAY_THRESH(x) = clamp(x, 4 ms, 16 ms). */
export const HYSTART_DELAY_MIN_US = 4000;
export const HYSTART_DELAY_MAX_US = 16000;
/** Default module parameters: hystart_low_window (packets) and hystart_ack_delta_us (µs). */
export const HYSTART_LOW_WINDOW = 16;
export const HYSTART_ACK_DELTA_US = 2000;

/** sk_pacing_status value of a socket nobody paces (SK_PACING_NONE). */
const SK_PACING_NONE = 0;
/** USEC_PER_MSEC: the GSO cushion is capped at 1 ms. */
const USEC_PER_MSEC = 1000;
const USEC_PER_SEC = 1_000_000;
/**
 * sk_gso_max_size of a TCP socket on the Debian 6.1 kernel: TCP sockets always
 * get software GSO (sk_setup_caps), so it is the device's gso_max_size
 * (GSO_LEGACY_MAX_SIZE = 65536) minus MAX_TCP_HEADER + 1, where MAX_TCP_HEADER =
 * L1_CACHE_ALIGN(128 + MAX_HEADER) = 320 bytes with Debian's config
 * (LL_MAX_HEADER 128 for Hyper-V, +48 for IP tunnels, 64-byte cache lines).
 */
export const SK_GSO_MAX_SIZE = 65536 - (320 + 1);

/** clamp(x, HYSTART_DELAY_MIN, HYSTART_DELAY_MAX), microseconds. */
export function hystartDelayThresh(xUs: number): number {
  return Math.min(Math.max(xUs, HYSTART_DELAY_MIN_US), HYSTART_DELAY_MAX_US);
}

/**
 * hystart_ack_delay(): the TSO/GRO cushion added to the ACK-train threshold,
 * min(1 ms, 4 x sk_gso_max_size / pacing rate), 0 while there is no pacing rate.
 */
export function hystartAckDelayUs(pacingRateBytesPerSec: number): number {
  if (!pacingRateBytesPerSec) return 0;
  return Math.min(USEC_PER_MSEC, Math.floor((SK_GSO_MAX_SIZE * 4 * USEC_PER_SEC) / pacingRateBytesPerSec));
}

export interface HyStartConfig {
  /** hystart_detect: HYSTART_ACK_TRAIN | HYSTART_DELAY. */
  detect: number;
  /** hystart_low_window, packets. */
  lowWindow: number;
  /** hystart_ack_delta_us. */
  ackDeltaUs: number;
}

export const HYSTART_DEFAULTS: HyStartConfig = {
  detect: HYSTART_ACK_TRAIN | HYSTART_DELAY,
  lowWindow: HYSTART_LOW_WINDOW,
  ackDeltaUs: HYSTART_ACK_DELTA_US,
};

/** bictcp_clock_us(): tcp_mstamp truncated to u32. */
function clockUs(tp: TcpSock): number {
  return tp.mstampUs >>> 0;
}

/** The HyStart fields of struct bictcp and the MIB counters Linux keeps for it. */
export class HyStart {
  /** Exit point found (ca->found). */
  found = false;
  /** Start of the current round, u32 µs. */
  roundStart = 0;
  /** snd_nxt when the round started. */
  endSeq = 0;
  /** Last ACK of the current train, u32 µs. */
  lastAck = 0;
  /** Minimum RTT of the current round, µs (~0U = none). */
  currRtt = 0;
  /** Samples taken in this round (u8 in the kernel, capped at HYSTART_MIN_SAMPLES). */
  sampleCnt = 0;

  // LINUX_MIB_TCPHYSTART{TRAIN,DELAY}{DETECT,CWND}
  trainDetect = 0;
  trainCwnd = 0;
  delayDetect = 0;
  delayCwnd = 0;

  constructor(readonly cfg: HyStartConfig = HYSTART_DEFAULTS) {}

  /** bictcp_hystart_reset(): start a new round now. */
  reset(tp: TcpSock): void {
    this.roundStart = this.lastAck = clockUs(tp);
    this.endSeq = tp.sndNxt;
    this.currRtt = 0xffffffff;
    this.sampleCnt = 0;
  }

  /**
   * hystart_update(): one RTT sample `delayUs` (≥ 1) with Cubic's current
   * delay_min. Sets tp.sndSsthresh = cwnd and `found` on detection.
   */
  update(tp: TcpSock, delayUs: number, delayMinUs: number): void {
    // after(snd_una, end_seq): the round is over
    if (tp.sndUna > this.endSeq) this.reset(tp);

    if (tp.sndCwnd < this.cfg.lowWindow) return;

    if (this.cfg.detect & HYSTART_ACK_TRAIN) {
      const now = clockUs(tp);
      if (((now - this.lastAck) | 0) <= this.cfg.ackDeltaUs) {
        this.lastAck = now;
        let threshold = (delayMinUs + hystartAckDelayUs(tp.pacingRate)) >>> 0;
        // pacing may have delayed packets up to RTT/2 during slow start
        if (tp.pacingStatus === SK_PACING_NONE) threshold >>>= 1;
        if (((now - this.roundStart) | 0) > threshold) {
          this.found = true;
          this.trainDetect++;
          this.trainCwnd += tp.sndCwnd;
          tp.sndSsthresh = tp.sndCwnd;
        }
      }
    }

    if (this.cfg.detect & HYSTART_DELAY) {
      if (this.currRtt > delayUs) this.currRtt = delayUs;
      if (this.sampleCnt < HYSTART_MIN_SAMPLES) {
        this.sampleCnt++;
      } else if (this.currRtt > delayMinUs + hystartDelayThresh(delayMinUs >>> 3)) {
        this.found = true;
        this.delayDetect++;
        this.delayCwnd += tp.sndCwnd;
        tp.sndSsthresh = tp.sndCwnd;
      }
    }
  }
}
