/**
 * `cclab sweep <scenario> [--jobs N] [--set path=value]... [--out dir] [--force]`
 */
import type { Command } from 'commander';
import { addBackendOptions, parseBackendOptions, type BackendCliOptions } from '../backend-options.js';
import { join } from 'node:path';
import { InputError } from '../../scenario/errors.js';
import type { SweepOutcome } from '../../analysis/sweep.js';
import type { Progress } from '../../analysis/progress.js';
import { availableParallelism } from 'node:os';
import { collect } from '../backend-options.js';

export interface SweepCliOptions extends BackendCliOptions {
  set: string[];
  out?: string;
  results: string;
  jobs?: string;
  force?: boolean;
  maxPoints?: string;
}

/** Most --jobs accepted at all (each worker thread holds a simulator: ~50-100 MB). */
export const MAX_JOBS = 1024;

/** Parse --jobs: a whole number >= 1; above the core count it warns (one line on stderr). */
export function parseJobs(v: string | undefined, warn: (line: string) => void = () => {}): number {
  if (v === undefined) return availableParallelism();
  if (!/^\s*\d+\s*$/.test(v) || Number(v) < 1 || Number(v) > MAX_JOBS) throw new InputError(`--jobs: expected a whole number from 1 to ${MAX_JOBS}, got "${v}"`);
  const jobs = Number(v);
  const cores = availableParallelism();
  if (jobs > cores) warn(`warning: --jobs ${jobs} is more than the ${cores} cores here: the sweep gets no faster and takes more memory`);
  return jobs;
}

/** Parse --max-points: a whole number >= 1. */
export function parseMaxPoints(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\s*\d+\s*$/.test(v) || Number(v) < 1 || !Number.isSafeInteger(Number(v))) throw new InputError(`--max-points: expected a whole number of at least 1, got "${v}"`);
  return Number(v);
}

/** Every failed point, listed: one line per distinct error with the points that had it. */
export function failureLines(failures: readonly { key: string; error: string }[]): string[] {
  const byError = new Map<string, string[]>();
  for (const f of failures) {
    const k = f.error.split('\n')[0]!;
    byError.set(k, [...(byError.get(k) ?? []), f.key]);
  }
  return [...byError].map(([error, keys]) => (keys.length === 1 ? `failed: ${keys[0]}: ${error}` : `failed (${keys.length} points): ${error}: ${keys.join(', ')}`));
}

/** The lines printed after a sweep. */
export function sweepReport(o: SweepOutcome): string {
  const p = o.meta.points;
  const lines = [
    `sweep ${o.plan.name}: ${o.plan.combos.length} combinations × ${o.plan.seeds.length} seed${o.plan.seeds.length > 1 ? 's' : ''}` +
      `${p.solo ? ` + ${p.solo} solo baselines` : ''} = ${p.total} runs; ran ${p.ran}, skipped ${p.skipped} already done, ${p.failed} failed` +
      ` (${o.meta.wallSeconds.toFixed(1)} s, ${o.meta.jobs} job${o.meta.jobs > 1 ? 's' : ''})`,
    o.writeError ? `summary: not written (${o.writeError.message})` : `summary: ${join(o.dir, 'summary.csv')}`,
  ];
  lines.push(...failureLines(o.meta.failures));
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
    .option('--force', 'recompute points that are already done')
    .option('--max-points <n>', 'allow a sweep of more than 100000 points');
  addBackendOptions(cmd, 'deadline for each batch of points (the VM is killed then)').action(async (file: string, opts: SweepCliOptions) => {
    const b = parseBackendOptions(opts);
    const { runSweepFile } = await import('../../analysis/sweep.js');
    const { createProgress } = await import('../../analysis/progress.js');
    const { onInterrupt } = await import('../../results/cleanup.js');
    const log = (l: string) => void process.stderr.write(`${l}\n`);
    const jobs = parseJobs(opts.jobs, log);
    const maxPoints = parseMaxPoints(opts.maxPoints);
    const progress = resumableProgress(createProgress(), onInterrupt);
    const outcome = await runSweepFile(file, opts.set, {
      jobs,
      out: opts.out,
      results: opts.results,
      force: opts.force,
      progress,
      log,
      command: `cclab sweep ${process.argv.slice(3).join(' ')}`.trim(),
      ...(maxPoints !== undefined ? { maxPoints } : {}),
      backend: b.backend,
      ...(b.backend === 'kernel'
        ? { kernel: { target: b.target, modules: b.modules, ...(b.timeoutS ? { timeoutS: b.timeoutS } : {}), log } }
        : {}),
    });
    process.stdout.write(sweepReport(outcome));
    if (outcome.writeError || outcome.meta.points.failed > 0) process.exitCode = 1;
  });
}

/**
 * A sweep's progress bar that also counts the points kept (done at the
 * start and finished since), so that Ctrl-C reports them and how to resume.
 */
export function resumableProgress(inner: Progress, onInterrupt: (fn: () => string) => void): Progress {
  let kept = 0;
  onInterrupt(() => {
    inner.stop();
    return `interrupted: ${kept} point${kept === 1 ? '' : 's'} kept, resume with the same command`;
  });
  return {
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
}
