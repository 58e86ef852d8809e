/**
 * Which charts fit a results directory, and their data.
 *
 * Sweep directory:
 *   - goodput vs loss per CC (log x, 95% CI bands), one chart per value of
 *     the other swept parameters (e.g. per RTT)             [loss swept]
 *   - retransmission ratio vs loss per CC                    [loss swept]
 *   - heatmap of the goodput ratio Brutal / BBR over loss × RTT
 *                                              [Brutal and BBR both swept]
 *   - bars per setting: per-flow goodput, retransmissions, p95 RTT, and
 *     harm to goodput and delay, grouped by the swept combination
 *     ("fq_codel, ECN on, Brutal 100mbit")        [no loss axis: qdisc, ECN...]
 *   - throughput vs p95 delay per CC (Pantheon-style)
 *   - time series of a representative point per CC: cwnd, pacing rate,
 *     delivery rate, RTT, bottleneck queue             [single-flow sweeps]
 *   - competing flows: per-flow throughput and Jain's index over time
 *                                                        [multi-flow sweeps]
 * Run directory: the time series, and the competing-flow charts when the run
 * has more than one flow.
 */
import { PALETTE } from './palette.js';
import { hasDeliveredBytes, RATE_WINDOW_S, windowedJain, windowedRates, type GoodputSource, type WindowedRates } from './rates.js';
import { countedProbes } from '../results/probe.js';
import { ccSpec } from '../cc/index.js';
import { quicCcSpec } from '../quic/cc/index.js';
import { parsePercent, parseRate, parseSize, parseTime } from '../scenario/units.js';
import { InputError } from '../scenario/errors.js';
import { ccKey, splitCcKey } from '../scenario/resolve.js';
import type { SweepRow } from '../analysis/aggregate.js';
import { formatNumber, type AxisSpec, type ChartPoint, type ChartSeries, type ChartSpec } from './chartconfig.js';
import { pointDir, readConnections, readProbe, readTimeseries, type FlowSeries, type Results, type RunResults, type SweepResults, type Timeseries } from './data.js';
import { adviceChartsOf } from './advise-section.js';

export { PALETTE };

/** At most this many charts of one kind (one per facet). */
const MAX_FACETS = 12;
/** At most this many points per time-series line. */
const MAX_SERIES_POINTS = 2000;

/*
 * A series' key (a sweep row's, a run flow's) is its ccKey, so that TCP
 * Brutal and QUIC Brutal are two series with labels, colours, markers and
 * dashes of their own. ccLabel, ccStyle and ccColor take either kind of key.
 */

/** The CcSpec (TCP) or QuicCcSpec (a `<cc>/quic` key) that styles a series key. */
function styleSpec(key: string): { label: string; color: string; marker: string; dash: number[] } | undefined {
  const { cc, quic } = splitCcKey(key);
  return quic ? quicCcSpec(cc) : ccSpec(cc);
}

/** A congestion control's name in charts and tables (its CcSpec label; a QuicCcSpec's for `<cc>/quic`), or the name itself. */
export function ccLabel(cc: string): string {
  return styleSpec(cc)?.label ?? cc;
}

/** A congestion control's marker and dash pattern (its CcSpec or QuicCcSpec), or none for one the registry does not know. */
export function ccStyle(cc: string): { marker?: string; dash?: number[] } {
  const spec = styleSpec(cc);
  return spec ? { marker: spec.marker, dash: spec.dash } : {};
}

/** A congestion control's colour (its CcSpec or QuicCcSpec colour), or the i-th palette colour for one the registries do not know. */
export function ccColor(cc: string, i = 0): string {
  return styleSpec(cc)?.color ?? PALETTE[i % PALETTE.length]!;
}

const LOSS = 'link.loss';
const RTT = 'link.rtt';
const isCcPath = (p: string) => /^flows\[\d+\]\.cc$/.test(p);
/** A swept flows[i].transport: with flows[i].cc it names a series (ccKey), not a facet. */
const isSeriesPath = (p: string) => isCcPath(p) || /^flows\[\d+\]\.transport$/.test(p);

/**
 * A swept parameter in words, from its own name: "loss", "RTT", "Brutal
 * rate" (flows[0].brutal.rate), "flow 1 Brutal rate", "codel target"; the
 * path itself for one with no shorter name. Chart file names are made of it.
 */
export function paramLabel(p: string): string {
  if (p === LOSS) return 'loss';
  if (p === RTT) return 'RTT';
  if (p === 'link.rate') return 'link rate';
  if (p === 'link.queue') return 'buffer';
  if (p === 'link.qdisc') return 'qdisc';
  const m = /^flows\[(\d+)\]\.cc$/.exec(p);
  if (m) return `flow ${m[1]} CC`;
  const cp = /^flows\[(\d+)\]\.([a-z0-9_]+)\.([A-Za-z0-9_]+)$/.exec(p);
  if (cp) return `${cp[1] === '0' ? '' : `flow ${cp[1]} `}${ccLabel(cp[2]!)} ${cp[3]}`;
  const fp = /^flows\[(\d+)\]\.([A-Za-z0-9_]+)$/.exec(p);
  if (fp) return `flow ${fp[1]} ${fp[2] === 'ecn' ? 'ECN' : fp[2]}`;
  const qp = /^link\.qdisc\.([a-z_]+)\.([a-z_]+)$/.exec(p);
  if (qp) return `${qp[1]} ${qp[2]}`;
  const lp = /^link\.([A-Za-z0-9_]+)$/.exec(p);
  if (lp) return `link ${lp[1]}`;
  return p;
}

function showParam(v: unknown): string {
  if (v === undefined || v === null) return 'n/a';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/%/g, 'pct')
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

function distinct<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    const g = m.get(k);
    if (g) g.push(x);
    else m.set(k, [x]);
  }
  return m;
}

function stride<T>(xs: readonly T[]): T[] {
  if (xs.length <= MAX_SERIES_POINTS) return xs.slice();
  const step = Math.ceil(xs.length / MAX_SERIES_POINTS);
  return xs.filter((_x, i) => i % step === 0);
}

interface Facet {
  key: string;
  /** "RTT 50ms, buffer 2bdp" or "" for a single facet. */
  label: string;
  rows: SweepRow[];
}

function facets(rows: readonly SweepRow[], params: readonly string[]): Facet[] {
  const g = groupBy(rows, (r) => JSON.stringify(params.map((p) => r.params[p] ?? null)));
  return [...g.entries()].slice(0, MAX_FACETS).map(([key, rs]) => ({
    key,
    label: params.map((p) => `${paramLabel(p)} ${showParam(rs[0]!.params[p])}`).join(', '),
    rows: rs,
  }));
}

function facetId(base: string, f: Facet, single: boolean): string {
  return single || !f.label ? base : `${base}--${slug(f.label)}`;
}

/** Fewest seeds for a confidence interval: with 2, Student's t(1) makes a 95% interval ±12.7 standard errors wide. */
export const MIN_CI_SEEDS = 3;

/** How a chart shows the spread over seeds, in its subtitle: "shaded: 95% Student-t CI" or why there is none. */
export function seedsNote(seeds: number, what: 'band' | 'bars' | 'none', seedPoints: boolean): string {
  if (seeds <= 1) return '';
  const dots = seedPoints ? '; dots: each seed' : '';
  if (seeds < MIN_CI_SEEDS) return `${dots}; no CI: fewer than ${MIN_CI_SEEDS} seeds`;
  if (what === 'none') return dots;
  return `, ${what === 'band' ? 'shaded' : 'bars'}: 95% Student-t CI of the mean${dots}`;
}

/** Context line of a sweep chart: link rate, facet, seeds. */
function context(rows: readonly SweepRow[], facet: string, seeds: number, extra: string): string {
  const rates = distinct(rows.map((r) => r.rate_mbps));
  const parts: string[] = [];
  if (rates.length === 1) parts.push(`${formatNumber(rates[0]!)} Mbit/s link`);
  if (facet) parts.push(facet);
  parts.push(seeds > 1 ? `mean of ${seeds} seeds${extra}` : '1 seed');
  return parts.join(', ');
}

/** Log axis over loss rates (percent) with 0 drawn one decade left of the smallest loss. */
function lossAxis(losses: number[]): { axis: AxisSpec; xOf: (lossPct: number) => number } {
  const pos = losses.filter((l) => l > 0).sort((a, b) => a - b);
  const minPos = pos[0] ?? 1;
  const zeroAt = 10 ** (Math.floor(Math.log10(minPos)) - 1);
  const ticks = distinct([...(losses.some((l) => l === 0) ? [zeroAt] : []), ...pos]);
  const xOf = (l: number) => (l === 0 ? zeroAt : l);
  const axis: AxisSpec = {
    title: 'random loss rate (%, log scale)',
    type: 'logarithmic',
    min: (ticks[0] ?? zeroAt) / 1.6,
    max: (pos[pos.length - 1] ?? 1) * 1.6,
    ticks,
    tickLabels: losses.some((l) => l === 0) ? { [String(zeroAt)]: '0' } : {},
    tickSuffix: '%',
  };
  return { axis, xOf };
}

interface SweepView {
  res: SweepResults;
  rows: SweepRow[];
  multiFlow: boolean;
  seeds: number;
  /** Series name of a row: the CC for single-flow sweeps, "flow i: CC" otherwise. */
  seriesOf: (r: SweepRow) => string;
  /** Colour of a series within the rows of one chart. */
  colorOf: (series: string, context: readonly SweepRow[]) => string;
  /** Swept params that name series (cc paths in single-flow sweeps). */
  seriesParams: string[];
  /** Draw each seed's value next to the mean (always with 2 seeds, where there is no CI). */
  seedPoints: boolean;
  opts: ChartOptions;
}

