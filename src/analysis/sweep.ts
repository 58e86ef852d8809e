/**
 * A sweep from start to end: plan the points, skip the finished ones, run the
 * rest on worker threads (each written atomically as it finishes), then
 * write the statistics.
 *
 * Layout of a sweep directory (default results/<scenario>/):
 *   scenario.yaml   the sweep scenario as given (file + --set)
 *   sweep.json      the plan: swept paths, combinations, points
 *   points/<hash>-seed<seed>/   one run directory per point (as `cclab run`
 *                   writes, plus point.json)
 *   summary.csv     tidy statistics, one row per combination × flow
 *   summary.json    the same with per-seed values and metric definitions
 *   meta.json       cclab version, jobs, wall time, failures
 *   shards/<i>-of-<N>.json   what each shard of a sharded sweep ran (shard.ts)
 *   .cclab          the folder marker (kind sweep, backend): cclab writes
 *                   only into an empty folder or one it marked
 *   .cclab.lock     while a sweep runs: its host and pid (results/lock.ts);
 *                   .cclab.lock.<i>-of-<N> while shard i runs
 * `cclab chart` adds charts/, `cclab report` adds report.html.
 *
 * A sweep folder holds the points of one backend: a simulator sweep into a
 * kernel sweep's folder (or the other way round) is refused before anything
 * runs. A point counts as done only when its files parse, match the schema
 * and the plan (checkPoint); a broken one is recomputed with a line saying so.
 */
import { quicCcNames } from '../quic/cc/index.js';
import { dirname } from 'node:path';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import YAML from 'yaml';
import { InputError } from '../scenario/errors.js';
import { applySets, readScenarioDoc, validateScenario } from '../scenario/load.js';
import { parseSetValue } from '../scenario/load.js';
import { simulatedCcNames } from '../cc/index.js';
import { ioError, IoError, nodeName, parseTmpName, tmpName, writeFileAtomic, toJson } from '../results/io.js';
import { backendName, claimFolder, MARKER_FILE, newMarker, type Backend } from '../results/folder.js';
import { acquireLock } from '../results/lock.js';
import { addCleanup } from '../results/cleanup.js';
import { CCLAB_VERSION } from '../results/version.js';
import { planSweepAsync, type SweepPlan } from './plan.js';
import { aggregate, summaryCsv, type SweepSummary } from './aggregate.js';
import { checkPoint, POINT_FILE, type PointRecord, type PointTask } from './point.js';
import { writeRun } from '../results/write.js';
import { estimateCost, runTasks, workerDistDir } from './runner.js';
import { simulatorFingerprint } from './fingerprint.js';
import { silentProgress, type Progress } from './progress.js';
import { allocatedCpus } from './cpus.js';
import { shardName, shardPoints, SHARDS_DIR, type ShardId, type ShardRecord } from './shard.js';

export const SWEEP_PLAN_FILE = 'sweep.json';
export const SWEEP_META_FILE = 'meta.json';
export const POINTS_DIR = 'points';

export interface SweepOptions {
  /** Sweep directory (default: <results>/<scenario name>). */
  out?: string;
  /** Results root for the default directory (default "results"). */
  results?: string;
  /** Worker threads (default: the number of cores). */
  jobs?: number;
  /** Recompute every point even if it is already done. */
  force?: boolean;
  progress?: Progress;
  /** sim (default), or kernel: every point on real Linux TCP (src/kernel). */
  backend?: 'sim' | 'kernel';
  /** Kernel backend: vm, local or ssh://user@host; modules to load; a deadline per batch; log lines. */
  kernel?: { target: string; modules?: string[]; timeoutS?: number; log?: (line: string) => void };
  /** Most points allowed (default MAX_SWEEP_POINTS, plan.ts). */
  maxPoints?: number;
  /** One-line notices (points recomputed, an adopted folder); default: none. */
  log?: (line: string) => void;
  /** What holds the folder's lock, as shown to a second cclab (default "cclab sweep"). */
  command?: string;
}

