/**
 * `cclab sweep --collect`: the last step of a sharded sweep. It runs no
 * point: it checks every point of the plan in the shared folder (made by the
 * build sweep.json pins), writes summary.json, summary.csv and meta.json
 * from what is there (as a local sweep does, missing points as empty
 * cells), and lists what is missing or failed with the shard indices to run
 * again, e.g. `sbatch --array=3,17 <out>/slurm/shards.sbatch`.
 *
 * Because the summary is assembled from the point files in plan order
 * (aggregate.ts), a complete sharded sweep's summary.csv is byte-identical
 * to a local run of the same sweep.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { InputError } from '../scenario/errors.js';
import type { IoError } from '../results/io.js';
import { acquireLock, LOCK_FILE } from '../results/lock.js';
import { aggregate, type SweepSummary } from './aggregate.js';
import { planSweepAsync, type SweepPlan } from './plan.js';
import { checkPoint } from './point.js';
import { assignShards, pointCosts, SHARDS_DIR, type ShardRecord } from './shard.js';
import { claimSweepDir, pointMaker, POINTS_DIR, readPinnedPlan, sweepMeta, SWEEP_PLAN_FILE, writeSweepSummary, type SweepMeta, type SweepOptions } from './sweep.js';
import { shellQuote, SLURM_COLLECT_FILE, SLURM_DIR, SLURM_SHARDS_FILE } from './slurm.js';

export interface MissingPoint {
  key: string;
  /** Why it is not done: absent, broken (what), outdated (another build), or the error its shard recorded. */
  why: string;
  /** Its shard index, when the sweep was sharded. */
  shard: number | null;
}

export interface CollectOutcome {
  dir: string;
  plan: SweepPlan;
  summary: SweepSummary;
  meta: SweepMeta;
  /** Shard count of the split (sweep.json, else the shard records), null when no shard ran. */
  shards: number | null;
  missing: MissingPoint[];
  /** Shard indices holding missing points, ascending. */
  resubmit: number[];
  /** Shards whose lock is still there (running, or killed without cleaning up). */
  running: string[];
  writeError: IoError | null;
}

function readShardRecords(dir: string): ShardRecord[] {
  let names: string[] = [];
  try {
    names = readdirSync(join(dir, SHARDS_DIR)).filter((n) => /^\d+-of-\d+\.json$/.test(n));
  } catch {
    return [];
  }
  const out: ShardRecord[] = [];
  for (const n of names.sort()) {
    try {
      const r = JSON.parse(readFileSync(join(dir, SHARDS_DIR, n), 'utf8')) as ShardRecord;
      if (r.schema === 'cclab.shard/1') out.push(r);
    } catch {
      /* a broken record says nothing: its points are checked anyway */
    }
  }
  return out;
}

