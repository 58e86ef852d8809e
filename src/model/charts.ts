/**
 * Predicted charts from a surrogate model (chart.js on @napi-rs/canvas; PNG,
 * SVG and the data as JSON, in the style of `cclab chart`):
 *
 *   predicted-<target>-<cc>            a fine grid (100 × 100 by default)
 *       of the model's prediction over loss × RTT for flow 0 of the base
 *       scenario running <cc>, with the sweep's measured points drawn on top
 *       in the same colour scale;
 *   predicted-breakeven-brutal-vs-<cc> the predicted goodput ratio
 *       Brutal / <cc> over loss × RTT, the measured ratio where the sweep has
 *       both, and the break-even lines beyond which one CC is ahead by more
 *       than the model's error.
 *
 * The loss axis is the model's own input axis, log10(loss + 0.01%), so a
 * loss of 0 has its place at the left edge. Other parameters (rate, queue,
 * Brutal's rate, number of flows) are those of the base scenario; only
 * measured points with the same values are overlaid.
 */
import { createCanvas, SvgExportFlag, type SKRSContext2D } from '@napi-rs/canvas';
import { Chart, registerables, type ChartConfiguration, type Plugin, type Scale } from 'chart.js';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { toJson, writeFileAtomic } from '../results/io.js';
import { CHART_HEIGHT, CHART_WIDTH, chartFont, type WrittenChart } from '../report/render.js';
import { ccColor as registryColor, ccLabel } from '../report/specs.js';
import { formatNumber } from '../report/chartconfig.js';
import { ccKey, type ResolvedScenario } from '../scenario/resolve.js';
import { formatRate } from '../scenario/units.js';
import { bufferInBdp, LOSS_LOG_OFFSET, lossOfLogLoss, TARGETS } from './features.js';
import { DEFAULT_LEVEL } from './intervals.js';
import { ccVariantSets, scenarioWithSets } from './predict.js';
import type { Surrogate, TrainingPoint } from './surrogate.js';

Chart.register(...registerables);

export const DEFAULT_GRID = 100;

// ---------------------------------------------------------------- colours

type Rgb = [number, number, number];

/** Viridis, sampled at 9 stops (matplotlib's values). */
const VIRIDIS: Rgb[] = [
  [68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141], [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37],
];

/** Colour at t in [0, 1] (clamped) of a piecewise-linear colour map. */
export function colorAt(map: readonly Rgb[], t: number): Rgb {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (map.length - 1);
  const i = Math.min(map.length - 2, Math.floor(x));
  const f = x - i;
  const a = map[i]!;
  const b = map[i + 1]!;
  return [0, 1, 2].map((k) => Math.round(a[k]! + (b[k]! - a[k]!) * f)) as Rgb;
}

const css = (c: Rgb) => `rgb(${c[0]},${c[1]},${c[2]})`;

// ---------------------------------------------------------------- grid

/** The model's loss input for a loss probability, and back. */
export const lossToAxis = (p: number) => Math.log10(p + LOSS_LOG_OFFSET);
export const axisToLoss = (u: number) => lossOfLogLoss(u);

export interface Grid {
  /** Loss axis (model units, log10(p + 1e-4)): range and cell centres. */
  u: { lo: number; hi: number; centers: number[] };
  /** RTT axis, ms (log-spaced cells). */
  rtt: { lo: number; hi: number; centers: number[] };
}

export function makeGrid(model: Surrogate, n: number): Grid {
  const [uLo, uHi] = model.meta.ranges.logLoss;
  const [rLo, rHi] = model.meta.ranges.logRtt;
  // a sweep with a single loss or RTT value still gets an axis around it
  const widen = (lo: number, hi: number, by: number): [number, number] => (hi - lo < 1e-9 ? [lo - by, hi + by] : [lo, hi]);
  const [ul, uh] = widen(uLo, uHi, 0.5);
  const [rl, rh] = widen(rLo, rHi, 0.3);
  const centers = (lo: number, hi: number) => Array.from({ length: n }, (_, i) => lo + ((i + 0.5) * (hi - lo)) / n);
  return { u: { lo: ul, hi: uh, centers: centers(ul, uh) }, rtt: { lo: 10 ** rl, hi: 10 ** rh, centers: centers(rl, rh).map((x) => 10 ** x) } };
}

