/**
 * From finished points to the sweep's statistics: for every combination ×
 * flow and every metric, the values across seeds with their mean, sample
 * standard deviation and 95% Student-t confidence interval. Written as a tidy
 * summary.csv (one row per combination × flow, every swept parameter a
 * column) and summary.json (the same rows, plus per-seed values).
 *
 * Everything here is assembled in plan order from the point files on disk,
 * so the result is the same however many workers ran and in what order they
 * finished, and whether the points were computed now or by an earlier run.
 */
import { join } from 'node:path';
import { readSummary } from '../results/io.js';
import { round6 } from '../results/metrics.js';
import type { FlowSummary, RunSummary } from '../results/schema.js';
import { meanLossRate } from '../scenario/schema.js';
import { flowRttNs } from '../scenario/resolve.js';
import type { SweepPlan } from './plan.js';
import { pointKey } from './plan.js';
import { describe, harmLessIsBetter, harmMoreIsBetter, type Described } from './stats.js';
import { toCsv } from './csv.js';

export const SWEEP_SUMMARY_SCHEMA = 'cclab.sweep/1';
export const CONFIDENCE = 0.95;

export interface MetricDef {
  key: string;
  unit: string;
  /** flow: per flow; run: the whole run (same on every flow row); harm: per flow, against its solo baseline. */
  scope: 'flow' | 'run' | 'harm';
  description: string;
}

interface MetricGetter extends MetricDef {
  get: (run: RunSummary, flow: FlowSummary) => number;
}

const FLOW_METRICS: MetricGetter[] = [
  { key: 'goodput_mbps', unit: 'Mbit/s', scope: 'flow', description: 'application bytes delivered in order / active time', get: (_r, f) => f.goodputMbps },
  { key: 'throughput_mbps', unit: 'Mbit/s', scope: 'flow', description: 'payload bytes sent, retransmissions included / active time', get: (_r, f) => f.throughputMbps },
  { key: 'retrans_ratio', unit: 'fraction', scope: 'flow', description: 'bytes retransmitted / bytes sent', get: (_r, f) => f.retransRatio },
  { key: 'rtt_mean_ms', unit: 'ms', scope: 'flow', description: 'mean RTT sample seen by the sender', get: (_r, f) => f.rttMs.mean },
  { key: 'rtt_p50_ms', unit: 'ms', scope: 'flow', description: 'median RTT sample', get: (_r, f) => f.rttMs.p50 },
  { key: 'rtt_p95_ms', unit: 'ms', scope: 'flow', description: '95th percentile RTT sample', get: (_r, f) => f.rttMs.p95 },
  { key: 'rtt_p99_ms', unit: 'ms', scope: 'flow', description: '99th percentile RTT sample', get: (_r, f) => f.rttMs.p99 },
  { key: 'rto_count', unit: 'count', scope: 'flow', description: 'retransmission timeouts', get: (_r, f) => f.rtoCount },
  { key: 'link_utilization', unit: 'fraction', scope: 'run', description: 'bits delivered by the bottleneck / (rate × duration)', get: (r) => r.link.utilization },
  { key: 'jain', unit: 'index', scope: 'run', description: "Jain's fairness index over the flows' goodput (1 = equal shares)", get: (r) => r.aggregate.jain },
  { key: 'aggregate_goodput_mbps', unit: 'Mbit/s', scope: 'run', description: 'sum of the flows\' goodput', get: (r) => r.aggregate.goodputMbps },
  { key: 'queue_delay_mean_ms', unit: 'ms', scope: 'run', description: 'mean queueing delay at the bottleneck', get: (r) => r.link.queueDelayMs?.mean ?? Number.NaN },
  { key: 'queue_delay_p95_ms', unit: 'ms', scope: 'run', description: '95th percentile queueing delay at the bottleneck', get: (r) => r.link.queueDelayMs?.p95 ?? Number.NaN },
  { key: 'queue_pkts_mean', unit: 'packets', scope: 'run', description: 'mean bottleneck queue occupancy', get: (r) => r.link.queuePkts.mean },
  { key: 'drops_queue', unit: 'packets', scope: 'run', description: 'tail drops at the bottleneck', get: (r) => r.link.drops.queue },
  { key: 'drops_random', unit: 'packets', scope: 'run', description: 'random (netem) losses', get: (r) => r.link.drops.random },
];

