/**
 * Bar charts per setting: sweeps of categorical settings (qdisc, ECN, a CC's
 * rate) with several flows get per-flow goodput, retransmission, p95 RTT and
 * harm bars grouped by the swept combination; loss sweeps do not. The specs
 * are checked on hand-made sweep rows (exact values, labels, facets), the
 * drawing on PNG/SVG, and the whole path on a small real sweep through
 * `cclab chart` and `cclab report`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MetricStats, SweepRow, SweepSummary } from '../../src/analysis/aggregate.js';
import { ERROR_BAR_COLOR, toChartConfig, type ChartSpec } from '../../src/report/chartconfig.js';
import type { SweepResults } from '../../src/report/data.js';
import { renderPng, renderSvg } from '../../src/report/render.js';
import { ccColor, chartSpecs, qdiscText, settingLines, wrapLines } from '../../src/report/specs.js';
import { cclab, tempDir } from '../analysis/cli.js';
import { makeSettingSweep, pixelsOf } from './fixtures.js';

const BAR_IDS = ['flows-goodput-by-setting', 'retrans-by-setting', 'rtt-by-setting', 'harm-by-setting', 'harm-rtt-by-setting'];
const NBSP = '\u00a0';

function st(mean: number, hw: number | null): MetricStats {
  return { n: 3, mean, sd: hw === null ? null : hw / 2.48, ciLo: hw === null ? null : mean - hw, ciHi: hw === null ? null : mean + hw, values: [mean, mean, mean] };
}

interface FlowVals {
  cc: string;
  goodput: number;
  retrans: number;
  rtt: number;
  harm: number;
  harmRtt: number;
}

let comboCount = 0;
/** Rows of one combination: one per flow, the metrics of the bar charts with CI half-width hw. */
function combo(params: Record<string, unknown>, flows: FlowVals[], opts: { loss?: number; hw?: number | null } = {}): SweepRow[] {
  const c = comboCount++;
  const hw = opts.hw === undefined ? 0.5 : opts.hw;
  return flows.map((f, i) => ({
    point: `p${c}`,
    combo: c,
    params,
    flow: i,
    group: i,
    cc: f.cc,
    rate_mbps: 50,
    rtt_ms: 50,
    loss_pct: opts.loss ?? 0,
    queue_pkts: 206,
    duration_s: 30,
    seeds: 3,
    n: 3,
    runs: [1, 2, 3].map((seed) => `p${c}-seed${seed}`), // not on disk: no time-series charts
    stats: {
      goodput_mbps: st(f.goodput, hw),
      retrans_ratio: st(f.retrans, hw === null ? null : 0.01),
      rtt_p95_ms: st(f.rtt, hw),
      harm_goodput: st(f.harm, hw === null ? null : 0.02),
      harm_rtt_p95: st(f.harmRtt, hw === null ? null : 0.02),
    },
  }));
}

function sweep(params: string[], rows: SweepRow[], harm = true): SweepResults {
  const summary: SweepSummary = { schema: 'cclab.sweep/1', scenario: 'bars', params, seeds: [1, 2, 3], harm, confidence: 0.95, metrics: [], rows };
  return { kind: 'sweep', dir: tempDir('bars-none'), summary, meta: null, scenarioYaml: '' };
}

const RATE = 'flows[0].brutal.rate';
const QDISC = 'link.qdisc';
const ECN0 = 'flows[0].ecn';
const ECN1 = 'flows[1].ecn';

/** Brutal (1x, 2x) vs Cubic over droptail / codel ECN off / codel ECN on: six combinations. */
function aqmSweep(): SweepResults {
  const rows: SweepRow[] = [];
  const settings: [unknown, boolean][] = [
    ['droptail', false],
    [{ codel: { ecn: false } }, false],
    [{ codel: { ecn: true } }, true],
  ];
  let k = 0;
  for (const rate of ['50mbit', '100mbit']) {
    for (const [q, ecn] of settings) {
      k++;
      rows.push(
        ...combo({ [RATE]: rate, [QDISC]: q, [ECN0]: ecn, [ECN1]: ecn }, [
          { cc: 'brutal', goodput: 40 + k, retrans: 0.1 * k, rtt: 100 + k, harm: 0.01 * k, harmRtt: 0.1 },
          { cc: 'cubic', goodput: k, retrans: 0.001 * k, rtt: 200 + k, harm: 1 - 0.05 * k, harmRtt: 0.5 },
        ]),
      );
    }
  }
  return sweep([RATE, QDISC, ECN0, ECN1], rows);
}

const byId = (specs: ChartSpec[], id: string) => {
  const s = specs.find((x) => x.id === id);
  expect(s, `${id} among ${specs.map((x) => x.id).join(', ')}`).toBeDefined();
  return s!;
};