/** What `cclab chart` lets a user choose beyond the default set of charts. */
export interface ChartOptions {
  /** Draw the seeds' own values on line charts (default: only with fewer than 3 seeds, where no CI is drawn). */
  seedPoints?: boolean;
  /** The sweep point whose runs the time series show: swept path -> value as written (default: a representative point). */
  point?: Record<string, string>;
  /** Smoothing window of the per-flow throughput, goodput and Jain charts (s). */
  windowS?: number;
  /** Instead of the default set: these metrics against a swept parameter (sweeps only). */
  custom?: CustomChart[];
}

/** `--metric M --x P [--facet F]`: metric M (a summary.json metric key) against swept parameter P, one chart per value of F. */
export interface CustomChart {
  metric: string;
  /** A swept path (default: the loss rate when swept, else the first swept parameter). */
  x?: string;
  /** A swept path to split charts by, or 'none' (default: every other swept parameter that does not name series). */
  facet?: string;
  /** A title of one's own. */
  title?: string;
}

/**
 * Colours of flows ("flow:cc") in a set of rows: the CC's colour when no
 * combination has two flows of the same CC, else one colour per flow index.
 */
function flowColors(rows: readonly SweepRow[]): Map<string, string> {
  const byCombo = groupBy(rows, (r) => String(r.combo));
  const ccUnique = [...byCombo.values()].every((g) => new Set(g.map(ccKey)).size === new Set(g.map((r) => r.flow)).size);
  const m = new Map<string, string>();
  for (const r of rows) m.set(`${r.flow}:${ccKey(r)}`, ccUnique ? ccColor(ccKey(r), r.flow) : PALETTE[r.flow % PALETTE.length]!);
  return m;
}

function sweepView(res: SweepResults, opts: ChartOptions = {}): SweepView {
  const rows = res.summary.rows;
  const perCombo = groupBy(rows, (r) => String(r.combo));
  const multiFlow = [...perCombo.values()].some((g) => g.length > 1);
  const seriesOf = (r: SweepRow) => (multiFlow ? `flow ${r.flow}: ${ccLabel(ccKey(r))}` : ccLabel(ccKey(r)));
  const colorOf = (series: string, context: readonly SweepRow[]) => {
    const row = context.find((r) => seriesOf(r) === series) ?? rows.find((r) => seriesOf(r) === series);
    if (!row) return PALETTE[0]!;
    return flowColors(context.length ? context : rows).get(row.flow + ':' + ccKey(row)) ?? PALETTE[row.flow % PALETTE.length]!;
  };
  return {
    res,
    rows,
    multiFlow,
    seeds: res.summary.seeds.length,
    seriesOf,
    colorOf,
    seriesParams: multiFlow ? [] : res.summary.params.filter(isSeriesPath),
    seedPoints: opts.seedPoints ?? (res.summary.seeds.length > 1 && res.summary.seeds.length < MIN_CI_SEEDS),
    opts,
  };
}

function meanOf(r: SweepRow, metric: string): number | null {
  return r.stats[metric]?.mean ?? null;
}

function seriesFromRows(v: SweepView, rows: readonly SweepRow[], metric: string, x: (r: SweepRow) => number, scale: number, note: (r: SweepRow) => string, band: boolean): ChartSeries[] {
  const out: ChartSeries[] = [];
  for (const [name, rs] of groupBy(rows, v.seriesOf)) {
    const points: ChartPoint[] = [];
    const seedPoints: ChartPoint[] = [];
    for (const r of rs) {
      const st = r.stats[metric];
      if (!st || st.mean === null) continue;
      // no interval from fewer than 3 seeds: t(1) = 12.7 draws a band past the link
      const ci = st.n >= MIN_CI_SEEDS && st.ciLo !== null && st.ciHi !== null;
      points.push({
        x: x(r),
        y: st.mean * scale,
        lo: ci ? st.ciLo! * scale : null,
        hi: ci ? st.ciHi! * scale : null,
        note: note(r),
      });
      if (v.seedPoints && st.values.length > 1) {
        st.values.forEach((y, k) => {
          if (y !== null) seedPoints.push({ x: x(r), y: y * scale, note: `seed ${v.res.summary.seeds[k] ?? k}; ${note(r)}` });
        });
      }
    }
    // one CC per series (single-flow sweeps): its marker and dash too, for print and colour-blind readers
    const style = v.multiFlow ? {} : ccStyle(ccKey(rs[0]!));
    const color = v.colorOf(name, rows);
    if (points.length) out.push({ label: name, color, points, band: band && v.seeds >= MIN_CI_SEEDS, ...style });
    if (seedPoints.length) out.push({ label: `${name}: seeds`, color, points: seedPoints, markersOnly: true, partOf: name, ...style });
  }
  return out;
}

function pointNote(v: SweepView, r: SweepRow): string {
  const ps = v.res.summary.params.map((p) => `${paramLabel(p)} ${showParam(r.params[p])}`).join(', ');
  return `${ps}${ps ? '; ' : ''}${r.n}/${r.seeds} seeds`;
}

function vsLossCharts(v: SweepView): ChartSpec[] {
  const losses = distinct(v.rows.map((r) => r.loss_pct));
  if (losses.length < 2) return [];
  const { axis, xOf } = lossAxis(losses);
  const facetParams = v.res.summary.params.filter((p) => p !== LOSS && !v.seriesParams.includes(p));
  const fs = facets(v.rows, facetParams);
  const band = seedsNote(v.seeds, 'band', v.seedPoints);
  const ciText = v.seeds >= MIN_CI_SEEDS ? ' Shaded bands are 95% Student-t confidence intervals of the mean across seeds.' : '';
  const out: ChartSpec[] = [];
  for (const f of fs) {
    out.push({
      id: facetId('goodput-vs-loss', f, fs.length === 1),
      kind: 'line',
      section: 'Goodput and retransmissions vs loss',
      title: 'Goodput vs random loss',
      subtitle: context(f.rows, f.label, v.seeds, band),
      description:
        'Goodput (application bytes delivered in order per second) of each congestion control as the random loss rate grows. ' +
        `The x axis is logarithmic; 0% loss is drawn at the left edge.${ciText}`,
      x: axis,
      y: { title: 'goodput (Mbit/s)', type: 'linear', min: 0 },
      series: seriesFromRows(v, f.rows, 'goodput_mbps', (r) => xOf(r.loss_pct), 1, (r) => pointNote(v, r), true),
    });
  }
  for (const f of fs) {
    out.push({
      id: facetId('retrans-vs-loss', f, fs.length === 1),
      kind: 'line',
      section: 'Goodput and retransmissions vs loss',
      title: 'Retransmissions vs random loss',
      subtitle: context(f.rows, f.label, v.seeds, band),
      description:
        'Retransmitted bytes as a percentage of all bytes sent. A sender that only repairs random loss sits near the loss rate; ' +
        'anything above it is self-inflicted (queue overflow).',
      x: axis,
      y: { title: 'retransmitted (% of bytes sent)', type: 'linear', min: 0 },
      series: seriesFromRows(v, f.rows, 'retrans_ratio', (r) => xOf(r.loss_pct), 100, (r) => pointNote(v, r), true),
    });
  }
  if (v.res.summary.harm) {
    for (const f of fs) {
      out.push({
        id: facetId('harm-vs-loss', f, fs.length === 1),
        kind: 'line',
        section: 'Harm (Ware et al.)',
        title: 'Harm to goodput vs random loss',
        subtitle: context(f.rows, f.label, v.seeds, band),
        description:
          'Harm in the sense of Ware et al. (HotNets 2019): the share of its goodput a flow loses when competing, relative to the same flow running alone ' +
          '((alone − competing) / alone). 0 = unharmed, 1 = starved; below 0 the flow did better competing.',
        x: axis,
        y: { title: 'harm to goodput (0 = none, 1 = starved)', type: 'linear', max: 1 },
        series: seriesFromRows(v, f.rows, 'harm_goodput', (r) => xOf(r.loss_pct), 1, (r) => pointNote(v, r), true),
      });
    }
  }
  return out;
}

/** The Brutal series a heatmap divides by BBR: TCP Brutal (the headline's), and Hysteria's QUIC Brutal when the sweep has it. */
const HEATMAP_BRUTALS = [
  { key: 'brutal', name: 'Brutal', id: 'heatmap-brutal-bbr' },
  { key: 'brutal/quic', name: 'QUIC Brutal', id: 'heatmap-quic-brutal-bbr' },
] as const;