/** What a shard did (runShard). */
export interface ShardOutcome {
  dir: string;
  plan: SweepPlan;
  record: ShardRecord;
  /** Why shards/<i>-of-<N>.json could not be written, or null. */
  writeError: IoError | null;
}

/** Kernel points per VM boot. */
const KERNEL_BATCH = 15;

export interface SweepMeta {
  cclabVersion: string;
  scenario: string;
  scenarioFile: string | null;
  simulator: string;
  createdAt: string;
  wallSeconds: number;
  jobs: number;
  cpus: number;
  node: string;
  points: { total: number; main: number; solo: number; skipped: number; ran: number; failed: number };
  failures: { key: string; error: string }[];
}

export interface SweepOutcome {
  dir: string;
  plan: SweepPlan;
  summary: SweepSummary;
  meta: SweepMeta;
  /** Why summary.json/summary.csv/meta.json could not be written (e.g. a full disk), or null. */
  writeError: IoError | null;
}

/** A sweep folder's meta.json: the build, the time taken and how its points went. */
export function sweepMeta(
  plan: SweepPlan,
  o: { scenarioFile: string | null; simulator: string; t0: number; jobs: number; skipped: number; ran: number; failures: SweepMeta['failures'] },
): SweepMeta {
  return {
    cclabVersion: CCLAB_VERSION,
    scenario: plan.name,
    scenarioFile: o.scenarioFile,
    simulator: o.simulator,
    createdAt: new Date().toISOString(),
    wallSeconds: +((performance.now() - o.t0) / 1000).toFixed(3),
    jobs: o.jobs,
    cpus: availableParallelism(),
    node: process.version,
    points: {
      total: plan.points.length,
      main: plan.points.filter((p) => p.role === 'main').length,
      solo: plan.points.filter((p) => p.role === 'solo').length,
      skipped: o.skipped,
      ran: o.ran,
      failed: o.failures.length,
    },
    failures: o.failures,
  };
}

/** Write summary.json, summary.csv and meta.json (each temp + rename); a full disk is returned, not thrown. */
export function writeSweepSummary(dir: string, summary: SweepSummary, meta: SweepMeta): IoError | null {
  try {
    writeFileAtomic(join(dir, 'summary.json'), toJson(summary));
    writeFileAtomic(join(dir, 'summary.csv'), summaryCsv(summary));
    writeFileAtomic(join(dir, SWEEP_META_FILE), toJson(meta));
    return null;
  } catch (e) {
    if (!(e instanceof IoError)) throw e;
    return e;
  }
}

/** Default number of worker threads: the CPUs the scheduler allocated (cpus.ts), else the machine's cores. */
export function defaultJobs(): number {
  return allocatedCpus().jobs;
}

/**
 * Apply --set overrides; `sweep.<path>=[...]` replaces one sweep list (sweep
 * keys contain dots, so they cannot go through the generic path syntax).
 */
export function applySweepSets(doc: Record<string, unknown>, sets: readonly string[]): string[] {
  const generic: string[] = [];
  for (const s of sets) {
    const m = /^\s*sweep\.([^=]+)=(.*)$/s.exec(s);
    if (m) {
      const sweep = (doc.sweep ??= {}) as Record<string, unknown>;
      if (sweep === null || typeof sweep !== 'object' || Array.isArray(sweep)) throw new InputError(`--set ${s}: the scenario's sweep is not a mapping`);
      sweep[m[1]!.trim()] = parseSetValue(m[2]!);
    } else generic.push(s);
  }
  return applySets(doc, generic);
}

/** Refuse congestion controls the simulator does not have, naming the field. */
export function checkImplemented(plan: SweepPlan): void {
  const have = simulatedCcNames();
  for (const c of plan.combos) {
    for (const f of c.resolved.flows) {
      if (f.transport === 'quic' ? quicCcNames().includes(f.cc) : have.includes(f.cc)) continue;
      const path = `flows[${f.group}].cc`;
      const where = path in c.params ? `sweep.${path}` : path;
      throw new InputError(`${where}: "${f.cc}" is not implemented in the simulator yet; available: ${have.join(', ')}`);
    }
  }
}

