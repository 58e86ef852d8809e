/**
 * The HTML report: one self-contained file (chart.js and the chart
 * configuration code inlined, no network access) with the scenario, the
 * charts (interactive: tooltips, legend toggles), the sweep table and the run
 * metadata.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { writeFileAtomic } from '../results/io.js';
import { CCLAB_VERSION } from '../results/version.js';
import type { ChartSpec } from './chartconfig.js';
import type { Results, RunResults, SweepResults } from './data.js';
import { ccLabel, MIN_CI_SEEDS } from './specs.js';
import { ccKey } from '../scenario/resolve.js';
import { loadModelReport, type ModelReport } from './model-section.js';
import { adviceHtml, loadAdvice } from './advise-section.js';

export const REPORT_FILE = 'report.html';

function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON safe inside a <script> element. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function stripForInline(js: string): string {
  return js
    .replace(/^\/\/# sourceMappingURL=.*$/gm, '')
    .replace(/^export /gm, '')
    .replace(/<\/script/gi, '<\\/script');
}

/** chart.js (UMD build) from node_modules, to inline. */
export function chartJsSource(): string {
  const req = createRequire(import.meta.url);
  const file = join(dirname(req.resolve('chart.js')), 'chart.umd.min.js');
  return stripForInline(readFileSync(file, 'utf8'));
}

/** The compiled chartconfig module (dist/report/chartconfig.js), to inline. */
export function chartConfigSource(): string {
  const here = fileURLToPath(import.meta.url);
  const file = here.endsWith('.ts')
    ? fileURLToPath(new URL('../../dist/report/chartconfig.js', import.meta.url))
    : fileURLToPath(new URL('./chartconfig.js', import.meta.url));
  if (!existsSync(file)) throw new Error(`${file} not found; build first (npm run build)`);
  return stripForInline(readFileSync(file, 'utf8'));
}

const f = (x: number | null | undefined, digits = 2) => (x === null || x === undefined || !Number.isFinite(x) ? '' : x.toFixed(digits));

