/**
 * `cclab chart <results-dir>`: the charts that fit a sweep or run directory,
 * as PNG and SVG (and the data behind each as JSON) in <results-dir>/charts/.
 */
import type { Command } from 'commander';
import { join } from 'node:path';
import { loadResults } from '../../report/data.js';
import { chartSpecs } from '../../report/specs.js';
import { writeCharts } from '../../report/render.js';
import { writeModelCharts } from '../../model/charts.js';

export function registerChart(program: Command): void {
  program
    .command('chart')
    .description('draw the charts that fit a sweep or run directory (PNG + SVG in <dir>/charts/)')
    .argument('<results-dir>', 'a sweep directory (cclab sweep) or a run directory (cclab run)')
    .action(async (dir: string) => {
      const res = loadResults(dir);
      const written = writeCharts(dir, chartSpecs(res));
      written.push(...(await writeModelCharts(dir))); // predicted heatmaps when `cclab fit` left a model in <dir>/model
      for (const c of written) process.stdout.write(`${join(dir, 'charts', `${c.id}.png`)}  ${c.title}\n`);
      process.stdout.write(`${written.length} charts (PNG, SVG and JSON data) in ${join(dir, 'charts')}\n`);
    });
}
