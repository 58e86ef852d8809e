/**
 * `cclab demo` (what `npm start` runs): the headline study.
 *
 * Brutal (rate = link), BBR and Cubic on a 50 Mbit/s bottleneck × RTT {10,
 * 50, 150} ms × random loss {0, 0.1, 1, 2, 5, 10, 20}%, 3 seeds, 20 s each
 * (scenarios/headline.yaml), then the charts and report.html. Finished runs
 * are reused when the simulator has not changed, so a second `npm start` is
 * quick; --force recomputes everything.
 */
import type { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import { join, relative } from 'node:path';
import type { SweepSummary } from '../../analysis/aggregate.js';
import { table } from '../format.js';
import { parseJobs, sweepReport } from './sweep.js';

export const HEADLINE_SCENARIO = fileURLToPath(new URL('../../../scenarios/headline.yaml', import.meta.url));

interface DemoOptions {
  jobs?: string;
  out: string;
  force?: boolean;
}

/** Goodput (mean of seeds) per loss rate and CC at the middle RTT, as a text table. */
export function headlineTable(s: SweepSummary, ccLabel: (cc: string) => string): string {
  const rtts = [...new Set(s.rows.map((r) => r.rtt_ms))].sort((a, b) => a - b);
  const rtt = rtts[Math.floor((rtts.length - 1) / 2)];
  const rows = s.rows.filter((r) => r.rtt_ms === rtt);
  const ccs = [...new Set(rows.map((r) => r.cc))];
  const losses = [...new Set(rows.map((r) => r.loss_pct))].sort((a, b) => a - b);
  const out: (string | number)[][] = [['loss', ...ccs.map((c) => `${ccLabel(c)} Mbit/s`)]];
  for (const l of losses) {
    out.push([`${l}%`, ...ccs.map((c) => rows.find((r) => r.cc === c && r.loss_pct === l)?.stats.goodput_mbps?.mean?.toFixed(2) ?? '')]);
  }
  return `goodput at RTT ${rtt} ms (mean of ${s.seeds.length} seeds):\n${table(out)}\n`;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('the headline study: Brutal vs BBR vs Cubic over loss and RTT, then charts and report (what npm start runs)')
    .option('--jobs <n>', 'worker threads (default: number of cores)')
    .option('--out <dir>', 'sweep directory', join('results', 'headline'))
    .option('--force', 'recompute runs that are already done')
    .action(async (opts: DemoOptions) => {
      const { readScenarioDoc } = await import('../../scenario/load.js');
      const { simulatedCcNames } = await import('../../cc/index.js');
      const { runSweep } = await import('../../analysis/sweep.js');
      const { createProgress } = await import('../../analysis/progress.js');
      const { loadResults } = await import('../../report/data.js');
      const { chartSpecs, ccLabel } = await import('../../report/specs.js');
      const { writeCharts } = await import('../../report/render.js');
      const { writeReport } = await import('../../report/html.js');
      const jobs = parseJobs(opts.jobs, (l) => void process.stderr.write(`${l}\n`));
      const doc = readScenarioDoc(HEADLINE_SCENARIO);
      // run the study with the congestion controls the simulator has
      const sweep = doc.sweep as Record<string, unknown[]>;
      const wanted = sweep['flows[0].cc'] as string[];
      const have = simulatedCcNames() as string[];
      const ccs = wanted.filter((c) => have.includes(c));
      if (ccs.length < wanted.length) {
        const missing = wanted.filter((c) => !have.includes(c));
        process.stderr.write(`cclab demo: ${missing.join(', ')} not in the simulator yet; running the study with ${ccs.length ? ccs.join(', ') : 'reno'}\n`);
      }
      sweep['flows[0].cc'] = ccs.length ? ccs : ['reno'];

      const { onInterrupt } = await import('../../results/cleanup.js');
      const inner = createProgress({ label: 'headline' });
      let kept = 0;
      const progress = {
        ...inner,
        start: (total: number, skipped: number) => {
          kept = skipped;
          inner.start(total, skipped);
        },
        tick: (failed: boolean) => {
          if (!failed) kept++;
          inner.tick(failed);
        },
      };
      onInterrupt(() => {
        inner.stop();
        return `interrupted: ${kept} point${kept === 1 ? '' : 's'} kept, resume with the same command`;
      });
      const log = (l: string) => void process.stderr.write(`${l}\n`);
      const outcome = await runSweep(doc, 'headline', relative(process.cwd(), HEADLINE_SCENARIO) || HEADLINE_SCENARIO, { jobs, out: opts.out, force: opts.force, progress, log, command: 'cclab demo' });
      process.stdout.write(sweepReport(outcome));
      process.stdout.write(`\n${headlineTable(outcome.summary, ccLabel)}\n`);

      const res = loadResults(outcome.dir);
      const specs = chartSpecs(res);
      writeCharts(outcome.dir, specs);
      const report = writeReport(res, specs);
      process.stdout.write(`charts: ${join(outcome.dir, 'charts')} (${specs.length} charts, PNG and SVG)\n`);
      process.stdout.write(`report: ${report}\n`);
      if (outcome.meta.points.failed > 0) process.exitCode = 1;
    });
}
