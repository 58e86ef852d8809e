/**
 * `cclab chart <results-dir>`: the charts that fit a sweep or run directory,
 * as PNG and SVG (and the data behind each as JSON) in <results-dir>/charts/.
 */
import type { Command } from 'commander';
import { join } from 'node:path';
import { loadResults } from '../../report/data.js';
import { chartSpecs } from '../../report/specs.js';
import { writeCharts } from '../../report/render.js';

export function registerChart(program: Command): void {
  program
    .command('chart')
    .description('draw the charts that fit a sweep or run directory (PNG + SVG in <dir>/charts/)')
    .argument('<results-dir>', 'a sweep directory (cclab sweep) or a run directory (cclab run)')
    .action((dir: string) => {
      const res = loadResults(dir);
      const written = writeCharts(dir, chartSpecs(res));
      for (const c of written) process.stdout.write(`${join(dir, 'charts', `${c.id}.png`)}  ${c.title}\n`);
      process.stdout.write(`${written.length} charts (PNG, SVG and JSON data) in ${join(dir, 'charts')}\n`);
    });
}
