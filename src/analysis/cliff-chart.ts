/**
 * The loss-tolerance chart of the BBR paper (Cardwell et al., ACM Queue
 * 14(5), 2016, "BBR vs. CUBIC throughput under random loss") for a group of
 * validation runs: goodput against random loss on a log axis, one colour per
 * congestion control; every kernel run as a point, every simulator seed as a
 * lighter point, the simulator's mean as a line, and the ceiling (link rate x
 * (1 - loss) x payload fraction) as a dashed line. Drawn for a group of
 * one-flow points over one link that differ only in loss and congestion
 * control, with at least MIN_LOSS_VALUES random-loss values (issue 19's
 * kernel-bbr-cliff); other groups get the usual overlay charts only.
 */
import type { ChartSeries, ChartSpec } from '../report/chartconfig.js';
import { withAlpha } from '../report/chartconfig.js';
import { ccColor, ccLabel } from '../report/specs.js';
import type { RunRecord } from './compare.js';
import { goodputCeilingMbps } from './cliff.js';

/** A group needs this many distinct random-loss values (> 0) for the chart. */
export const MIN_LOSS_VALUES = 6;

/** Kernel runs and simulator seeds sit this factor right and left of their loss value, so both stay visible. */
const X_OFFSET = 1.07;

const lossPct = (r: RunRecord): number => (r.resolved.link.loss.kind === 'bernoulli' ? r.resolved.link.loss.p * 100 : NaN);

/** The chart of one group, or undefined when the group is not a loss sweep of single flows over one link. */
export function lossCliffChart(group: string, kernelRuns: readonly RunRecord[], simRuns: readonly RunRecord[]): ChartSpec | undefined {
  if (!kernelRuns.length || !simRuns.length) return undefined;
  const all = [...kernelRuns, ...simRuns];
  if (all.some((r) => goodputCeilingMbps(r.resolved) === undefined)) return undefined;
  const first = kernelRuns[0]!.resolved.link;
  if (all.some((r) => r.resolved.link.rateBps !== first.rateBps || r.resolved.link.rttNs !== first.rttNs || r.resolved.link.queuePackets !== first.queuePackets)) return undefined;
  const losses = [...new Set(kernelRuns.map(lossPct))].filter((p) => p > 0).sort((a, b) => a - b);
  if (losses.length < MIN_LOSS_VALUES) return undefined;
  const ccOf = (r: RunRecord): string => {
    const f = r.resolved.flows[0]!;
    return f.brutal ? `brutal ${(f.brutal.rateBytesPerSec * 8) / 1e6}mbit` : f.cc;
  };
  const ccs = [...new Set(kernelRuns.map(ccOf))];
  const order = ['bbr', 'cubic'];
  ccs.sort((a, b) => (order.indexOf(a) + 1 || 9) - (order.indexOf(b) + 1 || 9) || (a < b ? -1 : 1));
  const series: ChartSeries[] = [];
  const ceilingRuns = kernelRuns.filter((r) => ccOf(r) === ccs[0] && lossPct(r) > 0);
  const ceiling = losses.map((p) => ({ x: p, y: goodputCeilingMbps(ceilingRuns.find((r) => lossPct(r) === p)?.resolved ?? kernelRuns.find((r) => lossPct(r) === p)!.resolved)! }));
  series.push({ label: 'ceiling: link × (1 − loss)', color: '#555555', points: ceiling, dash: [6, 4] });
  ccs.forEach((cc, i) => {
    const color = ccColor(cc.split(' ')[0]!, i);
    const name = cc.startsWith('brutal') ? `Brutal ${cc.split(' ')[1]}` : ccLabel(cc);
    const at = (runs: readonly RunRecord[], p: number): RunRecord[] => runs.filter((r) => ccOf(r) === cc && lossPct(r) === p);
    const means = losses.flatMap((p) => {
      const rs = at(simRuns, p);
      return rs.length ? [{ x: p, y: rs.reduce((a, r) => a + r.summary.aggregate.goodputMbps, 0) / rs.length, note: `${rs.length} seeds` }] : [];
    });
    const runsOf = (runs: readonly RunRecord[], factor: number) =>
      losses.flatMap((p) => at(runs, p).map((r) => ({ x: p * factor, y: r.summary.aggregate.goodputMbps, note: `loss ${p}%, seed ${r.summary.seed}` })));
    series.push({ label: `${name} simulator mean`, color, points: means });
    series.push({ label: `${name} simulator seeds`, color: withAlpha(color, 0.35), points: runsOf(simRuns, 1 / X_OFFSET), markersOnly: true, marker: 'circle' });
    series.push({ label: `${name} kernel runs`, color, points: runsOf(kernelRuns, X_OFFSET), markersOnly: true, marker: 'triangle' });
  });
  const rate = first.rateBps / 1e6;
  const rtt = first.rttNs / 1e6;
  // ticks at 1, 2, 5 x each decade in range (every loss value would crowd the 10-30% region)
  const lo = losses[0]! / 1.5;
  const hi = losses.at(-1)! * 1.5;
  const ticks = [-5, -4, -3, -2, -1, 0, 1, 2].flatMap((e) => [1, 2, 5].map((m) => Number((m * 10 ** e).toPrecision(1)))).filter((t) => t >= lo && t <= hi);
  return {
    id: `${group}-goodput-vs-loss`,
    kind: 'line',
    section: 'simulator vs kernel',
    title: `Goodput under random loss: ${rate} Mbit/s, ${rtt} ms (${group})`,
    subtitle: 'kernel runs: triangles (right of their loss), simulator seeds: light dots (left), simulator mean: line',
    description: `Goodput of every run against the random loss rate (log scale), as in the BBR paper's loss figure, with the ceiling link × (1 − loss) × payload fraction. The loss falls before the bottleneck (netem's order, which the simulator follows), so a sender that makes up for it by sending faster, as Brutal does, can pass that ceiling.`,
    x: { title: 'random loss (%)', type: 'logarithmic', min: lo, max: hi, ticks, tickSuffix: '%' },
    y: { title: 'goodput (Mbit/s)', type: 'linear', min: 0 },
    series,
  };
}
