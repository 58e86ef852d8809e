/**
 * Predicted charts from a surrogate model (chart.js on @napi-rs/canvas, PNG):
 *
 *   predicted-<target>-<cc>.png            a fine grid (100 × 100 by default)
 *       of the model's prediction over loss × RTT for flow 0 of the base
 *       scenario running <cc>, with the sweep's measured points drawn on top
 *       in the same colour scale;
 *   predicted-breakeven-brutal-vs-<cc>.png the predicted goodput ratio
 *       Brutal / <cc> over loss × RTT, the break-even contour (ratio = 1)
 *       and the measured ratio where the sweep has both.
 *
 * The loss axis is the model's own input axis, log10(loss + 0.01%), so a
 * loss of 0 has its place at the left edge. Other parameters (rate, buffer,
 * Brutal's rate, number of flows) are those of the base scenario; only
 * measured points with the same values are overlaid.
 */
import { createCanvas, type SKRSContext2D } from '@napi-rs/canvas';
import { Chart, registerables, type ChartConfiguration, type Plugin, type Scale } from 'chart.js';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import type { ResolvedScenario } from '../scenario/resolve.js';
import { formatRate } from '../scenario/units.js';
import { bufferInBdp, LOSS_LOG_OFFSET, TARGETS } from './features.js';
import { ccVariantSets, scenarioWithSets } from './predict.js';
import type { Surrogate, TrainingPoint } from './surrogate.js';

Chart.register(...registerables);

const WIDTH_PX = 900;
const HEIGHT_PX = 640;
export const DEFAULT_GRID = 100;

// ---------------------------------------------------------------- colours

type Rgb = [number, number, number];

/** Viridis, sampled at 9 stops (matplotlib's values). */
const VIRIDIS: Rgb[] = [
  [68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141], [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37],
];
/** ColorBrewer RdBu reversed: blue (low) - white - red (high). */
const DIVERGING: Rgb[] = [
  [33, 102, 172], [67, 147, 195], [146, 197, 222], [209, 229, 240], [247, 247, 247], [253, 219, 199], [244, 165, 130], [214, 96, 77], [178, 24, 43],
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
export const axisToLoss = (u: number) => Math.max(0, 10 ** u - LOSS_LOG_OFFSET);

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

/** Predictions on the grid for flow 0 running `cc`: values[target][iy][ix]; plus the scenario at the first RTT. */
function predictGrid(model: Surrogate, cc: string, grid: Grid): { values: Record<string, number[][]>; scenario: ResolvedScenario } | null {
  const base = chartBase(model, cc);
  if (!base) return null;
  const items: { scenario: ResolvedScenario; flow: number }[] = [];
  let first: ResolvedScenario | undefined;
  for (const rtt of grid.rtt.centers) {
    const s = scenarioWithSets(base.doc, [...base.sets, `link.rtt=${Math.round(rtt * 1e6)}ns`], 'chart');
    first ??= s;
    for (const u of grid.u.centers) {
      // loss only enters the link's loss model: no need to resolve again
      items.push({ scenario: { ...s, link: { ...s.link, loss: { kind: 'bernoulli', p: axisToLoss(u) } } }, flow: 0 });
    }
  }
  const preds = model.predictFlows(items);
  const n = grid.u.centers.length;
  const values: Record<string, number[][]> = {};
  for (const t of model.meta.targets) {
    values[t.name] = grid.rtt.centers.map((_, iy) => grid.u.centers.map((_, ix) => preds[iy * n + ix]![t.name]!));
  }
  return { values, scenario: first! };
}

/** Measured points comparable with a chart's scenario: same cc at flow 0, same rate, buffer, flows, Brutal rate. */
function comparablePoints(points: readonly TrainingPoint[], s: ResolvedScenario): TrainingPoint[] {
  const f0 = s.flows[0]!;
  const brutal = f0.cc === 'brutal' && f0.brutal ? (f0.brutal.rateBytesPerSec * 8) / 1e6 : null;
  const close = (a: number, b: number, rel = 0.01) => Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b), 1e-9);
  const rate = s.link.rateBps / 1e6;
  const buf = bufferInBdp(s);
  return points.filter(
    (p) =>
      p.flow === 0 &&
      p.cc === f0.cc &&
      p.flows === s.flows.length &&
      close(p.rateMbps, rate) &&
      close(p.bufferBdp, buf, 0.15) && // `1bdp` rounds to whole packets
      (brutal === null ? p.brutalRateMbps === null : p.brutalRateMbps !== null && close(p.brutalRateMbps, brutal)),
  );
}

// ---------------------------------------------------------------- contour

