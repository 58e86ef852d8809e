/**
 * Reading a results directory for charts and reports: either a sweep
 * directory (summary.json of kind cclab.sweep/1, points/) or a single run
 * directory (summary.json of kind cclab.summary/1, timeseries.csv).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { InputError } from '../scenario/errors.js';
import { readJsonInput, schemaIssue } from '../results/read.js';
import { runMetaSchema, runSummarySchema, TIMESERIES_COLUMNS_BEFORE_DELIVERED, type RunMeta, type RunSummary } from '../results/schema.js';
import { SWEEP_SUMMARY_SCHEMA, type SweepSummary } from '../analysis/aggregate.js';
import { POINTS_DIR, SWEEP_META_FILE, type SweepMeta } from '../analysis/sweep.js';
import { parseCsv } from '../analysis/csv.js';
import type { ProbeRecord } from '../results/probe.js';

/** Samples of one flow (or of the link) over time, one array per column. */
export interface FlowSeries {
  time: number[];
  cwnd: number[];
  pacing: number[];
  inflight: number[];
  delivery: number[];
  srtt: number[];
  goodput: number[];
  /** Data the receiver has got so far (delivered_bytes, bytes); NaN throughout for files written before the column. */
  delivered: number[];
  /** A bbr3 flow's model (timeseries.csv's optional bbr3 columns), when the file has them and the flow filled them. */
  bbr3?: Bbr3Series;
  /** A DCTCP flow's alpha (0..1; timeseries.csv's dctcp_alpha), aligned with `time`, NaN where empty; absent when the flow never filled it. */
  dctcpAlpha?: number[];
}

/** BBRv3's state and bounds over time: NaN where a bound is unset. */
export interface Bbr3Series {
  phase: string[];
  bwHi: number[];
  bwLo: number[];
  inflightHi: number[];
  inflightLo: number[];
  ecnAlpha: number[];
}

export interface LinkSeries {
  time: number[];
  queuePkts: number[];
  linkMbps: number[];
}

export interface Timeseries {
  flows: Map<number, FlowSeries>;
  link: LinkSeries;
  /** The link's reverse direction (rows "link-reverse": runs with reverse flows); absent otherwise. */
  linkReverse?: LinkSeries;
  /** The run's warm-up (s, summary.json's warmupS; 0 without one): samples before it are left out. */
  fromS: number;
}

export interface SweepResults {
  kind: 'sweep';
  dir: string;
  summary: SweepSummary;
  meta: SweepMeta | null;
  scenarioYaml: string;
}

export interface RunResults {
  kind: 'run';
  dir: string;
  summary: RunSummary;
  meta: RunMeta | null;
  scenarioYaml: string;
}

export type Results = SweepResults | RunResults;

function readText(p: string): string {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return '';
  }
}

const nullableNumber = z.number().nullable();
const metricStatsSchema = z.object({ n: z.number(), mean: nullableNumber, sd: nullableNumber, ciLo: nullableNumber, ciHi: nullableNumber, values: z.array(nullableNumber) });

/** What charts and reports read of a sweep's summary.json (cclab.sweep/1); other fields pass. */
export const sweepSummarySchema = z.looseObject({
  schema: z.literal(SWEEP_SUMMARY_SCHEMA),
  scenario: z.string(),
  params: z.array(z.string()),
  seeds: z.array(z.number()),
  harm: z.boolean(),
  confidence: z.number(),
  metrics: z.array(z.looseObject({ key: z.string(), unit: z.string(), scope: z.enum(['flow', 'run', 'harm']), description: z.string() })),
  rows: z.array(
    z.looseObject({
      point: z.string(),
      combo: z.number(),
      params: z.record(z.string(), z.unknown()),
      flow: z.number(),
      group: z.number(),
      cc: z.string(),
      rate_mbps: z.number(),
      rtt_ms: z.number(),
      loss_pct: z.number(),
      queue_pkts: z.number(),
      duration_s: z.number(),
      seeds: z.number(),
      n: z.number(),
      runs: z.array(z.string()),
      stats: z.record(z.string(), metricStatsSchema),
    }),
  ),
});