function heatmapCharts(v: SweepView): ChartSpec[] {
  const rows = v.rows.filter((r) => r.flow === 0);
  const ccs = distinct(rows.map(ccKey));
  if (!ccs.includes('bbr')) return [];
  const losses = distinct(rows.map((r) => r.loss_pct)).sort((a, b) => a - b);
  const rtts = distinct(rows.map((r) => r.rtt_ms)).sort((a, b) => a - b);
  if (losses.length < 2 && rtts.length < 2) return [];
  const facetParams = v.res.summary.params.filter((p) => p !== LOSS && p !== RTT && !isSeriesPath(p));
  const fs = facets(rows, facetParams);
  const out: ChartSpec[] = [];
  for (const brutal of HEATMAP_BRUTALS) {
    if (!ccs.includes(brutal.key)) continue;
    const B = brutal.name;
    for (const f of fs) {
      const find = (cc: string, l: number, t: number) => f.rows.find((r) => ccKey(r) === cc && r.loss_pct === l && r.rtt_ms === t);
      const values: (number | null)[][] = [];
      const notes: string[][] = [];
      for (const t of rtts) {
        const vr: (number | null)[] = [];
        const nr: string[] = [];
        for (const l of losses) {
          const b = find(brutal.key, l, t);
          const o = find('bbr', l, t);
          const gb = b ? meanOf(b, 'goodput_mbps') : null;
          const go = o ? meanOf(o, 'goodput_mbps') : null;
          const ratio = gb !== null && go !== null && go > 0 ? gb / go : null;
          vr.push(ratio === null ? null : +ratio.toFixed(4));
          nr.push(
            `${B}: ${gb === null ? 'n/a' : formatNumber(gb)} Mbit/s\nBBR: ${go === null ? 'n/a' : formatNumber(go)} Mbit/s\n` +
              `ratio: ${ratio === null ? 'n/a' : `${formatNumber(ratio)}×`}`,
          );
        }
        values.push(vr);
        notes.push(nr);
      }
      out.push({
        id: facetId(brutal.id, f, fs.length === 1),
        kind: 'heatmap',
        section: 'Where Brutal beats BBR',
        title: `Goodput ratio ${B} / BBR over loss × RTT`,
        subtitle: `${context(f.rows, f.label, v.seeds, '')}; red: ${B} faster, blue: BBR faster`,
        description:
          `Each cell divides the mean goodput of ${B} by that of BBR at the same loss rate and base RTT. ` +
          `Above 1 (red) ${B} delivers more; below 1 (blue) BBR does.`,
        x: { title: 'random loss rate', type: 'linear' },
        y: { title: 'base RTT', type: 'linear' },
        series: [],
        heatmap: {
          xLabels: losses.map((l) => `${formatNumber(l)}%`),
          yLabels: rtts.map((t) => `${formatNumber(t)} ms`),
          values,
          notes,
          suffix: '×',
          neutral: 1,
          span: 4,
          highColor: ccColor('brutal'),
          lowColor: ccColor('bbr'),
        },
      });
    }
  }
  return out;
}

/** Points of the 1-σ ellipse of paired samples (x, y): mean + A·(cos θ, sin θ) with A·Aᵀ their covariance; null with fewer than 3 pairs. */
export function sigmaEllipse(xs: readonly number[], ys: readonly number[], steps = 48): { x: number; y: number }[] | null {
  const n = Math.min(xs.length, ys.length);
  if (n < MIN_CI_SEEDS) return null;
  const mx = xs.slice(0, n).reduce((a, b) => a + b, 0) / n;
  const my = ys.slice(0, n).reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i]! - mx) ** 2;
    syy += (ys[i]! - my) ** 2;
    sxy += (xs[i]! - mx) * (ys[i]! - my);
  }
  sxx /= n - 1;
  syy /= n - 1;
  sxy /= n - 1;
  // Cholesky factor of the covariance (a 0 0 on a degenerate axis)
  const a = Math.sqrt(sxx);
  const b = a > 0 ? sxy / a : 0;
  const c = Math.sqrt(Math.max(0, syy - b * b));
  const out: { x: number; y: number }[] = [];
  for (let k = 0; k <= steps; k++) {
    const t = (2 * Math.PI * k) / steps;
    out.push({ x: mx + a * Math.cos(t), y: my + b * Math.cos(t) + c * Math.sin(t) });
  }
  return out;
}

/**
 * Markers of one series that fall on the same spot (Brutal at every loss
 * rate) share one label, "0%–20%", instead of seven labels printed over
 * each other: points within 1.5% of the axes' spans of the first of a group.
 */
function mergeLabels(series: ChartSeries[], log: boolean, yMax: number): void {
  const xs = series.flatMap((s) => s.points.map((p) => p.x)).filter((x) => x > 0);
  const tx = (x: number) => (log ? Math.log2(x) : x);
  const xSpan = Math.max(1e-9, tx(Math.max(...xs)) - tx(Math.min(...xs)));
  const ySpan = Math.max(1e-9, yMax);
  for (const s of series) {
    if (s.partOf !== undefined || s.outline) continue;
    const groups: ChartPoint[][] = [];
    for (const p of s.points) {
      const g = groups.find((g) => Math.abs(tx(g[0]!.x) - tx(p.x)) / xSpan < 0.015 && Math.abs(g[0]!.y - p.y) / ySpan < 0.015);
      if (g) g.push(p);
      else groups.push([p]);
    }
    for (const g of groups) {
      if (g.length < 2) continue;
      const labels = g.map((p) => p.label).filter((l): l is string => Boolean(l));
      const text = labels.length <= 3 ? labels.join(', ') : `${labels[0]}–${labels[labels.length - 1]}`;
      g.forEach((p, i) => {
        if (i === 0) p.label = text;
        else delete p.label;
      });
    }
  }
}

/** Pantheon's delay axis: log base 2 with ticks at powers of 2 when the delays span more than 4×, reversed (better is right). */
function delayAxis(xs: readonly number[]): { axis: AxisSpec; log: boolean } {
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  const log = lo > 0 && hi > 4 * lo;
  const title = `95th percentile RTT (ms${log ? ', log₂ scale' : ''})  ← more delay · less delay →`;
  if (!log) return { axis: { title, type: 'linear', reverse: true }, log };
  const from = 2 ** Math.floor(Math.log2(lo));
  const to = 2 ** Math.ceil(Math.log2(hi));
  const ticks: number[] = [];
  for (let t = from; t <= to; t *= 2) ticks.push(t);
  return { axis: { title, type: 'logarithmic', reverse: true, min: from, max: to, ticks }, log };
}

/**
 * Throughput against delay in Pantheon's form (Yan et al., USENIX ATC 2018):
 * per CC one marker per sweep point at the mean over seeds, labelled with
 * what moves it (the loss rate, or the setting), and around it the 1-σ
 * ellipse of the seeds' (delay, goodput) pairs (from 3 seeds; with fewer the
 * seeds' own points); the delay axis reversed, log₂ when it spans more than
 * 4×, as Pantheon's plot.py draws it. Delay is the sender's p95 RTT (Pantheon
 * plots one-way delay, which a TCP sender does not measure).
 */
function tradeoffCharts(v: SweepView): ChartSpec[] {
  // with a loss axis one chart per value of the other parameters (loss moves the markers);
  // without one, the markers of every setting share a chart, split as the bar charts are
  const lossAxis = hasLossAxis(v);
  const split = settingSplit(v);
  const facetParams = lossAxis ? v.res.summary.params.filter((p) => p !== LOSS && !v.seriesParams.includes(p)) : split.facetParams;
  const flows = flowsPerCombo(v);
  const labelOf = (r: SweepRow) => (lossAxis ? `${formatNumber(r.loss_pct)}%` : settingLines(split.groupParams, r, flows).join(', ').replace(/\u00a0/g, ' '));
  const fs = facets(v.rows, facetParams);
  const out: ChartSpec[] = [];
  const enough = v.seeds >= MIN_CI_SEEDS;
  for (const f of fs) {
    const series: ChartSeries[] = [];
    const ellipses: { of: string; color: string; dash?: number[]; pairs: (readonly [number, number])[] }[] = [];
    for (const [name, rs] of groupBy(f.rows, v.seriesOf)) {
      const color = v.colorOf(name, f.rows);
      const style = v.multiFlow ? {} : ccStyle(ccKey(rs[0]!));
      const points: ChartPoint[] = [];
      const seedPts: ChartPoint[] = [];
      for (const r of rs) {
        const d = r.stats.rtt_p95_ms;
        const g = r.stats.goodput_mbps;
        if (!d || !g || d.mean === null || g.mean === null) continue;
        points.push({ x: d.mean, y: g.mean, note: pointNote(v, r), label: labelOf(r) });
        const pairs = d.values.map((x, k) => [x, g.values[k]] as const).filter((p): p is readonly [number, number] => p[0] !== null && p[1] !== undefined && p[1] !== null && p[0] > 0);
        if (enough && pairs.length >= MIN_CI_SEEDS) ellipses.push({ of: name, color, ...(style.dash ? { dash: style.dash } : {}), pairs });
        if (v.seedPoints) pairs.forEach(([x, y], k) => seedPts.push({ x, y, note: `seed ${v.res.summary.seeds[k] ?? k}; ${pointNote(v, r)}` }));
      }
      if (points.length === 0) continue;
      series.push({ label: name, color, points, markersOnly: true, ...style });
      if (seedPts.length) series.push({ label: `${name}: seeds`, color, points: seedPts, markersOnly: true, partOf: name, ...style });
    }
    if (series.length === 0) continue;
    const all = series.flatMap((s) => s.points.map((p) => p.x)).filter((x) => x > 0);
    const { axis, log } = delayAxis(all);
    mergeLabels(series, log, Math.max(...series.flatMap((s) => s.points.map((p) => p.y))));
    // each ellipse in the axis' own space: log₂ delay on a log axis
    for (const e of ellipses) {
      const pts = sigmaEllipse(
        e.pairs.map(([x]) => (log ? Math.log2(x) : x)),
        e.pairs.map(([, y]) => y),
      );
      if (!pts) continue;
      const points = pts.map((p) => ({ x: +(log ? 2 ** p.x : p.x).toFixed(4), y: +p.y.toFixed(4) }));
      series.push({ label: `${e.of}: 1-σ over seeds`, color: e.color, points, outline: true, partOf: e.of, ...(e.dash ? { dash: e.dash } : {}) });
    }
    const spread = enough ? `; ellipses: 1 σ over ${v.seeds} seeds` : v.seeds > 1 ? `; dots: each seed (no ellipse from fewer than ${MIN_CI_SEEDS} seeds)` : '';
    out.push({
      id: facetId('throughput-vs-delay', f, fs.length === 1),
      kind: 'scatter',
      section: 'Throughput and delay',
      title: 'Throughput vs delay (Pantheon-style)',
      subtitle: `${context(f.rows, f.label, v.seeds, '')}; markers labelled with the ${lossAxis ? 'loss rate' : 'setting'}${spread}`,
      description:
        `Each marker is one sweep point (mean over seeds), labelled with its ${lossAxis ? 'random loss rate' : 'setting'}: goodput against the 95th percentile RTT the sender measured` +
        (enough ? `, with the 1-σ ellipse of the seeds' (delay, goodput) pairs around it` : '') +
        '. As in Pantheon the delay axis is reversed (better is up and to the right) and logarithmic in base 2 when the delays span more than 4×.',
      x: axis,
      y: { title: 'goodput (Mbit/s)', type: 'linear', min: 0 },
      series,
    });
  }
  return out;
}