/**
 * Claim the sweep folder for `backend`: create it (with its marker) when it
 * is absent or empty, adopt an unmarked one an older cclab wrote, and refuse
 * anything else, or a sweep of the other backend, with one line (exit 2).
 */
export function claimSweepDir(dir: string, backend: Backend, log: (line: string) => void): void {
  const s = claimFolder(dir, 'sweep');
  const has = s.state === 'cclab' ? s.marker.backend : s.state === 'legacy' ? s.backend : undefined;
  if (has !== undefined && has !== backend) {
    throw new InputError(
      `--out ${dir}: holds a ${backendName(has)} sweep; this sweep runs on the ${backendName(backend)}, and cclab never replaces points of another backend: give another --out`,
    );
  }
  if (s.state === 'cclab') return;
  if (s.state === 'legacy') log(`note: ${dir} was written by an older cclab (no ${MARKER_FILE} marker); adopting it`);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw ioError(e, dir);
  }
  writeFileAtomic(join(dir, MARKER_FILE), toJson(newMarker('sweep', [], backend)));
}

/**
 * Remove temporary files and directories left by a killed writer (whose
 * process is gone). Only this node's (io.ts nodeName): on a shared file
 * system another node's pid says nothing here, so its temporary folders,
 * maybe work in progress, are left alone. Names without a node (older
 * cclab) count as this node's.
 */
export function removeStaleTemps(dir: string, includeOwn = false): number {
  let removed = 0;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return 0;
  }
  const here = nodeName();
  for (const e of entries) {
    const t = parseTmpName(e);
    if (t === null || (t.node !== null && t.node !== here)) continue;
    const pid = t.pid;
    let alive = pid === process.pid && !includeOwn;
    if (!alive && pid !== process.pid) {
      try {
        process.kill(pid, 0);
        alive = true;
      } catch (err) {
        alive = (err as NodeJS.ErrnoException).code === 'EPERM';
      }
    }
    if (alive) continue;
    rmSync(join(dir, e), { recursive: true, force: true });
    removed++;
  }
  return removed;
}

/** Run a sweep from a scenario document (after overrides). */
export async function runSweep(doc: Record<string, unknown>, name: string, scenarioFile: string | null, opts: SweepOptions = {}): Promise<SweepOutcome> {
  return (await runAny(doc, name, scenarioFile, opts, null)) as SweepOutcome;
}

/**
 * Run one shard of a sweep (shard.ts) into the shared folder: only its
 * points (skip-done), checked against the folder's sweep.json, and its
 * record shards/<i>-of-<N>.json; never the summary (`--collect` writes it).
 */
export async function runShard(doc: Record<string, unknown>, name: string, scenarioFile: string | null, shard: ShardId, opts: SweepOptions = {}): Promise<ShardOutcome> {
  return (await runAny(doc, name, scenarioFile, opts, shard)) as ShardOutcome;
}

async function runAny(doc: Record<string, unknown>, name: string, scenarioFile: string | null, opts: SweepOptions, shard: ShardId | null): Promise<SweepOutcome | ShardOutcome> {
  const t0 = performance.now();
  const log = opts.log ?? (() => {});
  const plan = await planSweepAsync(doc, name, { ...(opts.maxPoints !== undefined ? { maxPoints: opts.maxPoints } : {}), baseDir: scenarioFile ? dirname(scenarioFile) : null });
  if (opts.backend !== 'kernel') checkImplemented(plan);
  const jobs = opts.jobs ?? defaultJobs();
  if (!Number.isInteger(jobs) || jobs < 1) throw new InputError(`--jobs: expected a whole number of at least 1, got ${jobs}`);
  const backend: Backend = opts.backend === 'kernel' ? 'kernel' : 'sim';
  const dir = opts.out ?? join(opts.results ?? 'results', plan.name);
  claimSweepDir(dir, backend, log);
  const release = acquireLock(dir, opts.command ?? `cclab sweep ${scenarioFile ?? plan.name}`, shard ? { shard: shardName(shard) } : {});
  try {
    return await runLocked(plan, dir, backend, doc, scenarioFile, jobs, t0, opts, shard);
  } finally {
    release();
  }
}

