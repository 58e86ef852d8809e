/**
 * Trace-driven links, as mahimahi's LinkShell emulates cellular links.
 *
 * A trace is a text file of delivery opportunities: each line a time in
 * milliseconds (from the start of the run) at which the link may deliver
 * one MTU-sized packet's worth of bytes, 1500; several lines with the same
 * time are several opportunities then. The trace repeats with a period of
 * its last line's time. Unused opportunities are lost (the link does not
 * save them up); a packet larger than what is left of an opportunity takes
 * the rest of it and continues in the next ones (mahimahi's partial
 * deliveries). Delivery takes no time beyond the wait for an opportunity.
 *
 * Bytes are counted as mahimahi counts them, per IP packet: cclab's wire
 * size less the 14-byte Ethernet header, so a full-sized data segment of
 * 1448 bytes (1500 IP bytes) uses exactly one opportunity, and an ACK (52)
 * a small part of one.
 */
import { createHash } from 'node:crypto';
import { ETHERNET_HEADER_BYTES } from './wire.js';
import type { RateSource } from './rate.js';

/** Bytes one delivery opportunity carries (an IP packet of the usual MTU). */
export const TRACE_OPPORTUNITY_BYTES = 1500;
/** Largest trace file read (a minute of a 1 Gbit/s link is ~5M lines). */
export const MAX_TRACE_BYTES = 64 * 1024 * 1024;
/** Longest trace period: one day, as the longest scenario. */
export const MAX_TRACE_PERIOD_MS = 86_400_000;

export interface Trace {
  /** Opportunity times within one period, ms, not decreasing. */
  readonly ms: Float64Array;
  /** The period after which the trace repeats, ms (its last time). */
  readonly periodMs: number;
  /** sha256 of the file's bytes (what a scenario's hash covers). */
  readonly sha256: string;
}

export class TraceError extends Error {}

/** Parse a trace's text; errors name the line. */
export function parseTrace(text: string, what: string): Trace {
  const out: number[] = [];
  let prev = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (!/^\d+$/.test(line)) throw new TraceError(`${what}:${i + 1}: "${line.slice(0, 40)}" is not a time in whole milliseconds (mahimahi's trace format: one integer per line)`);
    const t = Number(line);
    if (t < prev) throw new TraceError(`${what}:${i + 1}: ${t} ms comes before the line above (${prev} ms); a trace's times must not decrease`);
    if (t > MAX_TRACE_PERIOD_MS) throw new TraceError(`${what}:${i + 1}: ${t} ms is beyond ${MAX_TRACE_PERIOD_MS} ms (one day)`);
    out.push(t);
    prev = t;
  }
  if (out.length === 0) throw new TraceError(`${what}: has no delivery opportunities (one time in ms per line)`);
  const periodMs = out[out.length - 1]!;
  if (periodMs <= 0) throw new TraceError(`${what}: its last time is 0 ms, so it has no period to repeat over; end it with a later time`);
  return { ms: Float64Array.from(out), periodMs, sha256: createHash('sha256').update(text).digest('hex') };
}

/** A trace's mean capacity in bits per second: its opportunities' bytes over its period. */
export function traceMeanBps(t: Trace): number {
  return (t.ms.length * TRACE_OPPORTUNITY_BYTES * 8) / (t.periodMs / 1000);
}

/** The rate source of a trace-driven link (see rate.ts for the contract). */
export class TraceRate implements RateSource {
  readonly rateBps: number;
  private readonly n: number;
  private readonly periodNs: number;
  /** The opportunity in use or next (an index over all loops), its time (ns), and the bytes left in it. */
  private k = 0;
  private kNs: number;
  private left = TRACE_OPPORTUNITY_BYTES;

  constructor(private readonly trace: Trace) {
    this.rateBps = traceMeanBps(trace);
    this.n = trace.ms.length;
    this.periodNs = trace.periodMs * 1e6;
    this.kNs = this.timeOf(0);
  }

  /** Time of opportunity k (ns). */
  private timeOf(k: number): number {
    const loop = Math.floor(k / this.n);
    return loop * this.periodNs + this.trace.ms[k - loop * this.n]! * 1e6;
  }

  /** Index of the first opportunity at or after nowNs, not before index `from`. */
  private firstAtOrAfter(nowNs: number, from: number): number {
    let loop = Math.max(Math.floor(from / this.n), Math.floor(nowNs / this.periodNs));
    let lo = loop === Math.floor(from / this.n) ? from - loop * this.n : 0;
    const within = nowNs - loop * this.periodNs;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.trace.ms[mid]! * 1e6 < within) lo = mid + 1;
      else hi = mid;
    }
    if (lo === this.n) {
      loop++;
      lo = 0;
    }
    return loop * this.n + lo;
  }

  /** Make opportunity k the first usable one at nowNs: not used up, not past (a past one's bytes are lost). */
  private seek(nowNs: number): void {
    if (this.left === 0) {
      this.k++;
      this.kNs = this.timeOf(this.k);
      this.left = TRACE_OPPORTUNITY_BYTES;
    }
    if (this.kNs >= nowNs) return;
    this.k = this.firstAtOrAfter(nowNs, this.k + 1);
    this.kNs = this.timeOf(this.k);
    this.left = TRACE_OPPORTUNITY_BYTES;
  }

  nextOpportunity(nowNs: number): number {
    this.seek(nowNs);
    return this.kNs;
  }

  /** A packet's IP bytes use what is left of the opportunity, then the next ones; it leaves with the one its last byte uses. */
  serve(startNs: number, wireBytes: number): number {
    this.seek(startNs);
    let need = wireBytes - ETHERNET_HEADER_BYTES;
    while (need > this.left) {
      need -= this.left;
      this.k++;
      this.kNs = this.timeOf(this.k);
      this.left = TRACE_OPPORTUNITY_BYTES;
    }
    this.left -= need;
    return this.kNs;
  }
}