/** Flow completion times: in a sweep's summary only when its scenario has short (byte-limited) flows. */
const FCT_METRICS: MetricGetter[] = [
  { key: 'fct_ms', unit: 'ms', scope: 'flow', description: "a short flow's completion time (start to the ACK of its last byte); empty when it did not finish", get: (_r, f) => (f.completionS === null ? Number.NaN : f.completionS * 1000) },
  { key: 'fct_mean_ms', unit: 'ms', scope: 'run', description: 'mean completion time of the finished short flows', get: (r) => r.fct?.fctMs?.mean ?? Number.NaN },
  { key: 'fct_p50_ms', unit: 'ms', scope: 'run', description: 'median completion time of the finished short flows', get: (r) => r.fct?.fctMs?.p50 ?? Number.NaN },
  { key: 'fct_p95_ms', unit: 'ms', scope: 'run', description: '95th percentile completion time of the finished short flows', get: (r) => r.fct?.fctMs?.p95 ?? Number.NaN },
  { key: 'fct_p99_ms', unit: 'ms', scope: 'run', description: '99th percentile completion time of the finished short flows', get: (r) => r.fct?.fctMs?.p99 ?? Number.NaN },
  { key: 'slowdown_p50', unit: 'ratio', scope: 'run', description: 'median slowdown: completion time / ideal (two base RTTs + bytes at the link rate)', get: (r) => r.fct?.slowdown?.p50 ?? Number.NaN },
  { key: 'slowdown_p99', unit: 'ratio', scope: 'run', description: '99th percentile slowdown', get: (r) => r.fct?.slowdown?.p99 ?? Number.NaN },
  { key: 'fct_unfinished', unit: 'count', scope: 'run', description: 'short flows that did not finish (left out of the percentiles)', get: (r) => r.fct?.unfinished ?? Number.NaN },
];

const HARM_METRICS: MetricDef[] = [
  { key: 'solo_goodput_mbps', unit: 'Mbit/s', scope: 'harm', description: 'goodput of the same flow running alone' },
  { key: 'solo_rtt_p95_ms', unit: 'ms', scope: 'harm', description: '95th percentile RTT of the same flow running alone' },
  { key: 'harm_goodput', unit: 'fraction', scope: 'harm', description: 'Ware et al. harm on goodput: (alone - competing) / alone' },
  { key: 'harm_rtt_p95', unit: 'fraction', scope: 'harm', description: 'Ware et al. harm on p95 RTT: (competing - alone) / competing' },
];

export interface MetricStats extends Described {
  /** Value per seed, in seed order; null where the point failed or the metric is undefined. */
  values: (number | null)[];
}

export interface SweepRow {
  /** Scenario hash of the combination. */
  point: string;
  combo: number;
  /** Swept path -> value as written (absent where it does not apply). */
  params: Record<string, unknown>;
  flow: number;
  group: number;
  cc: string;
  /** "reverse" for a flow sending data the link's reverse way (flows[].direction); absent for a forward flow. */
  direction?: 'reverse';
  /** "quic" for a QUIC flow (flows[].transport); absent for TCP. */
  transport?: 'quic';
  rate_mbps: number;
  rtt_ms: number;
  /** Mean random loss on the data direction, percent (Bernoulli p, or the Gilbert-Elliott stationary loss). */
  loss_pct: number;
  queue_pkts: number;
  duration_s: number;
  /** Seeds planned and seeds with results. */
  seeds: number;
  n: number;
  /** Run directory names (points/<key>), one per seed. */
  runs: string[];
  stats: Record<string, MetricStats>;
}

export interface SweepSummary {
  schema: typeof SWEEP_SUMMARY_SCHEMA;
  scenario: string;
  /** Swept paths, in the order written. */
  params: string[];
  seeds: number[];
  harm: boolean;
  confidence: number;
  metrics: MetricDef[];
  rows: SweepRow[];
}

function stats(values: (number | null)[]): MetricStats {
  const d = describe(values.filter((v): v is number => v !== null));
  const r = (x: number | null) => (x === null ? null : round6(x));
  return { n: d.n, mean: r(d.mean), sd: r(d.sd), ciLo: r(d.ciLo), ciHi: r(d.ciHi), values: values.map(r) };
}

function finite(x: number | null): number | null {
  return x !== null && Number.isFinite(x) ? x : null;
}

/** A reader of a sweep's point summaries by key, each read once (null: missing or unreadable). */
export function pointSummaries(pointsDir: string): (key: string) => RunSummary | null {
  const cache = new Map<string, RunSummary | null>();
  return (key) => {
    if (!cache.has(key)) {
      let s: RunSummary | null = null;
      try {
        s = readSummary(join(pointsDir, key));
      } catch {
        s = null;
      }
      cache.set(key, s);
    }
    return cache.get(key)!;
  };
}

