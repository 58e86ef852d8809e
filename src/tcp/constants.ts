/**
 * Linux TCP constants (include/net/tcp.h, Debian 6.1 kernel, CONFIG_HZ=250).
 *
 * Linux runs its TCP timers (RTO, tail loss probe, RACK reordering timer,
 * delayed ACK) on the jiffies clock, so their durations are whole jiffies;
 * cclab does the same so that timer-driven behaviour matches the kernel.
 */

/** Kernel tick rate (Debian's CONFIG_HZ). */
export const HZ = 250;
/** One jiffy in nanoseconds. */
export const JIFFY_NS = 1e9 / HZ;

/** Initial congestion window, packets (TCP_INIT_CWND). */
export const TCP_INIT_CWND = 10;
/** ssthresh "infinity" (TCP_INFINITE_SSTHRESH). */
export const TCP_INFINITE_SSTHRESH = 0x7fffffff;
/** Default snd_cwnd_clamp (~0U >> 16... Linux initialises it to ~0 and caps by window; effectively unlimited). */
export const TCP_CWND_CLAMP_DEFAULT = 0x7fffffff;

/** Minimum RTO: HZ/5 jiffies = 200 ms. */
export const TCP_RTO_MIN_JIFFIES = HZ / 5;
/** Maximum RTO: 120 s. */
export const TCP_RTO_MAX_JIFFIES = 120 * HZ;
/** Initial RTO before any RTT sample: 1 s. */
export const TCP_TIMEOUT_INIT_JIFFIES = HZ;
/** Minimum timeout of TCP timers (TCP_TIMEOUT_MIN), jiffies. */
export const TCP_TIMEOUT_MIN_JIFFIES = 2;
/** Same in microseconds (TCP_TIMEOUT_MIN_US). */
export const TCP_TIMEOUT_MIN_US = 2000;
/** RTO min in microseconds (tcp_rto_min_us): TCP_RTO_MIN_JIFFIES, 200 ms. */
export const TCP_RTO_MIN_US = TCP_RTO_MIN_JIFFIES * (1e6 / HZ);

/** Delayed-ACK bounds and initial ato, jiffies. */
export const TCP_DELACK_MAX_JIFFIES = HZ / 5;
export const TCP_DELACK_MIN_JIFFIES = HZ / 25;
export const TCP_ATO_MIN_JIFFIES = HZ / 25;
/** Maximum number of quick ACKs after start or disorder. */
export const TCP_MAX_QUICKACKS = 16;
/** Dupack threshold / default tp->reordering (sysctl_tcp_reordering). */
export const TCP_FASTRETRANS_THRESH = 3;
/** sysctl_tcp_max_reordering. */
export const TCP_MAX_REORDERING = 300;
/** RACK: recoveries to keep an enlarged reordering window. */
export const TCP_RACK_RECOVERY_THRESH = 16;
/** sysctl_tcp_comp_sack_nr and sysctl_tcp_comp_sack_delay_ns (SACK compression). */
export const TCP_COMP_SACK_NR = 44;
export const TCP_COMP_SACK_DELAY_NS = 1_000_000;
/** sysctl_tcp_min_rtt_wlen: window of the min RTT filter, seconds. */
export const TCP_MIN_RTT_WLEN_S = 300;
/** sysctl_tcp_pacing_ss_ratio / ca_ratio, percent. */
export const TCP_PACING_SS_RATIO = 200;
export const TCP_PACING_CA_RATIO = 120;
/** Receiver window assumed by the receiver when computing quick ACKs (bytes); iperf3 reads promptly. */
export const TCP_RCV_WND_INITIAL = 65535;

/** Convert microseconds to jiffies, rounding up (usecs_to_jiffies). */
export function usecsToJiffies(us: number): number {
  return Math.ceil(us / (1e6 / HZ));
}

/** Convert jiffies to microseconds. */
export function jiffiesToUsecs(j: number): number {
  return j * (1e6 / HZ);
}

/** sk_pacing_shift default: TSO autosizing aims at 1/1024 s of the pacing rate per skb. */
export const SK_PACING_SHIFT = 10;
/** sysctl_tcp_min_tso_segs: the fewest segments an skb is sized for. */
export const TCP_MIN_TSO_SEGS = 2;
/** sysctl_tcp_tso_rtt_log: paths under 2^(9 + k) µs of min RTT get 64 KB >> k more per skb. */
export const TCP_TSO_RTT_LOG = 9;
/** sk_gso_max_size of a veth (GSO_LEGACY_MAX_SIZE), bytes. */
export const GSO_MAX_SIZE = 65536;