/** What made a point: the simulator build, or the kernel target (kernel points are not redone when cclab changes). */
export function pointMaker(opts: Pick<SweepOptions, 'backend' | 'kernel'>): string {
  return opts.backend === 'kernel' ? `kernel:${(opts.kernel ?? { target: 'vm' }).target}` : simulatorFingerprint(workerDistDir());
}

/** sweep.json: the plan, and the build its points must be made by (`simulator`, pinned for shards). */
export function sweepPlanJson(plan: SweepPlan, simulator: string, extra: Record<string, unknown> = {}): string {
  return toJson({
    scenario: plan.name,
    simulator,
    ...extra,
    params: plan.spec.axes.map((a) => ({ path: a.path, values: a.values })),
    groups: plan.spec.groups,
    seeds: plan.seeds,
    harm: plan.spec.harm,
    combos: plan.combos.map((c) => ({ index: c.index, hash: c.hash, params: c.params, solo: c.solo.map((b) => ({ group: b.group, hash: b.hash })) })),
    points: plan.points.map((p) => ({ key: p.key, hash: p.hash, seed: p.seed, role: p.role })),
  });
}

export interface PinnedPlan {
  simulator: string | null;
  keys: string[];
  /** The shard count `--emit` chose, when it wrote this file. */
  shards: number | null;
  raw: Record<string, unknown>;
}

/** The sweep.json of a folder, or null when absent or unreadable. */
export function readPinnedPlan(dir: string): PinnedPlan | null {
  try {
    const j = JSON.parse(readFileSync(join(dir, SWEEP_PLAN_FILE), 'utf8')) as Record<string, unknown>;
    const points = Array.isArray(j.points) ? (j.points as { key?: unknown }[]) : [];
    return {
      simulator: typeof j.simulator === 'string' ? j.simulator : null,
      keys: points.map((p) => String(p.key)),
      shards: typeof j.shards === 'number' ? j.shards : null,
      raw: j,
    };
  } catch {
    return null;
  }
}

/**
 * A shard checks the folder's sweep.json (writing it first if no one has):
 * the same points, made by the same build. Another build would mix results,
 * another plan would put points no collect expects: both refuse with one line.
 */
