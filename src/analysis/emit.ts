/**
 * `cclab sweep <scenario> --emit slurm|k8s`: prepare a sharded sweep for a
 * scheduler. Plans the sweep, claims its folder, pins the plan, the shard
 * count and this cclab's build in sweep.json (a shard made by another build
 * refuses), and writes the job files (slurm.ts, k8s.ts). With `--submit`
 * (Slurm) it also submits the array and the collect job.
 */
import { chmodSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { execa } from 'execa';
import { InputError } from '../scenario/errors.js';
import { ioError, writeFileAtomic } from '../results/io.js';
import { workerDistDir } from './runner.js';
import { acquireLock } from '../results/lock.js';
import { CCLAB_VERSION } from '../results/version.js';
import { planSweepAsync, type SweepPlan } from './plan.js';
import { defaultShardCount } from './shard.js';
import { checkImplemented, claimSweepDir, pointMaker, readSweepFile, SWEEP_PLAN_FILE, sweepPlanJson, type SweepOptions } from './sweep.js';
import { checkSlurmOptions, collectScript, shardsScript, shellQuote, SLURM_COLLECT_FILE, SLURM_DIR, SLURM_LOGS_DIR, SLURM_SHARDS_FILE, type SlurmJob, type SlurmOptions } from './slurm.js';
import { checkK8sOptions, collectJob, dockerfile, indexedJob, K8S_COLLECT_FILE, K8S_DIR, K8S_DOCKERFILE, K8S_JOB_FILE, K8S_MOUNT, k8sName, manifestYaml, type K8sOptions } from './k8s.js';

export type EmitKind = 'slurm' | 'k8s';

export interface EmitOptions extends SweepOptions {
  kind: EmitKind;
  /** Shards (array tasks, Job indices); default: defaultShardCount. */
  shards?: number;
  /** Tasks at once (default: all). */
  parallel?: number;
  cpusPerTask?: number;
  /** --set overrides, repeated on every shard's command line (Slurm). */
  sets?: readonly string[];
  slurm?: Omit<SlurmOptions, 'cpusPerTask' | 'parallel'>;
  k8s?: Omit<K8sOptions, 'cpusPerTask' | 'parallel'>;
  /** Slurm: submit the array and the collect job (sbatch). */
  submit?: boolean;
}

export interface EmitOutcome {
  dir: string;
  plan: SweepPlan;
  shards: number;
  simulator: string;
  /** Files written, absolute. */
  files: string[];
  /** Commands to run next, one per line. */
  commands: string[];
  /** Slurm job ids when submitted. */
  submitted: { array: string; collect: string } | null;
}

/** The command that runs this cclab: node and the CLI's main.js, absolute. */
export function cclabArgv(): string[] {
  return [process.execPath, join(workerDistDir(), 'cli', 'main.js')];
}

/** The cclab source tree the running build came from (the folder with package.json). */
export function cclabRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

function backendArgs(o: SweepOptions): string[] {
  if (o.backend !== 'kernel') return [];
  const k = o.kernel ?? { target: 'vm' };
  return ['--backend', 'kernel', '--target', k.target, ...(k.modules ?? []).flatMap((m) => ['--module', resolve(m)]), ...(k.timeoutS !== undefined ? ['--timeout', String(k.timeoutS)] : [])];
}

/** Write a file (mode 755 for scripts). */
function put(file: string, text: string, files: string[], exec = false): void {
  writeFileAtomic(file, text);
  if (exec) chmodSync(file, 0o755);
  files.push(file);
}

/** Submit the array, then the collect job after it (afterany: also when tasks failed). */
export async function submitSlurm(shardsFile: string, collectFile: string): Promise<{ array: string; collect: string }> {
  const sbatch = async (args: string[]) => {
    try {
      const r = await execa('sbatch', ['--parsable', ...args]);
      return r.stdout.trim().split(';')[0]!;
    } catch (e) {
      const err = e as { code?: string; stderr?: string; message: string };
      if (err.code === 'ENOENT') throw new InputError('--submit: sbatch not found (is this a Slurm login node?); submit the printed commands where Slurm is');
      throw new InputError(`--submit: sbatch failed: ${(err.stderr ?? err.message).trim().split('\n')[0]}`);
    }
  };
  const array = await sbatch([shardsFile]);
  const collect = await sbatch([`--dependency=afterany:${array}`, collectFile]);
  return { array, collect };
}

/** Emit (and maybe submit) a sharded sweep of a scenario file. */
export async function emitSweepFile(file: string, o: EmitOptions): Promise<EmitOutcome> {
  const sets = o.sets ?? [];
  const { doc, name, notes } = readSweepFile(file, sets);
  for (const n of notes) o.log?.(`note: ${n}`);
  const plan = await planSweepAsync(doc, name, { ...(o.maxPoints !== undefined ? { maxPoints: o.maxPoints } : {}), baseDir: dirname(file) });
  if (o.backend !== 'kernel') checkImplemented(plan);
  const cpus = o.cpusPerTask ?? 1;
  const shards = o.shards ?? defaultShardCount(plan.points.length, cpus);
  if (shards > plan.points.length) throw new InputError(`--shards: at most the number of points (${plan.points.length}), got ${shards}`);
  const parallel = Math.min(o.parallel ?? shards, shards);
  if (o.kind === 'slurm') checkSlurmOptions({ ...(o.slurm ?? { extra: [] }), cpusPerTask: cpus, parallel });
  if (o.kind === 'k8s') checkK8sOptions({ ...o.k8s!, cpusPerTask: cpus, parallel });
  if (o.submit && o.kind !== 'slurm') throw new InputError('--submit: only with --emit slurm (apply the k8s manifests with kubectl)');

  const dir = resolve(o.out ?? join(o.results ?? 'results', plan.name));
  const backend = o.backend === 'kernel' ? 'kernel' : 'sim';
  claimSweepDir(dir, backend, o.log ?? (() => {}));
  const release = acquireLock(dir, o.command ?? `cclab sweep --emit ${o.kind} ${file}`);
  const files: string[] = [];
  const commands: string[] = [];
  let submitted: EmitOutcome['submitted'] = null;
  const simulator = pointMaker(o);
  try {
    put(join(dir, 'scenario.yaml'), YAML.stringify(doc), files);
    put(join(dir, SWEEP_PLAN_FILE), sweepPlanJson(plan, simulator, { shards, emitted: { kind: o.kind, cclabVersion: CCLAB_VERSION } }), files);
    if (o.kind === 'slurm') {
      const so: SlurmOptions = { ...(o.slurm ?? { extra: [] }), cpusPerTask: cpus, parallel };
      const job: SlurmJob = {
        name: plan.name,
        dir,
        shards,
        cclab: cclabArgv(),
        sweepArgs: ['sweep', resolve(file), ...sets.flatMap((s) => ['--set', s]), '--out', dir, ...backendArgs(o), ...(o.maxPoints !== undefined ? ['--max-points', String(o.maxPoints)] : [])],
      };
      const sdir = join(dir, SLURM_DIR);
      try {
        mkdirSync(join(sdir, SLURM_LOGS_DIR), { recursive: true });
      } catch (e) {
        throw ioError(e, join(sdir, SLURM_LOGS_DIR));
      }
      const shardsFile = join(sdir, SLURM_SHARDS_FILE);
      const collectFile = join(sdir, SLURM_COLLECT_FILE);
      put(shardsFile, shardsScript(job, so), files, true);
      put(collectFile, collectScript(job, so), files, true);
      commands.push(`jid=$(sbatch --parsable ${shellQuote(shardsFile)})`, `sbatch --dependency=afterany:$jid ${shellQuote(collectFile)}`);
      if (o.submit) submitted = await submitSlurm(shardsFile, collectFile);
    } else {
      const ko: K8sOptions = { ...o.k8s!, cpusPerTask: cpus, parallel };
      const kdir = join(dir, K8S_DIR);
      const podDir = `${K8S_MOUNT}/${plan.name}`;
      const scenario = `${plan.name}.yaml`;
      const job = { name: plan.name, shards, sweepArgs: [`${podDir}/${K8S_DIR}/${scenario}`, '--out', podDir, ...(o.maxPoints !== undefined ? ['--max-points', String(o.maxPoints)] : [])] };
      if (o.backend === 'kernel') throw new InputError('--emit k8s: only the simulator backend (a pod cannot boot the kernel VM here); use --emit slurm for kernel sweeps');
      put(join(kdir, scenario), YAML.stringify({ ...doc, name: plan.name }), files);
      put(join(kdir, K8S_JOB_FILE), manifestYaml(indexedJob(job, ko), `cclab sweep ${plan.name}: ${shards} shards, ${parallel} pods at a time`), files);
      put(join(kdir, K8S_COLLECT_FILE), manifestYaml(collectJob(job, ko), `cclab sweep ${plan.name}: collect (apply when ${k8sName(plan.name)} has finished)`), files);
      put(join(kdir, K8S_DOCKERFILE), dockerfile(simulator, Number(process.versions.node.split('.')[0])), files);
      commands.push(
        `docker build -f ${shellQuote(join(kdir, K8S_DOCKERFILE))} -t ${ko.image} ${shellQuote(cclabRoot())}   # then push ${ko.image}`,
        `# copy ${dir} into the volume claim ${ko.claim} as ${plan.name}/ (it is mounted at ${K8S_MOUNT})`,
        `kubectl apply -f ${shellQuote(join(kdir, K8S_JOB_FILE))}`,
        `kubectl wait --for=condition=complete --timeout=-1s job/${k8sName(plan.name)}   # or condition=failed when an index keeps failing`,
        `kubectl apply -f ${shellQuote(join(kdir, K8S_COLLECT_FILE))}`,
      );
    }
  } finally {
    release();
  }
  return { dir, plan, shards, simulator, files, commands, submitted };
}

/** The lines `--emit` prints. */
export function emitReport(e: EmitOutcome): string {
  const lines = [
    `sweep ${e.plan.name}: ${e.plan.points.length} points in ${e.shards} shards (about ${Math.ceil(e.plan.points.length / e.shards)} points each), simulator ${e.simulator} pinned in ${join(e.dir, SWEEP_PLAN_FILE)}`,
    ...e.files.filter((f) => !f.endsWith(SWEEP_PLAN_FILE) && !f.endsWith('scenario.yaml')).map((f) => `wrote ${f}`),
  ];
  if (e.submitted) lines.push(`submitted: array job ${e.submitted.array} (${e.shards} tasks), collect job ${e.submitted.collect} (afterany:${e.submitted.array})`);
  else lines.push('next:', ...e.commands.map((c) => `  ${c}`));
  return `${lines.join('\n')}\n`;
}
