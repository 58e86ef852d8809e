/**
 * Reading a results directory for charts and reports: either a sweep
 * directory (summary.json of kind cclab.sweep/1, points/) or a single run
 * directory (summary.json of kind cclab.summary/1, timeseries.csv).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../scenario/errors.js';
import { runMetaSchema, runSummarySchema, type RunMeta, type RunSummary } from '../results/schema.js';
import { SWEEP_SUMMARY_SCHEMA, type SweepSummary } from '../analysis/aggregate.js';
import { POINTS_DIR, SWEEP_META_FILE, type SweepMeta } from '../analysis/sweep.js';
import { parseCsv } from '../analysis/csv.js';

/** Samples of one flow (or of the link) over time, one array per column. */
export interface FlowSeries {
  time: number[];
  cwnd: number[];
  pacing: number[];
  inflight: number[];
  delivery: number[];
  srtt: number[];
  goodput: number[];
}

export interface LinkSeries {
  time: number[];
  queuePkts: number[];
  linkMbps: number[];
}

export interface Timeseries {
  flows: Map<number, FlowSeries>;
  link: LinkSeries;
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

/** Load a sweep or run directory; InputError when it is neither. */
export function loadResults(dir: string): Results {
  const summaryFile = join(dir, 'summary.json');
  if (!existsSync(summaryFile)) {
    throw new InputError(`${dir}: not a results directory (no summary.json); give a sweep directory (cclab sweep) or a run directory (cclab run)`);
  }
  let raw: { schema?: unknown };
  try {
    raw = JSON.parse(readFileSync(summaryFile, 'utf8'));
  } catch (e) {
    throw new InputError(`${summaryFile}: not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  const scenarioYaml = readText(join(dir, 'scenario.yaml'));
  if (raw.schema === SWEEP_SUMMARY_SCHEMA) {
    const metaText = readText(join(dir, SWEEP_META_FILE));
    return { kind: 'sweep', dir, summary: raw as SweepSummary, meta: metaText ? (JSON.parse(metaText) as SweepMeta) : null, scenarioYaml };
  }
  const r = runSummarySchema.safeParse(raw);
  if (!r.success) throw new InputError(`${summaryFile}: neither a sweep summary (${SWEEP_SUMMARY_SCHEMA}) nor a run summary`);
  const metaText = readText(join(dir, 'meta.json'));
  const meta = metaText ? runMetaSchema.safeParse(JSON.parse(metaText)) : null;
  return { kind: 'run', dir, summary: r.data, meta: meta?.success ? meta.data : null, scenarioYaml };
}

/** Directory of one run of a sweep. */
export function pointDir(sweepDir: string, key: string): string {
  return join(sweepDir, POINTS_DIR, key);
}

function num(s: string | undefined): number {
  return s === undefined || s === '' ? Number.NaN : Number(s);
}

/** Parse a run's timeseries.csv (null when the file is missing). */
export function readTimeseries(runDir: string): Timeseries | null {
  const text = readText(join(runDir, 'timeseries.csv'));
  if (!text) return null;
  const [header, ...rows] = parseCsv(text);
  if (!header) return null;
  const col = new Map(header.map((h, i) => [h, i]));
  const get = (r: string[], c: string) => num(col.has(c) ? r[col.get(c)!] : undefined);
  const flows = new Map<number, FlowSeries>();
  const link: LinkSeries = { time: [], queuePkts: [], linkMbps: [] };
  for (const r of rows) {
    const flow = r[col.get('flow') ?? 1];
    const t = get(r, 'time_s');
    if (flow === 'link') {
      link.time.push(t);
      link.queuePkts.push(get(r, 'queue_pkts'));
      link.linkMbps.push(get(r, 'link_mbps'));
      continue;
    }
    const id = Number(flow);
    if (!Number.isInteger(id)) continue;
    let f = flows.get(id);
    if (!f) {
      f = { time: [], cwnd: [], pacing: [], inflight: [], delivery: [], srtt: [], goodput: [] };
      flows.set(id, f);
    }
    f.time.push(t);
    f.cwnd.push(get(r, 'cwnd_pkts'));
    f.pacing.push(get(r, 'pacing_mbps'));
    f.inflight.push(get(r, 'inflight_pkts'));
    f.delivery.push(get(r, 'delivery_mbps'));
    f.srtt.push(get(r, 'srtt_ms'));
    f.goodput.push(get(r, 'goodput_mbps'));
  }
  return { flows, link };
}