/** The scenario a chart is about: the base scenario with flow 0 running `cc`. */
function chartBase(model: Surrogate, cc: string): { doc: Record<string, unknown>; sets: string[] } | null {
  const base = model.meta.baseScenario;
  if (!base) return null;
  const doc = structuredClone(base);
  const link = (doc.link ?? {}) as Record<string, unknown>;
  if (link.delay !== undefined) {
    delete link.delay; // the grid sets link.rtt
    link.rtt = '1ms';
  }
  return { doc, sets: ccVariantSets(model, base, cc) };
}

/**
 * Predictions on the grid for flow 0 running `cc`: values[target][iy][ix],
 * the half-widths of their DEFAULT_LEVEL intervals (same layout; null for a
 * model without calibration), and the scenario at the first RTT.
 */
function predictGrid(
  model: Surrogate,
  cc: string,
  grid: Grid,
): { values: Record<string, number[][]>; halfWidths: Record<string, number[][]> | null; scenario: ResolvedScenario } | null {
  const base = chartBase(model, cc);
  if (!base) return null;
  const items: { scenario: ResolvedScenario; flow: number }[] = [];
  let first: ResolvedScenario | undefined;
  for (const rtt of grid.rtt.centers) {
    const s = scenarioWithSets(base.doc, [`link.rtt=${Math.round(rtt * 1e6)}ns`], 'chart', base.sets).scenario;
    first ??= s;
    for (const u of grid.u.centers) {
      // loss only enters the link's loss model: no need to resolve again
      items.push({ scenario: { ...s, link: { ...s.link, loss: { kind: 'bernoulli', p: axisToLoss(u) } } }, flow: 0 });
    }
  }
  const preds = model.predictFlows(items);
  const iv = model.predictIntervals(items, preds, DEFAULT_LEVEL);
  const n = grid.u.centers.length;
  const values: Record<string, number[][]> = {};
  const halfWidths: Record<string, number[][]> = {};
  for (const t of model.meta.targets) {
    values[t.name] = grid.rtt.centers.map((_, iy) => grid.u.centers.map((_, ix) => preds[iy * n + ix]![t.name]!));
    if (iv) halfWidths[t.name] = grid.rtt.centers.map((_, iy) => grid.u.centers.map((_, ix) => {
      const [lo, hi] = iv[iy * n + ix]![t.name]!;
      return (hi - lo) / 2;
    }));
  }
  return { values, halfWidths: iv ? halfWidths : null, scenario: first! };
}

/** Fewest distinct values of loss and of RTT a CC's training points need for a heatmap over them. */
export const MIN_AXIS_VALUES = 3;

/**
 * Why the model's points of `cc` cannot carry a heatmap over loss × RTT
 * (fewer than MIN_AXIS_VALUES distinct values on an axis: a surface drawn
 * from two lines of points is the network's guess, and a break-even line
 * through it an S drawn between them), or null when they can.
 */
export function heatmapSkipReason(model: Surrogate, cc: string): string | null {
  const pts = model.meta.points.filter((p) => p.cc === cc);
  const distinct = (xs: number[]) => [...new Set(xs.map((x) => +x.toPrecision(6)))].sort((a, b) => a - b);
  const axes = [
    { name: 'loss', values: distinct(pts.map((p) => p.lossPct)), show: (v: number) => `${v}%` },
    { name: 'RTT', values: distinct(pts.map((p) => p.rttMs)), show: (v: number) => `${v} ms` },
  ];
  const short = axes.filter((a) => a.values.length < MIN_AXIS_VALUES);
  if (short.length === 0) return null;
  const what = short.map((a) => `${a.values.length} ${a.name} value${a.values.length === 1 ? '' : 's'}${a.values.length ? ` (${a.values.map(a.show).join(', ')})` : ''}`).join(' and ');
  return `no predicted charts for ${cc}: its sweep points have ${what}; a heatmap over loss × RTT needs at least ${MIN_AXIS_VALUES} of each`;
}