/** At most this many groups of bars in one chart; more are split into charts by the first swept parameters. */
const MAX_BAR_GROUPS = 12;
/** Characters of category labels that fit across a bar chart (960 px wide, 12.6 px font, with gaps). */
const BAR_LABEL_CHARS = 120;
/** At most this many lines in a category label. */
const MAX_LABEL_LINES = 5;

/** Words of `lines` re-broken into lines of at most `width` characters (a longer word keeps its own line). */
export function wrapLines(lines: readonly string[], width: number): string[] {
  const out: string[] = [];
  for (const line of lines) {
    let cur = '';
    for (const w of line.split(' ')) {
      if (cur && cur.length + 1 + w.length > width) {
        out.push(cur);
        cur = w;
      } else cur = cur ? `${cur} ${w}` : w;
    }
    out.push(cur);
  }
  return out;
}

/** Width of a category label, in characters, when a chart has `groups` groups of bars. */
function labelWidth(groups: number): number {
  return Math.max(8, Math.floor(BAR_LABEL_CHARS / groups) - 1);
}

/** Whether labels (lines per category) fit under `groups` groups of bars once wrapped. */
function labelsFit(labels: readonly string[][], groups: number): boolean {
  const w = labelWidth(groups);
  return labels.every((l) => {
    const wrapped = wrapLines(l, w);
    return wrapped.length <= MAX_LABEL_LINES && wrapped.every((x) => x.length <= w);
  });
}

const ECN_PATH = /^flows\[(\d+)\]\.ecn$/;
/** flows[i].<cc>.<param>: a congestion control's parameter. */
const CC_PARAM_PATH = /^flows\[(\d+)\]\.([a-z0-9_]+)\.([A-Za-z0-9_]+)$/;
/** link.qdisc.<qdisc>.<param>: a qdisc parameter swept on its own. */
const QDISC_PARAM_PATH = /^link\.qdisc\.([a-z_]+)\.([a-z_]+)$/;

/**
 * A qdisc as tc words it: "fq_codel", "codel ecn", "red min 30kb adaptive".
 * The ecn flag is left out when it says what `hostEcn` (the hosts' ECN,
 * shown on its own) says: ECN on is then one statement about both.
 */
export function qdiscText(v: unknown, hostEcn?: boolean): string {
  if (typeof v === 'string') return v;
  if (v === null || typeof v !== 'object') return showParam(v);
  const [name, params] = Object.entries(v as Record<string, unknown>)[0] ?? ['?', {}];
  const parts = [name];
  for (const [k, x] of Object.entries((params ?? {}) as Record<string, unknown>)) {
    if (k === 'ecn' && typeof x === 'boolean') {
      if (x !== hostEcn) parts.push(x ? 'ecn' : 'noecn');
    } else if (typeof x === 'boolean') parts.push(x ? k : `${k} off`);
    else parts.push(`${k} ${showParam(x)}`);
  }
  return parts.join(' ');
}

/** "Brutal 100mbit (2× link)": a per-CC rate next to the link rate. */
function ccParamText(cc: string, param: string, v: unknown, linkMbps: number): string {
  let text = `${ccLabel(cc)} ${param === 'rate' ? '' : `${param} `}${showParam(v)}`;
  if (param === 'rate' && (typeof v === 'string' || typeof v === 'number') && linkMbps > 0) {
    try {
      text += ` (${formatNumber(parseRate(v) / 1e6 / linkMbps)}×\u00a0link)`; // kept on one line when wrapped
    } catch {
      /* not a rate: the value as written */
    }
  }
  return text;
}

/**
 * The setting of a sweep row in words, one line per swept parameter:
 * ["Brutal 100mbit (2× link)", "fq_codel", "ECN on"]. When the ECN of every
 * flow is swept and the flows agree, it is one line "ECN on" (and a qdisc
 * whose ecn flag agrees does not repeat it).
 */
export function settingLines(paths: readonly string[], r: SweepRow, flows: number): string[] {
  const ecnPaths = paths.filter((p) => ECN_PATH.test(p));
  const ecnValues = distinct(ecnPaths.map((p) => r.params[p]));
  const hostEcn = ecnPaths.length === flows && ecnValues.length === 1 && typeof ecnValues[0] === 'boolean' ? ecnValues[0] : undefined;
  const lines: string[] = [];
  for (const p of paths) {
    const v = r.params[p];
    const ecn = ECN_PATH.exec(p);
    if (ecn) {
      if (hostEcn === undefined) lines.push(`flow ${ecn[1]} ECN ${v === undefined ? 'n/a' : v ? 'on' : 'off'}`);
      else if (p === ecnPaths[0]) lines.push(`ECN ${hostEcn ? 'on' : 'off'}`);
      continue;
    }
    if (v === undefined) {
      lines.push(`${paramLabel(p)} n/a`);
      continue;
    }
    const ccParam = CC_PARAM_PATH.exec(p);
    const qParam = QDISC_PARAM_PATH.exec(p);
    if (p === 'link.qdisc') lines.push(qdiscText(v, hostEcn));
    else if (qParam) lines.push(`${qParam[1]} ${qParam[2]} ${showParam(v)}`);
    else if (ccParam) lines.push(ccParamText(ccParam[2]!, ccParam[3]!, v, r.rate_mbps));
    else if (isCcPath(p)) lines.push(`${paramLabel(p)} ${ccLabel(String(v))}`);
    else lines.push(`${paramLabel(p)} ${showParam(v)}`);
  }
  return lines;
}

/** Swept parameters named on a bar chart's x axis: "Brutal rate, qdisc, ECN". */
function settingTitle(paths: readonly string[]): string {
  const names: string[] = [];
  for (const p of paths) {
    const ccParam = CC_PARAM_PATH.exec(p);
    const qParam = QDISC_PARAM_PATH.exec(p);
    const name = ECN_PATH.test(p)
      ? 'ECN'
      : p === 'link.qdisc'
        ? 'qdisc'
        : qParam
          ? `${qParam[1]} ${qParam[2]}`
          : ccParam
            ? `${ccLabel(ccParam[2]!)} ${ccParam[3]}`
            : paramLabel(p);
    if (!names.includes(name)) names.push(name);
  }
  return names.join(', ');
}

interface BarMetric {
  id: string;
  metric: string;
  scale: number;
  section: string;
  title: string;
  yTitle: string;
  description: string;
  /** Facet subtitle extra (after the context). */
  extra?: (rows: readonly SweepRow[]) => string;
}

const SETTING_SECTION = 'Per setting: goodput, overhead and delay';
const HARM_SECTION = 'Harm (Ware et al.)';

function barMetrics(harm: boolean): BarMetric[] {
  const ms: BarMetric[] = [
    {
      id: 'flows-goodput-by-setting',
      metric: 'goodput_mbps',
      scale: 1,
      section: SETTING_SECTION,
      title: 'Goodput per flow by setting',
      yTitle: 'goodput (Mbit/s)',
      description:
        'Goodput (application bytes delivered in order per second) of each flow at each setting of the sweep, mean over seeds; ' +
        'the error bars are 95% Student-t confidence intervals of the mean (drawn from 3 seeds on).',
    },
    {
      id: 'retrans-by-setting',
      metric: 'retrans_ratio',
      scale: 100,
      section: SETTING_SECTION,
      title: 'Retransmissions per flow by setting',
      yTitle: 'retransmitted (% of bytes sent)',
      description:
        "Retransmitted bytes as a percentage of all bytes a flow sent: the sender's overhead. Without random loss it is all self-inflicted " +
        '(queue overflow, AQM drops).',
    },
    {
      id: 'rtt-by-setting',
      metric: 'rtt_p95_ms',
      scale: 1,
      section: SETTING_SECTION,
      title: '95th percentile RTT per flow by setting',
      yTitle: '95th percentile RTT (ms)',
      description:
        "The 95th percentile of the RTT samples each flow's sender took: the base RTT plus the queueing delay its packets met. " +
        'With per-flow queues (fq_codel) each flow sees the delay of its own queue.',
      extra: (rows) => {
        const rtts = distinct(rows.map((r) => r.rtt_ms));
        return rtts.length === 1 ? `base RTT ${formatNumber(rtts[0]!)} ms` : '';
      },
    },
  ];
  if (harm) {
    ms.push(
      {
        id: 'harm-by-setting',
        metric: 'harm_goodput',
        scale: 1,
        section: HARM_SECTION,
        title: 'Harm to goodput by setting',
        yTitle: 'harm to goodput (0 = none, 1 = starved)',
        description:
          'Harm in the sense of Ware et al. (HotNets 2019): the share of its goodput a flow loses when competing, relative to the same flow ' +
          'running alone on the same bottleneck ((alone − competing) / alone). 0 = unharmed, 1 = starved; below 0 the flow did better competing.',
      },
      {
        id: 'harm-rtt-by-setting',
        metric: 'harm_rtt_p95',
        scale: 1,
        section: HARM_SECTION,
        title: 'Harm to delay (p95 RTT) by setting',
        yTitle: 'harm to p95 RTT (0 = none, 1 = all delay)',
        description:
          "Harm to a flow's 95th percentile RTT: (competing − alone) / competing, after Ware et al. 0 = the competitor added no delay, " +
          'near 1 = almost all of the delay is due to the competitor.',
      },
    );
  }
  return ms;
}