function checkPin(dir: string, plan: SweepPlan, simulator: string, s: ShardId): void {
  const file = join(dir, SWEEP_PLAN_FILE);
  // create it only if absent (link fails on an existing name): concurrent shards agree on one file
  const tmp = tmpName(file);
  try {
    writeFileAtomic(tmp, sweepPlanJson(plan, simulator));
    try {
      linkSync(tmp, file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(e, file);
    }
  } finally {
    rmSync(tmp, { force: true });
  }
  const pin = readPinnedPlan(dir);
  if (pin === null) throw new InputError(`--shard ${s.index}/${s.count}: ${file} cannot be read; emit the sweep again (cclab sweep --emit)`);
  if (pin.simulator !== null && pin.simulator !== simulator) {
    throw new InputError(
      `--shard ${s.index}/${s.count}: this cclab's build is ${simulator} but ${file} pins ${pin.simulator}; run every shard with the build that emitted the sweep (results never mix builds)`,
    );
  }
  const mine = plan.points.map((p) => p.key);
  if (pin.keys.length !== mine.length || pin.keys.some((k, i) => k !== mine[i])) {
    throw new InputError(
      `--shard ${s.index}/${s.count}: the plan (${mine.length} points) differs from ${file} (${pin.keys.length} points); give the scenario and --set the sweep was emitted with`,
    );
  }
  if (pin.shards !== null && pin.shards !== s.count) {
    throw new InputError(`--shard ${s.index}/${s.count}: ${file} was emitted for ${pin.shards} shards; use --shard i/${pin.shards}`);
  }
}

async function runLocked(
  plan: SweepPlan,
  dir: string,
  backend: Backend,
  doc: Record<string, unknown>,
  scenarioFile: string | null,
  jobs: number,
  t0: number,
  opts: SweepOptions,
  shard: ShardId | null,
): Promise<SweepOutcome | ShardOutcome> {
  const log = opts.log ?? (() => {});
  const pointsDir = join(dir, POINTS_DIR);
  try {
    mkdirSync(pointsDir, { recursive: true });
  } catch (e) {
    throw ioError(e, pointsDir);
  }
  removeStaleTemps(dir);
  removeStaleTemps(pointsDir);
  // temporary files of this process are removed when a signal ends it
  const forgetTemps = addCleanup(() => {
    removeStaleTemps(pointsDir, true);
    removeStaleTemps(dir, true);
  });

  const kernelOpts = backend === 'kernel' ? (opts.kernel ?? { target: 'vm' }) : null;
  const simulator = pointMaker(opts);
  if (shard) checkPin(dir, plan, simulator, shard);
  const mine = shard ? shardPoints(plan, shard) : plan.points.map((_, i) => i);
  const costOf = new Map(plan.combos.map((c) => [c.hash, estimateCost(c.resolved)]));
  const tasks: PointTask[] = [];
  let outdated = 0;
  const foreign: string[] = [];
  mine.forEach((index) => {
    const p = plan.points[index]!;
    const pdir = join(pointsDir, p.key);
    const st = checkPoint(pdir, p, simulator);
    if (st.state === 'other-backend') foreign.push(p.key);
    if (st.state === 'done' && !opts.force) return;
    if (st.state === 'broken') {
      removeStaleTemps(pdir);
      log(`${join(POINTS_DIR, p.key)}: ${st.why}; recomputing it`);
    }
    if (st.state === 'outdated') outdated++;
    tasks.push({ index, key: p.key, hash: p.hash, seed: p.seed, role: p.role, doc: p.doc, scenarioFile, dir: pdir, simulator, cost: costOf.get(p.hash) ?? 0 });
  });
  if (foreign.length > 0) {
    throw new InputError(
      `--out ${dir}: ${join(POINTS_DIR, foreign[0]!)}${foreign.length > 1 ? ` and ${foreign.length - 1} more points` : ''} were measured by the other backend; cclab never replaces them: give another --out`,
    );
  }
  if (outdated > 0 && !opts.force) log(`${outdated} point${outdated === 1 ? ' was' : 's were'} made by another simulator build; recomputing ${outdated === 1 ? 'it' : 'them'}`);

  if (!shard) {
    writeFileAtomic(join(dir, 'scenario.yaml'), YAML.stringify(doc));
    writeFileAtomic(join(dir, SWEEP_PLAN_FILE), sweepPlanJson(plan, simulator));
  } else if (!existsSync(join(dir, 'scenario.yaml'))) {
    // sweep.json is checkPin's; scenario.yaml comes from --emit, else from the first shard (the same text from every shard)
    writeFileAtomic(join(dir, 'scenario.yaml'), YAML.stringify(doc));
  }

  const startedAt = new Date().toISOString();
  const skipped = mine.length - tasks.length;
  const progress = opts.progress ?? silentProgress;
  const failures: { key: string; error: string }[] = [];
  progress.start(mine.length, skipped);
  try {
    if (kernelOpts) {
      await runKernelTasks(tasks, plan.name, kernelOpts, (key, error) => {
        if (error !== null) failures.push({ key, error });
        progress.tick(error !== null);
      });
    } else {
      await runTasks(tasks, jobs, (o) => {
        if (!o.result.ok) failures.push({ key: o.task.key, error: o.result.error });
        progress.tick(!o.result.ok);
      });
    }
  } finally {
    progress.stop();
  }
  failures.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

  if (shard) {
    // a shard never writes the summary (it would count only its own points): its record instead
    const record: ShardRecord = {
      schema: 'cclab.shard/1',
      shard: shard.index,
      of: shard.count,
      host: nodeName(),
      pid: process.pid,
      simulator,
      startedAt,
      wallSeconds: +((performance.now() - t0) / 1000).toFixed(3),
      jobs,
      points: mine.map((i) => plan.points[i]!.key),
      skipped,
      ran: tasks.length,
      failed: failures.length,
      failures,
    };
    let writeError: IoError | null = null;
    try {
      writeFileAtomic(join(dir, SHARDS_DIR, `${shardName(shard)}.json`), toJson(record));
    } catch (e) {
      if (!(e instanceof IoError)) throw e;
      writeError = e;
    }
    forgetTemps();
    return { dir, plan, record, writeError };
  }

  const summary = aggregate(plan, pointsDir);
  const meta = sweepMeta(plan, { scenarioFile, simulator, t0, jobs, skipped, ran: tasks.length, failures });
  // the summary is written even when points failed; a full disk is reported, not thrown, so the failures are still listed
  const writeError = writeSweepSummary(dir, summary, meta);
  forgetTemps();
  return { dir, plan, summary, meta, writeError };
}

/**
 * The kernel backend: points in batches (one VM boot each), each written as
 * a run directory with its point record, like the simulator's workers do.
 */
async function runKernelTasks(
  tasks: readonly PointTask[],
  name: string,
  k: NonNullable<SweepOptions['kernel']>,
  onDone: (key: string, error: string | null) => void,
): Promise<void> {
  const { runKernelBatch } = await import('../kernel/index.js');
  for (let b = 0; b < tasks.length; b += KERNEL_BATCH) {
    const batch = tasks.slice(b, b + KERNEL_BATCH);
    const loaded = batch.map((t) => ({ doc: t.doc, file: t.scenarioFile ?? '', ...validateScenario(t.doc, name, t.scenarioFile ? dirname(t.scenarioFile) : null) }));
    await runKernelBatch(loaded, {
      target: k.target,
      ...(k.modules ? { modules: k.modules } : {}),
      ...(k.timeoutS !== undefined ? { timeoutS: k.timeoutS } : {}),
      ...(k.log ? { log: k.log } : {}),
      onResult: (i, r) => {
        const t = batch[i]!;
        if (r instanceof Error) {
          onDone(t.key, r.message);
          return;
        }
        const record: PointRecord = { key: t.key, hash: t.hash, seed: t.seed, role: t.role, simulator: t.simulator };
        try {
          writeRun(t.dir, { ...r, extra: { ...(r.extra ?? {}), [POINT_FILE]: toJson(record) } });
        } catch (e) {
          onDone(t.key, (e as Error).message);
          return;
        }
        onDone(t.key, null);
      },
    });
  }
}

/**
 * A scenario file with its --set overrides applied: the document, the
 * sweep's default name, and the notes of the overrides (cc-switch.ts).
 */
export function readSweepFile(file: string, sets: readonly string[]): { doc: Record<string, unknown>; name: string; notes: string[] } {
  const doc = readScenarioDoc(file);
  const notes = applySweepSets(doc, sets);
  return { doc, name: basename(file).replace(/\.(ya?ml|json)$/i, ''), notes };
}

/** Read a scenario file, apply --set overrides and run its sweep. */
export async function runSweepFile(file: string, sets: readonly string[], opts: SweepOptions = {}): Promise<SweepOutcome> {
  const { doc, name, notes } = readSweepFile(file, sets);
  for (const n of notes) opts.log?.(`note: ${n}`);
  return runSweep(doc, name, file, opts);
}

/** Read a scenario file, apply --set overrides and run one shard of its sweep. */
export async function runShardFile(file: string, sets: readonly string[], shard: ShardId, opts: SweepOptions = {}): Promise<ShardOutcome> {
  const { doc, name, notes } = readSweepFile(file, sets);
  for (const n of notes) opts.log?.(`note: ${n}`);
  return runShard(doc, name, file, shard, opts);
}