/** Measured points comparable with a chart's scenario: same cc at flow 0, same rate, queue, flows, Brutal rate. */
function comparablePoints(points: readonly TrainingPoint[], s: ResolvedScenario): TrainingPoint[] {
  const f0 = s.flows[0]!;
  const brutal = f0.cc === 'brutal' && f0.brutal ? (f0.brutal.rateBytesPerSec * 8) / 1e6 : null;
  const close = (a: number, b: number) => Math.abs(a - b) <= 0.01 * Math.max(Math.abs(a), Math.abs(b), 1e-9);
  const rate = s.link.rateBps / 1e6;
  return points.filter(
    (p) =>
      p.flow === 0 &&
      p.cc === ccKey(f0) &&
      p.flows === s.flows.length &&
      close(p.rateMbps, rate) &&
      p.queue === s.link.queueSpec &&
      (brutal === null ? p.brutalRateMbps === null : p.brutalRateMbps !== null && close(p.brutalRateMbps, brutal)),
  );
}

// ---------------------------------------------------------------- contour

/**
 * Marching squares: line segments where the grid `f` (f[iy][ix] at the cell
 * centres xs[ix], ys[iy]) crosses 0, in axis units.
 */
export function zeroContour(f: readonly (readonly number[])[], xs: readonly number[], ys: readonly number[]): [number, number, number, number][] {
  const segs: [number, number, number, number][] = [];
  const lerp = (a: number, b: number, fa: number, fb: number) => a + ((b - a) * fa) / (fa - fb);
  for (let j = 0; j + 1 < ys.length; j++) {
    for (let i = 0; i + 1 < xs.length; i++) {
      const v = [f[j]![i]!, f[j]![i + 1]!, f[j + 1]![i + 1]!, f[j + 1]![i]!]; // corners: bl, br, tr, tl
      const p: [number, number][] = [[xs[i]!, ys[j]!], [xs[i + 1]!, ys[j]!], [xs[i + 1]!, ys[j + 1]!], [xs[i]!, ys[j + 1]!]];
      const cross: [number, number][] = [];
      for (let e = 0; e < 4; e++) {
        const a = e;
        const b = (e + 1) % 4;
        if (v[a]! < 0 !== v[b]! < 0) {
          cross.push([lerp(p[a]![0], p[b]![0], v[a]!, v[b]!), lerp(p[a]![1], p[b]![1], v[a]!, v[b]!)]);
        }
      }
      // 2 crossings: one segment; 4 (saddle): pair them in edge order
      for (let k = 0; k + 1 < cross.length; k += 2) segs.push([cross[k]![0], cross[k]![1], cross[k + 1]![0], cross[k + 1]![1]]);
    }
  }
  return segs;
}

// ---------------------------------------------------------------- rendering

/** A predicted chart as data: rendered to PNG and SVG, and saved as JSON. */
export interface PredictedChart {
  /** File name stem. */
  id: string;
  title: string;
  subtitle: string;
  grid: Grid;
  /** values[iy][ix] in the colour bar's unit. */
  values: number[][];
  /** Colour position in [0, 1] of a value. */
  toT: (v: number) => number;
  colors: readonly Rgb[];
  colorbar: { label: string; ticks: { value: number; label: string }[] };
  /** Measured points, values in the colour bar's unit. */
  points: { lossPct: number; rttMs: number; value: number }[];
  pointsLabel: string;
  /** Lines to draw, as segments in (loss axis, log10 RTT). */
  contours: { segments: [number, number, number, number][]; label: string; dash: number[] }[];
}

const LOSS_TICKS_PCT = [0, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 20, 50, 100];
const COLORBAR_W = 18;