function hasLossAxis(v: SweepView): boolean {
  return distinct(v.rows.map((r) => r.loss_pct)).length > 1;
}

const keyOf = (ps: readonly string[]) => (r: SweepRow) => JSON.stringify(ps.map((p) => r.params[p] ?? null));

/**
 * The swept parameters (but those naming series) split into those that
 * facet (one chart per value, the first ones in the order written: they vary
 * slowest) and those whose combinations are the groups of bars in a chart:
 * the fewest facet parameters that keep each chart within MAX_BAR_GROUPS groups.
 */
function settingSplit(v: SweepView): { facetParams: string[]; groupParams: string[] } {
  const catParams = v.res.summary.params.filter((p) => !v.seriesParams.includes(p));
  const flows = flowsPerCombo(v);
  const fits = (n: number) =>
    [...groupBy(v.rows, keyOf(catParams.slice(0, n))).values()].every((rs) => {
      const groups = [...groupBy(rs, keyOf(catParams.slice(n))).values()];
      return groups.length <= MAX_BAR_GROUPS && labelsFit(groups.map((g) => settingLines(catParams.slice(n), g[0]!, flows)), groups.length);
    });
  let k = 0;
  while (k < catParams.length && !fits(k)) k++;
  return { facetParams: catParams.slice(0, k), groupParams: catParams.slice(k) };
}

/** Most flows[] entries in one combination. */
function flowsPerCombo(v: SweepView): number {
  return Math.max(...[...groupBy(v.rows, (r) => String(r.combo)).values()].map((g) => distinct(g.map((r) => r.group)).length));
}

/**
 * Bar charts for sweeps of settings rather than of a loss axis (qdisc, ECN,
 * a CC's parameters...): each combination of the swept values a group of
 * bars, one bar per flow (or per CC in single-flow sweeps): goodput,
 * retransmissions, p95 RTT, and with harm the harm to goodput and delay.
 * Too many groups for one chart are split by the first swept parameters.
 */
function settingCharts(v: SweepView): ChartSpec[] {
  if (v.res.summary.params.length === 0 || hasLossAxis(v)) return []; // a loss axis: the line charts
  const { facetParams, groupParams } = settingSplit(v);
  const flows = flowsPerCombo(v);
  const fs = [...groupBy(v.rows, keyOf(facetParams)).values()].slice(0, MAX_FACETS).map((rs) => ({
    label: settingLines(facetParams, rs[0]!, flows).join(', '),
    rows: rs,
  }));
  const xTitle = groupParams.length ? settingTitle(groupParams) : 'all flows';
  const out: ChartSpec[] = [];
  for (const m of barMetrics(v.res.summary.harm)) {
    for (const f of fs) {
      const groups = [...groupBy(f.rows, keyOf(groupParams)).values()];
      const settings = groups.map((g) => settingLines(groupParams, g[0]!, flows));
      const categories = settings.map((l) => (l.length ? wrapLines(l, labelWidth(groups.length)) : ['all flows']));
      const categoryLabels = settings.map((l) => (l.length ? l.join(', ') : 'all flows'));
      const series: ChartSeries[] = [];
      for (const [name, rs] of groupBy(f.rows, v.seriesOf)) {
        const points: ChartPoint[] = [];
        for (const r of rs) {
          const st = r.stats[m.metric];
          if (!st || st.mean === null) continue;
          const ci = st.n >= MIN_CI_SEEDS && st.ciLo !== null && st.ciHi !== null;
          points.push({
            x: groups.findIndex((g) => g.includes(r)),
            y: +(st.mean * m.scale).toFixed(6),
            lo: ci ? +(st.ciLo! * m.scale).toFixed(6) : null,
            hi: ci ? +(st.ciHi! * m.scale).toFixed(6) : null,
            halfWidth: ci ? +(((st.ciHi! - st.ciLo!) / 2) * m.scale).toFixed(6) : null,
            note: pointNote(v, r),
          });
        }
        if (points.length) series.push({ label: name, color: v.colorOf(name, f.rows), points });
      }
      if (series.length === 0) continue;
      const extra = m.extra?.(f.rows) ?? '';
      const bars = seedsNote(v.seeds, 'bars', false);
      out.push({
        id: facetId(m.id, { key: '', label: f.label, rows: f.rows }, fs.length === 1),
        kind: 'bar',
        section: m.section,
        title: m.title,
        subtitle: `${context(f.rows, f.label, v.seeds, bars)}${extra ? `; ${extra}` : ''}`,
        description: m.description,
        x: { title: xTitle, type: 'category' },
        y: { title: m.yTitle, type: 'linear', ...(m.metric.startsWith('harm_') ? {} : { min: 0 }) },
        series,
        categories,
        categoryLabels,
      });
    }
  }
  return out;
}

/** Representative combination per series: loss nearest 1%, median RTT, first value of other parameters. */
function representatives(v: SweepView, keepParams: readonly string[]): { label: string; rows: SweepRow[] }[] {
  const params = v.res.summary.params;
  const chosen = new Map<string, string>();
  const asked = v.opts.point ?? {};
  for (const p of Object.keys(asked)) {
    if (!params.includes(p)) throw new InputError(`--point: "${p}" is not swept here; swept: ${params.join(', ') || 'none'}`);
    if (keepParams.includes(p)) throw new InputError(`--point: "${p}" names the series of the time-series charts (each of its values is drawn); leave it out`);
  }
  for (const p of params) {
    if (keepParams.includes(p)) continue;
    const byValue = groupBy(v.rows, (r) => JSON.stringify(r.params[p] ?? null));
    const values = [...byValue.keys()];
    let pick = values[0]!;
    if (asked[p] !== undefined) {
      const want = asked[p]!;
      const hit = values.find((k) => showParam(JSON.parse(k)) === want || String(JSON.parse(k)) === want);
      if (hit === undefined) throw new InputError(`--point: ${p}=${want} is not a swept value; one of ${values.map((k) => showParam(JSON.parse(k))).join(', ')}`);
      chosen.set(p, hit);
      continue;
    }
    if (p === LOSS) {
      let best = Number.POSITIVE_INFINITY;
      for (const [k, rs] of byValue) {
        const l = rs[0]!.loss_pct;
        const d = l > 0 ? Math.abs(Math.log10(l)) : 99;
        if (d < best) {
          best = d;
          pick = k;
        }
      }
    } else if (p === RTT) {
      const sorted = values.slice().sort((a, b) => byValue.get(a)![0]!.rtt_ms - byValue.get(b)![0]!.rtt_ms);
      pick = sorted[Math.floor((sorted.length - 1) / 2)]!;
    }
    chosen.set(p, pick);
  }
  const matching = v.rows.filter((r) => [...chosen].every(([p, k]) => JSON.stringify(r.params[p] ?? null) === k));
  const out: { label: string; rows: SweepRow[] }[] = [];
  for (const rs of groupBy(matching, (r) => String(r.combo)).values()) {
    const label = v.multiFlow
      ? keepParams.map((p) => `${paramLabel(p)} ${showParam(rs[0]!.params[p])}`).join(', ') || 'all flows'
      : v.seriesOf(rs[0]!);
    out.push({ label, rows: rs });
  }
  return out;
}

function conditionText(v: SweepView, rows: readonly SweepRow[]): string {
  const r = rows[0]!;
  const ps = v.res.summary.params.filter((p) => !v.seriesParams.includes(p)).map((p) => `${paramLabel(p)} ${showParam(r.params[p])}`);
  return `${ps.join(', ')}${ps.length ? ', ' : ''}seed ${v.res.summary.seeds[0]}`;
}

interface TsSeries {
  label: string;
  color: string;
  /** The CC's marker and dash (ccStyle) when series are CCs. */
  style?: { marker?: string; dash?: number[] };
  flow: FlowSeries | null;
  link: Timeseries['link'] | null;
  /** Where its time axis starts: the run's warm-up (s). */
  fromS: number;
}

const TS_SECTION = 'Time series';

function timeseriesCharts(series: TsSeries[], subtitle: string, idPrefix: string): ChartSpec[] {
  const xAxis: AxisSpec = { title: 'time (s)', type: 'linear', min: Math.min(...series.map((s) => s.fromS)) };
  const line = (pick: (f: FlowSeries) => number[], skipZero = false): ChartSeries[] =>
    series
      .filter((s) => s.flow !== null)
      .map((s) => {
        const f = s.flow!;
        const ys = pick(f);
        return {
          label: s.label,
          color: s.color,
          points: stride(f.time.map((t, i) => ({ x: t, y: ys[i]! })).filter((p) => Number.isFinite(p.y))),
          style: s.style ?? {},
          ...(skipZero && ys.every((y) => !(y > 0)) ? { skip: true } : {}),
        };
      })
      .filter((s) => !('skip' in s) && s.points.length > 0)
      .map(({ label, color, points, style }) => ({ label, color, points, ...style }));
  const panels: [string, string, string, string, ChartSeries[]][] = [
    ['cwnd', 'Congestion window over time', "snd_cwnd in packets, sampled at the scenario's sampling interval.", 'cwnd (packets)', line((f) => f.cwnd)],
    [
      'pacing',
      'Pacing rate over time',
      'sk_pacing_rate as ss reports it; only congestion controls that ask for pacing (BBR, Brutal) have one.',
      'pacing rate (Mbit/s)',
      line((f) => f.pacing, true),
    ],
    ['delivery', 'Delivery rate over time', 'The latest delivery-rate sample (tcp_rate.c) as ss reports it.', 'delivery rate (Mbit/s)', line((f) => f.delivery)],
    ['rtt', 'Smoothed RTT over time', "The sender's srtt: base RTT plus queueing delay.", 'srtt (ms)', line((f) => f.srtt)],
  ];
  const charts: ChartSpec[] = panels.map(([id, title, description, yTitle, s]) => ({
    id: `${idPrefix}${id}`,
    kind: 'line',
    section: TS_SECTION,
    title,
    subtitle,
    description,
    x: xAxis,
    y: { title: yTitle, type: 'linear', min: 0 },
    series: s,
  }));
  const queue: ChartSeries[] = series
    .filter((s) => s.link !== null && s.link.time.length > 0)
    .map((s) => ({ label: s.label, color: s.color, points: stride(s.link!.time.map((t, i) => ({ x: t, y: s.link!.queuePkts[i]! })).filter((p) => Number.isFinite(p.y))) }));
  if (queue.length > 0) {
    charts.push({
      id: `${idPrefix}queue`,
      kind: 'line',
      section: TS_SECTION,
      title: 'Bottleneck queue over time',
      subtitle,
      description: 'Packets waiting in the bottleneck\'s drop-tail queue at each sample.',
      x: xAxis,
      y: { title: 'queue (packets)', type: 'linear', min: 0 },
      series: queue,
    });
  }
  return charts.filter((c) => c.series.length > 0);
}

