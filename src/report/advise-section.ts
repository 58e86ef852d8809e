/**
 * The report's "Advice" section: when `cclab advise` left advise.json in a
 * sweep folder, the report shows the advice as the command printed it (the
 * trade-off table, the limits, the chosen rate and a proposal's cost) and
 * two charts against Brutal's rate: goodput, and overhead (retransmitted
 * share, harm to the competing flow). Reads files only; the advice itself
 * is analysis/advise.ts's.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADVISE_FILE, ADVISE_SCHEMA, formatAdvice, proposalGain, type AdviseCandidate, type AdviseResult } from '../analysis/advise.js';
import { table } from '../cli/format.js';
import type { ChartPoint, ChartSeries, ChartSpec } from './chartconfig.js';

export const ADVICE_SECTION = 'Advice: goodput and overhead against the rate';

/** Colours per cwnd gain (blue, green, purple...), the competitor (red), limits and references (grey), markers. */
const GAIN_COLORS = ['#1f77b4', '#2ca02c', '#9467bd', '#8c564b', '#17becf', '#bcbd22'];
const RIVAL_COLOR = '#d62728';
const REF_COLOR = '#7f7f7f';
const ADVICE_COLOR = '#ff7f0e';

/** advise.json of a folder, or null when there is none (or it is not one this cclab reads). */
export function loadAdvice(dir: string): AdviseResult | null {
  const file = join(dir, ADVISE_FILE);
  if (!existsSync(file)) return null;
  try {
    const a = JSON.parse(readFileSync(file, 'utf8')) as AdviseResult;
    return a.schema === ADVISE_SCHEMA && Array.isArray(a.candidates) ? a : null;
  } catch {
    return null;
  }
}

const gainLabel = (g: number | null) => (g === null ? '' : `, gain ${(g / 10).toFixed(1)}x`);

function points(cands: readonly AdviseCandidate[], y: (c: AdviseCandidate) => number | null): ChartPoint[] {
  const out: ChartPoint[] = [];
  for (const c of cands) {
    const v = y(c);
    if (v !== null) out.push({ x: c.rateMbps, y: v, note: `rate ${c.rateMbps.toFixed(2)} Mbit/s${gainLabel(c.gain)}${c.fails.length ? `; over: ${c.fails.join(', ')}` : '; within the limits'}` });
  }
  return out;
}

/** A horizontal line over the rates tried. */
function flat(label: string, y: number, xs: readonly number[], color: string): ChartSeries {
  return { label, color, dash: [6, 4], points: [{ x: Math.min(...xs), y }, { x: Math.max(...xs), y }] };
}

/** A vertical line at a setting's rate, from 0 to `top` (the advice, a proposal). */
function vertical(label: string, c: AdviseCandidate | null, top: number, color: string): ChartSeries[] {
  return c === null ? [] : [{ label: `${label}: ${c.rateMbps.toFixed(2)} Mbit/s`, color, dash: [10, 4], points: [{ x: c.rateMbps, y: 0 }, { x: c.rateMbps, y: top }] }];
}

/** The advice's two charts: goodput, and overhead and harm, against Brutal's rate. */
export function adviceCharts(a: AdviseResult): ChartSpec[] {
  const gains = a.grid.gains ?? [null];
  const byGain = (g: number | null) => a.candidates.filter((c) => c.gain === g);
  const xs = a.candidates.map((c) => c.rateMbps);
  // the competitor is drawn at one gain: the one a proposal is measured at (tcp_brutal's default)
  const rivalGain = a.grid.gains === null ? null : proposalGain(a.grid.gains);
  const P = a.path;
  const subtitle = `${P.rateMbps} Mbit/s, RTT ${P.rttMs} ms, loss ${P.lossPct}%, queue ${P.queuePackets} packets; ${a.transport.toUpperCase()} Brutal, next to one ${a.against} flow`;
  const x = { title: "Brutal's rate (Mbit/s)", type: 'linear' as const, min: 0 };
  const rate = (c: AdviseCandidate) => c.goodputMbps;
  const goodput: ChartSpec = {
    id: 'advise-goodput',
    kind: 'line',
    section: ADVICE_SECTION,
    title: "Brutal's goodput against the rate it is set to",
    subtitle,
    description: `Brutal's goodput alone at each rate tried (one line per cwnd gain), the competing ${a.against} flow's goodput next to it, and what the path carries. Above that line extra rate buys no goodput: it becomes queueing and retransmissions.`,
    x,
    y: { title: 'goodput (Mbit/s)', type: 'linear', min: 0 },
    series: [
      ...gains.map((g, i) => ({ label: `Brutal alone${gainLabel(g)}`, color: GAIN_COLORS[i % GAIN_COLORS.length]!, points: points(byGain(g), rate) })),
      { label: `${a.against} next to Brutal${gainLabel(rivalGain)}`, color: RIVAL_COLOR, dash: [2, 3], points: points(byGain(rivalGain), (c) => c.competitorMbps) },
      flat('what the path carries', P.carriesMbps, xs, REF_COLOR),
      ...vertical('advice', a.recommendation, Math.max(P.carriesMbps, ...a.candidates.map((c) => c.goodputMbps ?? 0)), ADVICE_COLOR),
      ...vertical('proposed', a.proposal?.candidate ?? null, Math.max(P.carriesMbps, ...a.candidates.map((c) => c.goodputMbps ?? 0)), RIVAL_COLOR),
    ],
  };
  const pctOf = (v: number | null) => (v === null ? null : v * 100);
  const overhead: ChartSpec = {
    id: 'advise-overhead',
    kind: 'line',
    section: ADVICE_SECTION,
    title: 'Overhead and harm against the rate',
    subtitle,
    description: `Retransmitted share of the bytes Brutal sends (solid, one line per cwnd gain) and the harm to the competing ${a.against} flow (dashed: the share of its goodput alone it loses), with the advice's limits.`,
    x,
    // harm is below 0 where the competitor did better next to Brutal than alone (noise, or a shorter queue)
    y: { title: 'percent', type: 'linear', tickSuffix: '%' },
    series: [
      ...gains.map((g, i) => ({ label: `retransmitted${gainLabel(g)}`, color: GAIN_COLORS[i % GAIN_COLORS.length]!, points: points(byGain(g), (c) => pctOf(c.retrans)) })),
      { label: `harm to ${a.against}${gainLabel(rivalGain)}`, color: RIVAL_COLOR, dash: [2, 3], points: points(byGain(rivalGain), (c) => pctOf(c.harm)) },
      flat('limit: retransmitted', a.limits.maxRetrans * 100, xs, REF_COLOR),
      flat('limit: harm', a.limits.maxHarm * 100, xs, RIVAL_COLOR),
      ...vertical('advice', a.recommendation, 100, ADVICE_COLOR),
    ],
  };
  return [goodput, overhead];
}

/** The charts of a sweep folder's advice (none without advise.json). */
export function adviceChartsOf(dir: string): ChartSpec[] {
  const a = loadAdvice(dir);
  return a === null ? [] : adviceCharts(a);
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The section's HTML: the advice as `cclab advise` printed it. */
export function adviceHtml(a: AdviseResult): string {
  return (
    `<p class="note">What <code>cclab advise</code> recommends for this path, from the sweep in this folder: the rate with the most goodput within the limits ` +
    '(docs/analysis.md, "Advice").</p>' +
    `<pre>${esc(formatAdvice(a, table))}</pre>`
  );
}