/** Collect a sharded sweep (see the header). */
export async function collectSweep(doc: Record<string, unknown>, name: string, scenarioFile: string | null, opts: SweepOptions = {}): Promise<CollectOutcome> {
  const t0 = performance.now();
  const log = opts.log ?? (() => {});
  const plan = await planSweepAsync(doc, name, { ...(opts.maxPoints !== undefined ? { maxPoints: opts.maxPoints } : {}), baseDir: scenarioFile ? dirname(scenarioFile) : null });
  const dir = opts.out ?? join(opts.results ?? 'results', plan.name);
  if (!existsSync(join(dir, SWEEP_PLAN_FILE))) {
    throw new InputError(`--collect: ${dir} holds no sweep (no ${SWEEP_PLAN_FILE}); run the sweep or its shards first`);
  }
  const backend = opts.backend === 'kernel' ? 'kernel' : 'sim';
  claimSweepDir(dir, backend, log);
  const pin = readPinnedPlan(dir);
  const keys = plan.points.map((p) => p.key);
  if (pin === null || pin.keys.length !== keys.length || pin.keys.some((k, i) => k !== keys[i])) {
    throw new InputError(
      `--collect: the plan (${keys.length} points) differs from ${join(dir, SWEEP_PLAN_FILE)} (${pin?.keys.length ?? 0} points); give the scenario and --set the sweep was run with`,
    );
  }
  // the points must be made by the build sweep.json pins (this cclab's own when nothing is pinned)
  const simulator = pin.simulator ?? pointMaker(opts);
  const release = acquireLock(dir, opts.command ?? `cclab sweep --collect ${scenarioFile ?? plan.name}`, { allowShards: true });
  try {
    const records = readShardRecords(dir);
    const counts = new Map<number, number>();
    for (const r of records) counts.set(r.of, (counts.get(r.of) ?? 0) + 1);
    const shards = pin.shards ?? ([...counts].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0]?.[0] ?? null);
    const assigned = shards !== null ? assignShards(pointCosts(plan), shards) : null;
    const recorded = new Map<string, string>();
    for (const r of records) if (r.of === shards) for (const f of r.failures) recorded.set(f.key, f.error);

    const pointsDir = join(dir, POINTS_DIR);
    const missing: MissingPoint[] = [];
    plan.points.forEach((p, i) => {
      const st = checkPoint(join(pointsDir, p.key), p, simulator);
      if (st.state === 'done') return;
      const why =
        recorded.get(p.key) ??
        (st.state === 'absent'
          ? 'not run'
          : st.state === 'broken'
            ? st.why
            : st.state === 'outdated'
              ? `made by another build (${st.simulator}, sweep.json pins ${simulator})`
              : `measured by the other backend (${st.simulator})`);
      missing.push({ key: p.key, why, shard: assigned ? assigned[i]! : null });
    });
    const resubmit = [...new Set(missing.map((m) => m.shard).filter((s): s is number => s !== null))].sort((a, b) => a - b);
    let running: string[] = [];
    try {
      running = readdirSync(dir)
        .filter((n) => n.startsWith(`${LOCK_FILE}.`) && /-of-\d+$/.test(n))
        .map((n) => n.slice(LOCK_FILE.length + 1))
        .sort();
    } catch {
      /* none */
    }

    const summary = aggregate(plan, pointsDir);
    const meta = sweepMeta(plan, { scenarioFile, simulator, t0, jobs: 0, skipped: plan.points.length - missing.length, ran: 0, failures: missing.map((m) => ({ key: m.key, error: m.why })) });
    const writeError = writeSweepSummary(dir, summary, meta);
    return { dir, plan, summary, meta, shards, missing, resubmit, running, writeError };
  } finally {
    release();
  }
}

/** The lines `cclab sweep --collect` prints: counts, every missing point, and what to run again. */
export function collectReport(o: CollectOutcome, rerun: (shards: number[]) => string): string {
  const total = o.plan.points.length;
  const lines = [
    `collect ${o.plan.name}: ${total - o.missing.length} of ${total} points done${o.missing.length ? `, ${o.missing.length} missing or failed` : ''}${o.shards !== null ? ` (${o.shards} shards)` : ''}`,
    o.writeError ? `summary: not written (${o.writeError.message})` : `summary: ${join(o.dir, 'summary.csv')}${o.missing.length ? ' (incomplete: missing points are empty cells)' : ''}`,
  ];
  for (const m of o.missing) lines.push(`missing: ${join(POINTS_DIR, m.key)}${m.shard !== null ? ` (shard ${m.shard})` : ''}: ${m.why.split('\n')[0]}`);
  if (o.running.length) lines.push(`note: shard lock${o.running.length > 1 ? 's' : ''} still present: ${o.running.join(', ')} (still running, or killed without cleaning up)`);
  if (o.missing.length) lines.push(o.resubmit.length ? `resubmit shard${o.resubmit.length > 1 ? 's' : ''} ${o.resubmit.join(',')}: ${rerun(o.resubmit)}` : 'run the sweep again to compute them (the done points are skipped)');
  return `${lines.join('\n')}\n`;
}

/**
 * The command that reruns shards: the emitted Slurm script (then collect
 * again once they end) when there is one, else plain --shard runs.
 */
export function rerunCommand(dir: string, shardCommand: (i: number) => string): (s: number[]) => string {
  const script = join(dir, SLURM_DIR, SLURM_SHARDS_FILE);
  const collect = join(dir, SLURM_DIR, SLURM_COLLECT_FILE);
  return (s) =>
    existsSync(script)
      ? `jid=$(sbatch --parsable --array=${s.join(',')} ${shellQuote(script)}) && sbatch --dependency=afterany:$jid ${shellQuote(collect)}`
      : s.map((i) => shardCommand(i)).join('; ');
}