/**
 * A bbr3 flow's model over time: its bandwidth bounds (bw_hi, bw_lo) beside
 * its delivery rate, and its volume bounds (inflight_hi, inflight_lo) beside
 * cwnd and in-flight, each point noting the PROBE_BW phase; ecn_alpha when
 * ECN moved it.
 */
function bbr3Charts(ts: Timeseries, flow: { id: number; label: string }, subtitle: string, idSuffix: string): ChartSpec[] {
  const f = ts.flows.get(flow.id);
  const b = f?.bbr3;
  if (!f || !b || b.phase.length !== f.time.length) return [];
  const xAxis: AxisSpec = { title: 'time (s)', type: 'linear', min: ts.fromS };
  const line = (label: string, color: string, ys: number[]): ChartSeries => ({
    label,
    color,
    points: stride(f.time.map((t, i) => ({ x: t, y: ys[i]!, note: b.phase[i]! })).filter((p) => Number.isFinite(p.y))),
  });
  const nonEmpty = (xs: ChartSeries[]) => xs.filter((x) => x.points.length > 0);
  const section = `BBRv3 model${idSuffix ? `: ${flow.label}` : ''}`;
  const out: ChartSpec[] = [
    {
      id: `bbr3-bw${idSuffix}`,
      kind: 'line',
      section,
      title: 'BBRv3 bandwidth bounds over time',
      subtitle,
      description: 'bw_hi (max delivery rate over the last one or two PROBE_BW cycles) and bw_lo (the short-term bound cut by 30% per lossy round when not probing; absent while unset), with the delivery rate. Each point notes the state (STARTUP, DRAIN, PROBE_BW phase UP/DOWN/CRUISE/REFILL, PROBE_RTT).',
      x: xAxis,
      y: { title: 'Mbit/s', type: 'linear', min: 0 },
      series: nonEmpty([line('bw_hi', '#1f77b4', b.bwHi), line('bw_lo', '#d62728', b.bwLo), line('delivery rate', '#7f7f7f', f.delivery)]),
    },
    {
      id: `bbr3-inflight${idSuffix}`,
      kind: 'line',
      section,
      title: 'BBRv3 in-flight bounds over time',
      subtitle,
      description: 'inflight_hi (set when a probe saw loss above 2% of its flight or CE above 50%) and inflight_lo (cut per lossy round when not probing), with cwnd and the packets in flight; absent while unset.',
      x: xAxis,
      y: { title: 'packets', type: 'linear', min: 0 },
      series: nonEmpty([line('inflight_hi', '#1f77b4', b.inflightHi), line('inflight_lo', '#d62728', b.inflightLo), line('cwnd', '#2ca02c', f.cwnd), line('in flight', '#7f7f7f', f.inflight)]),
    },
  ];
  if (b.ecnAlpha.some((a) => Number.isFinite(a) && a !== 1)) {
    out.push({
      id: `bbr3-ecn-alpha${idSuffix}`,
      kind: 'line',
      section,
      title: 'BBRv3 ecn_alpha over time',
      subtitle,
      description: 'The moving CE-marked fraction (gain 1/16 per round) that sets how much ECN cuts inflight_lo (by ecn_alpha / 3).',
      x: xAxis,
      y: { title: 'ecn_alpha', type: 'linear', min: 0, max: 1 },
      series: [line('ecn_alpha', '#9467bd', b.ecnAlpha)],
    });
  }
  return out;
}

/**
 * DCTCP's alpha over time, one line per DCTCP flow that used ECN: the moving
 * fraction of CE-marked data (gain 1/16 per window of data) whose half cuts
 * cwnd on a marked window. A run without one draws nothing.
 */
function dctcpCharts(ts: Timeseries, flows: readonly { id: number; label: string; color: string; cc?: string }[], subtitle: string): ChartSpec[] {
  const series: ChartSeries[] = flows.flatMap((fl) => {
    const f = ts.flows.get(fl.id);
    const a = f?.dctcpAlpha;
    if (!f || !a) return [];
    const points = stride(f.time.map((t, i) => ({ x: t, y: a[i]! })).filter((p) => Number.isFinite(p.y)));
    return points.length ? [{ label: fl.label, color: fl.color, points, ...(fl.cc ? ccStyle(fl.cc) : {}) }] : [];
  });
  if (series.length === 0) return [];
  return [
    {
      id: 'timeseries-dctcp-alpha',
      kind: 'line',
      section: TS_SECTION,
      title: 'DCTCP alpha over time',
      subtitle,
      description:
        "DCTCP's alpha: the moving fraction of CE-marked data, updated once a window of data is acknowledged (alpha ← (1 − g)·alpha + g·F, g = 1/16), starting at 1. " +
        'On a marked window DCTCP cuts cwnd by alpha / 2, so alpha near 0 means gentle cuts and a short standing queue, near 1 Reno-like halving (tcp_dctcp.c; on a kernel run the sampler reads it as ss -i does).',
      x: { title: 'time (s)', type: 'linear', min: ts.fromS },
      y: { title: 'alpha (fraction of data CE-marked)', type: 'linear', min: 0, max: 1 },
      series,
    },
  ];
}

function competingCharts(ts: Timeseries, flows: { id: number; label: string; color: string; cc?: string }[], subtitle: string, idSuffix: string, sectionLabel: string, windowS = RATE_WINDOW_S): ChartSpec[] {
  const xAxis: AxisSpec = { title: 'time (s)', type: 'linear', min: ts.fromS };
  const tput: ChartSeries[] = [];
  const good: ChartSeries[] = [];
  const rates: WindowedRates[] = [];
  // goodput from delivered_bytes; a file written before that column: every flow from the bytes ACKed in order, and the chart says so
  const drawn = flows.flatMap((f) => (ts.flows.has(f.id) ? [ts.flows.get(f.id)!] : []));
  const goodputFrom: GoodputSource = drawn.every(hasDeliveredBytes) ? 'delivered' : 'in-order';
  for (const f of flows) {
    const s = ts.flows.get(f.id);
    if (!s) continue;
    const r = windowedRates(s, windowS, goodputFrom);
    rates.push(r);
    const style = f.cc ? ccStyle(f.cc) : {};
    const pts = (ys: number[]) => stride(r.time.map((t, i) => ({ x: t, y: ys[i]! })).filter((p) => Number.isFinite(p.y)));
    tput.push({ label: f.label, color: f.color, points: pts(r.throughput), ...style });
    good.push({ label: f.label, color: f.color, points: pts(r.goodput), ...style });
  }
  const jain: ChartPoint[] = windowedJain(rates).map((j) => ({ x: j.time, y: j.jain, note: `${j.flows} active flows` }));
  const linkMbps = ts.link.linkMbps.filter((x) => Number.isFinite(x) && x > 0);
  const win = `${formatNumber(windowS)} s`;
  const section = `Competing flows${sectionLabel ? `: ${sectionLabel}` : ''}`;
  const out: ChartSpec[] = [
    {
      id: `flows-throughput${idSuffix}`,
      kind: 'line',
      section,
      title: `Per-flow throughput over time (tcp_rate delivery rate, ${win} mean)`,
      subtitle,
      description:
        `Throughput of each flow: the tcp_rate delivery rate (bytes the receiver got, in order or not, over the send or ACK phase of the newest delivered segment; tcpi_delivery_rate as ss reports it), averaged over a trailing ${win} window. ` +
        'It stays within what the bottleneck carries.' +
        (linkMbps.length ? ` The link carries ${formatNumber(Math.max(...linkMbps))} Mbit/s at most.` : ''),
      x: xAxis,
      y: { title: `throughput (Mbit/s, ${win} mean)`, type: 'linear', min: 0 },
      series: tput,
    },
    {
      id: `flows-goodput${idSuffix}`,
      kind: 'line',
      section,
      title: `Per-flow goodput over time (${goodputFrom === 'delivered' ? 'delivered' : 'in-order'} bytes per ${win} window)`,
      subtitle,
      description:
        goodputFrom === 'delivered'
          ? `Goodput of each flow: the data the receiver got in a trailing ${win} window, divided by the window (timeseries.csv's delivered_bytes: each segment counted once, when it is first SACKed or cumulatively ACKed, as Linux's tcpi_delivered counts segments, times the MSS). ` +
            'A retransmission that fills a hole adds only itself, not the bytes it releases in order, so goodput stays within what the link carries (above it by at most one sample interval of the link rate over the window, from late ACKs).' +
            (linkMbps.length ? ` The link carries ${formatNumber(Math.max(...linkMbps))} Mbit/s at most.` : '')
          : `Goodput of each flow: bytes ACKed in order in a trailing ${win} window, divided by the window. ` +
            "This run's timeseries.csv was written before cclab recorded delivered_bytes, so goodput here is counted when data is ACKed in order: " +
            'when a retransmission fills a hole, the bytes the receiver held out of order count at once, and goodput can run above the link for a window after a loss episode; the throughput chart shows what the link carried.',
      x: xAxis,
      y: { title: `goodput (Mbit/s, ${goodputFrom === 'delivered' ? 'delivered' : 'in order'}, ${win} window)`, type: 'linear', min: 0 },
      series: good,
    },
  ];
  if (jain.length > 0) {
    out.push({
      id: `flows-fairness${idSuffix}`,
      kind: 'line',
      section,
      title: `Fairness over time (Jain's index of throughput, ${win} windows)`,
      subtitle,
      description: `Jain's index over the active flows' throughput in the same trailing ${win} windows as the throughput chart: 1 = equal shares, 1/n = one flow takes everything. It depends on the shares only.`,
      x: xAxis,
      y: { title: "Jain's fairness index of throughput", type: 'linear', min: 0, max: 1 },
      series: [{ label: "Jain's index", color: '#444444', points: stride(jain) }],
    });
  }
  return out;
}

