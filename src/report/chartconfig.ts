/**
 * Chart specs (plain data describing one chart) and their translation into a
 * chart.js configuration.
 *
 * This file has no runtime imports on purpose: its compiled JavaScript is
 * inlined into report.html, so the browser and the PNG/SVG renderer draw a
 * chart from the very same configuration (same axes, colours, tick labels,
 * CI bands, heatmap cells, error bars). Keep it self-contained.
 *
 * Kinds: line (x numeric, optional CI bands), scatter (markers), heatmap
 * (cells over two categorical axes) and bar (grouped bars over categories,
 * one bar per series in each category, the CI drawn as an error bar).
 */

/** One point of a series; lo/hi are the confidence interval (optional). */
export interface ChartPoint {
  x: number;
  y: number;
  lo?: number | null;
  hi?: number | null;
  /** Extra line shown in the tooltip (e.g. the conditions of a sweep point). */
  note?: string;
  /** Half-width of the confidence interval ((hi - lo) / 2), for bar charts' tooltips and JSON. */
  halfWidth?: number | null;
  /** Text drawn next to the marker (e.g. the loss rate of a throughput-vs-delay point). */
  label?: string;
}

export interface ChartSeries {
  label: string;
  color: string;
  points: ChartPoint[];
  /** Draw the lo..hi interval as a shaded band. */
  band?: boolean;
  /** Draw markers only (scatter). */
  markersOnly?: boolean;
  dash?: number[];
  /** Point style (Chart.js pointStyle), default circle. */
  marker?: string;
  /**
   * Drawn with the series of this label (shown and hidden with it, not in
   * the legend): the seeds' own values next to their mean, or a 1-σ ellipse.
   */
  partOf?: string;
  /** An outline (ellipse): a thin closed line through the points in order, no markers, no tooltips. */
  outline?: boolean;
}

export interface AxisSpec {
  title: string;
  /** category: the x axis of a bar chart (its labels are ChartSpec.categories). */
  type: 'linear' | 'logarithmic' | 'category';
  min?: number;
  max?: number;
  reverse?: boolean;
  /** Put ticks exactly at these values. */
  ticks?: number[];
  /** Labels for particular tick values (e.g. the stand-in for 0 on a log axis). */
  tickLabels?: Record<string, string>;
  /** Unit appended to numeric tick labels (e.g. "%"). */
  tickSuffix?: string;
}

export interface HeatmapSpec {
  xLabels: string[];
  yLabels: string[];
  /** values[row][column]; rows are yLabels from the bottom up. */
  values: (number | null)[][];
  /** Tooltip text per cell. */
  notes: string[][];
  /** Text drawn in a cell: the value with this suffix (e.g. "×"). */
  suffix: string;
  /** Values are shown on a log scale around `neutral` (e.g. ratio 1). */
  neutral: number;
  /** Colour at the high and low ends. */
  highColor: string;
  lowColor: string;
  /** Values beyond neutral × / ÷ span get the full colour. */
  span: number;
}

export interface ChartSpec {
  /** File name stem and HTML id. */
  id: string;
  kind: 'line' | 'scatter' | 'heatmap' | 'bar';
  /** Group heading in the report. */
  section: string;
  title: string;
  subtitle?: string;
  /** One or two sentences on how to read the chart. */
  description: string;
  x: AxisSpec;
  y: AxisSpec;
  series: ChartSeries[];
  heatmap?: HeatmapSpec;
  /**
   * Bar charts: the categories along x, each label as lines of text; a
   * series' point with x = i is its bar in category i (no point: no bar).
   */
  categories?: string[][];
  /** Bar charts: each category in one line ("Brutal 100mbit (2× link), codel, ECN on"), for tooltips. */
  categoryLabels?: string[];
}

export interface ChartStyle {
  fontFamily: string;
  /** Base font size in CSS pixels. */
  fontSize: number;
  /** Pixel ratio (PNG: 2 for crisp lines). */
  devicePixelRatio: number;
  /** Interactive (browser) or static (PNG/SVG). */
  interactive: boolean;
}