function heatmapConfig(h: PredictedChart, pixelRatio: number): ChartConfiguration<'scatter'> {
  const family = chartFont();
  const font = (scale: number, weight?: 'bold') => ({ family, size: Math.round(14 * scale), ...(weight ? { weight } : {}) });
  const nx = h.grid.u.centers.length;
  const ny = h.grid.rtt.centers.length;
  // the raster: one pixel per cell, stretched over the plot area
  const raster = createCanvas(nx, ny);
  const rctx = raster.getContext('2d');
  const img = rctx.createImageData(nx, ny);
  for (let iy = 0; iy < ny; iy++) {
    for (let ix = 0; ix < nx; ix++) {
      const c = colorAt(h.colors, h.toT(h.values[iy]![ix]!));
      const o = ((ny - 1 - iy) * nx + ix) * 4; // image row 0 is the top (largest RTT)
      img.data[o] = c[0];
      img.data[o + 1] = c[1];
      img.data[o + 2] = c[2];
      img.data[o + 3] = 255;
    }
  }
  rctx.putImageData(img, 0, 0);

  const plugin: Plugin<'scatter'> = {
    id: 'cclabPredictedHeatmap',
    beforeDraw: (chart) => {
      const ctx = chart.ctx;
      ctx.save();
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(0, 0, chart.width, chart.height);
      ctx.restore();
    },
    beforeDatasetsDraw: (chart) => {
      const ctx = chart.ctx as unknown as SKRSContext2D;
      const a = chart.chartArea;
      ctx.save();
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(raster, a.left, a.top, a.right - a.left, a.bottom - a.top);
      const xs = chart.scales.x as Scale;
      const ys = chart.scales.y as Scale;
      for (const c of h.contours) {
        ctx.beginPath();
        for (const [u1, l1, u2, l2] of c.segments) {
          ctx.moveTo(xs.getPixelForValue(u1), ys.getPixelForValue(10 ** l1));
          ctx.lineTo(xs.getPixelForValue(u2), ys.getPixelForValue(10 ** l2));
        }
        ctx.setLineDash(c.dash);
        ctx.strokeStyle = '#000000';
        ctx.lineWidth = 3;
        ctx.lineCap = 'butt';
        ctx.stroke();
      }
      ctx.restore();
    },
    afterDraw: (chart) => {
      // colour bar to the right of the plot area
      const ctx = chart.ctx;
      const a = chart.chartArea;
      const x = a.right + 22;
      ctx.save();
      for (let py = a.top; py < a.bottom; py++) {
        ctx.fillStyle = css(colorAt(h.colors, 1 - (py - a.top) / (a.bottom - a.top)));
        ctx.fillRect(x, py, COLORBAR_W, 1.5);
      }
      ctx.strokeStyle = '#444444';
      ctx.lineWidth = 1;
      ctx.strokeRect(x, a.top, COLORBAR_W, a.bottom - a.top);
      ctx.fillStyle = '#333333';
      ctx.font = `${Math.round(14 * 0.9)}px ${family}`;
      ctx.textBaseline = 'middle';
      for (const tk of h.colorbar.ticks) {
        const py = a.bottom - h.toT(tk.value) * (a.bottom - a.top);
        ctx.fillRect(x + COLORBAR_W, py, 4, 1);
        ctx.fillText(tk.label, x + COLORBAR_W + 7, py);
      }
      ctx.translate(chart.width - 14, (a.top + a.bottom) / 2);
      ctx.rotate(-Math.PI / 2);
      ctx.textAlign = 'center';
      ctx.font = `bold ${Math.round(14 * 1.0)}px ${family}`;
      ctx.fillStyle = '#222222';
      ctx.fillText(h.colorbar.label, 0, 0);
      ctx.restore();
    },
  };

  const datasets: ChartConfiguration<'scatter'>['data']['datasets'] = [
    {
      label: h.pointsLabel,
      data: h.points.map((p) => ({ x: lossToAxis(p.lossPct / 100), y: p.rttMs })),
      backgroundColor: h.points.map((p) => css(colorAt(h.colors, h.toT(p.value)))),
      borderColor: '#000000',
      borderWidth: 1.5,
      pointRadius: 6,
      clip: 8, // points on the axis limits (loss 0, the largest RTT) are drawn whole
    },
  ];
  for (const c of h.contours) {
    datasets.push({ label: c.label, data: [], showLine: true, borderColor: '#000000', backgroundColor: '#000000', borderWidth: 3, borderDash: c.dash, pointRadius: 0, pointStyle: 'line' });
  }
  const axisTitle = (text: string) => ({ display: true, text, font: font(1.05, 'bold'), color: '#222' });
  return {
    type: 'scatter',
    data: { datasets },
    options: {
      responsive: false,
      animation: false,
      devicePixelRatio: pixelRatio,
      events: [],
      layout: { padding: { right: 120, left: 8, top: 4, bottom: 4 } },
      plugins: {
        title: { display: true, text: h.title, font: font(1.35, 'bold'), color: '#111', padding: { top: 6, bottom: 2 } },
        subtitle: { display: true, text: h.subtitle, font: font(1.0), color: '#444', padding: { bottom: 8 } },
        legend: { position: 'bottom', labels: { usePointStyle: true, font: font(1.0), color: '#222' } },
        tooltip: { enabled: false },
      },
      scales: {
        x: {
          type: 'linear',
          min: h.grid.u.lo,
          max: h.grid.u.hi,
          title: axisTitle('random loss (log scale; 0 at the left edge)'),
          afterBuildTicks: (axis) => {
            axis.ticks = LOSS_TICKS_PCT.map((pct) => ({ value: lossToAxis(pct / 100) })).filter((t) => t.value >= h.grid.u.lo - 1e-9 && t.value <= h.grid.u.hi + 1e-9);
          },
          ticks: { callback: (v) => `${formatNumber(axisToLoss(Number(v)) * 100)}%`, font: font(0.95), color: '#333', maxRotation: 0 },
          grid: { display: false },
        },
        y: {
          type: 'logarithmic',
          min: h.grid.rtt.lo,
          max: h.grid.rtt.hi,
          title: axisTitle('base RTT (ms, log scale)'),
          ticks: { callback: (v) => formatNumber(Number(v)), font: font(0.95), color: '#333' },
          grid: { display: false },
        },
      },
    },
    plugins: [plugin],
  };
}