/** Load a sweep or run directory; InputError (one line naming the file) when it is neither or is broken. */
export function loadResults(dir: string): Results {
  const summaryFile = join(dir, 'summary.json');
  if (!existsSync(summaryFile)) {
    throw new InputError(`${dir}: not a results directory (no summary.json); give a sweep directory (cclab sweep) or a run directory (cclab run)`);
  }
  const raw = readJsonInput(summaryFile) as { schema?: unknown } | null;
  const scenarioYaml = readText(join(dir, 'scenario.yaml'));
  if (raw !== null && typeof raw === 'object' && raw.schema === SWEEP_SUMMARY_SCHEMA) {
    const s = sweepSummarySchema.safeParse(raw);
    if (!s.success) throw new InputError(`${summaryFile}: not a valid sweep summary (${schemaIssue(s.error)})`);
    const metaFile = join(dir, SWEEP_META_FILE);
    const meta = existsSync(metaFile) ? (readJsonInput(metaFile) as SweepMeta) : null;
    return { kind: 'sweep', dir, summary: raw as SweepSummary, meta: meta !== null && typeof meta === 'object' ? meta : null, scenarioYaml };
  }
  const r = runSummarySchema.safeParse(raw);
  if (!r.success) {
    const what = raw !== null && typeof raw === 'object' && raw.schema !== undefined ? `schema ${JSON.stringify(raw.schema)}` : schemaIssue(r.error);
    throw new InputError(`${summaryFile}: neither a sweep summary (${SWEEP_SUMMARY_SCHEMA}) nor a valid run summary (${what})`);
  }
  const metaFile = join(dir, 'meta.json');
  const meta = existsSync(metaFile) ? runMetaSchema.safeParse(readJsonInput(metaFile)) : null;
  return { kind: 'run', dir, summary: r.data, meta: meta?.success ? meta.data : null, scenarioYaml };
}

/** Directory of one run of a sweep. */
export function pointDir(sweepDir: string, key: string): string {
  return join(sweepDir, POINTS_DIR, key);
}

function num(s: string | undefined): number {
  return s === undefined || s === '' ? Number.NaN : Number(s);
}