describe('bar charts per setting (specs)', () => {
  it('a categorical sweep of two flows gets goodput, retransmission, RTT and harm bars with the rows\' means and CIs', () => {
    const res = aqmSweep();
    const specs = chartSpecs(res);
    const ids = specs.map((s) => s.id);
    expect(ids).toEqual(expect.arrayContaining(BAR_IDS));
    expect(ids.some((i) => /vs-loss|heatmap/.test(i))).toBe(false);

    const g = byId(specs, 'flows-goodput-by-setting');
    expect(g.kind).toBe('bar');
    // six groups: labels wrapped to fit (19 characters), the rate's multiple kept on one line
    expect(g.categories).toEqual([
      ['Brutal 50mbit', `(1×${NBSP}link)`, 'droptail', 'ECN off'],
      ['Brutal 50mbit', `(1×${NBSP}link)`, 'codel', 'ECN off'],
      ['Brutal 50mbit', `(1×${NBSP}link)`, 'codel', 'ECN on'],
      ['Brutal 100mbit', `(2×${NBSP}link)`, 'droptail', 'ECN off'],
      ['Brutal 100mbit', `(2×${NBSP}link)`, 'codel', 'ECN off'],
      ['Brutal 100mbit', `(2×${NBSP}link)`, 'codel', 'ECN on'],
    ]);
    expect(g.categoryLabels![3]).toBe(`Brutal 100mbit (2×${NBSP}link), droptail, ECN off`);
    expect(g.x.title).toBe('Brutal rate, qdisc, ECN');
    expect(g.series.map((s) => [s.label, s.color])).toEqual([
      ['flow 0: Brutal', ccColor('brutal')],
      ['flow 1: Cubic', ccColor('cubic')],
    ]);
    // every bar is its row's mean at its combination's category, with the CI and its half-width
    for (const [metric, id, scale] of [
      ['goodput_mbps', 'flows-goodput-by-setting', 1],
      ['retrans_ratio', 'retrans-by-setting', 100],
      ['rtt_p95_ms', 'rtt-by-setting', 1],
      ['harm_goodput', 'harm-by-setting', 1],
      ['harm_rtt_p95', 'harm-rtt-by-setting', 1],
    ] as const) {
      const spec = byId(specs, id);
      expect(spec.series).toHaveLength(2);
      spec.series.forEach((s, flow) => {
        expect(s.points).toHaveLength(6);
        for (const p of s.points) {
          const row = res.summary.rows.find((r) => r.combo === p.x && r.flow === flow)!;
          const m = row.stats[metric]!;
          expect(p.y, `${id} ${s.label} @${p.x}`).toBeCloseTo(m.mean! * scale, 6);
          expect(p.lo).toBeCloseTo(m.ciLo! * scale, 6);
          expect(p.hi).toBeCloseTo(m.ciHi! * scale, 6);
          expect(p.halfWidth).toBeCloseTo(((m.ciHi! - m.ciLo!) / 2) * scale, 6);
        }
      });
    }
    expect(byId(specs, 'retrans-by-setting').series[0]!.points.map((p) => p.y)).toEqual([10, 20, 30, 40, 50, 60]); // % of bytes sent
    expect(byId(specs, 'rtt-by-setting').subtitle).toContain('base RTT 50 ms');
    expect(byId(specs, 'harm-by-setting').section).toBe('Harm (Ware et al.)');
    // one trade-off chart for the whole sweep (not one per combination)
    expect(ids.filter((i) => i.startsWith('throughput-vs-delay'))).toEqual(['throughput-vs-delay']);
  });

  it('no harm charts without harm: true', () => {
    const res = aqmSweep();
    res.summary.harm = false;
    const ids = chartSpecs(res).map((s) => s.id);
    expect(ids).toEqual(expect.arrayContaining(BAR_IDS.slice(0, 3)));
    expect(ids.filter((i) => i.startsWith('harm'))).toEqual([]);
  });

  it('a loss sweep gets its loss-axis charts and no bars', () => {
    const rows: SweepRow[] = [];
    for (const loss of [0, 1, 5]) {
      for (const q of ['droptail', 'fq_codel']) {
        rows.push(
          ...combo({ 'link.loss': `${loss}%`, [QDISC]: q }, [
            { cc: 'brutal', goodput: 40, retrans: 0.1, rtt: 100, harm: 0, harmRtt: 0 },
            { cc: 'cubic', goodput: 5, retrans: 0.01, rtt: 100, harm: 0.9, harmRtt: 0.5 },
          ], { loss }),
        );
      }
    }
    const ids = chartSpecs(sweep(['link.loss', QDISC], rows)).map((s) => s.id);
    // named after the parameter (qdisc), not its path (link.qdisc)
    expect(ids).toContain('goodput-vs-loss--qdisc-droptail');
    expect(ids).toContain('harm-vs-loss--qdisc-fq-codel');
    expect(ids.filter((i) => i.includes('by-setting'))).toEqual([]);
  });

  it('too many groups for one chart: one chart per value of the first swept parameter', () => {
    const rows: SweepRow[] = [];
    for (const rate of ['20mbit', '50mbit', '100mbit']) {
      for (const target of ['1ms', '2ms', '5ms', '10ms', '20ms']) {
        rows.push(
          ...combo({ [RATE]: rate, 'link.qdisc.codel.target': target }, [
            { cc: 'brutal', goodput: 30, retrans: 0.1, rtt: 100, harm: 0, harmRtt: 0 },
            { cc: 'cubic', goodput: 10, retrans: 0.01, rtt: 100, harm: 0.7, harmRtt: 0.5 },
          ]),
        );
      }
    }
    const specs = chartSpecs(sweep([RATE, 'link.qdisc.codel.target'], rows)); // 15 groups > 12
    const goodput = specs.filter((s) => s.id.startsWith('flows-goodput-by-setting'));
    expect(goodput.map((s) => s.id)).toEqual([
      'flows-goodput-by-setting--brutal-20mbit-0.4-link',
      'flows-goodput-by-setting--brutal-50mbit-1-link',
      'flows-goodput-by-setting--brutal-100mbit-2-link',
    ]);
    for (const s of goodput) {
      expect(s.categories).toEqual([['codel target 1ms'], ['codel target 2ms'], ['codel target 5ms'], ['codel target 10ms'], ['codel target 20ms']]);
      expect(s.series.every((x) => x.points.length === 5)).toBe(true);
    }
    expect(goodput[2]!.subtitle).toContain(`Brutal 100mbit (2×${NBSP}link)`);
  });

  it('a single-flow sweep of settings: one bar per CC in each group', () => {
    const rows: SweepRow[] = [];
    for (const cc of ['cubic', 'bbr']) {
      for (const q of ['droptail', 'codel', 'fq_codel']) {
        rows.push(...combo({ 'flows[0].cc': cc, [QDISC]: q }, [{ cc, goodput: cc === 'bbr' ? 45 : 40, retrans: 0.01, rtt: 60, harm: 0, harmRtt: 0 }]));
      }
    }
    const g = byId(chartSpecs(sweep(['flows[0].cc', QDISC], rows, false)), 'flows-goodput-by-setting');
    expect(g.categories).toEqual([['droptail'], ['codel'], ['fq_codel']]);
    expect(g.series.map((s) => [s.label, s.points.map((p) => p.y)])).toEqual([
      ['Cubic', [40, 40, 40]],
      ['BBR', [45, 45, 45]],
    ]);
  });

  it('labels: a qdisc in tc words, ECN on for both hosts and the AQM said once', () => {
    expect(qdiscText('fq_codel')).toBe('fq_codel');
    expect(qdiscText({ codel: { ecn: true, target: '2ms' } })).toBe('codel ecn target 2ms');
    expect(qdiscText({ fq_codel: { ecn: false } })).toBe('fq_codel noecn');
    expect(qdiscText({ red: { adaptive: true, ecn: true } }, true)).toBe('red adaptive');
    const [row] = combo({ [QDISC]: { codel: { ecn: true } }, [ECN0]: true, [ECN1]: true }, [{ cc: 'cubic', goodput: 1, retrans: 0, rtt: 1, harm: 0, harmRtt: 0 }]);
    expect(settingLines([QDISC, ECN0, ECN1], row!, 2)).toEqual(['codel', 'ECN on']);
    // the hosts without ECN under an AQM that would mark: both said
    const [off] = combo({ [QDISC]: { codel: { ecn: true } }, [ECN0]: false, [ECN1]: false }, [{ cc: 'cubic', goodput: 1, retrans: 0, rtt: 1, harm: 0, harmRtt: 0 }]);
    expect(settingLines([QDISC, ECN0, ECN1], off!, 2)).toEqual(['codel ecn', 'ECN off']);
    // only one of two flows' ECN swept: it names the flow
    const [one] = combo({ [QDISC]: 'fq_codel', [ECN1]: true }, [{ cc: 'cubic', goodput: 1, retrans: 0, rtt: 1, harm: 0, harmRtt: 0 }]);
    expect(settingLines([QDISC, ECN1], one!, 2)).toEqual(['fq_codel', 'flow 1 ECN on']);
    expect(wrapLines(['Brutal 100mbit (2×\u00a0link)', 'fq_codel'], 11)).toEqual(['Brutal', '100mbit', '(2×\u00a0link)', 'fq_codel']);
  });
});

