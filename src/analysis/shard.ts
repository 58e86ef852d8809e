/**
 * Shards: a sweep's plan split into N parts that separate processes (Slurm
 * array tasks, Kubernetes Job indices, plain shells on several machines)
 * run into one shared sweep folder.
 *
 * The split is a pure function of the plan and N, so every node computes the
 * same shards without talking to the others: the points, longest first by
 * the cost estimate (runner.ts estimateCost; ties in plan order), each go to
 * the shard with the least estimated work so far (ties: the lowest index).
 * This is the classic longest-processing-time rule: no shard gets more than
 * 4/3 of the optimum, so an array does not wait on one overloaded task.
 *
 * A shard writes its points (skip-done as a local sweep) and its record
 * shards/<i>-of-<N>.json; only `cclab sweep --collect` writes summary.*.
 */
import { InputError } from '../scenario/errors.js';
import type { SweepPlan } from './plan.js';
import { estimateCost } from './runner.js';

export const SHARDS_DIR = 'shards';
/** Array tasks a default split aims at, at most (clusters often cap arrays at 1000 tasks). */
export const MAX_DEFAULT_SHARDS = 1000;
/** Points per worker thread a default shard gets at least (a scheduled task costs about a second to start). */
export const POINTS_PER_WORKER = 4;

export interface ShardId {
  index: number;
  count: number;
}

/** Parse `i/N` (0 <= i < N). */
export function parseShard(v: string): ShardId {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(v);
  const what = `--shard: expected i/N with 0 <= i < N (e.g. 3/16), got "${v}"`;
  if (!m) throw new InputError(what);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count || !Number.isSafeInteger(count)) throw new InputError(what);
  return { index, count };
}

export function shardName(s: ShardId): string {
  return `${s.index}-of-${s.count}`;
}

/** Estimated work of every point of the plan, in plan order (solo baselines: their one flow). */
export function pointCosts(plan: SweepPlan): number[] {
  const byHash = new Map<string, number>();
  for (const c of plan.combos) {
    byHash.set(c.hash, estimateCost(c.resolved));
    for (const b of c.solo) {
      const flow = c.resolved.flows.find((f) => f.group === b.group);
      byHash.set(b.hash, estimateCost({ ...c.resolved, flows: flow ? [flow] : [] }));
    }
  }
  return plan.points.map((p) => byHash.get(p.hash) ?? 0);
}

/**
 * The shard of every point (same order as plan.points) for `count` shards.
 * Deterministic: the same plan and count give the same split everywhere.
 */
export function assignShards(costs: readonly number[], count: number): number[] {
  const order = costs.map((_, i) => i).sort((a, b) => costs[b]! - costs[a]! || a - b);
  const load = new Array<number>(count).fill(0);
  const size = new Array<number>(count).fill(0);
  const out = new Array<number>(costs.length).fill(0);
  for (const i of order) {
    // least work so far; with equal work the fewest points, then the lowest index
    let best = 0;
    for (let s = 1; s < count; s++) {
      if (load[s]! < load[best]! || (load[s] === load[best] && size[s]! < size[best]!)) best = s;
    }
    out[i] = best;
    load[best]! += costs[i]!;
    size[best]!++;
  }
  return out;
}

/** Indices (into plan.points) of the points of shard `s`, in plan order. */
export function shardPoints(plan: SweepPlan, s: ShardId): number[] {
  const assigned = assignShards(pointCosts(plan), s.count);
  const out: number[] = [];
  assigned.forEach((a, i) => {
    if (a === s.index) out.push(i);
  });
  return out;
}

/** A default number of shards: POINTS_PER_WORKER points per worker thread, at most MAX_DEFAULT_SHARDS and the point count. */
export function defaultShardCount(points: number, cpusPerTask: number): number {
  return Math.max(1, Math.min(MAX_DEFAULT_SHARDS, points, Math.ceil(points / (POINTS_PER_WORKER * Math.max(1, cpusPerTask)))));
}

/** What a shard writes to shards/<i>-of-<N>.json when it ends. */
export interface ShardRecord {
  schema: 'cclab.shard/1';
  shard: number;
  of: number;
  host: string;
  pid: number;
  simulator: string;
  startedAt: string;
  wallSeconds: number;
  jobs: number;
  /** Keys of the shard's points, plan order. */
  points: string[];
  skipped: number;
  ran: number;
  failed: number;
  failures: { key: string; error: string }[];
}
