/**
 * The table `cclab sweep` ends with: the main metrics per swept value and
 * CC (per flow in sweeps of competing flows), means over the seeds with
 * the half-width of the 95% Student-t CI from 3 seeds on. As aligned text
 * (default), CSV, JSON or Markdown (`--format`), so a study's result can be
 * read, or pasted into a paper, without opening the 90-column summary.csv.
 */
import type { MetricStats, SweepRow, SweepSummary } from '../analysis/aggregate.js';
import { InputError } from '../scenario/errors.js';
import { ccLabel, MIN_CI_SEEDS, paramLabel } from '../report/specs.js';
import { ccKey } from '../scenario/resolve.js';
import { table } from './format.js';

export const TABLE_FORMATS = ['text', 'csv', 'json', 'markdown'] as const;
export type TableFormat = (typeof TABLE_FORMATS)[number];

export function parseTableFormat(v: string | undefined): TableFormat {
  if (v === undefined) return 'text';
  if (!(TABLE_FORMATS as readonly string[]).includes(v)) throw new InputError(`--format: expected one of ${TABLE_FORMATS.join(', ')}, got "${v}"`);
  return v as TableFormat;
}

interface Column {
  key: string;
  /** Header in text and Markdown. */
  head: string;
  metric: string;
  scale: number;
  digits: number;
}

/** The main metrics: what a reader of a congestion-control study looks at first. */
function columns(s: SweepSummary, multiFlow: boolean): Column[] {
  const have = new Set(s.metrics.map((m) => m.key));
  const cols: Column[] = [
    { key: 'goodput_mbps', head: 'goodput Mbit/s', metric: 'goodput_mbps', scale: 1, digits: 2 },
    { key: 'retrans_pct', head: 'retrans %', metric: 'retrans_ratio', scale: 100, digits: 2 },
    { key: 'rtt_p95_ms', head: 'p95 RTT ms', metric: 'rtt_p95_ms', scale: 1, digits: 1 },
  ];
  if (multiFlow) cols.push({ key: 'jain', head: 'Jain', metric: 'jain', scale: 1, digits: 3 });
  if (s.harm) cols.push({ key: 'harm_goodput', head: 'harm', metric: 'harm_goodput', scale: 1, digits: 3 }, { key: 'harm_rtt_p95', head: 'RTT harm', metric: 'harm_rtt_p95', scale: 1, digits: 3 });
  return cols.filter((c) => have.has(c.metric));
}

function show(v: unknown): string {
  if (v === undefined || v === null) return 'n/a';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function cell(st: MetricStats | undefined, c: Column): string {
  if (!st || st.mean === null) return '';
  const m = (st.mean * c.scale).toFixed(c.digits);
  if (st.n < MIN_CI_SEEDS || st.ciLo === null || st.ciHi === null) return m;
  return `${m} ± ${(((st.ciHi - st.ciLo) / 2) * c.scale).toFixed(c.digits)}`;
}

const round = (x: number, digits: number) => Number(x.toFixed(digits + 2));

/** The table of a sweep in a format, ending with a newline. */
export function sweepTable(s: SweepSummary, format: TableFormat): string {
  const multiFlow = s.rows.some((r) => s.rows.some((q) => q.combo === r.combo && q.flow !== r.flow));
  const params = multiFlow ? s.params : s.params.filter((p) => !/^flows\[\d+\]\.cc$/.test(p));
  const cols = columns(s, multiFlow);
  const seeds = s.seeds.length;
  if (format === 'json' || format === 'csv') {
    const records = s.rows.map((r: SweepRow) => {
      const o: Record<string, unknown> = {};
      for (const p of params) o[p] = r.params[p] ?? null;
      if (multiFlow) o.flow = r.flow;
      o.cc = ccKey(r);
      o.seeds = r.n;
      for (const c of cols) {
        const st = r.stats[c.metric];
        const ci = st && st.n >= MIN_CI_SEEDS && st.ciLo !== null && st.ciHi !== null;
        o[c.key] = st && st.mean !== null ? round(st.mean * c.scale, c.digits) : null;
        o[`${c.key}_ci_lo`] = ci ? round(st.ciLo! * c.scale, c.digits) : null;
        o[`${c.key}_ci_hi`] = ci ? round(st.ciHi! * c.scale, c.digits) : null;
      }
      return o;
    });
    if (format === 'json') {
      return `${JSON.stringify({ scenario: s.scenario, seeds, ci: seeds >= MIN_CI_SEEDS ? `${Math.round(s.confidence * 100)}% Student-t CI of the mean over seeds` : `none (fewer than ${MIN_CI_SEEDS} seeds)`, rows: records })}\n`;
    }
    const keys = Object.keys(records[0] ?? { cc: null });
    const esc = (v: unknown) => {
      const t = v === null || v === undefined ? '' : typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
      return /[",\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
    };
    return `${[keys.join(','), ...records.map((o) => keys.map((k) => esc(o[k])).join(','))].join('\n')}\n`;
  }
  const head = [...params.map(paramLabel), ...(multiFlow ? ['flow'] : []), 'CC', ...cols.map((c) => c.head)];
  const rows = s.rows.map((r) => [...params.map((p) => show(r.params[p])), ...(multiFlow ? [String(r.flow)] : []), ccLabel(ccKey(r)), ...cols.map((c) => cell(r.stats[c.metric], c))]);
  const note =
    seeds >= MIN_CI_SEEDS
      ? `mean ± half-width of the ${Math.round(s.confidence * 100)}% Student-t CI over ${seeds} seeds`
      : `mean of ${seeds} seed${seeds === 1 ? '' : 's'}; no CI from fewer than ${MIN_CI_SEEDS} seeds`;
  if (format === 'markdown') {
    const line = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
    const align = head.map((_h, j) => (j < params.length + (multiFlow ? 1 : 0) + 1 ? '---' : '---:'));
    return `${[line(head), `|${align.map((a) => ` ${a} `).join('|')}|`, ...rows.map(line)].join('\n')}\n\n${s.scenario}: ${note}.\n`;
  }
  return `${s.scenario} (${note}):\n${table([head, ...rows])}\n`;
}
