/**
 * `cclab report <results-dir>`: one self-contained report.html (chart.js
 * inlined, works offline) with the scenario, the charts, the sweep table and
 * the run metadata.
 */
import type { Command } from 'commander';
import { loadResults } from '../../report/data.js';
import { chartSpecs } from '../../report/specs.js';
import { writeReport } from '../../report/html.js';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('write a self-contained report.html for a sweep or run directory')
    .argument('<results-dir>', 'a sweep directory (cclab sweep) or a run directory (cclab run)')
    .action((dir: string) => {
      const res = loadResults(dir);
      const specs = chartSpecs(res);
      const file = writeReport(res, specs);
      process.stdout.write(`${file} (${specs.length} charts)\n`);
    });
}