function sweepTimeCharts(v: SweepView): ChartSpec[] {
  if (!v.multiFlow) {
    const reps = representatives(v, v.seriesParams);
    if (reps.length === 0) return [];
    const series: TsSeries[] = reps.map((rep, i) => {
      const r = rep.rows[0]!;
      const ts = readTimeseries(pointDir(v.res.dir, r.runs[0]!));
      return {
        label: rep.label,
        color: v.seriesParams.length ? v.colorOf(rep.label, v.rows) : PALETTE[i % PALETTE.length]!,
        ...(v.seriesParams.length ? { style: ccStyle(ccKey(r)) } : {}),
        flow: ts?.flows.get(r.flow) ?? null,
        link: ts?.link ?? null,
        fromS: ts?.fromS ?? 0,
      };
    });
    return timeseriesCharts(series, `${v.opts.point ? 'chosen' : 'representative'} point: ${conditionText(v, reps[0]!.rows)}`, 'timeseries-');
  }
  const ccParams = v.res.summary.params.filter(isSeriesPath);
  const reps = representatives(v, ccParams);
  const out: ChartSpec[] = [];
  reps.slice(0, MAX_FACETS).forEach((rep) => {
    const r = rep.rows[0]!;
    const ts = readTimeseries(pointDir(v.res.dir, r.runs[0]!));
    if (!ts) return;
    const colors = flowColors(rep.rows);
    // flows with RTTs of their own: each flow's base RTT (summary.csv's rtt_ms) in its label
    const ownRtts = new Set(rep.rows.map((x) => x.rtt_ms)).size > 1;
    const flows = rep.rows.map((x) => ({ id: x.flow, label: `flow ${x.flow}: ${ccLabel(ccKey(x))}${ownRtts ? `, RTT ${formatNumber(x.rtt_ms)} ms` : ''}`, color: colors.get(`${x.flow}:${ccKey(x)}`)!, cc: ccKey(x) }));
    const suffix = reps.length > 1 ? `--${slug(rep.label)}` : '';
    out.push(...competingCharts(ts, flows, `${v.opts.point ? 'chosen' : 'representative'} point: ${conditionText(v, rep.rows)}`, suffix, reps.length > 1 ? rep.label : '', v.opts.windowS));
  });
  return out;
}

function sweepCharts(res: SweepResults, opts: ChartOptions): ChartSpec[] {
  const v = sweepView(res, opts);
  if (opts.custom?.length) return opts.custom.flatMap((c) => metricCharts(v, c));
  return [...vsLossCharts(v), ...heatmapCharts(v), ...settingCharts(v), ...tradeoffCharts(v), ...sweepTimeCharts(v)];
}

/** A swept parameter's values on a numeric axis: in the unit they were written in (%, ms, Mbit/s, KB), or null when they are not numbers. */
export function numericParam(values: readonly unknown[]): { of: (v: unknown) => number; unit: string } | null {
  const kinds: [RegExp, (x: string) => number, string][] = [
    [/%$/, (x) => parsePercent(x) * 100, '%'],
    [/^[0-9.e+-]+\s*(ns|us|ms|s|sec|min)$/i, (x) => parseTime(x) / 1e6, 'ms'],
    [/^[0-9.e+-]+\s*([kmgt]?bit|[kmg]?bps|[KMG])$/i, (x) => parseRate(x) / 1e6, 'Mbit/s'],
    [/^[0-9.e+-]+\s*(b|kb|mb|gb|k|m|g)$/i, (x) => parseSize(x) / 1024, 'KB'],
  ];
  const defined = values.filter((x) => x !== undefined && x !== null);
  if (defined.length === 0) return null;
  if (defined.every((x) => typeof x === 'number')) return { of: (x) => x as number, unit: '' };
  for (const [re, parse, unit] of kinds) {
    if (defined.every((x) => typeof x === 'string' && re.test(x.trim()))) {
      try {
        defined.forEach((x) => parse(String(x)));
        return { of: (x) => parse(String(x)), unit };
      } catch {
        return null;
      }
    }
  }
  return null;
}

/** "goodput" of goodput_mbps, "p95 RTT" of rtt_p95_ms: a metric key in words, for ids. */
function metricSlug(key: string): string {
  return slug(key.replace(/_(mbps|ms|ratio|pct)$/, ''));
}

/**
 * A chart of one summary metric against a swept parameter: per series (CC,
 * or flow in multi-flow sweeps) its mean over seeds, with the 95% Student-t
 * CI band from 3 seeds and the seeds' own values where asked (always with
 * 2 seeds); numeric parameters on a numeric axis in their written unit,
 * others as categories (bars).
 */
function metricCharts(v: SweepView, c: CustomChart): ChartSpec[] {
  const s = v.res.summary;
  const m = s.metrics.find((x) => x.key === c.metric);
  if (!m) throw new InputError(`--metric: "${c.metric}" is not a metric of this sweep; one of ${s.metrics.map((x) => x.key).join(', ')}`);
  const swept = s.params.filter((p) => !v.seriesParams.includes(p));
  const x = c.x ?? (s.params.includes(LOSS) ? LOSS : swept[0]);
  if (x === undefined || !s.params.includes(x)) {
    throw new InputError(`--x: ${x === undefined ? 'this sweep sweeps no parameter' : `"${x}" is not swept here`}; swept: ${s.params.join(', ') || 'none'}`);
  }
  let facetParams: string[];
  if (c.facet === undefined) facetParams = swept.filter((p) => p !== x);
  else if (c.facet === 'none') facetParams = [];
  else if (!s.params.includes(c.facet) || c.facet === x) throw new InputError(`--facet: "${c.facet}" is not a swept parameter other than --x; one of ${swept.filter((p) => p !== x).join(', ') || 'none'}, or none`);
  else facetParams = [c.facet];
  const ratio = m.key.endsWith('_ratio') || m.key === 'link_utilization';
  const scale = ratio ? 100 : 1;
  const yTitle = `${m.key.replace(/_/g, ' ')} (${ratio ? '%' : m.unit})`;
  const num = numericParam(v.rows.map((r) => r.params[x]));
  const xName = paramLabel(x);
  const fs = facets(v.rows, facetParams);
  const out: ChartSpec[] = [];
  const base = `${metricSlug(m.key)}-vs-${slug(xName)}`;
  for (const f of fs) {
    const sub = context(f.rows, f.label, v.seeds, seedsNote(v.seeds, num ? 'band' : 'bars', v.seedPoints && num !== null));
    const ciText = v.seeds >= MIN_CI_SEEDS ? ' The spread is the 95% Student-t confidence interval of the mean across seeds.' : '';
    const common = {
      id: facetId(base, f, fs.length === 1),
      section: 'Custom charts',
      title: c.title ?? `${m.key.replace(/_/g, ' ')} vs ${xName}`,
      subtitle: sub,
      description: `${m.description}, against ${xName}; mean over seeds.${ciText}`,
      y: { title: yTitle, type: 'linear' as const, ...(m.key.startsWith('harm_') ? {} : { min: 0 }) },
    };
    if (num) {
      const xs = distinct(f.rows.map((r) => num.of(r.params[x]))).filter((n) => Number.isFinite(n));
      const pos = xs.filter((n) => n > 0);
      const log = pos.length === xs.length && pos.length > 2 && Math.max(...pos) / Math.min(...pos) >= 20;
      const axis: AxisSpec =
        x === LOSS && xs.some((n) => n === 0) ? lossAxis(xs).axis : { title: `${xName}${num.unit ? ` (${num.unit}${log ? ', log scale' : ''})` : ''}`, type: log ? 'logarithmic' : 'linear', ...(log ? { ticks: xs.slice().sort((a, b) => a - b) } : {}) };
      const xOf = x === LOSS && xs.some((n) => n === 0) ? lossAxis(xs).xOf : (n: number) => n;
      out.push({ ...common, kind: 'line', x: axis, series: seriesFromRows(v, f.rows, m.key, (r) => xOf(num.of(r.params[x])), scale, (r) => pointNote(v, r), true) });
    } else {
      const cats = distinct(f.rows.map((r) => showParam(r.params[x])));
      const series: ChartSeries[] = [];
      for (const [name, rs] of groupBy(f.rows, v.seriesOf)) {
        const points: ChartPoint[] = [];
        for (const r of rs) {
          const st = r.stats[m.key];
          if (!st || st.mean === null) continue;
          const ci = st.n >= MIN_CI_SEEDS && st.ciLo !== null && st.ciHi !== null;
          points.push({ x: cats.indexOf(showParam(r.params[x])), y: st.mean * scale, lo: ci ? st.ciLo! * scale : null, hi: ci ? st.ciHi! * scale : null, note: pointNote(v, r) });
        }
        if (points.length) series.push({ label: name, color: v.colorOf(name, f.rows), points });
      }
      out.push({ ...common, kind: 'bar', x: { title: xName, type: 'category' }, series, categories: cats.map((c) => [c]), categoryLabels: cats.map((c) => `${xName} ${c}`) });
    }
  }
  return out;
}

