/**
 * How the kernel harness follows a trace-driven link (link.trace).
 *
 * Linux has no delivery-opportunity link, so the harness changes a shaper's
 * rate on the trace's schedule: the bottleneck of a trace link is always
 * the shaper layout of kernel/plan-lib.sh,
 *     to-rcv: tbf 1: -> netem 2: (delay, loss) -> queue 3:
 * where queue 3: is the link's qdisc (pfifo/bfifo of the link's queue for
 * drop-tail, the AQM otherwise), and tbf's rate is set, every
 * TRACE_WINDOW_MS, to the rate of that window's opportunities (the trace
 * looped over the scenario's duration). Consecutive windows of the same
 * rate are one change, so a step or square trace makes only a few.
 *
 * Why tbf and not netem's own rate (which the constant drop-tail link uses):
 * netem fixes each packet's departure time when it enqueues it, so a change
 * reaches only packets that arrive after it, and a near-zero rate would
 * schedule every later packet behind the first one sent at it; tbf decides
 * at dequeue time, so a change acts on the head of the queue at once.
 *
 * Bytes: an opportunity carries 1500 IP bytes (network/trace.ts); tbf counts
 * the packet with its Ethernet header, so a window of n opportunities gets
 * n x 1500 x (mss + 66) / (mss + 52) bytes of rate (n x 1514 at MSS 1448),
 * which sends the same packets. A window without opportunities gets
 * TRACE_FLOOR_BPS (tc refuses rate 0): one packet every ~1.2 s. tbf refills
 * its bucket (one packet) on every change, so each change lets up to one
 * packet more through than the rate would. A tbf throttled at such a low
 * rate sleeps until its next packet's time there (its watchdog), and a
 * change does not wake it: the pacer then sends one small datagram through
 * the link after the change (TRACE_KICK_BELOW_BPS).
 *
 * A reverse trace (link.trace.reverse) drives the reverse direction's tbf
 * the same way (plan.ts: a second pacer on to-snd); when that direction
 * carries only ACKs its schedule counts the opportunities' bytes as ACKs
 * (`mss` 0: 52 IP bytes, 66 on the wire). A chain's trace links each get
 * their own pacer on their router.
 */
import { TRACE_OPPORTUNITY_BYTES, type Trace } from '../network/trace.js';
import { DATA_OVERHEAD_BYTES, TCPIP_HEADER_BYTES } from '../network/wire.js';

/** Granularity of the rate changes, ms (see docs/kernel.md for what it loses). */
export const TRACE_WINDOW_MS = 10;
/** Rate of a window without opportunities, bit/s: tc has no rate 0. */
export const TRACE_FLOOR_BPS = 10_000;
/**
 * Below this rate a throttled tbf may sleep longer than a window (one
 * full-size packet's time at it), and tbf_change does not wake it: a change
 * up from such a rate is marked for cclab_pacer's kick (a datagram through
 * the link, so that the qdisc runs again at the new rate).
 */
export const TRACE_KICK_BELOW_BPS = ((1514 * 8) / TRACE_WINDOW_MS) * 1000;
const NS_PER_MS = 1e6;

export interface RateChange {
  /** Time since the flows' start, ms. */
  atMs: number;
  /** tbf's rate from then on, bit/s (wire bytes). */
  rateBps: number;
}

/**
 * Number of opportunities before tNs (over all loops), as network/trace.ts's
 * TraceRate places them: opportunity i of loop L at L x period + ms[i].
 */
export function opportunitiesBefore(t: Trace, tNs: number): number {
  if (tNs <= 0) return 0;
  const n = t.ms.length;
  const periodNs = t.periodMs * NS_PER_MS;
  const loop = Math.floor(tNs / periodNs);
  const within = tNs - loop * periodNs;
  // the previous loop's opportunities at its very end (ms = period) fall at tNs itself: not before it
  const atEnd = within === 0 && loop > 0 ? n - lowerBound(t.ms, t.periodMs) : 0;
  return loop * n + lowerBound(t.ms, within / NS_PER_MS) - atEnd;
}

/** First index i with ms[i] >= v (ms.length when none). */
function lowerBound(ms: Float64Array, v: number): number {
  let lo = 0;
  let hi = ms.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ms[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * tbf's rate (wire bit/s) for `n` opportunities in a window of `windowMs`,
 * carrying packets of `mss` bytes of payload (0: pure ACKs).
 */
export function windowRateBps(n: number, windowMs: number, mss: number): number {
  if (n === 0) return TRACE_FLOOR_BPS;
  const wirePerIp = (mss + DATA_OVERHEAD_BYTES) / (mss + TCPIP_HEADER_BYTES);
  return Math.max(TRACE_FLOOR_BPS, Math.round((n * TRACE_OPPORTUNITY_BYTES * wirePerIp * 8) / (windowMs / 1000)));
}

/**
 * The shaper's rate over the scenario: the first entry (at 0) is the rate
 * tbf starts with, each later one a change. Windows [k W, (k+1) W) ms are
 * counted (as (kW, (k+1)W], see below), then runs of windows whose counts stay within one opportunity of
 * their run's mean become one rate (the run's mean), so that a constant
 * rate which whole opportunities per window cannot express (50 Mbit/s is
 * 41.67 per 10 ms) is one rate, not a change every window; any real change
 * of more than one opportunity per window starts a new rate. With
 * `splitOutages` (the default) a window without opportunities after one with
 * some (or the other way round) starts a new rate too, so that an outage is
 * sharp; without it (an ACK-only direction, where each change's bucket
 * refill of one full packet would be 23 ACKs) a trace
 * of less than one opportunity per window is followed at its mean over runs
 * of windows rather than switched between the floor and one opportunity's
 * rate window by window.
 */
export function traceSchedule(t: Trace, durationNs: number, mss: number, windowMs = TRACE_WINDOW_MS, splitOutages = true): RateChange[] {
  const windows = Math.ceil(durationNs / (windowMs * NS_PER_MS));
  const counts = new Float64Array(windows);
  let before = 0;
  for (let k = 0; k < windows; k++) {
    // an opportunity at m ms serves the millisecond (m-1, m] (trace-gen's convention): window k holds (kW, (k+1)W]
    const upTo = opportunitiesBefore(t, (k + 1) * windowMs * NS_PER_MS + 1);
    counts[k] = upTo - before;
    before = upTo;
  }
  const out: RateChange[] = [];
  const push = (atMs: number, rateBps: number) => {
    if (out.length === 0 || out[out.length - 1]!.rateBps !== rateBps) out.push({ atMs, rateBps });
  };
  let from = 0;
  let sum = 0;
  for (let k = 0; k < windows; k++) {
    const n = counts[k]!;
    const len = k - from;
    if (len > 0 && (Math.abs(n - sum / len) > 1 || (splitOutages && (n === 0) !== (sum === 0)))) {
      push(from * windowMs, windowRateBps(sum / len, windowMs, mss));
      from = k;
      sum = 0;
    }
    sum += n;
  }
  if (windows > 0) push(from * windowMs, windowRateBps(sum / (windows - from), windowMs, mss));
  return out;
}