/**
 * Marching squares: line segments where the grid `f` (f[iy][ix] at the cell
 * centres xs[ix], ys[iy]) crosses 0, in axis units. With `keep`, only cells
 * for which keep(iy, ix) holds (for their lower-left corner) get segments.
 */
export function zeroContour(
  f: readonly (readonly number[])[],
  xs: readonly number[],
  ys: readonly number[],
  keep: (iy: number, ix: number) => boolean = () => true,
): [number, number, number, number][] {
  const segs: [number, number, number, number][] = [];
  const lerp = (a: number, b: number, fa: number, fb: number) => a + ((b - a) * fa) / (fa - fb);
  for (let j = 0; j + 1 < ys.length; j++) {
    for (let i = 0; i + 1 < xs.length; i++) {
      if (!keep(j, i)) continue;
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

interface HeatmapChart {
  title: string;
  subtitle: string;
  grid: Grid;
  /** values[iy][ix] already mapped to colour positions in [0, 1]. */
  t: number[][];
  colors: readonly Rgb[];
  colorbar: { label: string; ticks: { t: number; label: string }[] };
  points: { u: number; rttMs: number; t: number }[];
  pointsLabel: string;
  /** Segments in (u, log10 rtt) to draw as the contour. */
  contour?: { segments: [number, number, number, number][]; label: string };
}

const CC_LABEL: Record<string, string> = { brutal: 'Brutal', bbr: 'BBR', cubic: 'Cubic', reno: 'Reno' };
const ccLabel = (cc: string) => CC_LABEL[cc] ?? cc;

/**
 * Cells where the difference `d` is decided: some cell within `radius`
 * differs from 0 by more than `threshold`. Where the two CCs tie within the
 * model's error everywhere around, a sign change of `d` is noise, not a
 * break-even line.
 */
export function decidedCells(d: readonly (readonly number[])[], threshold: number, radius: number): boolean[][] {
  return d.map((row, iy) =>
    row.map((_, ix) => {
      for (let j = Math.max(0, iy - radius); j <= Math.min(d.length - 1, iy + radius); j++) {
        for (let i = Math.max(0, ix - radius); i <= Math.min(row.length - 1, ix + radius); i++) if (Math.abs(d[j]![i]!) > threshold) return true;
      }
      return false;
    }),
  );
}

const LOSS_TICKS_PCT = [0, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100];

function renderHeatmap(h: HeatmapChart): Buffer {
  const canvas = createCanvas(WIDTH_PX, HEIGHT_PX);
  const nx = h.grid.u.centers.length;
  const ny = h.grid.rtt.centers.length;
  // the raster: one pixel per cell, scaled up without smoothing
  const raster = createCanvas(nx, ny);
  const rctx = raster.getContext('2d');
  const img = rctx.createImageData(nx, ny);
  for (let iy = 0; iy < ny; iy++) {
    for (let ix = 0; ix < nx; ix++) {
      const c = colorAt(h.colors, h.t[iy]![ix]!);
      const o = ((ny - 1 - iy) * nx + ix) * 4; // row 0 of the image is the top (largest RTT)
      img.data[o] = c[0];
      img.data[o + 1] = c[1];
      img.data[o + 2] = c[2];
      img.data[o + 3] = 255;
    }
  }
  rctx.putImageData(img, 0, 0);

  const COLORBAR_W = 18;
  const plugin: Plugin<'scatter'> = {
    id: 'heatmap',
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
      if (h.contour) {
        const xs = chart.scales.x as Scale;
        const ys = chart.scales.y as Scale;
        ctx.beginPath();
        for (const [u1, l1, u2, l2] of h.contour.segments) {
          ctx.moveTo(xs.getPixelForValue(u1), ys.getPixelForValue(10 ** l1));
          ctx.lineTo(xs.getPixelForValue(u2), ys.getPixelForValue(10 ** l2));
        }
        ctx.strokeStyle = '#000000';
        ctx.lineWidth = 3;
        ctx.stroke();
      }
      ctx.restore();
    },
    afterDraw: (chart) => {
      // colour bar to the right of the plot area
      const ctx = chart.ctx;
      const a = chart.chartArea;
      const x = a.right + 24;
      ctx.save();
      for (let py = a.top; py < a.bottom; py++) ctx.fillStyle = css(colorAt(h.colors, 1 - (py - a.top) / (a.bottom - a.top))), ctx.fillRect(x, py, COLORBAR_W, 1);
      ctx.strokeStyle = '#444444';
      ctx.strokeRect(x, a.top, COLORBAR_W, a.bottom - a.top);
      ctx.fillStyle = '#222222';
      ctx.font = '12px "DejaVu Sans", "Liberation Sans", sans-serif';
      ctx.textBaseline = 'middle';
      for (const tk of h.colorbar.ticks) {
        const py = a.bottom - tk.t * (a.bottom - a.top);
        ctx.fillRect(x + COLORBAR_W, py, 4, 1);
        ctx.fillText(tk.label, x + COLORBAR_W + 7, py);
      }
      ctx.translate(chart.width - 12, (a.top + a.bottom) / 2);
      ctx.rotate(-Math.PI / 2);
      ctx.textAlign = 'center';
      ctx.font = '13px "DejaVu Sans", "Liberation Sans", sans-serif';
      ctx.fillText(h.colorbar.label, 0, 0);
      ctx.restore();
    },
  };

  const datasets: ChartConfiguration<'scatter'>['data']['datasets'] = [
    {
      label: h.pointsLabel,
      data: h.points.map((p) => ({ x: p.u, y: p.rttMs })),
      backgroundColor: h.points.map((p) => css(colorAt(h.colors, p.t))),
      borderColor: '#000000',
      borderWidth: 1.5,
      pointRadius: 6,
      clip: 8, // points on the axis limits (loss 0, the largest RTT) are drawn whole
    },
  ];
  if (h.contour) {
    datasets.push({ label: h.contour.label, data: [], showLine: true, borderColor: '#000000', backgroundColor: '#000000', borderWidth: 3, pointRadius: 0 });
  }
  const config: ChartConfiguration<'scatter'> = {
    type: 'scatter',
    data: { datasets },
    options: {
      responsive: false,
      animation: false,
      devicePixelRatio: 1,
      layout: { padding: { right: 110, left: 6, top: 4, bottom: 4 } },
      plugins: {
        title: { display: true, text: h.title, font: { size: 16 } },
        subtitle: { display: true, text: h.subtitle, padding: { bottom: 8 } },
        legend: { position: 'bottom', labels: { usePointStyle: true } },
        tooltip: { enabled: false },
      },
      scales: {
        x: {
          type: 'linear',
          min: h.grid.u.lo,
          max: h.grid.u.hi,
          title: { display: true, text: 'random loss on the data direction (log scale, 0 at the left edge)' },
          afterBuildTicks: (axis) => {
            axis.ticks = LOSS_TICKS_PCT.map((pct) => ({ value: lossToAxis(pct / 100) })).filter((t) => t.value >= h.grid.u.lo - 1e-9 && t.value <= h.grid.u.hi + 1e-9);
          },
          ticks: { callback: (v) => `${+(axisToLoss(Number(v)) * 100).toPrecision(2)}%` },
          grid: { display: false },
        },
        y: {
          type: 'logarithmic',
          min: h.grid.rtt.lo,
          max: h.grid.rtt.hi,
          title: { display: true, text: 'base RTT (ms, log scale)' },
          ticks: { callback: (v) => `${+Number(v).toPrecision(3)}` },
          grid: { display: false },
        },
      },
    },
    plugins: [plugin],
  };
  const chart = new Chart(canvas.getContext('2d') as unknown as ConstructorParameters<typeof Chart>[0], config);
  chart.draw();
  const png = canvas.toBuffer('image/png');
  chart.destroy();
  return png;
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

/**
 * Every predicted chart the model supports, as PNG bytes by file name.
 * Empty when the model has no base scenario to vary.
 */
export async function renderPredictedCharts(model: Surrogate, opts: { grid?: number } = {}): Promise<Record<string, Buffer>> {
  const grid = makeGrid(model, opts.grid ?? DEFAULT_GRID);
  const out: Record<string, Buffer> = {};
  const byCc = new Map<string, { values: Record<string, number[][]>; scenario: ResolvedScenario }>();
  for (const cc of model.meta.ccs) {
    const g = predictGrid(model, cc, grid);
    if (g) byCc.set(cc, g);
  }
  const evalBy = new Map(model.meta.evaluation.metrics.map((m) => [m.name, m]));
  for (const [cc, g] of byCc) {
    const pts = comparablePoints(model.meta.points, g.scenario);
    for (const t of model.meta.targets) {
      const def = TARGETS.find((d) => d.name === t.name)!;
      const pct = t.name === 'retransRatio';
      const k = pct ? 100 : 1;
      const all = g.values[t.name]!.flat().concat(pts.map((p) => p.actual[t.name]!));
      const lo = Math.min(...all) * k;
      const hi = Math.max(...all) * k;
      const span = hi - lo || 1;
      const toT = (v: number) => (v * k - lo) / span;
      const m = evalBy.get(t.name);
      out[`predicted-${t.name}-${cc}.png`] = renderHeatmap({
        title: `Predicted ${def.description} of ${ccLabel(cc)}${def.unit ? ` (${def.unit})` : ''}`,
        subtitle: `surrogate model on a ${grid.u.centers.length}×${grid.rtt.centers.length} grid; ${describeScenario(g.scenario)}; held-out R² ${m ? m.r2.toFixed(3) : 'n/a'}`,
        grid,
        t: g.values[t.name]!.map((row) => row.map(toT)),
        colors: VIRIDIS,
        colorbar: {
          label: `${pct ? 'retransmitted bytes (%)' : `${def.description}${def.unit ? ` (${def.unit})` : ''}`}`,
          ticks: niceTicks(lo, hi).map((v) => ({ t: (v - lo) / span, label: String(v) })),
        },
        points: pts.map((p) => ({ u: lossToAxis(p.lossPct / 100), rttMs: p.rttMs, t: toT(p.actual[t.name]!) })),
        pointsLabel: 'measured sweep points (same colour scale)',
      });
    }
  }
  const brutal = byCc.get('brutal');
  if (brutal && model.meta.targets.some((t) => t.name === 'goodput')) {
    for (const other of ['bbr', 'cubic', 'reno'].filter((c) => byCc.has(c))) {
      const o = byCc.get(other)!;
      const f = brutal.values.goodput!.map((row, iy) => row.map((v, ix) => Math.log2(Math.max(v, 1e-3) / Math.max(o.values.goodput![iy]![ix]!, 1e-3))));
      const pb = comparablePoints(model.meta.points, brutal.scenario);
      const po = comparablePoints(model.meta.points, o.scenario);
      const pairs = pb.flatMap((b) => {
        const m = po.find((q) => Math.abs(q.lossPct - b.lossPct) < 1e-9 && Math.abs(q.rttMs - b.rttMs) < 1e-6);
        return m ? [{ u: lossToAxis(b.lossPct / 100), rttMs: b.rttMs, r: Math.log2(Math.max(b.actual.goodput!, 1e-3) / Math.max(m.actual.goodput!, 1e-3)) }] : [];
      });
      const L = Math.min(5, Math.max(1, Math.ceil(Math.max(...f.flat().map(Math.abs), ...pairs.map((p) => Math.abs(p.r))))));
      const toT = (r: number) => 0.5 + r / (2 * L);
      const logRtt = grid.rtt.centers.map(Math.log10);
      // the line is drawn where the goodput difference is larger than the model's error nearby
      const mae = evalBy.get('goodput')?.mae ?? 0;
      const d = brutal.values.goodput!.map((row, iy) => row.map((v, ix) => v - o.values.goodput![iy]![ix]!));
      const decided = decidedCells(d, mae, Math.max(2, Math.round(grid.u.centers.length / 20)));
      const name = ccLabel(other);
      out[`predicted-breakeven-brutal-vs-${other}.png`] = renderHeatmap({
        title: `Predicted goodput ratio Brutal / ${name} and the break-even line`,
        subtitle: `red: Brutal gets more goodput, blue: ${name} does; ${describeScenario(brutal.scenario)}`,
        grid,
        t: f.map((row) => row.map(toT)),
        colors: DIVERGING,
        colorbar: {
          label: `goodput Brutal / ${name} (log scale)`,
          ticks: Array.from({ length: 2 * L + 1 }, (_, i) => i - L).map((e) => ({ t: toT(e), label: e >= 0 ? `×${2 ** e}` : `×1/${2 ** -e}` })),
        },
        points: pairs.map((p) => ({ u: p.u, rttMs: p.rttMs, t: toT(p.r) })),
        pointsLabel: 'measured ratio at the sweep points',
        contour: { segments: zeroContour(f, grid.u.centers, logRtt, (iy, ix) => decided[iy]![ix]!), label: `predicted break-even (where the difference nearby exceeds the held-out MAE, ${+mae.toPrecision(2)} Mbit/s)` },
      });
    }
  }
  return out;
}

/**
 * Hook for `cclab chart <results-dir>`: the predicted charts of the model in
 * <results-dir>/model (written by `cclab fit`), or nothing when there is no
 * model. File name -> PNG bytes.
 */
export async function modelChartsFor(resultsDir: string): Promise<Record<string, Buffer>> {
  const dir = join(resultsDir, 'model');
  if (!existsSync(join(dir, 'cclab-model.json'))) return {};
  const { loadTf } = await import('./backend.js');
  const { loadModel } = await import('./io.js');
  const model = await loadModel(await loadTf(), dir);
  try {
    return await renderPredictedCharts(model);
  } finally {
    model.dispose();
  }
}