/** "#rrggbb" with an alpha as rgba(). */
export function withAlpha(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

function mix(a: string, b: string, t: number): string {
  const pa = parseInt(a.slice(1), 16);
  const pb = parseInt(b.slice(1), 16);
  const ch = (s: number) => Math.round(((pa >> s) & 255) * (1 - t) + ((pb >> s) & 255) * t);
  return `#${((ch(16) << 16) | (ch(8) << 8) | ch(0)).toString(16).padStart(6, '0')}`;
}

/** Colour of a heatmap cell and whether its text should be white. */
export function heatColor(h: HeatmapSpec, v: number | null): { fill: string; light: boolean } {
  if (v === null || !(v > 0)) return { fill: '#dddddd', light: false };
  const t = Math.max(-1, Math.min(1, Math.log(v / h.neutral) / Math.log(h.span)));
  const fill = t >= 0 ? mix('#ffffff', h.highColor, t) : mix('#ffffff', h.lowColor, -t);
  return { fill, light: Math.abs(t) > 0.6 };
}

export function formatNumber(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1).replace(/\.0$/, '');
  if (a >= 1) return v.toFixed(2).replace(/\.?0+$/, '');
  return String(+v.toPrecision(2));
}

/** Build the chart.js configuration of a spec. */
export function toChartConfig(spec: ChartSpec, style: ChartStyle): any {
  const font = (scale: number, weight?: string) => ({ family: style.fontFamily, size: Math.round(style.fontSize * scale), weight });
  const axis = (a: AxisSpec, which: 'x' | 'y'): any => {
    const o: any = {
      type: a.type,
      reverse: Boolean(a.reverse),
      title: { display: true, text: a.title, font: font(1.05, 'bold'), color: '#222' },
      ticks: {
        font: font(0.95),
        color: '#333',
        autoSkip: !a.ticks,
        maxRotation: 0,
        callback(value: number) {
          const label = a.tickLabels ? a.tickLabels[String(value)] : undefined;
          if (label !== undefined) return label;
          if (a.ticks && !a.ticks.includes(value)) return '';
          if (a.type === 'logarithmic' && !a.ticks) {
            const e = Math.log10(value);
            if (Math.abs(e - Math.round(e)) > 1e-9 && ![2, 5].includes(Math.round(value / 10 ** Math.floor(e)))) return '';
          }
          return formatNumber(value) + (a.tickSuffix ?? '');
        },
      },
      grid: { color: '#e6e6e6' },
    };
    if (a.min !== undefined) o.min = a.min;
    if (a.max !== undefined) o.max = a.max;
    if (a.ticks) {
      const ticks = a.ticks.slice();
      o.afterBuildTicks = (scale: any) => {
        scale.ticks = ticks.map((value) => ({ value }));
      };
    }
    if (which === 'x') o.ticks.padding = 4;
    return o;
  };

  const plugins: any[] = [
    {
      id: 'cclabBackground',
      beforeDraw(chart: any) {
        const g = chart.ctx;
        g.save();
        g.fillStyle = '#ffffff';
        g.fillRect(0, 0, chart.width, chart.height);
        g.restore();
      },
    },
  ];

  const options: any = {
    responsive: style.interactive,
    maintainAspectRatio: true,
    aspectRatio: 16 / 9.5,
    animation: false,
    devicePixelRatio: style.devicePixelRatio,
    events: style.interactive ? ['mousemove', 'mouseout', 'click', 'touchstart', 'touchmove'] : [],
    layout: { padding: { top: 4, right: 16, bottom: 4, left: 8 } },
    interaction: { mode: 'nearest', intersect: false },
    plugins: {
      title: { display: true, text: spec.title, font: font(1.35, 'bold'), color: '#111', padding: { top: 6, bottom: spec.subtitle ? 2 : 10 } },
      subtitle: { display: Boolean(spec.subtitle), text: spec.subtitle ?? '', font: font(1.0), color: '#444', padding: { bottom: 8 } },
      legend: {
        display: spec.kind !== 'heatmap',
        position: 'top',
        labels: {
          font: font(1.05),
          color: '#222',
          usePointStyle: true,
          boxHeight: Math.round(style.fontSize * 0.75),
          filter: (item: any, data: any) => !data.datasets[item.datasetIndex].cclabBand && !data.datasets[item.datasetIndex].cclabPart,
        },
        onClick(_e: any, item: any, legend: any) {
          // toggle a series together with its confidence band
          const chart = legend.chart;
          const group = chart.data.datasets[item.datasetIndex].cclabGroup;
          const visible = chart.isDatasetVisible(item.datasetIndex);
          chart.data.datasets.forEach((d: any, i: number) => {
            if (d.cclabGroup === group) chart.setDatasetVisibility(i, !visible);
          });
          chart.update();
        },
      },
      tooltip: {
        enabled: style.interactive,
        filter: (item: any) => !item.dataset.cclabBand && !item.dataset.cclabOutline,
        callbacks: {},
      },
    },
    scales: {},
  };

  let data: any;
  if (spec.kind === 'heatmap' && spec.heatmap) {
    const h = spec.heatmap;
    const rows = h.yLabels.length;
    data = {
      labels: h.xLabels,
      datasets: h.yLabels.map((label, r) => ({
        label,
        data: h.xLabels.map(() => 1),
        backgroundColor: h.values[r]!.map((v) => heatColor(h, v).fill),
        borderColor: '#ffffff',
        borderWidth: 2,
        barPercentage: 1,
        categoryPercentage: 1,
        cclabGroup: label,
        cclabRow: r,
      })),
    };
    options.interaction = { mode: 'point', intersect: true };
    options.scales = {
      x: { type: 'category', stacked: true, title: { display: true, text: spec.x.title, font: font(1.05, 'bold'), color: '#222' }, ticks: { font: font(1.0), color: '#333' }, grid: { display: false } },
      y: {
        type: 'linear',
        stacked: true,
        min: 0,
        max: rows,
        title: { display: true, text: spec.y.title, font: font(1.05, 'bold'), color: '#222' },
        grid: { display: false },
        afterBuildTicks: (scale: any) => {
          scale.ticks = h.yLabels.map((_l, i) => ({ value: i + 0.5 }));
        },
        ticks: { font: font(1.0), color: '#333', callback: (value: number) => h.yLabels[Math.floor(value)] ?? '' },
      },
    };
    options.plugins.tooltip.callbacks = {
      title: (items: any[]) => (items[0] ? `${h.yLabels[items[0].datasetIndex]}, ${h.xLabels[items[0].dataIndex]}` : ''),
      label: (item: any) => h.notes[item.datasetIndex]![item.dataIndex]!.split('\n'),
    };
    plugins.push({
      id: 'cclabCellLabels',
      afterDatasetsDraw(chart: any) {
        const g = chart.ctx;
        g.save();
        g.textAlign = 'center';
        g.textBaseline = 'middle';
        g.font = `bold ${Math.round(style.fontSize * 1.05)}px ${style.fontFamily}`;
        chart.data.datasets.forEach((_d: any, r: number) => {
          if (!chart.isDatasetVisible(r)) return;
          chart.getDatasetMeta(r).data.forEach((bar: any, c: number) => {
            const v = h.values[r]![c]!;
            const { light } = heatColor(h, v);
            g.fillStyle = light ? '#ffffff' : '#111111';
            const text = v === null ? 'n/a' : `${v.toFixed(v >= 10 ? 1 : 2)}${h.suffix}`;
            g.fillText(text, bar.x, (bar.y + bar.base) / 2);
          });
        });
        g.restore();
      },
    });
    return { type: 'bar', data, options, plugins };
  }

  if (spec.kind === 'bar') return barConfig(spec, style, options, plugins, axis, font);

  const datasets: any[] = [];
  for (const s of spec.series) {
    const pts = s.points.slice().sort((a, b) => (spec.kind === 'line' ? a.x - b.x : 0));
    if (s.band && pts.some((p) => p.lo !== null && p.lo !== undefined)) {
      const banded = pts.filter((p) => p.lo !== null && p.lo !== undefined && p.hi !== null && p.hi !== undefined);
      // the upper bound, then the lower bound filled up to it ('-1')
      for (const [bound, fill] of [['hi', false], ['lo', '-1']] as const) {
        datasets.push({
          label: `${s.label} CI ${bound === 'hi' ? 'high' : 'low'}`,
          data: banded.map((p) => ({ x: p.x, y: p[bound] })),
          borderWidth: 0,
          pointRadius: 0,
          pointHitRadius: 0,
          fill,
          backgroundColor: withAlpha(s.color, 0.16),
          cclabBand: true,
          cclabGroup: s.label,
        });
      }
    }
    if (s.outline) {
      datasets.push({
        label: s.label,
        data: pts.map((p) => ({ x: p.x, y: p.y })),
        borderColor: withAlpha(s.color, 0.7),
        backgroundColor: withAlpha(s.color, 0.08),
        borderWidth: 1.2,
        borderDash: s.dash ?? [],
        pointRadius: 0,
        pointHoverRadius: 0,
        pointHitRadius: 0,
        showLine: true,
        fill: true,
        tension: 0,
        cclabGroup: s.partOf ?? s.label,
        cclabPart: true,
        cclabOutline: true,
      });
      continue;
    }
    const many = pts.length > 60;
    const seeds = s.partOf !== undefined;
    datasets.push({
      label: s.label,
      data: pts.map((p) => ({ x: p.x, y: p.y, lo: p.lo, hi: p.hi, note: p.note, label: p.label })),
      borderColor: s.color,
      backgroundColor: s.color,
      borderWidth: s.markersOnly ? 1 : many ? 1.6 : 2.5,
      borderDash: s.dash ?? [],
      pointRadius: seeds ? 2.5 : s.markersOnly ? 5 : many ? 0 : 3.5,
      pointHoverRadius: s.markersOnly ? 7 : 5,
      pointStyle: s.marker ?? 'circle',
      showLine: !s.markersOnly,
      fill: false,
      tension: 0,
      cclabGroup: s.partOf ?? s.label,
      ...(seeds ? { cclabPart: true, backgroundColor: withAlpha(s.color, 0.45), borderColor: withAlpha(s.color, 0.45) } : {}),
    });
  }
  data = { datasets };
  options.scales = { x: axis(spec.x, 'x'), y: axis(spec.y, 'y') };
  if (spec.series.some((s) => s.points.some((p) => p.label))) {
    // point labels (Pantheon's annotated markers): the text beside each marker, in the series' colour
    plugins.push({
      id: 'cclabPointLabels',
      afterDatasetsDraw(chart: any) {
        const g = chart.ctx;
        g.save();
        g.font = `${Math.round(style.fontSize * 0.8)}px ${style.fontFamily}`;
        g.textBaseline = 'bottom';
        g.textAlign = 'left';
        chart.data.datasets.forEach((d: any, i: number) => {
          if (!chart.isDatasetVisible(i) || d.cclabPart || d.cclabBand) return;
          chart.getDatasetMeta(i).data.forEach((el: any, j: number) => {
            const text = d.data[j]?.label;
            if (!text) return;
            g.fillStyle = '#333333';
            g.fillText(text, el.x + 6, el.y - 4);
          });
        });
        g.restore();
      },
    });
  }
  const xTitle = spec.x.title;
  const yTitle = spec.y.title;
  options.plugins.tooltip.callbacks = {
    title: (items: any[]) => (items[0] ? items[0].dataset.label : ''),
    label: (item: any) => {
      const p = item.raw as ChartPoint;
      const xl = spec.x.tickLabels?.[String(p.x)] ?? formatNumber(p.x);
      const lines = [`${yTitle}: ${formatNumber(p.y)}` + (p.lo !== null && p.lo !== undefined && p.hi !== null && p.hi !== undefined ? ` (95% CI ${formatNumber(p.lo)} to ${formatNumber(p.hi)})` : ''), `${xTitle}: ${xl}`];
      if (p.note) lines.push(...p.note.split('\n'));
      return lines;
    },
  };
  return { type: spec.kind === 'scatter' ? 'scatter' : 'line', data, options, plugins };
}

