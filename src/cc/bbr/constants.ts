/**
 * BBR v1 constants, as net/ipv4/tcp_bbr.c (Linux 6.1) defines them, with
 * their units. Gains are fractions in BBR_UNIT (1/256) fixed point and
 * bandwidths are packets per microsecond scaled by BW_UNIT (2^24), so that
 * all of the model runs in integers exactly as in the kernel.
 */

/** Bandwidth fixed point: bw is packets/us << BW_SCALE (one unit ~ 715 bit/s at 1500 B). */
export const BW_SCALE = 24;
export const BW_UNIT = 1 << BW_SCALE;

/** Gain fixed point: a gain g is stored as g * BBR_UNIT. */
export const BBR_SCALE = 8;
export const BBR_UNIT = 1 << BBR_SCALE;

/** The four modes of the state machine (enum bbr_mode). */
export const BBR_STARTUP = 0;
export const BBR_DRAIN = 1;
export const BBR_PROBE_BW = 2;
export const BBR_PROBE_RTT = 3;
export type BbrMode = 0 | 1 | 2 | 3;
export const BBR_MODE_NAMES = ['STARTUP', 'DRAIN', 'PROBE_BW', 'PROBE_RTT'] as const;

/** Phases in the PROBE_BW pacing-gain cycle. */
export const CYCLE_LEN = 8;
/** Max-bw filter window, in packet-timed round trips. */
export const BBR_BW_RTTS = CYCLE_LEN + 2;
/** min_rtt filter window, seconds. */
export const BBR_MIN_RTT_WIN_SEC = 10;
/** Minimum time spent at the minimum cwnd in PROBE_RTT, milliseconds. */
export const BBR_PROBE_RTT_MODE_MS = 200;
/** Below this pacing rate (bit/s) the TSO goal is one segment. */
export const BBR_MIN_TSO_RATE_BPS = 1_200_000;
/** Pace this many percent below the estimated bandwidth. */
export const BBR_PACING_MARGIN_PERCENT = 1;

/** STARTUP gain 2/ln(2) ~ 2.885 (739/256): doubles the sending rate every round. */
export const BBR_HIGH_GAIN = Math.floor((BBR_UNIT * 2885) / 1000) + 1;
/** DRAIN gain 1/2.885 (88/256): drains STARTUP's queue in about one round. */
export const BBR_DRAIN_GAIN = Math.floor((BBR_UNIT * 1000) / 2885);
/** PROBE_BW cwnd gain: 2 x BDP, tolerating delayed and stretched ACKs. */
export const BBR_CWND_GAIN = BBR_UNIT * 2;
/** PROBE_BW pacing gains: probe at 5/4, drain at 3/4, cruise at 1 for six phases. */
export const BBR_PACING_GAIN: readonly number[] = [
  (BBR_UNIT * 5) / 4,
  (BBR_UNIT * 3) / 4,
  BBR_UNIT,
  BBR_UNIT,
  BBR_UNIT,
  BBR_UNIT,
  BBR_UNIT,
  BBR_UNIT,
];
/** The random start phase is drawn over this many phases (all but the 3/4 one). */
export const BBR_CYCLE_RAND = 7;

/** Smallest cwnd BBR aims for (two 2-packet delayed-ACK exchanges), packets. */
export const BBR_CWND_MIN_TARGET = 4;

/** Full-pipe detection: bw must grow by 5/4 within a round to count as growth... */
export const BBR_FULL_BW_THRESH = (BBR_UNIT * 5) / 4;
/** ...and after this many rounds without such growth the pipe is full. */
export const BBR_FULL_BW_CNT = 3;

/** Long-term (policer) estimator: minimum rounds in a sampling interval. */
export const BBR_LT_INTVL_MIN_RTTS = 4;
/** An interval is lossy when lost/delivered >= 50/256 (~20%). */
export const BBR_LT_LOSS_THRESH = 50;
/** Two intervals agree when their bw differs by at most 1/8 (in BBR_UNIT)... */
export const BBR_LT_BW_RATIO = BBR_UNIT / 8;
/** ...or by at most 4 kbit/s, here in bytes per second. */
export const BBR_LT_BW_DIFF = 4000 / 8;
/** Rounds for which a policer estimate, once made, is used. */
export const BBR_LT_BW_MAX_RTTS = 48;

/** Gain on extra_acked when added to the target cwnd (BBR_UNIT = 1.0). */
export const BBR_EXTRA_ACKED_GAIN = BBR_UNIT;
/** extra_acked max filter: two halves of this many rounds each. */
export const BBR_EXTRA_ACKED_WIN_RTTS = 5;
/** The ACK-aggregation epoch restarts after this many packets (2^20). */
export const BBR_ACK_EPOCH_ACKED_RESET_THRESH = 1 << 20;
/** extra_acked is capped at this much time at the estimated bw, microseconds. */
export const BBR_EXTRA_ACKED_MAX_US = 100 * 1000;

/** Default sk_pacing_shift: the TSO autosizing budget is 1/1024 s of pacing. */
export { SK_PACING_SHIFT } from '../../tcp/constants.js';
/**
 * GSO_LEGACY_MAX_SIZE - 1 - MAX_TCP_HEADER, bytes: the largest super-packet
 * bbr_tso_segs_goal() budgets for. MAX_TCP_HEADER = L1_CACHE_ALIGN(128 +
 * MAX_HEADER); on Debian's amd64 config LL_MAX_HEADER is 128
 * (CONFIG_HYPERV_NET) and tunnels are enabled, so MAX_HEADER = 176 and
 * MAX_TCP_HEADER = 320 (64-byte cache lines): 65536 - 1 - 320.
 */
export const BBR_TSO_MAX_BYTES = 65536 - 1 - 320;
/** Upper bound of the TSO goal, segments. */
export const BBR_TSO_SEGS_MAX = 0x7f;

export const USEC_PER_SEC = 1_000_000;
export const USEC_PER_MSEC = 1000;
export const NSEC_PER_USEC = 1000;
export const U32_MAX = 0xffffffff;
