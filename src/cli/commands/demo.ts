/**
 * `cclab demo` (what `npm start` runs): the headline study, then the
 * Brutal-under-AQM study.
 *
 * Headline: Brutal (rate = link), BBR, BBRv3 and Cubic on a 50 Mbit/s bottleneck ×
 * RTT {10, 50, 150} ms × random loss {0, 0.1, 1, 2, 5, 10, 20}%, 3 seeds,
 * 20 s each (scenarios/headline.yaml). Brutal-under-AQM: Brutal at 1× and 2×
 * the link against Cubic over drop-tail, CoDel and FQ-CoDel, ECN off/on,
 * with harm (scenarios/brutal-aqm.yaml). Each into its own folder with its
 * charts and report.html. Finished runs are reused when the simulator has
 * not changed, so a second `npm start` is quick; --force recomputes
 * everything.
 */
import type { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { SweepSummary } from '../../analysis/aggregate.js';
import { InputError } from '../../scenario/errors.js';
import { table } from '../format.js';
import { parseJobs, resumableProgress, sweepReport } from './sweep.js';

export const HEADLINE_SCENARIO = fileURLToPath(new URL('../../../scenarios/headline.yaml', import.meta.url));
export const AQM_SCENARIO = fileURLToPath(new URL('../../../scenarios/brutal-aqm.yaml', import.meta.url));

interface DemoOptions {
  jobs?: string;
  out: string;
  aqmOut?: string;
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

/**
 * One line per setting of the Brutal-under-AQM study: Cubic's goodput, its
 * harm in goodput and p95 RTT, and Brutal's goodput, retransmissions and
 * p95 RTT (means of the seeds).
 */
export function aqmTable(s: SweepSummary, setting: (params: string[], rows: SweepSummary['rows']) => string): string {
  const combos = [...new Set(s.rows.map((r) => r.combo))];
  const m = (r: SweepSummary['rows'][number] | undefined, key: string, scale = 1, digits = 2) => {
    const v = r?.stats[key]?.mean;
    return v === null || v === undefined ? '' : (v * scale).toFixed(digits);
  };
  const out: (string | number)[][] = [['setting', 'Cubic Mbit/s', 'harm', 'RTT harm', 'p95 RTT ms', 'Brutal Mbit/s', 'retrans %', 'p95 RTT ms']];
  for (const c of combos) {
    const rows = s.rows.filter((r) => r.combo === c);
    const cubic = rows.find((r) => r.cc === 'cubic');
    const brutal = rows.find((r) => r.cc === 'brutal');
    out.push([setting(s.params, rows), m(cubic, 'goodput_mbps'), m(cubic, 'harm_goodput'), m(cubic, 'harm_rtt_p95'), m(cubic, 'rtt_p95_ms', 1, 0), m(brutal, 'goodput_mbps'), m(brutal, 'retrans_ratio', 100, 1), m(brutal, 'rtt_p95_ms', 1, 0)]);
  }
  return `Brutal against Cubic by setting (mean of ${s.seeds.length} seeds; harm: Ware et al., 0 = none, 1 = starved):\n${table(out)}\n`;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('the headline study (Brutal vs BBR, BBRv3 and Cubic over loss and RTT) and the Brutal-under-AQM study, with charts and reports (what npm start runs)')
    .option('--jobs <n>', 'worker threads (default: number of cores)')
    .option('--out <dir>', 'sweep directory of the headline study', join('results', 'headline'))
    .option('--aqm-out <dir>', 'sweep directory of the Brutal-under-AQM study (default: brutal-aqm next to --out)')
    .option('--force', 'recompute runs that are already done')
    .action(async (opts: DemoOptions) => {
      const { readScenarioDoc } = await import('../../scenario/load.js');
      const { simulatedCcNames } = await import('../../cc/index.js');
      const { runSweep } = await import('../../analysis/sweep.js');
      const { createProgress } = await import('../../analysis/progress.js');
      const { loadResults } = await import('../../report/data.js');
      const { chartSpecs, ccLabel, settingLines } = await import('../../report/specs.js');
      const { writeCharts } = await import('../../report/render.js');
      const { writeReport } = await import('../../report/html.js');
      const { onInterrupt } = await import('../../results/cleanup.js');
      const jobs = parseJobs(opts.jobs, (l) => void process.stderr.write(`${l}\n`));
      const aqmOut = opts.aqmOut ?? join(dirname(opts.out), 'brutal-aqm');
      if (resolve(aqmOut) === resolve(opts.out)) throw new InputError(`--aqm-out: ${aqmOut} is the headline study's folder (--out); give each study its own`);
      const have = simulatedCcNames() as string[];
      const log = (l: string) => void process.stderr.write(`${l}\n`);

      /** Run one study into `out`, print its summary, write its charts and report. */
      const study = async (file: string, doc: Record<string, unknown>, out: string, print: (s: SweepSummary) => string) => {
        const name = basename(file).replace(/\.ya?ml$/, '');
        const progress = resumableProgress(createProgress({ label: name }), onInterrupt);
        const outcome = await runSweep(doc, name, relative(process.cwd(), file) || file, { jobs, out, force: opts.force, progress, log, command: 'cclab demo' });
        process.stdout.write(sweepReport(outcome));
        process.stdout.write(`\n${print(outcome.summary)}\n`);
        const res = loadResults(outcome.dir);
        const specs = chartSpecs(res);
        writeCharts(outcome.dir, specs);
        const report = writeReport(res, specs);
        process.stdout.write(`charts: ${join(outcome.dir, 'charts')} (${specs.length} charts, PNG and SVG)\n`);
        process.stdout.write(`report: ${report}\n`);
        if (outcome.meta.points.failed > 0) process.exitCode = 1;
      };

      const headline = readScenarioDoc(HEADLINE_SCENARIO);
      // run the study with the congestion controls the simulator has
      const sweep = headline.sweep as Record<string, unknown[]>;
      const wanted = sweep['flows[0].cc'] as string[];
      const ccs = wanted.filter((c) => have.includes(c));
      if (ccs.length < wanted.length) {
        const missing = wanted.filter((c) => !have.includes(c));
        process.stderr.write(`cclab demo: ${missing.join(', ')} not in the simulator yet; running the study with ${ccs.length ? ccs.join(', ') : 'reno'}\n`);
      }
      sweep['flows[0].cc'] = ccs.length ? ccs : ['reno'];
      await study(HEADLINE_SCENARIO, headline, opts.out, (s) => headlineTable(s, ccLabel));

      const missing = ['brutal', 'cubic'].filter((c) => !have.includes(c));
      if (missing.length > 0) {
        process.stderr.write(`cclab demo: ${missing.join(', ')} not in the simulator yet; the Brutal-under-AQM study is left out\n`);
        return;
      }
      process.stdout.write('\n');
      const setting = (params: string[], rows: SweepSummary['rows']) => {
        const flows = new Set(rows.map((r) => r.group)).size;
        return settingLines(params, rows[0]!, flows).join(', ').replace(/\u00a0/g, ' ');
      };
      await study(AQM_SCENARIO, readScenarioDoc(AQM_SCENARIO), aqmOut, (s) => aqmTable(s, setting));
    });
}
