/**
 * `cclab sweep <scenario> [--jobs N] [--set path=value]... [--out dir] [--force]`
 *
 * Beyond one machine (docs/scale-out.md):
 *   --shard i/N            run shard i of N into the shared --out (no summary)
 *   --collect              aggregate a sharded sweep, list what is missing
 *   --emit slurm|k8s       write a Slurm job array or a Kubernetes Indexed Job
 *   [--submit]             (Slurm) and submit it with its collect job
 */
import type { Command } from 'commander';
import { addBackendOptions, parseBackendOptions, type BackendCliOptions } from '../backend-options.js';
import { join } from 'node:path';
import { InputError } from '../../scenario/errors.js';
import type { SweepOutcome } from '../../analysis/sweep.js';
import type { Progress } from '../../analysis/progress.js';
import { availableParallelism } from 'node:os';
import { allocatedCpus } from '../../analysis/cpus.js';
import { collect } from '../backend-options.js';
import { CCLAB_VERSION } from '../../results/version.js';

export interface SweepCliOptions extends BackendCliOptions {
  set: string[];
  out?: string;
  results: string;
  jobs?: string;
  force?: boolean;
  maxPoints?: string;
  shard?: string;
  collect?: boolean;
  emit?: string;
  submit?: boolean;
  shards?: string;
  parallel?: string;
  cpusPerTask?: string;
  partition?: string;
  time?: string;
  mem?: string;
  sbatch: string[];
  image?: string;
  claim: string;
  backoffPerIndex: string;
  format?: string;
}

/** Most --jobs accepted at all (each worker thread holds a simulator: ~50-100 MB). */
export const MAX_JOBS = 1024;

/**
 * Parse --jobs: a whole number >= 1; above the core count it warns (one line
 * on stderr). Default: the CPUs the scheduler allocated (SLURM_CPUS_PER_TASK,
 * the container's CPU limit), else the cores (analysis/cpus.ts).
 */
export function parseJobs(v: string | undefined, warn: (line: string) => void = () => {}): number {
  if (v === undefined) return allocatedCpus().jobs;
  if (!/^\s*\d+\s*$/.test(v) || Number(v) < 1 || Number(v) > MAX_JOBS) throw new InputError(`--jobs: expected a whole number from 1 to ${MAX_JOBS}, got "${v}"`);
  const jobs = Number(v);
  const cores = availableParallelism();
  if (jobs > cores) warn(`warning: --jobs ${jobs} is more than the ${cores} cores here: the sweep gets no faster and takes more memory`);
  return jobs;
}

/** A whole number option from `min` up, or undefined when not given. */
export function parseCount(flag: string, v: string | undefined, min = 1): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\s*\d+\s*$/.test(v) || Number(v) < min || !Number.isSafeInteger(Number(v))) throw new InputError(`${flag}: expected a whole number of at least ${min}, got "${v}"`);
  return Number(v);
}

