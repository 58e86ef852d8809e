/**
 * Per-flow rates over time for the competing-flow charts, smoothed over a
 * trailing window so that what is drawn is what a flow got, not how its
 * ACKs happened to fall into sampling intervals.
 *
 * Two rates, both from timeseries.csv (both backends write the columns):
 *   throughput  the tcp_rate delivery rate (delivery_mbps: bytes (S)ACKed
 *               over the longer of the send and ACK phases of the newest
 *               delivered segment, as tcpi_delivery_rate and ss report it),
 *               averaged over the samples of the window. It counts data the
 *               receiver has got, in order or not, so it stays within what
 *               the bottleneck carries.
 *   goodput     the data delivered in a window of W seconds: the growth of
 *               delivered_bytes (tcp_sock.delivered, tcpi_delivered: each
 *               segment counted once, when it is first SACKed or
 *               cumulatively ACKed, less the SYN, times the MSS) from the
 *               last sample at or before the window's start to its end,
 *               divided by the time between the two samples (so never
 *               less than W once a window has passed). A filled hole adds
 *               only the retransmitted segment, not the bytes it releases
 *               in order, so this too stays within the link: data reaches
 *               the receiver at most at the link rate, and is counted when
 *               the ACK that reports it arrives, which a delayed or
 *               aggregated ACK makes late by varying amounts. Allowing those
 *               up to one sampling interval dt (one sample's quantisation),
 *               a window of W seconds shows at most the link rate x
 *               (W + dt) / W: 1.1x at the 1 s default with 100 ms samples.
 *               Files written before delivered_bytes fall back to the bytes
 *               ACKed in order (goodput_mbps x the sample's interval) summed
 *               over the window: a filled hole releases the bytes held out
 *               of order at once, so that goodput can run above the link;
 *               the chart says so.
 * Both windows are trailing and end at each sample; the first values
 * (before one window has passed since the flow's first sample) cover what
 * there is. Jain's index is taken over the flows' throughput in the same
 * windows.
 */
import { jainIndex } from '../results/metrics.js';
import type { FlowSeries } from './data.js';

/** Default smoothing window (s): ten samples at the default 100 ms sampling interval. */
export const RATE_WINDOW_S = 1;

/** What a goodput series was computed from: delivered_bytes, or (files written before it) the bytes ACKed in order. */
export type GoodputSource = 'delivered' | 'in-order';

export interface WindowedRates {
  time: number[];
  /** Mean delivery rate over the window ending at time[i] (Mbit/s). */
  throughput: number[];
  /** Data delivered (or, see goodputFrom, ACKed in order) in the window ending at time[i], per second (Mbit/s). */
  goodput: number[];
  goodputFrom: GoodputSource;
}

/** Whether a flow's samples all carry delivered_bytes (files written before the column have none). */
export function hasDeliveredBytes(f: FlowSeries): boolean {
  return f.delivered.length === f.time.length && f.delivered.length > 0 && f.delivered.every((d) => Number.isFinite(d));
}

/** Float tolerance for window edges (sample times are rounded to the microsecond). */
const EPS = 1e-9;

/**
 * A flow's throughput and goodput over trailing windows of `windowS`,
 * one value per sample; the first values (before one window has passed
 * since the flow's first sample) average over what there is. Goodput comes
 * from delivered_bytes when every sample has it, else from the in-order
 * bytes (`from` forces one; 'delivered' on a flow without the column throws).
 */
export function windowedRates(f: FlowSeries, windowS = RATE_WINDOW_S, from: GoodputSource = hasDeliveredBytes(f) ? 'delivered' : 'in-order'): WindowedRates {
  if (from === 'delivered' && !hasDeliveredBytes(f)) throw new Error('internal error: goodput from delivered_bytes asked of a flow without the column');
  const n = f.time.length;
  const out: WindowedRates = { time: [], throughput: [], goodput: [], goodputFrom: from };
  // goodput's counter, in Mbit, at each sample: delivered_bytes, or the bytes ACKed in order summed over the
  // samples' intervals (each interval the gap to the previous sample)
  const counterMbit: number[] = [];
  for (let i = 0; i < n; i++) {
    if (from === 'delivered') {
      counterMbit.push((f.delivered[i]! * 8) / 1e6);
      continue;
    }
    const dt = i > 0 ? f.time[i]! - f.time[i - 1]! : 0;
    const g = f.goodput[i]!;
    counterMbit.push((i > 0 ? counterMbit[i - 1]! : 0) + (Number.isFinite(g) && dt > 0 ? g * dt : 0));
  }
  let lo = 0;
  let sumRate = 0;
  let nRate = 0;
  for (let i = 0; i < n; i++) {
    const t = f.time[i]!;
    const d = f.delivery[i]!;
    if (Number.isFinite(d)) {
      sumRate += d;
      nRate++;
    }
    // samples whose interval ends at or before t - windowS leave the window
    while (lo < i && f.time[lo]! <= t - windowS + EPS) {
      const dl = f.delivery[lo]!;
      if (Number.isFinite(dl)) {
        sumRate -= dl;
        nRate--;
      }
      lo++;
    }
    // the window covers the intervals of samples lo..i: from the sample before lo (or lo itself) to t;
    // goodput is the counter's growth between the samples that bound it
    const j = lo > 0 ? lo - 1 : 0;
    const span = t - f.time[j]!;
    out.time.push(t);
    out.throughput.push(nRate > 0 ? round4(Math.max(0, sumRate / nRate)) : Number.NaN);
    out.goodput.push(span > 0 ? round4(Math.max(0, (counterMbit[i]! - counterMbit[j]!) / span)) : Number.NaN);
  }
  return out;
}

/**
 * Jain's index over the flows' throughput at each time every listed flow has
 * a finite value and at least one of them delivers: 1 = equal shares, 1/n =
 * one flow takes everything. A function of the shares only.
 */
export function windowedJain(rates: readonly WindowedRates[]): { time: number; jain: number; flows: number }[] {
  const byTime = new Map<number, number[]>();
  for (const r of rates) {
    r.time.forEach((t, i) => {
      const x = r.throughput[i]!;
      if (!Number.isFinite(x)) return;
      const xs = byTime.get(t);
      if (xs) xs.push(x);
      else byTime.set(t, [x]);
    });
  }
  return [...byTime.entries()]
    .filter(([, xs]) => xs.length >= 2 && xs.some((x) => x > 0))
    .sort((a, b) => a[0] - b[0])
    .map(([time, xs]) => ({ time, jain: round4(jainIndex(xs)), flows: xs.length }));
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
