/**
 * `cclab chart <results-dir>`: the charts that fit a sweep or run directory,
 * as PNG and SVG (and the data behind each as JSON) in <results-dir>/charts/.
 */
import type { Command } from 'commander';
import { join } from 'node:path';

export function registerChart(program: Command): void {
  program
    .command('chart')
    .description('draw the charts that fit a sweep or run directory (PNG + SVG in <dir>/charts/)')
    .argument('<results-dir>', 'a sweep directory (cclab sweep) or a run directory (cclab run)')
    .action(async (dir: string) => {
      const { loadResults } = await import('../../report/data.js');
      const { chartSpecs } = await import('../../report/specs.js');
      const { writeCharts } = await import('../../report/render.js');
      const { writeModelCharts } = await import('../../model/charts.js');
      const res = loadResults(dir);
      const written = writeCharts(dir, chartSpecs(res));
      written.push(...(await writeModelCharts(dir, (l) => process.stderr.write(`${l}\n`)))); // predicted heatmaps when `cclab fit` left a model in <dir>/model
      for (const c of written) process.stdout.write(`${join(dir, 'charts', `${c.id}.png`)}  ${c.title}\n`);
      process.stdout.write(`${written.length} charts (PNG, SVG and JSON data) in ${join(dir, 'charts')}\n`);
    });
}