function runCharts(res: RunResults, opts: ChartOptions = {}): ChartSpec[] {
  const ts = readTimeseries(res.dir);
  if (!ts) return [];
  const s = res.summary;
  const ccs = distinct(s.flows.map(ccKey));
  // flows with RTTs of their own (flows[].rtt, or paths of a chain): each flow's base RTT in its label
  const rttOf = (f: (typeof s.flows)[number]) => f.baseRttMs ?? s.link.rttMs;
  const ownRtts = new Set(s.flows.map(rttOf)).size > 1;
  const flows = s.flows.map((f, i) => ({
    id: f.id,
    label: (s.flows.length === 1 ? ccLabel(ccKey(f)) : `flow ${f.id}: ${ccLabel(ccKey(f))}`) + (ownRtts ? `, RTT ${formatNumber(rttOf(f))} ms` : ''),
    color: ccs.length === s.flows.length ? ccColor(ccKey(f), i) : PALETTE[i % PALETTE.length]!,
    cc: ccKey(f),
  }));
  const subtitle = `${s.scenario}: ${formatNumber(s.link.rateMbps)} Mbit/s, RTT ${formatNumber(s.link.rttMs)} ms, queue ${s.link.queuePackets} packets, seed ${s.seed}`;
  const series: TsSeries[] = flows.map((f, i) => ({
    label: f.label,
    color: f.color,
    ...(ccs.length === s.flows.length ? { style: ccStyle(f.cc) } : {}),
    flow: ts.flows.get(f.id) ?? null,
    link: i === 0 ? ts.link : null,
    fromS: ts.fromS,
  }));
  const charts = timeseriesCharts(series, subtitle, 'timeseries-');
  const queue = charts.find((c) => c.id === 'timeseries-queue');
  if (queue && queue.series.length === 1) queue.series[0] = { ...queue.series[0]!, label: 'bottleneck queue', color: '#444444' };
  // reverse flows: the reverse direction's queue next to the forward one's
  const rq = ts.linkReverse;
  if (queue && queue.series.length === 1 && rq) {
    queue.series[0] = { ...queue.series[0]!, label: 'forward queue' };
    queue.series.push({ label: 'reverse queue', color: '#bb5500', points: stride(rq.time.map((t, i) => ({ x: t, y: rq.queuePkts[i]! })).filter((p) => Number.isFinite(p.y))) });
    queue.description = "Packets waiting in each direction's bottleneck queue at each sample (with reverse flows both directions are bottlenecks).";
  }
  if (s.flows.length > 1) charts.push(...competingCharts(ts, flows, subtitle, '', '', opts.windowS));
  for (const f of flows) charts.push(...bbr3Charts(ts, f, subtitle, s.flows.length > 1 ? `-flow${f.id}` : ''));
  charts.push(...dctcpCharts(ts, flows, subtitle));
  return [...charts, ...fctCharts(s, subtitle, readConnections(res.dir)), ...probeCharts(res, subtitle)];
}

/**
 * The latency probe: the CDF of its round trips (lost requests count in the
 * total, so the curve ends below 1) and the round trips over time.
 */
function probeCharts(res: RunResults, subtitle: string): ChartSpec[] {
  const records = readProbe(res.dir);
  if (records === null || !res.summary.probe) return [];
  const counted = countedProbes(records, res.summary.warmupS ?? 0, res.summary.durationS);
  const rtts = counted.filter((r) => r.rttMs !== null).map((r) => r.rttMs!).sort((a, b) => a - b);
  if (rtts.length === 0) return [];
  const lost = counted.length - rtts.length;
  const sub = `${subtitle}${lost > 0 ? `; ${lost} of ${counted.length} requests lost` : ''}`;
  return [
    {
      id: 'probe-cdf',
      kind: 'line',
      section: 'Latency under load',
      title: 'Latency probe round trip (CDF)',
      subtitle: sub,
      description: "Round trips of the ICMP echoes sent through the bottleneck next to the flows (flent's ping): what an interactive application would see under this load.",
      x: { title: 'round-trip time (ms)', type: 'linear' },
      y: { title: 'share of requests', type: 'linear', min: 0, max: 1 },
      series: [{ label: 'probe', color: '#444444', points: rtts.map((x, k) => ({ x, y: (k + 1) / counted.length })) }],
    },
    {
      id: 'probe-time',
      kind: 'scatter',
      section: 'Latency under load',
      title: 'Latency probe round trip over time',
      subtitle: sub,
      description: 'Round trip of each echo request by its send time; lost requests are not drawn.',
      x: { title: 'time (s)', type: 'linear', min: res.summary.warmupS ?? 0 },
      y: { title: 'round-trip time (ms)', type: 'linear', min: 0 },
      series: [{ label: 'probe', color: '#444444', markersOnly: true, points: counted.filter((r) => r.rttMs !== null).map((r) => ({ x: r.tS, y: r.rttMs! })) }],
    },
  ];
}

const FCT_SECTION = 'Flow completion times';

/**
 * A run's short flows: the CDF of their completion times per congestion
 * control (unfinished flows count in the denominator, so a curve that stops
 * below 1 shows them), and their slowdown by size bucket.
 */
function fctCharts(s: RunResults['summary'], subtitle: string, connections: ReturnType<typeof readConnections>): ChartSpec[] {
  const f = s.fct;
  if (!f) return [];
  const warm = s.warmupS ?? 0;
  // the finished short flows: byte-limited flows, and workload connections
  const short = [
    ...s.flows.filter((x) => x.completionS !== null && x.startS >= warm).map((x) => ({ cc: ccKey(x), completionS: x.completionS! })),
    ...(connections ?? []).filter((c) => c.fctMs !== null && c.startS >= warm).map((c) => ({ cc: s.flows[c.flow] ? ccKey(s.flows[c.flow]!) : '?', completionS: c.fctMs! / 1000 })),
  ];
  const ccs = distinct(short.map((x) => x.cc));
  const notDone = f.unfinished > 0 ? `; ${f.unfinished} of ${f.flows} short flows did not finish` : '';
  const out: ChartSpec[] = [];
  if (short.length > 0) {
    out.push({
      id: 'fct-cdf',
      kind: 'line',
      section: FCT_SECTION,
      title: 'Flow completion time (CDF)',
      subtitle: `${subtitle}${notDone}${notDone ? ' (the curves stop below 1)' : ''}`,
      description: 'Share of the short flows that had finished within a given time (start to the ACK of the last byte). Flows that did not finish count in the total, so the curve ends below 1 when some did not.',
      x: { title: 'flow completion time (ms)', type: 'logarithmic' },
      y: { title: 'share of short flows', type: 'linear', min: 0, max: 1 },
      series: ccs.map((cc, i) => {
        const times = short.filter((x) => x.cc === cc).map((x) => x.completionS! * 1000).sort((a, b) => a - b);
        const total = f.flows * (times.length / short.length);
        return { label: ccLabel(cc), color: ccColor(cc, i), points: times.map((t, k) => ({ x: t, y: (k + 1) / total })) };
      }),
    });
  }
  const buckets = f.bySize.filter((b) => b.slowdown !== null);
  if (buckets.length > 0) {
    out.push({
      id: 'fct-slowdown-by-size',
      kind: 'bar',
      section: FCT_SECTION,
      title: 'Slowdown by flow size',
      subtitle: `${subtitle}${notDone}${notDone ? ' (not in the bars)' : ''}`,
      description: 'Completion time over the ideal one (two base RTTs plus the bytes at the link rate), by flow size: 1 means no cost from queueing, losses or slow start.',
      x: { title: 'flow size', type: 'category' },
      y: { title: 'slowdown', type: 'linear', min: 0 },
      series: [
        { label: 'median', color: PALETTE[0]!, points: buckets.map((b, i) => ({ x: i, y: b.slowdown!.p50 })) },
        { label: '99th percentile', color: PALETTE[1]!, points: buckets.map((b, i) => ({ x: i, y: b.slowdown!.p99 })) },
      ],
      categories: buckets.map((b) => [b.size, `${b.finished} flow${b.finished === 1 ? '' : 's'}`]),
      categoryLabels: buckets.map((b) => `${b.size}: ${b.finished} finished, ${b.unfinished} unfinished`),
    });
  }
  return out;
}

/** The charts that fit a results directory (or, with opts.custom, the ones asked for). */
export function chartSpecs(res: Results, opts: ChartOptions = {}): ChartSpec[] {
  if (res.kind === 'run' && opts.custom?.length) throw new InputError(`--metric/--x/--facet: ${res.dir} is a run directory; they chart a sweep's metrics against a swept parameter`);
  if (res.kind === 'run' && opts.point) throw new InputError(`--point: ${res.dir} is a run directory; --point picks the sweep point whose time series a sweep's charts show`);
  // an advise folder (cclab advise) adds its goodput and overhead charts
  return res.kind === 'sweep' ? [...sweepCharts(res, opts), ...(opts.custom?.length ? [] : adviceChartsOf(res.dir))] : runCharts(res, opts);
}
