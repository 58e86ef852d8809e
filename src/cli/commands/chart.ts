/**
 * `cclab chart <results-dir>`: the charts that fit a sweep or run directory
 * (PNG and SVG by default; PDF on request) and the data behind each as JSON,
 * in <results-dir>/charts/; options and a chart spec file choose the
 * formats, the figure's size and font, which charts, and what they show
 * (src/report/figures.ts).
 */
import type { Command } from 'commander';
import { join } from 'node:path';
import { collect } from '../backend-options.js';

export function registerChart(program: Command): void {
  program
    .command('chart')
    .description('draw the charts that fit a sweep or run directory (PNG + SVG, or --format, in <dir>/charts/)')
    .argument('<results-dir>', 'a sweep directory (cclab sweep) or a run directory (cclab run)')
    .option('--format <list>', 'comma-separated formats: png, svg, pdf (default png,svg)')
    .option('--width <n>', 'figure width in CSS pixels / PDF points (default 960; PNG is drawn at twice this)')
    .option('--height <n>', 'figure height (default 570)')
    .option('--font-size <n>', 'base font size in CSS pixels / PDF points (default 14)')
    .option('--metric <key>', "sweeps: chart this summary metric (e.g. goodput_mbps, retrans_ratio, rtt_p95_ms, harm_goodput) against --x instead of the default set")
    .option('--x <path>', 'sweeps: the swept parameter on the x axis (e.g. link.loss, flows[0].brutal.rate; default the loss rate, else the first swept one)')
    .option('--facet <path>', 'sweeps: one chart per value of this swept parameter, or none (default: every other swept parameter)')
    .option('--point <path=value>', 'sweeps: the point whose runs the time-series charts show, e.g. link.loss=1%,link.rtt=50ms (repeatable; default a representative point)', collect, [])
    .option('--only <ids>', 'only the charts with these ids, comma-separated, * matches any text (e.g. throughput-vs-delay*,flows-throughput)')
    .option('--seed-points', "draw each seed's value next to the mean on line and throughput-delay charts (always on with fewer than 3 seeds)")
    .option('--window <time>', 'smoothing window of the per-flow throughput, goodput and Jain charts (default 1s)')
    .option('--spec <file>', 'a chart spec file (YAML) with any of these settings and a list of charts; options given here win')
    .option('--out <dir>', 'folder for the files (default <results-dir>/charts)')
    .action(async (dir: string, opts: import('../../report/figures.js').ChartCliOptions & { out?: string }) => {
      const { loadResults } = await import('../../report/data.js');
      const { chartSpecs } = await import('../../report/specs.js');
      const { writeCharts } = await import('../../report/render.js');
      const { figurePlan, selectCharts } = await import('../../report/figures.js');
      const { writeModelCharts } = await import('../../model/charts.js');
      const plan = figurePlan(opts);
      const res = loadResults(dir);
      const { custom, ...rest } = plan.chart;
      const specs = [...(plan.defaults ? selectCharts(chartSpecs(res, rest), plan.only) : []), ...(custom ? chartSpecs(res, plan.chart) : [])];
      const outDir = opts.out ?? join(dir, 'charts');
      const written = writeCharts(dir, specs, { formats: plan.formats, figure: plan.figure, outDir });
      // predicted heatmaps when `cclab fit` left a model in <dir>/model (the full default set only)
      if (plan.defaults && plan.only.length === 0 && !opts.out) written.push(...(await writeModelCharts(dir, (l) => process.stderr.write(`${l}\n`))));
      const first = plan.formats[0] ?? 'json';
      for (const c of written) process.stdout.write(`${join(outDir, `${c.id}.${first}`)}  ${c.title}\n`);
      process.stdout.write(`${written.length} charts (${[...plan.formats.map((f) => f.toUpperCase()), 'JSON data'].join(', ')}) in ${outDir}\n`);
    });
}
