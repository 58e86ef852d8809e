/**
 * `cclab sweep <scenario> [--jobs N] [--set path=value]... [--out dir] [--force]`
 */
import type { Command } from 'commander';
import { addBackendOptions, parseBackendOptions, type BackendCliOptions } from '../backend-options.js';
import { join } from 'node:path';
import { InputError } from '../../scenario/errors.js';
import type { SweepOutcome } from '../../analysis/sweep.js';
import { availableParallelism } from 'node:os';
import { collect } from '../backend-options.js';

export interface SweepCliOptions extends BackendCliOptions {
  set: string[];
  out?: string;
  results: string;
  jobs?: string;
  force?: boolean;
}

/** Parse --jobs: a whole number >= 1. */
export function parseJobs(v: string | undefined): number {
  if (v === undefined) return availableParallelism();
  if (!/^\s*\d+\s*$/.test(v) || Number(v) < 1) throw new InputError(`--jobs: expected a whole number of at least 1, got "${v}"`);
  return Number(v);
}

/** The lines printed after a sweep. */
export function sweepReport(o: SweepOutcome): string {
  const p = o.meta.points;
  const lines = [
    `sweep ${o.plan.name}: ${o.plan.combos.length} combinations × ${o.plan.seeds.length} seed${o.plan.seeds.length > 1 ? 's' : ''}` +
      `${p.solo ? ` + ${p.solo} solo baselines` : ''} = ${p.total} runs; ran ${p.ran}, skipped ${p.skipped} already done, ${p.failed} failed` +
      ` (${o.meta.wallSeconds.toFixed(1)} s, ${o.meta.jobs} job${o.meta.jobs > 1 ? 's' : ''})`,
    `summary: ${join(o.dir, 'summary.csv')}`,
  ];
  for (const f of o.meta.failures.slice(0, 5)) lines.push(`failed: ${f.key}: ${f.error}`);
  if (o.meta.failures.length > 5) lines.push(`... and ${o.meta.failures.length - 5} more failures, see ${join(o.dir, 'meta.json')}`);
  return `${lines.join('\n')}\n`;
}

export function registerSweep(program: Command): void {
  const cmd = program
    .command('sweep')
    .description('run every point of a scenario\'s sweep (in parallel, resumable) and write summary.csv / summary.json')
    .argument('<scenario>', 'scenario file with sweep: (and optionally zip:, seeds:, harm:)')
    .option('--jobs <n>', 'worker threads (default: number of cores)')
    .option('--set <path=value>', 'override a scenario field, or a sweep list with sweep.<path>=[...] (repeatable)', collect, [])
    .option('--out <dir>', 'sweep directory (default: results/<scenario>)')
    .option('--results <dir>', 'results root for the default sweep directory', 'results')
    .option('--force', 'recompute points that are already done');
  addBackendOptions(cmd, 'deadline for each batch of points (the VM is killed then)').action(async (file: string, opts: SweepCliOptions) => {
    const b = parseBackendOptions(opts);
    const { runSweepFile } = await import('../../analysis/sweep.js');
    const { createProgress } = await import('../../analysis/progress.js');
    const jobs = parseJobs(opts.jobs);
    const progress = createProgress();
    const onSignal = () => {
      progress.stop();
      process.stderr.write('\ncclab: sweep interrupted; finished points are kept, run the same command again to resume\n');
      process.exit(130);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const outcome = await runSweepFile(file, opts.set, {
      jobs,
      out: opts.out,
      results: opts.results,
      force: opts.force,
      progress,
      backend: b.backend,
      ...(b.backend === 'kernel'
        ? { kernel: { target: b.target, modules: b.modules, ...(b.timeoutS ? { timeoutS: b.timeoutS } : {}), log: (l: string) => process.stderr.write(`${l}\n`) } }
        : {}),
    });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.stdout.write(sweepReport(outcome));
    if (outcome.meta.points.failed > 0) process.exitCode = 1;
  });
}