function draw<T>(h: PredictedChart, ctx: unknown, pixelRatio: number, encode: () => T): T {
  const chart = new Chart(ctx as ConstructorParameters<typeof Chart>[0], heatmapConfig(h, pixelRatio));
  try {
    return encode();
  } finally {
    chart.destroy();
  }
}

/** A predicted chart as PNG, at twice the logical size as `cclab chart` draws. */
export function predictedPng(h: PredictedChart): Buffer {
  const canvas = createCanvas(CHART_WIDTH, CHART_HEIGHT);
  return draw(h, canvas.getContext('2d'), 2, () => canvas.toBuffer('image/png'));
}

/** A predicted chart as SVG (the grid embedded as an image). */
export function predictedSvg(h: PredictedChart): Buffer {
  const canvas = createCanvas(CHART_WIDTH, CHART_HEIGHT, SvgExportFlag.NoPrettyXML);
  return draw(h, canvas.getContext('2d'), 1, () => canvas.getContent());
}

/** Five significant digits: plenty for a chart's data file. */
const r5 = (v: number) => +v.toPrecision(5);

/** The data behind a chart (grid axes, predicted values, measured points). */
export function predictedJson(h: PredictedChart): string {
  return toJson({
    id: h.id,
    title: h.title,
    subtitle: h.subtitle,
    lossPct: h.grid.u.centers.map((u) => r5(axisToLoss(u) * 100)),
    rttMs: h.grid.rtt.centers.map(r5),
    values: h.values.map((row) => row.map(r5)),
    valueLabel: h.colorbar.label,
    points: h.points,
    lines: h.contours.map((c) => ({
      label: c.label,
      segments: c.segments.map(([u1, l1, u2, l2]) => [axisToLoss(u1) * 100, 10 ** l1, axisToLoss(u2) * 100, 10 ** l2].map(r5)),
    })),
  });
}

/** <id>.png, <id>.svg and <id>.json of each chart. */
export function chartFiles(charts: readonly PredictedChart[]): Record<string, Buffer | string> {
  const out: Record<string, Buffer | string> = {};
  for (const h of charts) {
    out[`${h.id}.png`] = predictedPng(h);
    out[`${h.id}.svg`] = predictedSvg(h);
    out[`${h.id}.json`] = predictedJson(h);
  }
  return out;
}

