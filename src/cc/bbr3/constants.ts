/**
 * BBRv3 constants, as Google's net/ipv4/tcp_bbr.c (github.com/google/bbr,
 * branch v3, `#define BBR_VERSION 3`) defines them, with their units. As in
 * v1, gains are BBR_UNIT (1/256) fixed point and bandwidths packets per
 * microsecond << BW_SCALE, so the model runs in the kernel's integers.
 * Values are written as the C expressions and evaluated as C would.
 */
export { BW_SCALE, BW_UNIT, BBR_SCALE, BBR_UNIT, USEC_PER_SEC, USEC_PER_MSEC, NSEC_PER_USEC, U32_MAX } from '../bbr/constants.js';
import { BBR_UNIT } from '../bbr/constants.js';

/** enum bbr_mode (same four modes as v1). */
export const BBR_STARTUP = 0;
export const BBR_DRAIN = 1;
export const BBR_PROBE_BW = 2;
export const BBR_PROBE_RTT = 3;
export type Bbr3Mode = 0 | 1 | 2 | 3;
export const BBR3_MODE_NAMES = ['STARTUP', 'DRAIN', 'PROBE_BW', 'PROBE_RTT'] as const;

/** enum bbr_pacing_gain_phase: PROBE_BW's four phases, the index of bbr_pacing_gain[]. */
export const BBR_BW_PROBE_UP = 0;
export const BBR_BW_PROBE_DOWN = 1;
export const BBR_BW_PROBE_CRUISE = 2;
export const BBR_BW_PROBE_REFILL = 3;
export type Bbr3Phase = 0 | 1 | 2 | 3;
export const BBR3_PHASE_NAMES = ['UP', 'DOWN', 'CRUISE', 'REFILL'] as const;

/** enum bbr_ack_phase: how the incoming ACKs relate to bandwidth probing. */
export const BBR_ACKS_INIT = 0;
export const BBR_ACKS_REFILLING = 1;
export const BBR_ACKS_PROBE_STARTING = 2;
export const BBR_ACKS_PROBE_FEEDBACK = 3;
export const BBR_ACKS_PROBE_STOPPING = 4;

/** bbr_min_rtt_win_sec: min_rtt filter window, seconds. */
export const BBR_MIN_RTT_WIN_SEC = 10;
/** bbr_probe_rtt_mode_ms: least time at the PROBE_RTT cwnd, ms. */
export const BBR_PROBE_RTT_MODE_MS = 200;
/** bbr_probe_rtt_win_ms: window of probe_rtt_min_us, and so the PROBE_RTT period, ms. */
export const BBR_PROBE_RTT_WIN_MS = 5000;
/** bbr_probe_rtt_cwnd_gain: PROBE_RTT's cwnd is 1/2 x BDP (128/256). */
export const BBR_PROBE_RTT_CWND_GAIN = (BBR_UNIT * 1) / 2;
/** bbr_tso_rtt_shift: halve the RTT-based TSO allowance every 2^9 us of min_rtt. */
export const BBR_TSO_RTT_SHIFT = 9;
/** bbr_pacing_margin_percent: pace 1% below the estimated bw. */
export const BBR_PACING_MARGIN_PERCENT = 1;

/** bbr_startup_pacing_gain: 4 ln 2 ~ 2.77 (710/256). */
export const BBR_STARTUP_PACING_GAIN = Math.floor((BBR_UNIT * 277) / 100) + 1;
/** bbr_startup_cwnd_gain: 2 (512/256). */
export const BBR_STARTUP_CWND_GAIN = BBR_UNIT * 2;
/** bbr_drain_gain: 1/2.885 (88/256). */
export const BBR_DRAIN_GAIN = Math.floor((BBR_UNIT * 1000) / 2885);
/** bbr_cwnd_gain: PROBE_BW's cwnd gain, 2 (512/256). */
export const BBR_CWND_GAIN = BBR_UNIT * 2;
/** bbr_pacing_gain[]: UP 5/4 (320), DOWN 0.91 (232), CRUISE 1, REFILL 1. */
export const BBR_PACING_GAIN: readonly number[] = [
  (BBR_UNIT * 5) / 4,
  Math.floor((BBR_UNIT * 91) / 100),
  BBR_UNIT,
  BBR_UNIT,
];