/** Parse a run's timeseries.csv (null when the file is missing); InputError naming the file and line when it is not one. */
export function readTimeseries(runDir: string): Timeseries | null {
  const file = join(runDir, 'timeseries.csv');
  if (!existsSync(file)) return null;
  const text = readText(file);
  const [header, ...rows] = parseCsv(text);
  // delivered_bytes is not required: files written before it still chart (their goodput falls back, src/report/rates.ts)
  const missing = TIMESERIES_COLUMNS_BEFORE_DELIVERED.filter((c) => !header?.includes(c));
  if (!header || missing.length > 0) {
    throw new InputError(`${file}: not a cclab time series (the header lacks ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', ...' : ''})`);
  }
  const col = new Map(header.map((h, i) => [h, i]));
  rows.forEach((r, i) => {
    if (r.length === 1 && r[0] === '') return;
    const bad = r.length !== header.length ? `${r.length} cells, the header has ${header.length}` : !/^-?[0-9.e+-]+$/.test(r[col.get('time_s')!] ?? '') ? `time_s "${r[col.get('time_s')!]}" is not a number` : null;
    if (bad !== null) throw new InputError(`${file}:${i + 2}: ${bad}`);
  });
  const get = (r: string[], c: string) => num(col.has(c) ? r[col.get(c)!] : undefined);
  const fromS = runWarmupS(runDir);
  const flows = new Map<number, FlowSeries>();
  const link: LinkSeries = { time: [], queuePkts: [], linkMbps: [] };
  let linkReverse: LinkSeries | undefined;
  for (const r of rows) {
    const flow = r[col.get('flow') ?? 1];
    const t = get(r, 'time_s');
    if (t < fromS) continue;
    if (flow === 'link') {
      link.time.push(t);
      link.queuePkts.push(get(r, 'queue_pkts'));
      link.linkMbps.push(get(r, 'link_mbps'));
      continue;
    }
    if (flow === 'link-reverse') {
      linkReverse ??= { time: [], queuePkts: [], linkMbps: [] };
      linkReverse.time.push(t);
      linkReverse.queuePkts.push(get(r, 'queue_pkts'));
      linkReverse.linkMbps.push(get(r, 'link_mbps'));
      continue;
    }
    const id = Number(flow);
    if (!Number.isInteger(id)) continue;
    let f = flows.get(id);
    if (!f) {
      f = { time: [], cwnd: [], pacing: [], inflight: [], delivery: [], srtt: [], goodput: [], delivered: [] };
      flows.set(id, f);
    }
    f.time.push(t);
    f.cwnd.push(get(r, 'cwnd_pkts'));
    f.pacing.push(get(r, 'pacing_mbps'));
    f.inflight.push(get(r, 'inflight_pkts'));
    f.delivery.push(get(r, 'delivery_mbps'));
    f.srtt.push(get(r, 'srtt_ms'));
    f.goodput.push(get(r, 'goodput_mbps'));
    f.delivered.push(get(r, 'delivered_bytes'));
    const alpha = get(r, 'dctcp_alpha');
    if (Number.isFinite(alpha) || f.dctcpAlpha) {
      // aligned with f.time: NaN for the rows before the flow's first alpha
      f.dctcpAlpha ??= f.time.slice(0, -1).map(() => Number.NaN);
      f.dctcpAlpha.push(alpha);
    }
    const phase = col.has('bbr_phase') ? r[col.get('bbr_phase')!] : undefined;
    if (phase !== undefined && phase !== '') {
      f.bbr3 ??= { phase: [], bwHi: [], bwLo: [], inflightHi: [], inflightLo: [], ecnAlpha: [] };
      const b = f.bbr3;
      // a bbr3 flow fills its columns on every row, so the arrays stay aligned with f.time
      b.phase.push(phase);
      b.bwHi.push(get(r, 'bw_hi_mbps'));
      b.bwLo.push(get(r, 'bw_lo_mbps'));
      b.inflightHi.push(get(r, 'inflight_hi_pkts'));
      b.inflightLo.push(get(r, 'inflight_lo_pkts'));
      b.ecnAlpha.push(get(r, 'ecn_alpha'));
    }
  }
  return { flows, link, ...(linkReverse ? { linkReverse } : {}), fromS };
}

/** A run's latency probe (probe.csv): each request's send time and round trip (null: no reply); null without the file. */
export function readProbe(runDir: string): ProbeRecord[] | null {
  const file = join(runDir, 'probe.csv');
  if (!existsSync(file)) return null;
  const [header, ...rows] = parseCsv(readText(file));
  if (!header || header[0] !== 'time_s' || header[1] !== 'rtt_ms') throw new InputError(`${file}: not a cclab probe file (its header is not time_s,rtt_ms)`);
  return rows.filter((r) => !(r.length === 1 && r[0] === '')).map((r) => ({ tS: Number(r[0]), rttMs: r[1] === undefined || r[1] === '' ? null : Number(r[1]) }));
}

/** A run's workload connections (connections.csv): flow, start (s), bytes, completion (ms, null: unfinished); null without the file. */
export function readConnections(runDir: string): { flow: number; startS: number; bytes: number; fctMs: number | null }[] | null {
  const file = join(runDir, 'connections.csv');
  if (!existsSync(file)) return null;
  const [header, ...rows] = parseCsv(readText(file));
  if (!header || header.join(',') !== 'flow,start_s,bytes,fct_ms') throw new InputError(`${file}: not a cclab connections file (its header is not flow,start_s,bytes,fct_ms)`);
  return rows
    .filter((r) => !(r.length === 1 && r[0] === ''))
    .map((r) => ({ flow: Number(r[0]), startS: Number(r[1]), bytes: Number(r[2]), fctMs: r[3] === undefined || r[3] === '' ? null : Number(r[3]) }));
}

/** The warm-up of the run in runDir (summary.json's warmupS), 0 when it has none or no readable summary. */
function runWarmupS(runDir: string): number {
  const file = join(runDir, 'summary.json');
  if (!existsSync(file)) return 0;
  try {
    const w = (JSON.parse(readText(file)) as { warmupS?: unknown }).warmupS;
    return typeof w === 'number' && w > 0 ? w : 0;
  } catch {
    return 0;
  }
}
