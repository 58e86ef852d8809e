/**
 * The Slurm job array of a sharded sweep (`cclab sweep --emit slurm`):
 *
 *   <out>/slurm/shards.sbatch   #SBATCH --array=0-(N-1)%P; task i runs
 *                               `cclab sweep <scenario> --out <out> --shard i/N`
 *   <out>/slurm/collect.sbatch  `cclab sweep <scenario> --out <out> --collect`,
 *                               submitted with --dependency=afterany:<array job>
 *   <out>/slurm/logs/           one log per task (shard-<i>.out) and for collect
 *
 * Paths in the scripts are absolute: the sweep folder and cclab itself must
 * be on a file system every node sees at the same path (the usual $HOME or
 * project space). Slurm does not retry a task that fails; `--collect` lists
 * the indices to resubmit (`sbatch --array=3,17 shards.sbatch`: the command
 * line's --array overrides the script's).
 */
import { InputError } from '../scenario/errors.js';

export const SLURM_DIR = 'slurm';
export const SLURM_SHARDS_FILE = 'shards.sbatch';
export const SLURM_COLLECT_FILE = 'collect.sbatch';
export const SLURM_LOGS_DIR = 'logs';

export interface SlurmOptions {
  /** #SBATCH --partition. */
  partition?: string;
  /** #SBATCH --time, as Slurm writes it: minutes, [days-]hours:minutes:seconds... */
  time?: string;
  /** #SBATCH --mem (per node), e.g. 4G. */
  mem?: string;
  /** Worker threads per array task (#SBATCH --cpus-per-task; cclab's --jobs follows SLURM_CPUS_PER_TASK). */
  cpusPerTask: number;
  /** Tasks running at once (the %P of --array). */
  parallel: number;
  /** More #SBATCH lines, each an sbatch option (--account=x, --qos=y). */
  extra: string[];
}

export interface SlurmJob {
  name: string;
  /** Absolute sweep folder. */
  dir: string;
  shards: number;
  /** The command that runs cclab, as argv (node and main.js, absolute). */
  cclab: string[];
  /** Arguments after `cclab`: sweep <scenario> --set ... --out <dir> [backend options]. */
  sweepArgs: string[];
}

/** Quote a word for bash (single quotes unless it is plain). */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

const TIME = /^(\d+-\d+(:\d+){0,2}|\d+(:\d+){0,2})$/;

/** Check the Slurm options, one line naming the field for the first bad one. */
export function checkSlurmOptions(o: SlurmOptions): void {
  if (o.partition !== undefined && !/^[A-Za-z0-9_.,-]+$/.test(o.partition)) throw new InputError(`--partition: expected a Slurm partition name (letters, digits, _ . , -), got "${o.partition}"`);
  if (o.time !== undefined && !TIME.test(o.time)) throw new InputError(`--time: expected a Slurm time limit (minutes, hours:minutes:seconds or days-hours[:minutes[:seconds]], e.g. 2:00:00), got "${o.time}"`);
  if (o.mem !== undefined && !/^\d+[KMGT]?$/.test(o.mem)) throw new InputError(`--mem: expected a size as sbatch writes it (e.g. 4G, 500M), got "${o.mem}"`);
  for (const e of o.extra) {
    if (!/^--?[A-Za-z]/.test(e) || /[\n\r#]/.test(e)) throw new InputError(`--sbatch: expected one sbatch option such as --account=lab or --qos=short, got "${e}"`);
  }
}

function header(job: SlurmJob, o: SlurmOptions, what: string, lines: string[]): string {
  const sb = [
    ...lines,
    ...(o.partition !== undefined ? [`--partition=${o.partition}`] : []),
    ...(o.time !== undefined ? [`--time=${o.time}`] : []),
    ...(o.mem !== undefined ? [`--mem=${o.mem}`] : []),
    ...o.extra,
  ];
  return ['#!/bin/bash', `# ${what} (written by cclab sweep --emit slurm)`, ...sb.map((l) => `#SBATCH ${l}`), 'set -euo pipefail', ''].join('\n');
}

/** The array script: task i runs shard i of N. */
export function shardsScript(job: SlurmJob, o: SlurmOptions): string {
  const logs = `${job.dir}/${SLURM_DIR}/${SLURM_LOGS_DIR}`;
  const head = header(job, o, `cclab sweep ${job.name}: ${job.shards} shards, ${o.parallel} at a time`, [
    `--job-name=cclab-${job.name}`,
    `--array=0-${job.shards - 1}%${o.parallel}`,
    `--cpus-per-task=${o.cpusPerTask}`,
    `--output=${logs}/shard-%a.out`,
  ]);
  const cmd = [...job.cclab, ...job.sweepArgs].map(shellQuote).join(' ');
  return `${head}exec ${cmd} --shard "\${SLURM_ARRAY_TASK_ID}/${job.shards}"\n`;
}

/** The collect job: aggregates once the array has ended (afterany), exits 1 listing what is missing. */
export function collectScript(job: SlurmJob, o: SlurmOptions): string {
  const logs = `${job.dir}/${SLURM_DIR}/${SLURM_LOGS_DIR}`;
  const head = header(job, { ...o }, `cclab sweep ${job.name}: collect the ${job.shards} shards`, [`--job-name=cclab-${job.name}-collect`, '--cpus-per-task=1', `--output=${logs}/collect-%j.out`]);
  const cmd = [...job.cclab, ...job.sweepArgs].map(shellQuote).join(' ');
  return `${head}exec ${cmd} --collect\n`;
}