/** Read the finished points of a plan and compute the statistics. */
export function aggregate(plan: SweepPlan, pointsDir: string): SweepSummary {
  const load = pointSummaries(pointsDir);
  const getters = plan.combos.some((c) => c.resolved.flows.some((f) => f.bytes !== null)) ? [...FLOW_METRICS, ...FCT_METRICS] : FLOW_METRICS;
  const metrics: MetricDef[] = [...getters.map(({ get: _g, ...m }) => m), ...(plan.spec.harm ? HARM_METRICS : [])];
  const rows: SweepRow[] = [];
  for (const c of plan.combos) {
    const runs = plan.seeds.map((s) => load(pointKey(c.hash, s)));
    const l = c.resolved.link;
    for (const f of c.resolved.flows) {
      const st: Record<string, MetricStats> = {};
      for (const m of getters) {
        st[m.key] = stats(runs.map((r) => (r && r.flows[f.id] ? finite(m.get(r, r.flows[f.id]!)) : null)));
      }
      if (plan.spec.harm) {
        const base = c.solo.find((b) => b.group === f.group)!;
        const solo = plan.seeds.map((s) => load(pointKey(base.hash, s))?.flows[0] ?? null);
        const comp = runs.map((r) => r?.flows[f.id] ?? null);
        st.solo_goodput_mbps = stats(solo.map((x) => x?.goodputMbps ?? null));
        st.solo_rtt_p95_ms = stats(solo.map((x) => x?.rttMs.p95 ?? null));
        st.harm_goodput = stats(solo.map((x, i) => (x && comp[i] ? harmMoreIsBetter(x.goodputMbps, comp[i]!.goodputMbps) : null)));
        st.harm_rtt_p95 = stats(solo.map((x, i) => (x && comp[i] ? harmLessIsBetter(x.rttMs.p95, comp[i]!.rttMs.p95) : null)));
      }
      rows.push({
        point: c.hash,
        combo: c.index,
        params: c.params,
        flow: f.id,
        group: f.group,
        cc: f.cc,
        ...(f.direction === 'reverse' ? { direction: 'reverse' as const } : {}),
        ...(f.transport === 'quic' ? { transport: 'quic' as const } : {}),
        rate_mbps: round6(l.rateBps / 1e6),
        // the flow's base RTT: the link's, or its own (flows[].rtt)
        rtt_ms: round6(flowRttNs(c.resolved, f) / 1e6),
        loss_pct: round6(meanLossRate(l.loss) * 100),
        queue_pkts: l.queuePackets,
        duration_s: round6(c.resolved.durationNs / 1e9),
        seeds: plan.seeds.length,
        n: runs.filter((r) => r !== null).length,
        runs: plan.seeds.map((s) => pointKey(c.hash, s)),
        stats: st,
      });
    }
  }
  return {
    schema: SWEEP_SUMMARY_SCHEMA,
    scenario: plan.name,
    params: plan.spec.axes.map((a) => a.path),
    seeds: plan.seeds,
    harm: plan.spec.harm,
    confidence: CONFIDENCE,
    metrics,
    rows,
  };
}

/** The column names of summary.csv for a summary. */
export function csvColumns(s: SweepSummary): string[] {
  // a direction column only when a flow sends data the reverse way: other sweeps keep their columns
  const dir = s.rows.some((r) => r.direction !== undefined) ? ['direction'] : [];
  // a transport column only when a flow is QUIC (flows[].transport), likewise
  const transport = s.rows.some((r) => r.transport !== undefined) ? ['transport'] : [];
  const cols = ['point', ...s.params, 'flow', 'group', 'cc', ...transport, ...dir, 'rate_mbps', 'rtt_ms', 'loss_pct', 'queue_pkts', 'duration_s', 'seeds', 'n'];
  for (const m of s.metrics) cols.push(`${m.key}_mean`, `${m.key}_sd`, `${m.key}_ci95_lo`, `${m.key}_ci95_hi`);
  return cols;
}

/** summary.csv: tidy, one row per combination × flow. */
export function summaryCsv(s: SweepSummary): string {
  const rows = s.rows.map((r) => {
    const o: Record<string, unknown> = {
      point: r.point,
      flow: r.flow,
      group: r.group,
      cc: r.cc,
      direction: r.direction ?? 'forward',
      transport: r.transport ?? 'tcp',
      rate_mbps: r.rate_mbps,
      rtt_ms: r.rtt_ms,
      loss_pct: r.loss_pct,
      queue_pkts: r.queue_pkts,
      duration_s: r.duration_s,
      seeds: r.seeds,
      n: r.n,
    };
    for (const p of s.params) o[p] = r.params[p];
    for (const m of s.metrics) {
      const st = r.stats[m.key]!;
      o[`${m.key}_mean`] = st.mean;
      o[`${m.key}_sd`] = st.sd;
      o[`${m.key}_ci95_lo`] = st.ciLo;
      o[`${m.key}_ci95_hi`] = st.ciHi;
    }
    return o;
  });
  return toCsv(csvColumns(s), rows);
}