/** Up to `count` round tick values between lo and hi. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}

function describeScenario(s: ResolvedScenario): string {
  const f0 = s.flows[0]!;
  const brutal = f0.cc === 'brutal' && f0.brutal ? `, Brutal rate ${formatRate(f0.brutal.rateBytesPerSec * 8)}` : '';
  return `${formatRate(s.link.rateBps)} link, buffer ${+bufferInBdp(s).toPrecision(3)} BDP, ${s.flows.length} flow${s.flows.length === 1 ? '' : 's'}${brutal}`;
}

/** "#rrggbb" as RGB. */
function hexRgb(hex: string): Rgb {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** White in the middle, one CC's colour at each end (as the sweep's ratio heatmap). */
function ratioColors(low: string, high: string): Rgb[] {
  return [hexRgb(low), [255, 255, 255], hexRgb(high)];
}

/** A ccKey as part of a chart's id and file name: `brutal/quic` -> `brutal-quic`. */
const chartIdOf = (cc: string) => cc.replace(/\//g, '-');

/** A CC's colour; grey (the palette's last) for one the registry does not know. */
const ccColor = (cc: string) => registryColor(cc, 9);

/**
 * Every predicted chart the model supports (see the top of this file).
 * Empty when the model has no base scenario to vary.
 */
export function predictedCharts(model: Surrogate, opts: { grid?: number; onSkip?: (reason: string) => void } = {}): PredictedChart[] {
  const grid = makeGrid(model, opts.grid ?? DEFAULT_GRID);
  const out: PredictedChart[] = [];
  const byCc = new Map<string, NonNullable<ReturnType<typeof predictGrid>>>();
  for (const cc of model.meta.ccs) {
    const skip = heatmapSkipReason(model, cc);
    if (skip !== null) {
      opts.onSkip?.(skip);
      continue;
    }
    const g = predictGrid(model, cc, grid);
    if (g) byCc.set(cc, g);
  }
  const gridName = `${grid.u.centers.length}×${grid.rtt.centers.length} grid`;
  const evalBy = new Map(model.meta.evaluation.metrics.map((m) => [m.name, m]));
  for (const [cc, g] of byCc) {
    const pts = comparablePoints(model.meta.points, g.scenario);
    for (const t of model.meta.targets) {
      const def = TARGETS.find((d) => d.name === t.name)!;
      const k = t.name === 'retransRatio' ? 100 : 1; // shown in percent
      const values = g.values[t.name]!.map((row) => row.map((v) => v * k));
      const measured = pts.map((p) => ({ lossPct: p.lossPct, rttMs: p.rttMs, value: p.actual[t.name]! * k }));
      const all = [...values.flat(), ...measured.map((p) => p.value)];
      const lo = Math.min(...all);
      const hi = Math.max(...all);
      const span = hi - lo || 1;
      const m = evalBy.get(t.name);
      const unit = k === 100 ? '%' : def.unit;
      out.push({
        id: `predicted-${t.name}-${chartIdOf(cc)}`,
        title: `Predicted ${def.description} of ${ccLabel(cc)}${unit ? ` (${unit})` : ''}`,
        subtitle: `surrogate model on a ${gridName}; ${describeScenario(g.scenario)}; held-out R² ${m ? m.r2.toFixed(3) : 'n/a'}`,
        grid,
        values,
        toT: (v) => (v - lo) / span,
        colors: VIRIDIS,
        colorbar: { label: `${def.description}${unit ? ` (${unit})` : ''}`, ticks: niceTicks(lo, hi).map((v) => ({ value: v, label: formatNumber(v) })) },
        points: measured,
        pointsLabel: 'measured at the sweep points (same colour scale)',
        contours: [],
      });
    }
  }
  const brutal = byCc.get('brutal');
  if (brutal && model.meta.targets.some((t) => t.name === 'goodput')) {
    for (const other of ['bbr', 'cubic', 'reno'].filter((c) => byCc.has(c))) {
      const o = byCc.get(other)!;
      const floor = 1e-3; // Mbit/s: a ratio needs a positive denominator
      const ratio = brutal.values.goodput!.map((row, iy) => row.map((v, ix) => Math.max(v, floor) / Math.max(o.values.goodput![iy]![ix]!, floor)));
      const pb = comparablePoints(model.meta.points, brutal.scenario);
      const po = comparablePoints(model.meta.points, o.scenario);
      const pairs = pb.flatMap((b) => {
        const q = po.find((x) => Math.abs(x.lossPct - b.lossPct) < 1e-9 && Math.abs(x.rttMs - b.rttMs) < 1e-6);
        return q ? [{ lossPct: b.lossPct, rttMs: b.rttMs, value: Math.max(b.actual.goodput!, floor) / Math.max(q.actual.goodput!, floor) }] : [];
      });
      const log2 = (r: number) => Math.log2(r);
      const L = Math.min(5, Math.max(1, Math.ceil(Math.max(...ratio.flat().map((r) => Math.abs(log2(r))), ...pairs.map((p) => Math.abs(log2(p.value)))))));
      // Break-even lines: where one CC gets more goodput than the other by
      // more than the error of the predicted difference: √(h_brutal² +
      // h_other²) from the two predictions' interval half-widths at that
      // cell (intervals.ts; the held-out MAEs for a model without them).
      // Between them the two tie within the model's error, and the line
      // ratio = 1 would only trace noise.
      const g = evalBy.get('goodput');
      const maeOf = (cc: string) => g?.byCc[cc]?.mae ?? g?.mae ?? 0;
      const mae = Math.hypot(maeOf('brutal'), maeOf(other));
      const hb = brutal.halfWidths?.goodput;
      const ho = o.halfWidths?.goodput;
      const margin = (iy: number, ix: number) => (hb && ho ? Math.hypot(hb[iy]![ix]!, ho[iy]![ix]!) : mae);
      const logRtt = grid.rtt.centers.map(Math.log10);
      const line = (sign: 1 | -1) =>
        zeroContour(
          brutal.values.goodput!.map((row, iy) => row.map((v, ix) => sign * (v - o.values.goodput![iy]![ix]!) - margin(iy, ix))),
          grid.u.centers,
          logRtt,
        );
      const errorWords = hb && ho ? `the ${+(DEFAULT_LEVEL * 100).toPrecision(3)}% prediction intervals` : `the model's error (${+mae.toPrecision(2)} Mbit/s, from held-out MAEs)`;
      const name = ccLabel(other);
      out.push({
        id: `predicted-breakeven-brutal-vs-${chartIdOf(other)}`,
        title: `Brutal vs ${name}: predicted goodput ratio and break-even lines`,
        subtitle: `Brutal's colour: Brutal gets more goodput; ${name}'s colour: ${name} does; ${describeScenario(brutal.scenario)}`,
        grid,
        values: ratio,
        toT: (r) => 0.5 + log2(r) / (2 * L),
        colors: ratioColors(ccColor(other), ccColor('brutal')),
        colorbar: {
          label: `goodput Brutal / ${name} (log scale)`,
          ticks: Array.from({ length: 2 * L + 1 }, (_, i) => i - L).map((e) => ({ value: 2 ** e, label: e >= 0 ? `×${2 ** e}` : `×1/${2 ** -e}` })),
        },
        points: pairs,
        pointsLabel: 'measured ratio at the sweep points',
        contours: [
          { segments: line(1), label: `solid: Brutal ahead by more than ${errorWords}`, dash: [] },
          { segments: line(-1), label: `dashed: ${name} ahead by more than ${errorWords}`, dash: [10, 6] },
        ].filter((c) => c.segments.length > 0),
      });
    }
  }
  return out;
}

/**
 * Hook for `cclab chart <results-dir>`: when <results-dir>/model holds a
 * model from `cclab fit`, write its predicted charts (PNG, SVG, JSON) into
 * <results-dir>/charts/ and list them; else do nothing.
 */
export async function writeModelCharts(resultsDir: string, log: (line: string) => void = () => {}): Promise<WrittenChart[]> {
  const dir = join(resultsDir, 'model');
  if (!existsSync(join(dir, 'cclab-model.json'))) return [];
  const { loadTf, describeBackend } = await import('./backend.js');
  const { loadModel } = await import('./io.js');
  const tf = await loadTf();
  log(describeBackend(tf));
  const model = await loadModel(tf, dir);
  try {
    return predictedCharts(model, { onSkip: (why) => log(`note: ${why}`) }).map((h) => {
      const files = Object.entries(chartFiles([h])).map(([name, content]) => {
        writeFileAtomic(join(resultsDir, 'charts', name), content);
        return join('charts', name);
      });
      return { id: h.id, title: h.title, files };
    });
  } finally {
    model.dispose();
  }
}
