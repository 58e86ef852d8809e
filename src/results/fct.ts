/**
 * Flow completion times of short (byte-limited) flows, as data-centre and
 * web-transfer studies report them (pFabric, HPCC, ns-3's FlowMonitor
 * users): the time from a flow's start to the ACK of its last byte, and its
 * slowdown, that time over the flow's ideal completion time on an empty
 * network.
 *
 * The ideal is two base RTTs (the handshake, then the last byte out and its
 * ACK back) plus the flow's wire bytes at its bottleneck's rate (on a chain,
 * the slowest link of its path): a flow that
 * has the network to itself and no slow start to climb comes out at 1, so a
 * slowdown says how much queueing, losses and slow start cost the flow.
 *
 * Flows that did not finish are counted, never dropped: the percentiles are
 * over the finished flows, and `unfinished` says how many were left out
 * of them. Both backends call fctSummary with the same records.
 */
import { quantileSorted } from 'simple-statistics';
import { dataWireBytes } from '../network/wire.js';
import { round6 } from './metrics.js';
import type { FctStats, FctSummary, FlowSummary } from './schema.js';
import { flowBottleneckBps, flowRttNs, type ResolvedScenario } from '../scenario/resolve.js';

/** One short flow: what it had to send and when (null: did not finish). */
export interface FctRecord {
  bytes: number;
  mss: number;
  /** Seconds from its start to the ACK of its last byte, or null when it did not finish. */
  completionS: number | null;
  /** The flow's base (propagation) RTT, seconds. */
  baseRttS: number;
  /** The rate of its narrowest link, bit/s (flowBottleneckBps). */
  bottleneckBps: number;
}

/** Size buckets, as HPCC and pFabric group their FCTs: upper bounds in bytes (1kb = 1024 bytes, as scenario sizes). */
export const FCT_BUCKETS: readonly { label: string; maxBytes: number }[] = [
  { label: '<=10kb', maxBytes: 10 * 1024 },
  { label: '<=100kb', maxBytes: 100 * 1024 },
  { label: '<=1mb', maxBytes: 1024 ** 2 },
  { label: '<=10mb', maxBytes: 10 * 1024 ** 2 },
  { label: '>10mb', maxBytes: Number.POSITIVE_INFINITY },
];

/** Ideal completion time of a flow on an empty network (s): two base RTTs plus its wire bytes at its narrowest link's rate. */
export function idealFctS(r: Pick<FctRecord, 'bytes' | 'mss' | 'baseRttS' | 'bottleneckBps'>): number {
  const fullSegs = Math.floor(r.bytes / r.mss);
  const rest = r.bytes - fullSegs * r.mss;
  const wire = fullSegs * dataWireBytes(r.mss) + (rest > 0 ? dataWireBytes(rest) : 0);
  return 2 * r.baseRttS + (wire * 8) / r.bottleneckBps;
}

/** mean, p50, p95, p99 of values (null when there are none). */
function stats(values: number[]): FctStats | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return {
    mean: round6(sorted.reduce((a, b) => a + b, 0) / sorted.length),
    p50: round6(quantileSorted(sorted, 0.5)),
    p95: round6(quantileSorted(sorted, 0.95)),
    p99: round6(quantileSorted(sorted, 0.99)),
  };
}

function group(records: readonly FctRecord[]): Omit<FctSummary, 'bySize'> {
  const done = records.filter((r) => r.completionS !== null);
  return {
    flows: records.length,
    finished: done.length,
    unfinished: records.length - done.length,
    fctMs: stats(done.map((r) => r.completionS! * 1000)),
    slowdown: stats(done.map((r) => r.completionS! / idealFctS(r))),
  };
}

/** The FCT block of a run's summary, or null when it has no short flows. */
export function fctSummary(records: readonly FctRecord[]): FctSummary | null {
  if (records.length === 0) return null;
  const bySize: FctSummary['bySize'] = [];
  let lo = 0;
  for (const b of FCT_BUCKETS) {
    const inBucket = records.filter((r) => r.bytes > lo && r.bytes <= b.maxBytes);
    lo = b.maxBytes;
    if (inBucket.length > 0) bySize.push({ size: b.label, ...group(inBucket) });
  }
  return { ...group(records), bySize };
}

/**
 * The FCT block of a run: its byte-limited flows that started after the
 * warm-up (null when there are none), with their completion times from the
 * run's flow summaries, and a workload's connections (the caller's records).
 */
export function runFct(s: ResolvedScenario, flows: readonly FlowSummary[], connections: readonly FctRecord[] = []): FctSummary | null {
  const records: FctRecord[] = [...connections];
  for (const f of s.flows) {
    if (f.bytes === null || f.startNs < (s.warmupNs ?? 0)) continue;
    records.push({ bytes: f.bytes, mss: f.mss, completionS: flows[f.id]?.completionS ?? null, baseRttS: flowRttNs(s, f) / 1e9, bottleneckBps: flowBottleneckBps(s, f) });
  }
  return fctSummary(records);
}

/** `{fct}` for a run summary with short flows, `{}` otherwise (summaries without keep their bytes). */
export function fctBlock(s: ResolvedScenario, flows: readonly FlowSummary[], connections: readonly FctRecord[] = []): { fct?: FctSummary } {
  const fct = runFct(s, flows, connections);
  return fct === null ? {} : { fct };
}

/** One row of connections.csv: a workload connection (flow = its flow entry), its start, size and completion time (absent: unfinished). */
export interface ConnectionRow {
  flow: number;
  start_s: number;
  bytes: number;
  fct_ms?: number;
}

export const CONNECTION_COLUMNS = ['flow', 'start_s', 'bytes', 'fct_ms'] as const;
