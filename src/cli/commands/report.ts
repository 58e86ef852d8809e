/**
 * `cclab report <results-dir>`: one self-contained report.html (chart.js
 * inlined, works offline) with the scenario, the charts, the sweep table and
 * the run metadata.
 */
import type { Command } from 'commander';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('write a self-contained report.html for a sweep or run directory')
    .argument('<results-dir>', 'a sweep directory (cclab sweep) or a run directory (cclab run)')
    .action(async (dir: string) => {
      const { loadResults } = await import('../../report/data.js');
      const { chartSpecs } = await import('../../report/specs.js');
      const { writeReport } = await import('../../report/html.js');
      const res = loadResults(dir);
      const specs = chartSpecs(res);
      const file = writeReport(res, specs);
      const { loadModelReport } = await import('../../report/model-section.js');
      const predicted = res.kind === 'sweep' ? (loadModelReport(dir)?.charts.length ?? 0) : 0;
      process.stdout.write(`${file} (${specs.length} charts${predicted ? `, and ${predicted} predicted by the model` : ''})\n`);
    });
}
