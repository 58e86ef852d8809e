/**
 * Overlay charts of a sim-vs-kernel comparison: the simulator as lines, the
 * kernel as points, one colour per series, drawn as PNG by the report's
 * chart renderer (src/report: chart.js on @napi-rs/canvas).
 *
 * Layout, from the parameters that vary between the points: the x axis is
 * the numeric parameter with the most values (loss, when it varies), evenly
 * spaced; one chart per metric and, when two or more parameters are left,
 * per value of the most telling of them (e.g. RTT); one series per
 * combination of the rest (e.g. the congestion control).
 */
import type { AxisSpec, ChartSeries, ChartSpec } from '../report/chartconfig.js';
import { renderPng } from '../report/render.js';
import { ccColor } from '../report/specs.js';
import { METRIC_LABELS, METRICS, type ComparedPoint, type Comparison, type Metric } from './compare.js';

/** Parameters preferred as x axis and as facet, in order. */
const X_PREFERENCE = ['lossPct', 'rttMs', 'rateMbps', 'queuePkts', 'brutalMbps'];

function distinct(points: readonly ComparedPoint[], name: string): (string | number)[] {
  const vals = [...new Set(points.map((p) => p.params[name]!))];
  return vals.sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a) < String(b) ? -1 : 1));
}

/**
 * Is a parameter set on only some points and then fixed by another varying
 * parameter (Brutal's rate where only the Brutal points have one, one rate
 * per cc)? Such a parameter describes a series; it is not an axis or facet.
 */
function followsAnother(c: Comparison, n: string): boolean {
  if (c.points.every((p) => p.params[n] !== undefined)) return false;
  return c.varying.some((m) => m !== n && distinct(c.points, m).every((v) => new Set(c.points.filter((p) => p.params[m] === v).map((p) => p.params[n])).size <= 1));
}

/** Choose the x axis, the facet and the series parameters. */
export function chartLayout(c: Comparison): { x: string | null; facet: string | null; series: string[] } {
  const varying = c.varying.filter((n) => !followsAnother(c, n));
  const numeric = varying.filter((n) => c.points.every((p) => typeof p.params[n] === 'number'));
  const rank = (n: string): number => (X_PREFERENCE.includes(n) ? X_PREFERENCE.indexOf(n) : X_PREFERENCE.length);
  const x = [...numeric].sort((a, b) => distinct(c.points, b).length - distinct(c.points, a).length || rank(a) - rank(b))[0] ?? null;
  const rest = varying.filter((n) => n !== x);
  const facet = rest.length >= 2 ? [...rest].sort((a, b) => rank(a) - rank(b))[0]! : null;
  return { x, facet, series: rest.filter((n) => n !== facet) };
}

function chartSpec(id: string, title: string, metric: Metric, xName: string | null, points: readonly ComparedPoint[], series: string[]): ChartSpec {
  const at = (p: ComparedPoint): string => (xName ? String(p.params[xName]) : p.label);
  const labels = (xName ? distinct(points, xName) : points.map((p) => p.label)).map(String);
  const groups = new Map<string, ComparedPoint[]>();
  for (const p of points) {
    const k = series.filter((n) => p.params[n] !== undefined).map((n) => `${n}=${p.params[n]}`).join(' ') || 'all';
    groups.set(k, [...(groups.get(k) ?? []), p]);
  }
  const out: ChartSeries[] = [];
  [...groups.entries()].forEach(([name, ps], i) => {
    const cc = series.length === 1 && series[0] === 'cc' ? String(ps[0]!.params.cc) : null;
    const color = ccColor(cc ?? '', i);
    const pts = (side: 'sim' | 'kernel') => ps.map((p) => ({ x: labels.indexOf(at(p)), y: p[side].mean[metric], note: p.label })).sort((a, b) => a.x - b.x);
    out.push({ label: `${name} sim`, color, points: pts('sim') });
    out.push({ label: `${name} kernel`, color, points: pts('kernel'), markersOnly: true });
  });
  const x: AxisSpec = {
    title: xName ?? 'point',
    type: 'linear',
    min: -0.3,
    max: labels.length - 0.7,
    ticks: labels.map((_, i) => i),
    tickLabels: Object.fromEntries(labels.map((l, i) => [String(i), l])),
  };
  return {
    id,
    kind: 'line',
    section: 'simulator vs kernel',
    title,
    subtitle: 'simulator: lines, kernel: points (means over seeds and repetitions)',
    description: `${METRIC_LABELS[metric]} of each matched point, simulator against kernel.`,
    x,
    y: { title: METRIC_LABELS[metric], type: 'linear', min: 0 },
    series: out,
  };
}

/** PNG charts by file name: <metric>[-<facet>=<value>].png. */
export function comparisonCharts(c: Comparison): Record<string, Buffer> {
  const layout = chartLayout(c);
  const out: Record<string, Buffer> = {};
  const facets = layout.facet ? distinct(c.points, layout.facet) : [null];
  for (const metric of METRICS) {
    for (const fv of facets) {
      const ps = layout.facet ? c.points.filter((p) => p.params[layout.facet!] === fv) : c.points;
      // within one facet, only the parameters that still vary name a series (a BDP-sized queue follows the RTT)
      const series = layout.series.filter((n) => distinct(ps, n).length > 1);
      const suffix = layout.facet ? `-${layout.facet}=${fv}` : '';
      const title = `${METRIC_LABELS[metric]}: simulator vs kernel${layout.facet ? `, ${layout.facet}=${fv}` : ''}`;
      out[`${metric}${suffix}.png`] = renderPng(chartSpec(`${metric}${suffix}`, title, metric, layout.x, ps, series));
    }
  }
  return out;
}