function table(head: string[], rows: string[][], cls = ''): string {
  return `<table class="${cls}"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

function meanCi(st: { n: number; mean: number | null; ciLo: number | null; ciHi: number | null } | undefined, scale = 1, digits = 2): string {
  if (!st || st.mean === null) return '';
  const m = (st.mean * scale).toFixed(digits);
  // no interval from fewer than 3 seeds (t(1) = 12.7), as in the charts
  if (st.ciHi === null || st.ciLo === null || st.n < MIN_CI_SEEDS) return m;
  return `${m} ± ${(((st.ciHi - st.ciLo) / 2) * scale).toFixed(digits)}`;
}

function sweepTable(res: SweepResults): string {
  const s = res.summary;
  const harm = s.harm;
  const fct = s.metrics.some((m) => m.key === 'fct_p50_ms');
  const head = [
    ...s.params,
    'flow',
    'CC',
    'seeds',
    'goodput Mbit/s',
    'retrans %',
    'RTT p95 ms',
    'queue delay p95 ms',
    'Jain',
    ...(harm ? ['harm goodput', 'harm RTT p95'] : []),
    ...(fct ? ['FCT ms', 'run FCT p50 ms', 'run FCT p99 ms', 'unfinished'] : []),
  ];
  const rows = s.rows.map((r) => [
    ...s.params.map((p) => (r.params[p] === undefined ? 'n/a' : typeof r.params[p] === 'string' ? (r.params[p] as string) : JSON.stringify(r.params[p]))),
    String(r.flow),
    ccLabel(ccKey(r)),
    `${r.n}/${r.seeds}`,
    meanCi(r.stats.goodput_mbps),
    meanCi(r.stats.retrans_ratio, 100),
    meanCi(r.stats.rtt_p95_ms, 1, 1),
    meanCi(r.stats.queue_delay_p95_ms, 1, 1),
    meanCi(r.stats.jain, 1, 3),
    ...(harm ? [meanCi(r.stats.harm_goodput, 1, 3), meanCi(r.stats.harm_rtt_p95, 1, 3)] : []),
    ...(fct ? [meanCi(r.stats.fct_ms, 1, 1), meanCi(r.stats.fct_p50_ms, 1, 1), meanCi(r.stats.fct_p99_ms, 1, 1), meanCi(r.stats.fct_unfinished, 1, 1)] : []),
  ]);
  const ci =
    s.seeds.length >= MIN_CI_SEEDS
      ? `Mean ± half-width of the ${Math.round(s.confidence * 100)}% Student-t confidence interval of the mean across seeds.`
      : `Mean of ${s.seeds.length} seed${s.seeds.length === 1 ? '' : 's'}: no confidence interval from fewer than ${MIN_CI_SEEDS} seeds (with 2, Student's t(1) makes a ${Math.round(s.confidence * 100)}% interval ±12.7 standard errors wide); the charts show each seed's value instead.`;
  return `<p class="note">${ci} The same numbers (and sd, CI bounds and more metrics) are in <code>summary.csv</code> and <code>summary.json</code>.</p>${table(head, rows, 'data')}`;
}

function runTable(res: RunResults): string {
  const s = res.summary;
  const fct = s.fct !== undefined;
  const head = ['flow', 'CC', 'goodput Mbit/s', 'throughput Mbit/s', 'retrans %', 'RTT mean ms', 'RTT p95 ms', 'RTOs', ...(fct ? ['FCT ms'] : [])];
  const rows = s.flows.map((fl) => [
    String(fl.id),
    ccLabel(ccKey(fl)),
    fl.inWarmup ? 'in warm-up' : f(fl.goodputMbps),
    f(fl.throughputMbps),
    f(fl.retransRatio * 100),
    f(fl.rttMs.mean, 1),
    f(fl.rttMs.p95, 1),
    String(fl.rtoCount),
    ...(fct ? [fl.completionS !== null ? f(fl.completionS * 1000, 1) : '–'] : []),
  ]);
  const l = s.link;
  const warm = s.warmupS ? ` The first ${s.warmupS} s are a warm-up, left out of every number and chart.` : '';
  const link = `<p>Link: ${f(l.rateMbps, 0)} Mbit/s, RTT ${f(l.rttMs, 0)} ms, queue ${l.queuePackets} packets; utilization ${f(l.utilization * 100, 1)}%, drops: queue ${l.drops.queue}, random ${l.drops.random}; Jain ${f(s.aggregate.jain, 3)}.${warm}</p>`;
  const probe = s.probe
    ? `<p>Latency probe (an ICMP echo from the sending host every interval, through the same path as the flows): round trip mean ${f(s.probe.rttMs.mean, 1)} ms, median ${f(s.probe.rttMs.p50, 1)}, 95th percentile ${f(s.probe.rttMs.p95, 1)}, 99th ${f(s.probe.rttMs.p99, 1)} (min ${f(s.probe.rttMs.min, 1)}); ${s.probe.lost} of ${s.probe.sent} requests lost.</p>`
    : '';
  return `${table(head, rows, 'data')}${link}${s.fct ? fctTable(s.fct) : ''}${probe}`;
}

/** A run's flow completion times: overall and by size, with the unfinished flows counted. */
function fctTable(fct: NonNullable<RunResults['summary']['fct']>): string {
  const head = ['short flows', 'finished', 'unfinished', 'FCT mean ms', 'p50', 'p95', 'p99', 'slowdown p50', 'p99'];
  const row = (label: string, g: Omit<typeof fct, 'bySize'>) => [
    label,
    String(g.finished),
    String(g.unfinished),
    g.fctMs ? f(g.fctMs.mean, 1) : '–',
    g.fctMs ? f(g.fctMs.p50, 1) : '–',
    g.fctMs ? f(g.fctMs.p95, 1) : '–',
    g.fctMs ? f(g.fctMs.p99, 1) : '–',
    g.slowdown ? f(g.slowdown.p50) : '–',
    g.slowdown ? f(g.slowdown.p99) : '–',
  ];
  const rows = [row(`all (${fct.flows})`, fct), ...fct.bySize.map((b) => row(`${b.size} (${b.flows})`, b))];
  return `<p>Flow completion times of the short (byte-limited) flows, from start to the ACK of the last byte; slowdown is that over the ideal (two base RTTs plus the bytes at the link rate). Flows that did not finish are counted, not in the percentiles.</p>${table(head, rows, 'data')}`;
}

function metaRows(res: Results): string[][] {
  const rows: string[][] = [['report written by', `cclab ${CCLAB_VERSION}`]];
  if (res.kind === 'sweep' && res.meta) {
    const m = res.meta;
    rows.push(
      ['sweep run by', `cclab ${m.cclabVersion}, ${m.createdAt}`],
      ['scenario file', m.scenarioFile ?? ''],
      ['runs', `${m.points.total} (${m.points.main} sweep points${m.points.solo ? `, ${m.points.solo} solo baselines` : ''}); ran ${m.points.ran}, reused ${m.points.skipped}, failed ${m.points.failed}`],
      ['wall time', `${m.wallSeconds.toFixed(1)} s with ${m.jobs} worker thread${m.jobs > 1 ? 's' : ''} on ${m.cpus} cores, Node ${m.node}`],
      ['simulator build', m.simulator],
      ['seeds', res.summary.seeds.join(', ')],
    );
    for (const fl of m.failures.slice(0, 20)) rows.push(['failed run', `${fl.key}: ${fl.error}`]);
  } else if (res.kind === 'run' && res.meta) {
    const m = res.meta;
    rows.push(
      ['run by', `cclab ${m.cclabVersion} (${m.backend}), ${m.createdAt}`],
      ['scenario file', m.scenarioFile ?? ''],
      ['seed', String(m.seed)],
      ['wall time', `${m.wallSeconds.toFixed(2)} s`],
    );
    if (m.sim) rows.push(['simulator', `${m.sim.events} events, ${m.sim.dataPackets} data packets`]);
    if (m.kernel) rows.push(['kernel', `${m.kernel.target} ${m.kernel.release}`]);
  }
  rows.push(['directory', res.dir]);
  return rows;
}

const CSS = `
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; margin: 0; color: #1b1b1b; background: #f6f7f9; }
header { background: #20242c; color: #fff; padding: 18px 28px; }
header h1 { margin: 0 0 4px; font-size: 24px; }
header p { margin: 0; color: #cfd6e0; }
nav { padding: 8px 28px; background: #fff; border-bottom: 1px solid #e2e5ea; position: sticky; top: 0; z-index: 2; }
nav a { margin-right: 16px; color: #1f5fa8; text-decoration: none; font-size: 14px; }
main { padding: 12px 28px 40px; max-width: 1200px; }
section { margin-top: 22px; }
h2 { font-size: 20px; border-bottom: 2px solid #d9dde3; padding-bottom: 4px; }
figure { background: #fff; border: 1px solid #e2e5ea; border-radius: 6px; margin: 14px 0; padding: 10px 12px; }
.chart { position: relative; width: 100%; max-width: 1100px; }
figcaption { font-size: 14px; color: #444; margin-top: 6px; }
figcaption a { color: #1f5fa8; margin-left: 8px; }
table { border-collapse: collapse; background: #fff; font-size: 13px; }
th, td { border: 1px solid #dde1e6; padding: 3px 8px; text-align: right; white-space: nowrap; }
th { background: #eef1f5; position: sticky; top: 36px; }
td:first-child, th:first-child { text-align: left; }
.scroll { overflow: auto; max-height: 640px; border: 1px solid #dde1e6; }
table.meta td { text-align: left; white-space: normal; }
pre { background: #fff; border: 1px solid #e2e5ea; padding: 10px; overflow: auto; font-size: 13px; }
.note { color: #555; font-size: 14px; }
`;

function modelCaption(id: string): string {
  if (id.startsWith('predicted-breakeven-')) {
    return "The model's predicted goodput ratio of the two congestion controls over random loss × base RTT (100 × 100 grid); circles: the ratios the sweep measured; lines: where one leads by more than the model's held-out error.";
  }
  return "The model's prediction over random loss × base RTT (100 × 100 grid), other parameters as in the sweep's base scenario; circles: what the sweep measured.";
}

function modelHtml(m: ModelReport): string {
  const ev = m.meta.evaluation;
  const ccs = m.meta.ccs;
  const digits = (unit: string) => (unit ? 2 : 4);
  const rows = ev.metrics.map((t) => [
    t.name,
    t.unit || '-',
    t.r2.toFixed(3),
    t.mae.toFixed(digits(t.unit)),
    ...ccs.map((cc) => (t.byCc[cc] ? t.byCc[cc]!.mae.toFixed(digits(t.unit)) : '')),
  ]);
  const acc = table(['target', 'unit', 'R² held out', 'MAE held out', ...ccs.map((cc) => `MAE ${ccLabel(cc)}`)], rows, 'data');
  const figs = m.charts
    .map(
      (c) =>
        `<figure id="fig-${esc(c.id)}"><img src="data:image/png;base64,${c.png.toString('base64')}" alt="${esc(c.title)}" style="width:100%;max-width:1100px">` +
        `<figcaption>${esc(modelCaption(c.id))} <a href="model/charts/${esc(c.id)}.png">PNG</a><a href="model/charts/${esc(c.id)}.svg">SVG</a></figcaption></figure>`,
    )
    .join('\n');
  return (
    `<p class="note">A neural network fitted to this sweep by <code>cclab fit</code> (${esc(m.meta.training.points)} sweep points, ` +
    `${esc(m.meta.training.backend)} backend); its error measured on points it did not see (${esc(ev.method)}, seed ${esc(ev.seed)}). ` +
    `<code>cclab predict ${esc('<results-dir>')}/model --set ...</code> answers for points between the sweep's.</p>${acc}${figs}`
  );
}

/** The report as one HTML document. */
export function reportHtml(res: Results, specs: readonly ChartSpec[]): string {
  const doc = (() => {
    try {
      return (YAML.parse(res.scenarioYaml) ?? {}) as { name?: string; description?: string };
    } catch {
      return {};
    }
  })();
  const name = res.summary.scenario;
  const what =
    res.kind === 'sweep'
      ? `sweep: ${new Set(res.summary.rows.map((r) => r.combo)).size} points × ${res.summary.seeds.length} seeds over ${res.summary.params.join(', ') || 'no parameters'}`
      : `single run, seed ${res.summary.seed}`;
  const sections = [...new Set(specs.map((s) => s.section))];
  const hasFiles = (id: string) => existsSync(join(res.dir, 'charts', `${id}.png`));
  const figures = sections
    .map((sec, i) => {
      const figs = specs
        .filter((s) => s.section === sec)
        .map(
          (s) =>
            `<figure id="fig-${esc(s.id)}"><div class="chart"><canvas id="chart-${esc(s.id)}" role="img" aria-label="${esc(s.title)}"></canvas></div>` +
            `<figcaption>${esc(s.description)}${hasFiles(s.id) ? ` <a href="charts/${esc(s.id)}.png">PNG</a><a href="charts/${esc(s.id)}.svg">SVG</a>` : ''}</figcaption></figure>`,
        )
        .join('\n');
      return `<section id="charts-${i}"><h2>${esc(sec)}</h2>${figs}</section>`;
    })
    .join('\n');
  const model = res.kind === 'sweep' ? loadModelReport(res.dir) : null;
  const advice = res.kind === 'sweep' ? loadAdvice(res.dir) : null;
  const nav = [
    ...(advice ? ['<a href="#advice">Advice</a>'] : []),
    ...sections.map((sec, i) => `<a href="#charts-${i}">${esc(sec)}</a>`),
    ...(model ? ['<a href="#model">Surrogate model</a>'] : []),
    `<a href="#table">${res.kind === 'sweep' ? 'Sweep table' : 'Flows'}</a>`,
    '<a href="#scenario">Scenario</a>',
    '<a href="#meta">Run metadata</a>',
  ].join('');
  const fontFamily = 'system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cclab report: ${esc(name)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>cclab report: ${esc(name)}</h1><p>${esc(doc.description ?? '')}${doc.description ? ' · ' : ''}${esc(what)}</p></header>
<nav>${nav}</nav>
<main>
${advice ? `<section id="advice"><h2>Advice</h2>${adviceHtml(advice)}</section>\n` : ''}${figures || '<p class="note">No charts fit these results.</p>'}
${model ? `<section id="model"><h2>Surrogate model</h2>${modelHtml(model)}</section>` : ''}
<section id="table"><h2>${res.kind === 'sweep' ? 'Sweep table' : 'Flows'}</h2><div class="scroll">${res.kind === 'sweep' ? sweepTable(res) : runTable(res)}</div></section>
<section id="scenario"><h2>Scenario</h2><pre>${esc(res.scenarioYaml || '(scenario.yaml not found)')}</pre></section>
<section id="meta"><h2>Run metadata</h2>${table(['', ''], metaRows(res), 'meta')}</section>
</main>
<script>${chartJsSource()}</script>
<script>${chartConfigSource()}</script>
<script>
const CCLAB_SPECS = ${scriptJson(specs)};
window.cclabCharts = CCLAB_SPECS.map(function (spec) {
  const canvas = document.getElementById('chart-' + spec.id);
  const style = { fontFamily: ${scriptJson(fontFamily)}, fontSize: 13, devicePixelRatio: window.devicePixelRatio || 1, interactive: true };
  return new Chart(canvas, toChartConfig(spec, style));
});
</script>
</body>
</html>
`;
}

/** Write <dir>/report.html atomically; returns its path. */
export function writeReport(res: Results, specs: readonly ChartSpec[]): string {
  const file = join(res.dir, REPORT_FILE);
  writeFileAtomic(file, reportHtml(res, specs));
  return file;
}