/** Which of the sweep's modes the options ask for; one line for a combination that makes no sense. */
export function sweepMode(o: SweepCliOptions): 'run' | 'shard' | 'collect' | 'emit' {
  const modes = [o.shard !== undefined ? '--shard' : null, o.collect ? '--collect' : null, o.emit !== undefined ? '--emit' : null].filter((m) => m !== null);
  if (modes.length > 1) throw new InputError(`${modes[1]}: not with ${modes[0]} (one of --shard, --collect, --emit at a time)`);
  if (o.emit !== undefined && o.emit !== 'slurm' && o.emit !== 'k8s') throw new InputError(`--emit: expected slurm or k8s, got "${o.emit}"`);
  if (o.submit && o.emit === undefined) throw new InputError('--submit: only with --emit slurm');
  if (o.collect && o.force) throw new InputError('--force: not with --collect (collect never runs a point)');
  if (o.emit === undefined) {
    const only = (['shards', 'parallel', 'cpusPerTask', 'partition', 'time', 'mem', 'image'] as const).find((k) => o[k] !== undefined) ?? (o.sbatch.length ? 'sbatch' : undefined);
    if (only) throw new InputError(`--${only.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: only with --emit slurm or --emit k8s`);
  }
  return modes[0] === '--shard' ? 'shard' : modes[0] === '--collect' ? 'collect' : modes[0] === '--emit' ? 'emit' : 'run';
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
    .option('--jobs <n>', 'worker threads (default: SLURM_CPUS_PER_TASK, else the container CPU limit, else the number of cores)')
    .option('--set <path=value>', 'override a scenario field, or a sweep list with sweep.<path>=[...] (repeatable)', collect, [])
    .option('--out <dir>', 'sweep directory (default: results/<scenario>)')
    .option('--results <dir>', 'results root for the default sweep directory', 'results')
    .option('--force', 'recompute points that are already done')
    .option('--max-points <n>', 'allow a sweep of more than 100000 points')
    .option('--shard <i/N>', 'run only shard i of N (0-based) into the shared --out; writes shards/<i>-of-<N>.json, not the summary')
    .option('--collect', 'aggregate a sharded sweep (runs no point); exit 1 listing missing points and the shards to resubmit')
    .option('--emit <kind>', 'slurm: write a job array + collect job; k8s: an Indexed Job + Dockerfile (docs/scale-out.md)')
    .option('--submit', 'with --emit slurm: submit the array and its collect job (sbatch)')
    .option('--shards <n>', 'with --emit: number of shards (default: about 4 points per CPU, at most 1000)')
    .option('--parallel <n>', 'with --emit: shards running at once (default: all)')
    .option('--cpus-per-task <n>', 'with --emit: CPUs (worker threads) per shard (default 1)')
    .option('--partition <name>', 'with --emit slurm: #SBATCH --partition')
    .option('--time <limit>', 'with --emit slurm: #SBATCH --time (e.g. 2:00:00)')
    .option('--mem <size>', 'with --emit: memory per shard (slurm: 4G; k8s: 4Gi)')
    .option('--sbatch <option>', 'with --emit slurm: one more #SBATCH line, e.g. --account=lab (repeatable)', collect, [])
    .option('--image <ref>', 'with --emit k8s: the cclab image the pods run', `cclab:${CCLAB_VERSION}`)
    .option('--claim <name>', 'with --emit k8s: the PersistentVolumeClaim of the results (ReadWriteMany)', 'cclab-results')
    .option('--backoff-per-index <n>', 'with --emit k8s: retries of a failed index', '1')
    .option('--format <kind>', 'the closing table of the main metrics per swept value and CC: text (default), csv, json or markdown (csv and json alone on stdout)');
  addBackendOptions(cmd, 'deadline for each batch of points (the VM is killed then)').action(async (file: string, opts: SweepCliOptions) => {
    const mode = sweepMode({ ...opts, image: opts.image === `cclab:${CCLAB_VERSION}` ? undefined : opts.image });
    const { parseTableFormat, sweepTable } = await import('../sweep-table.js');
    const format = parseTableFormat(opts.format);
    if (opts.format !== undefined && mode !== 'run' && mode !== 'collect') throw new InputError(`--format: only for a sweep that writes its summary (not with --${mode})`);
    const b = parseBackendOptions(opts);
    const { runSweepFile, runShardFile, readSweepFile } = await import('../../analysis/sweep.js');
    const { createProgress } = await import('../../analysis/progress.js');
    const { onInterrupt } = await import('../../results/cleanup.js');
    const log = (l: string) => void process.stderr.write(`${l}\n`);
    const maxPoints = parseMaxPoints(opts.maxPoints);
    const common = {
      out: opts.out,
      results: opts.results,
      log,
      command: `cclab sweep ${process.argv.slice(3).join(' ')}`.trim(),
      ...(maxPoints !== undefined ? { maxPoints } : {}),
      backend: b.backend,
      ...(b.backend === 'kernel'
        ? { kernel: { target: b.target, modules: b.modules, ...(b.timeoutS ? { timeoutS: b.timeoutS } : {}), log } }
        : {}),
    };
    if (mode === 'emit') {
      const { emitSweepFile, emitReport } = await import('../../analysis/emit.js');
      const e = await emitSweepFile(file, {
        ...common,
        kind: opts.emit as 'slurm' | 'k8s',
        sets: opts.set,
        ...optional('shards', parseCount('--shards', opts.shards)),
        ...optional('parallel', parseCount('--parallel', opts.parallel)),
        ...optional('cpusPerTask', parseCount('--cpus-per-task', opts.cpusPerTask)),
        submit: Boolean(opts.submit),
        slurm: { extra: opts.sbatch, ...optional('partition', opts.partition), ...optional('time', opts.time), ...optional('mem', opts.mem) },
        k8s: { image: opts.image ?? `cclab:${CCLAB_VERSION}`, claim: opts.claim, backoffPerIndex: parseCount('--backoff-per-index', opts.backoffPerIndex, 0)!, ...optional('mem', opts.mem) },
      });
      process.stdout.write(emitReport(e));
      return;
    }
    if (mode === 'collect') {
      const { collectSweep, collectReport, rerunCommand } = await import('../../analysis/collect.js');
      const { shellQuote } = await import('../../analysis/slurm.js');
      const { doc, name, notes } = readSweepFile(file, opts.set);
      for (const n of notes) log(`note: ${n}`);
      const o = await collectSweep(doc, name, file, common);
      const backend = b.backend === 'kernel' ? ['--backend', 'kernel', '--target', b.target, ...b.modules.flatMap((m) => ['--module', m])] : [];
      const again = (i: number) => ['cclab', 'sweep', file, ...opts.set.flatMap((x) => ['--set', x]), '--out', o.dir, ...backend, '--shard', `${i}/${o.shards}`].map(shellQuote).join(' ');
      const machine = format === 'csv' || format === 'json';
      (machine ? process.stderr : process.stdout).write(collectReport(o, rerunCommand(o.dir, again)));
      if (o.summary && o.missing.length === 0) process.stdout.write(`${machine ? '' : '\n'}${sweepTable(o.summary, format)}`);
      if (o.writeError || o.missing.length > 0) process.exitCode = 1;
      return;
    }
    const jobs = parseJobs(opts.jobs, log);
    const progress = resumableProgress(createProgress(mode === 'shard' ? { label: `shard ${opts.shard}` } : {}), onInterrupt);
    if (mode === 'shard') {
      const { parseShard } = await import('../../analysis/shard.js');
      const shard = parseShard(opts.shard!);
      const o = await runShardFile(file, opts.set, shard, { ...common, jobs, force: opts.force, progress });
      const r = o.record;
      process.stdout.write(
        `${[
          `shard ${r.shard}/${r.of} of ${o.plan.name}: ${r.points.length} of ${o.plan.points.length} points; ran ${r.ran}, skipped ${r.skipped} already done, ${r.failed} failed (${r.wallSeconds.toFixed(1)} s, ${r.jobs} job${r.jobs > 1 ? 's' : ''})`,
          o.writeError ? `shard record: not written (${o.writeError.message})` : `shard record: ${join(o.dir, 'shards', `${r.shard}-of-${r.of}.json`)}`,
          ...failureLines(r.failures),
        ].join('\n')}\n`,
      );
      if (o.writeError || r.failed > 0) process.exitCode = 1;
      return;
    }
    const outcome = await runSweepFile(file, opts.set, { ...common, jobs, force: opts.force, progress });
    // the report's lines, then the table of results (csv and json alone on stdout, for a pipe)
    const machine = format === 'csv' || format === 'json';
    (machine ? process.stderr : process.stdout).write(sweepReport(outcome));
    if (outcome.summary.rows.length > 0) process.stdout.write(`${machine ? '' : '\n'}${sweepTable(outcome.summary, format)}`);
    if (outcome.writeError || outcome.meta.points.failed > 0) process.exitCode = 1;
  });
}

/** `{ key: value }` when value is defined, else `{}` (exactOptionalPropertyTypes). */
function optional<K extends string, V>(key: K, value: V | undefined): { [k in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [k in K]?: V });
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
