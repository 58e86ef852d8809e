/**
 * Writing a run directory in the shared result schema (both backends).
 */
import YAML from 'yaml';
import { join } from 'node:path';
import { writeDirAtomic, toJson } from './io.js';
import {
  runMetaSchema,
  runSummarySchema,
  BBR3_TIMESERIES_COLUMNS,
  DCTCP_TIMESERIES_COLUMNS,
  TIMESERIES_COLUMNS,
  TRANSITIONS_COLUMNS,
  type RunMeta,
  type RunSummary,
  type TimeseriesColumn,
  type TransitionColumn,
} from './schema.js';
import type { ResolvedScenario } from '../scenario/resolve.js';

export type TimeseriesRow = Partial<Record<TimeseriesColumn, number | string>>;

/** One change of a flow's congestion state or CC mode (transitions.csv). */
export interface TransitionRow {
  time_s: number;
  flow: number;
  kind: 'ca_state' | 'cc_mode';
  from: string;
  to: string;
}

/** Render rows as CSV with a fixed column order, empty cells where absent. */
export function csv<C extends string>(columns: readonly C[], rows: readonly Partial<Record<C, number | string>>[]): string {
  const out: string[] = [columns.join(',')];
  for (const r of rows) {
    out.push(columns.map((c) => formatCell(r[c])).join(','));
  }
  return `${out.join('\n')}\n`;
}

/** The columns of a run's timeseries.csv: the fixed ones, then bbr3's and DCTCP's when a row has them. */
export function timeseriesColumns(rows: readonly TimeseriesRow[]): readonly TimeseriesColumn[] {
  return [
    ...TIMESERIES_COLUMNS,
    ...(rows.some((r) => r.bbr_phase !== undefined) ? BBR3_TIMESERIES_COLUMNS : []),
    ...(rows.some((r) => r.dctcp_alpha !== undefined) ? DCTCP_TIMESERIES_COLUMNS : []),
  ];
}

/** Render rows as timeseries.csv (fixed column order, empty cells where absent). */
export function timeseriesCsv(rows: readonly TimeseriesRow[]): string {
  return csv(timeseriesColumns(rows), rows);
}

/** Render rows as transitions.csv. */
export function transitionsCsv(rows: readonly TransitionRow[]): string {
  return csv<TransitionColumn>(TRANSITIONS_COLUMNS, rows);
}

function formatCell(v: number | string | undefined): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return '';
  return Number.isInteger(v) ? String(v) : String(+v.toPrecision(8));
}

export interface RunArtifacts {
  summary: RunSummary;
  timeseries: readonly TimeseriesRow[];
  /** Changes of each flow's congestion state and CC mode (transitions.csv, when given). */
  transitions?: readonly TransitionRow[];
  meta: RunMeta;
  /** The scenario document as run (file + overrides). */
  scenarioDoc: Record<string, unknown>;
  resolved: ResolvedScenario;
  /** Further files, e.g. raw iperf3/ss output from the kernel backend: name -> content. */
  extra?: Record<string, string | Uint8Array>;
}

/** Validate and write a run directory atomically. */
export function writeRun(dir: string, a: RunArtifacts): void {
  runSummarySchema.parse(a.summary);
  runMetaSchema.parse(a.meta);
  writeDirAtomic(dir, {
    'summary.json': toJson(a.summary),
    'timeseries.csv': timeseriesCsv(a.timeseries),
    ...(a.transitions !== undefined ? { 'transitions.csv': transitionsCsv(a.transitions) } : {}),
    'scenario.yaml': YAML.stringify(a.scenarioDoc),
    'resolved.json': toJson(a.resolved),
    'meta.json': toJson(a.meta),
    ...(a.extra ?? {}),
  }, 'run', a.summary.source);
}

/** Default run directory: results/<scenario>/<hash>-seed<seed>. */
export function defaultRunDir(root: string, scenarioName: string, hash: string, seed: number): string {
  return join(root, scenarioName, `${hash}-seed${seed}`);
}