describe('bar charts per setting (chart.js configuration)', () => {
  it('one bar per series and category, the CI in the tooltip, the setting as its title', () => {
    const spec = byId(chartSpecs(aqmSweep()), 'flows-goodput-by-setting');
    const cfg = toChartConfig(spec, { fontFamily: 'sans-serif', fontSize: 13, devicePixelRatio: 1, interactive: true });
    expect(cfg.type).toBe('bar');
    expect(cfg.data.labels).toEqual(spec.categories);
    expect(cfg.data.datasets.map((d: { data: number[] }) => d.data)).toEqual(spec.series.map((s) => s.points.map((p) => p.y)));
    const cb = cfg.options.plugins.tooltip.callbacks;
    const item = { dataset: cfg.data.datasets[1], dataIndex: 4 };
    expect(cb.title([item])).toBe(`Brutal 100mbit (2×${NBSP}link), codel, ECN off`);
    expect(cb.label(item)).toBe('flow 1: Cubic: 5 ± 0.5 (95% CI 4.5 to 5.5)');
    expect(cb.footer([item])[0]).toBe('goodput (Mbit/s)');
    // the y axis leaves room for the highest error bar
    expect(cfg.options.scales.y.suggestedMax).toBeCloseTo(46.5, 6);
  });
});

describe('bar charts per setting (drawing)', () => {
  it('renders to PNG and SVG: bars in the CC colours, error bars, category labels', async () => {
    const spec = byId(chartSpecs(aqmSweep()), 'flows-goodput-by-setting');
    const png = renderPng(spec);
    expect(png.readUInt32BE(16)).toBe(1920);
    for (const s of spec.series) expect(await pixelsOf(png, s.color), s.label).toBeGreaterThan(1000);
    // the same chart without confidence intervals has no error bars
    const bare: ChartSpec = { ...spec, series: spec.series.map((s) => ({ ...s, points: s.points.map((p) => ({ ...p, lo: null, hi: null, halfWidth: null })) })) };
    const withBars = await pixelsOf(png, ERROR_BAR_COLOR);
    const without = await pixelsOf(renderPng(bare), ERROR_BAR_COLOR);
    expect(withBars - without).toBeGreaterThan(12 * 40); // 12 bars, each a line and two caps
    const svg = renderSvg(spec).toString('utf8');
    const text = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]).join(' ');
    // single words: the SVG text has ligatures (ﬂ, ﬀ) and kerning gaps
    for (const t of ['Goodput', 'setting', 'droptail', 'codel', 'ECN', '100mbit', '(2×\u00a0link)', 'Cubic', '(Mbit/s)']) expect(text).toContain(t);
  });
});

