/**
 * Overlay charts of a sim-vs-kernel comparison: the simulator as lines, the
 * kernel as points, one colour per series, rendered by chart.js on
 * @napi-rs/canvas to PNG.
 *
 * Layout, from the parameters that vary between the points: the x axis is
 * the numeric parameter with the most values (loss, when it varies), one
 * chart per metric and per value of the next parameter (e.g. RTT), and one
 * series per combination of the rest (e.g. the congestion control).
 */
import { createCanvas } from '@napi-rs/canvas';
import { Chart, registerables, type ChartConfiguration, type Plugin } from 'chart.js';
import { METRIC_LABELS, METRICS, type ComparedPoint, type Comparison, type Metric } from './compare.js';

Chart.register(...registerables);

const WIDTH_PX = 900;
const HEIGHT_PX = 560;
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
/** Parameters preferred as x axis and as facet, in order. */
const X_PREFERENCE = ['lossPct', 'rttMs', 'rateMbps', 'queuePkts', 'brutalMbps'];

const whiteBackground: Plugin = {
  id: 'white-background',
  beforeDraw: (chart) => {
    const { ctx } = chart;
    ctx.save();
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, chart.width, chart.height);
    ctx.restore();
  },
};

function distinct(points: readonly ComparedPoint[], name: string): (string | number)[] {
  const vals = [...new Set(points.map((p) => p.params[name]!))];
  return vals.sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a) < String(b) ? -1 : 1));
}

/** Choose the x axis, the facet and the series parameters. */
export function chartLayout(c: Comparison): { x: string | null; facet: string | null; series: string[] } {
  const numeric = c.varying.filter((n) => c.points.every((p) => typeof p.params[n] === 'number'));
  const rank = (n: string): number => (X_PREFERENCE.includes(n) ? X_PREFERENCE.indexOf(n) : X_PREFERENCE.length);
  const x = [...numeric].sort((a, b) => distinct(c.points, b).length - distinct(c.points, a).length || rank(a) - rank(b))[0] ?? null;
  const rest = c.varying.filter((n) => n !== x);
  // With two or more parameters left, the most preferred one splits the charts; the rest are series.
  const facet = rest.length >= 2 ? [...rest].sort((a, b) => rank(a) - rank(b))[0]! : null;
  return { x, facet, series: rest.filter((n) => n !== facet) };
}

function render(title: string, metric: Metric, xName: string | null, points: readonly ComparedPoint[], series: string[]): Promise<Buffer> {
  const xs = xName ? distinct(points, xName) : points.map((p) => p.label);
  const labels = xs.map(String);
  const groups = new Map<string, ComparedPoint[]>();
  for (const p of points) {
    const k = series.map((n) => `${n}=${p.params[n]}`).join(' ') || 'all';
    groups.set(k, [...(groups.get(k) ?? []), p]);
  }
  const datasets: ChartConfiguration<'line'>['data']['datasets'] = [];
  [...groups.entries()].forEach(([name, ps], i) => {
    const color = COLORS[i % COLORS.length]!;
    const at = (p: ComparedPoint): string => (xName ? String(p.params[xName]) : p.label);
    const value = (side: 'sim' | 'kernel'): (number | null)[] => labels.map((l) => ps.find((p) => at(p) === l)?.[side].mean[metric] ?? null);
    datasets.push({ label: `${name} sim`, data: value('sim'), borderColor: color, backgroundColor: color, pointRadius: 0, pointStyle: 'line', borderWidth: 2, spanGaps: true });
    datasets.push({ label: `${name} kernel`, data: value('kernel'), borderColor: color, backgroundColor: color, showLine: false, pointRadius: 5, pointStyle: 'circle' });
  });
  const canvas = createCanvas(WIDTH_PX, HEIGHT_PX);
  const config: ChartConfiguration<'line'> = {
    type: 'line',
    data: { labels, datasets },
    options: {
      responsive: false,
      animation: false,
      devicePixelRatio: 1,
      plugins: { title: { display: true, text: title }, legend: { position: 'right', labels: { usePointStyle: true } } },
      scales: {
        x: { title: { display: true, text: xName ?? 'point' } },
        y: { title: { display: true, text: METRIC_LABELS[metric] }, beginAtZero: true },
      },
    },
    plugins: [whiteBackground],
  };
  const chart = new Chart(canvas.getContext("2d") as unknown as ConstructorParameters<typeof Chart>[0], config);
  chart.draw();
  const png = canvas.encode('png');
  chart.destroy();
  return png;
}

/** PNG charts by file name: <metric>[-<facet>=<value>].png. */
export async function comparisonCharts(c: Comparison): Promise<Record<string, Buffer>> {
  const layout = chartLayout(c);
  const out: Record<string, Buffer> = {};
  const facets = layout.facet ? distinct(c.points, layout.facet) : [null];
  for (const metric of METRICS) {
    for (const fv of facets) {
      const ps = layout.facet ? c.points.filter((p) => p.params[layout.facet!] === fv) : c.points;
      const suffix = layout.facet ? `-${layout.facet}=${fv}` : '';
      const title = `${METRIC_LABELS[metric]}: simulator (lines) vs kernel (points)${layout.facet ? `, ${layout.facet}=${fv}` : ''}`;
      out[`${metric}${suffix}.png`] = await render(title, metric, layout.x, ps, layout.series);
    }
  }
  return out;
}