/** bbr_cwnd_min_target: packets. */
export const BBR_CWND_MIN_TARGET = 4;
/** bbr_full_bw_thresh: 25% growth (320/256)... */
export const BBR_FULL_BW_THRESH = (BBR_UNIT * 5) / 4;
/** bbr_full_bw_cnt: ...within 3 rounds, else the pipe is full. */
export const BBR_FULL_BW_CNT = 3;

/** bbr_extra_acked_gain, bbr_extra_acked_win_rtts, reset threshold, clamp (us): as v1. */
export const BBR_EXTRA_ACKED_GAIN = BBR_UNIT;
export const BBR_EXTRA_ACKED_WIN_RTTS = 5;
export const BBR_ACK_EPOCH_ACKED_RESET_THRESH = 1 << 20;
export const BBR_EXTRA_ACKED_MAX_US = 100 * 1000;

/** bbr_ecn_max_rtt_us: the sender's ECN logic only runs when min_rtt <= 5 ms. */
export const BBR_ECN_MAX_RTT_US: number = 5000;
/** bbr_beta: cut bw_lo / inflight_lo by 30% on loss (76/256). */
export const BBR_BETA = Math.floor((BBR_UNIT * 30) / 100);
/** bbr_ecn_alpha_gain: EWMA gain of the CE ratio, 1/16 (16/256). */
export const BBR_ECN_ALPHA_GAIN = (BBR_UNIT * 1) / 16;
/** bbr_ecn_alpha_init: 1.0 (256). */
export const BBR_ECN_ALPHA_INIT = BBR_UNIT;
/** bbr_ecn_factor: cut inflight_lo by ecn_alpha x 1/3 (85/256). */
export const BBR_ECN_FACTOR = Math.floor((BBR_UNIT * 1) / 3);
/** bbr_ecn_thresh: probing went too far above a CE ratio of 1/2 (128/256). */
export const BBR_ECN_THRESH = (BBR_UNIT * 1) / 2;
/** bbr_ecn_reprobe_gain: after ECN-only cycles, first inflight_hi step is 1/2 x inflight_hi. */
export const BBR_ECN_REPROBE_GAIN = (BBR_UNIT * 1) / 2;
/** bbr_loss_thresh: probing went too far above 2% loss (5/256). */
export const BBR_LOSS_THRESH = Math.floor((BBR_UNIT * 2) / 100);
/** bbr_full_loss_cnt: STARTUP exits after >= 6 loss events in a recovery round (and loss above the threshold). */
export const BBR_FULL_LOSS_CNT: number = 6;
/** bbr_full_ecn_cnt: STARTUP exits after 2 rounds with a CE ratio above ecn_thresh. */
export const BBR_FULL_ECN_CNT: number = 2;
/** bbr_inflight_headroom: leave 15% of inflight_hi unused after a too-high probe (38/256). */
export const BBR_INFLIGHT_HEADROOM = Math.floor((BBR_UNIT * 15) / 100);
/** bbr_bw_probe_cwnd_gain: PROBE_UP adds 1/4 to cwnd_gain. */
export const BBR_BW_PROBE_CWND_GAIN: number = 1;
/** bbr_bw_probe_max_rounds: probe at least every 63 rounds (Reno coexistence). */
export const BBR_BW_PROBE_MAX_ROUNDS = 63;
/** bbr_bw_probe_rand_rounds: 0..1 rounds of randomness in that count. */
export const BBR_BW_PROBE_RAND_ROUNDS = 2;
/** bbr_bw_probe_base_us: wall-clock probe interval, 2 s... */
export const BBR_BW_PROBE_BASE_US = 2 * 1_000_000;
/** bbr_bw_probe_rand_us: ...plus 0..1 s at random. */
export const BBR_BW_PROBE_RAND_US = 1 * 1_000_000;
/** bbr_fast_path: skip the model update on app-limited ACKs that cannot change it. */
export const BBR_FAST_PATH = true;

/** GSO_LEGACY_MAX_SIZE, bytes. */
export const GSO_LEGACY_MAX_SIZE = 65536;
/** MAX_TCP_HEADER on Debian's amd64 config (see ../bbr/constants.ts), bytes. */
export const MAX_TCP_HEADER = 320;
/** sysctl_tcp_min_tso_segs default. */
export const TCP_MIN_TSO_SEGS = 2;
/** BBR_VERSION: what tcp_bbr_info.bbr_version reports. */
export const BBR_VERSION = 3;