/** Colour of error bars: dark enough on any bar colour, and on white where a bar is short. */
export const ERROR_BAR_COLOR = '#222222';

const hasCi = (p: ChartPoint | null | undefined): p is ChartPoint & { lo: number; hi: number } =>
  p !== null && p !== undefined && p.lo !== null && p.lo !== undefined && p.hi !== null && p.hi !== undefined;

/**
 * Grouped bars: one category per x label, one bar per series in it; the
 * confidence interval of each bar drawn as an error bar (a small plugin:
 * chart.js has none) and given in the tooltip as mean ± half-width.
 */
function barConfig(spec: ChartSpec, style: ChartStyle, options: any, plugins: any[], axis: (a: AxisSpec, which: 'x' | 'y') => any, font: (scale: number, weight?: string) => any): any {
  const cats = spec.categories ?? [];
  const pointsOf = (s: ChartSeries): (ChartPoint | null)[] => cats.map((_c, i) => s.points.find((p) => p.x === i) ?? null);
  const datasets = spec.series.map((s) => {
    const pts = pointsOf(s);
    return {
      label: s.label,
      data: pts.map((p) => (p ? p.y : null)),
      backgroundColor: withAlpha(s.color, 0.85),
      borderColor: s.color,
      borderWidth: 1,
      skipNull: true,
      maxBarThickness: 90,
      cclabGroup: s.label,
      cclabPoints: pts,
    };
  });
  // room for the error bars: chart.js ranges the axis over the bars only
  const all = spec.series.flatMap((s) => s.points);
  const top = Math.max(0, ...all.map((p) => (hasCi(p) ? Math.max(p.hi, p.y) : p.y)));
  const bottom = Math.min(0, ...all.map((p) => (hasCi(p) ? Math.min(p.lo, p.y) : p.y)));
  const y = axis(spec.y, 'y');
  y.beginAtZero = true;
  if (spec.y.max === undefined) y.suggestedMax = top;
  if (spec.y.min === undefined) y.suggestedMin = bottom;
  options.scales = {
    x: {
      type: 'category',
      title: { display: true, text: spec.x.title, font: font(1.05, 'bold'), color: '#222' },
      ticks: { font: font(0.9), color: '#333', autoSkip: false, maxRotation: 0 },
      grid: { display: false },
    },
    y,
  };
  // one tooltip per category: every series' bar with its CI, then the conditions
  options.interaction = { mode: 'index', intersect: false };
  const yTitle = spec.y.title;
  options.plugins.tooltip.callbacks = {
    title: (items: any[]) => (items[0] ? (spec.categoryLabels?.[items[0].dataIndex] ?? (cats[items[0].dataIndex] ?? []).join(' ')) : ''),
    label: (item: any) => {
      const p = item.dataset.cclabPoints[item.dataIndex] as ChartPoint | null;
      if (!p) return '';
      const ci = hasCi(p) ? ` ± ${formatNumber(p.halfWidth ?? (p.hi - p.lo) / 2)} (95% CI ${formatNumber(p.lo)} to ${formatNumber(p.hi)})` : '';
      return `${item.dataset.label}: ${formatNumber(p.y)}${ci}`;
    },
    footer: (items: any[]) => {
      const p = items[0] ? (items[0].dataset.cclabPoints[items[0].dataIndex] as ChartPoint | null) : null;
      return [yTitle, ...(p?.note ? p.note.split('\n') : [])];
    },
  };
  plugins.push({
    id: 'cclabErrorBars',
    afterDatasetsDraw(chart: any) {
      const g = chart.ctx;
      const scale = chart.scales.y;
      g.save();
      g.strokeStyle = ERROR_BAR_COLOR;
      g.lineWidth = Math.max(1.5, style.fontSize / 8);
      chart.data.datasets.forEach((d: any, i: number) => {
        if (!chart.isDatasetVisible(i)) return;
        chart.getDatasetMeta(i).data.forEach((bar: any, j: number) => {
          const p = d.cclabPoints[j] as ChartPoint | null;
          if (!hasCi(p) || p.hi === p.lo) return;
          const y0 = scale.getPixelForValue(p.lo);
          const y1 = scale.getPixelForValue(p.hi);
          const cap = Math.max(3, Math.min(10, bar.width * 0.25));
          g.beginPath();
          g.moveTo(bar.x, y0);
          g.lineTo(bar.x, y1);
          g.moveTo(bar.x - cap, y0);
          g.lineTo(bar.x + cap, y0);
          g.moveTo(bar.x - cap, y1);
          g.lineTo(bar.x + cap, y1);
          g.stroke();
        });
      });
      g.restore();
    },
  });
  return { type: 'bar', data: { labels: cats.map((c) => (c.length === 1 ? c[0] : c)), datasets }, options, plugins };
}