describe('cclab chart and report on a categorical two-flow sweep', () => {
  let dir: string;
  beforeAll(() => {
    dir = makeSettingSweep('bars');
    expect(cclab(['chart', dir]).status).toBe(0);
    expect(cclab(['report', dir]).status).toBe(0);
  });

  it('writes the bar charts with the values of summary.json', () => {
    const index = JSON.parse(readFileSync(join(dir, 'charts', 'index.json'), 'utf8')) as { id: string }[];
    expect(index.map((c) => c.id)).toEqual(expect.arrayContaining(BAR_IDS));
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as SweepSummary;
    const spec = JSON.parse(readFileSync(join(dir, 'charts', 'flows-goodput-by-setting.json'), 'utf8')) as ChartSpec;
    expect(spec.categories).toEqual([
      [`Brutal 10mbit (1×${NBSP}link)`, 'droptail'],
      [`Brutal 10mbit (1×${NBSP}link)`, 'fq_codel'],
      [`Brutal 20mbit (2×${NBSP}link)`, 'droptail'],
      [`Brutal 20mbit (2×${NBSP}link)`, 'fq_codel'],
    ]);
    spec.series.forEach((s, flow) => {
      expect(s.points.map((p) => p.y)).toEqual(summary.rows.filter((r) => r.flow === flow).map((r) => r.stats.goodput_mbps!.mean));
      for (const p of s.points) expect(p.halfWidth).toBeGreaterThanOrEqual(0);
    });
    // FQ-CoDel gives Cubic a share a drop-tail FIFO does not, with Brutal at 2x
    const cubic = spec.series[1]!.points;
    expect(cubic[3]!.y).toBeGreaterThan(cubic[2]!.y + 1);
  });

  it('puts them in report.html', () => {
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    for (const id of BAR_IDS) expect(html).toContain(`<canvas id="chart-${id}"`);
    const specs = JSON.parse(/const CCLAB_SPECS = (.*);\n/.exec(html)![1]!) as ChartSpec[];
    const bars = specs.filter((s) => s.kind === 'bar');
    expect(bars.map((s) => s.id)).toEqual(BAR_IDS);
    expect(html).toContain('cclabErrorBars'); // the plugin travels with the inlined chart code
  });
});
