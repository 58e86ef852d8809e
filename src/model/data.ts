/**
 * Reading sweep results for the surrogate model.
 *
 * The input is any folder tree of run directories (a directory holding
 * summary.json and resolved.json, as `cclab run`, `cclab sweep` and the
 * kernel backend write them). Runs of the same scenario point (same
 * scenarioHash, differing only in seed) are averaged: the model learns the
 * mean over seeds, one training row per point × flow.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { InputError } from '../scenario/errors.js';
import { ccKey, type ResolvedScenario } from '../scenario/resolve.js';
import type { RunSummary } from '../results/schema.js';
import { isRunDir, readResolvedInput, readRunSummaryInput } from '../results/read.js';
import { TARGETS } from './features.js';

export interface TrainingRow {
  /** The sweep point (source + scenarioHash); all flows of a point share it. */
  point: string;
  /** The point's resolved scenario (of its first seed). */
  resolved: ResolvedScenario;
  /** Flow index within the point. */
  flow: number;
  cc: string;
  /** Number of seeds averaged. */
  seeds: number;
  /** Every target of TARGETS by name: mean over the seeds. */
  values: Record<string, number>;
}

export interface SweepData {
  rows: TrainingRow[];
  /** Number of distinct points. */
  points: number;
  /** Number of run directories read. */
  runs: number;
  /** Congestion controls seen (ccKey: `brutal/quic` apart from `brutal`), sorted. */
  ccs: string[];
  /**
   * The scenario `predict --set` starts from: the sweep's own scenario.yaml
   * (the first folder's, without its sweep fields), else the first run's;
   * null if there is none.
   */
  baseDoc: Record<string, unknown> | null;
  /** Where baseDoc came from, in words. */
  baseFrom?: string;
  /** Resolved-scenario fields that vary across points but are not model inputs. */
  unseenVarying: string[];
}

/** Run directories below `root` (a directory with summary.json and resolved.json); sorted. */
export function findRunDirs(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    if (isRunDir(dir)) {
      out.push(dir);
      return;
    }
    let entries: string[];
    try {
      entries = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.startsWith('.')) continue; // temporary directories of atomic writes
      const p = join(dir, e);
      let isDir = false;
      try {
        isDir = statSync(p).isDirectory();
      } catch {
        continue;
      }
      if (isDir) walk(p);
    }
  };
  walk(root);
  return out;
}

function readRun(dir: string): { summary: RunSummary; resolved: ResolvedScenario } {
  const summary = readRunSummaryInput(join(dir, 'summary.json'));
  const resolved = readResolvedInput(join(dir, 'resolved.json'), summary.flows.length);
  if (typeof resolved.link.rttNs !== 'number') throw new InputError(`${join(dir, 'resolved.json')}: not a resolved scenario (needs link.rttNs)`);
  return { summary, resolved };
}

/** Read every run below the given folders into training rows. */
export function readSweepResults(paths: readonly string[]): SweepData {
  const dirs: string[] = [];
  for (const p of paths) {
    if (!existsSync(p) || !statSync(p).isDirectory()) throw new InputError(`${p}: no such directory (give a folder of sweep results)`);
    const found = findRunDirs(p);
    if (found.length === 0) throw new InputError(`${p}: no sweep results here (no run directories with summary.json and resolved.json)`);
    dirs.push(...found);
  }
  interface Acc {
    resolved: ResolvedScenario;
    dir: string;
    seeds: number;
    sums: Record<string, number>[];
  }
  const byPoint = new Map<string, Acc>();
  for (const dir of dirs) {
    const { summary, resolved } = readRun(dir);
    const key = `${summary.source}:${summary.scenarioHash}`;
    let acc = byPoint.get(key);
    if (!acc) {
      acc = { resolved, dir, seeds: 0, sums: summary.flows.map(() => Object.fromEntries(TARGETS.map((t) => [t.name, 0]))) };
      byPoint.set(key, acc);
    }
    if (acc.sums.length !== summary.flows.length) throw new InputError(`${dir}: has ${summary.flows.length} flows, another seed of the same point has ${acc.sums.length}`);
    acc.seeds++;
    summary.flows.forEach((f, i) => {
      for (const t of TARGETS) acc!.sums[i]![t.name]! += t.read(f);
    });
  }
  const rows: TrainingRow[] = [];
  for (const [point, acc] of byPoint) {
    acc.sums.forEach((sum, flow) => {
      rows.push({
        point,
        resolved: acc.resolved,
        flow,
        cc: ccKey(acc.resolved.flows[flow]!),
        seeds: acc.seeds,
        values: Object.fromEntries(Object.entries(sum).map(([k, v]) => [k, v / acc.seeds])),
      });
    });
  }
  const first = [...byPoint.values()][0]!;
  const sweepBase = readBaseDoc(paths[0]!);
  const runBase = sweepBase ? null : readBaseDoc(first.dir);
  return {
    rows,
    points: byPoint.size,
    runs: dirs.length,
    ccs: [...new Set(rows.map((r) => r.cc))].sort(),
    baseDoc: sweepBase ?? runBase,
    ...(sweepBase
      ? { baseFrom: `the sweep's scenario ${join(paths[0]!, 'scenario.yaml')} (its base values, without sweep:)` }
      : runBase
        ? { baseFrom: `the scenario of the run ${first.dir}` }
        : {}),
    unseenVarying: unseenVaryingFields([...byPoint.values()].map((a) => a.resolved)),
  };
}

function readBaseDoc(dir: string): Record<string, unknown> | null {
  const file = join(dir, 'scenario.yaml');
  if (!existsSync(file)) return null;
  try {
    const doc = YAML.parse(readFileSync(file, 'utf8')) as unknown;
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return null;
    const d = doc as Record<string, unknown>;
    // a point's own scenario, not a sweep
    for (const k of ['sweep', 'zip', 'seeds', 'harm']) delete d[k];
    return d;
  } catch {
    return null;
  }
}

/** Resolved-scenario fields the model takes as inputs (directly or through a derived feature). */
const SEEN = [
  /^seed$/,
  /^name$/,
  /^sampleIntervalNs$/,
  /^link\.(rateBps|rttNs|fwdDelayNs|revDelayNs|queuePackets|queueBytes|queueSpec|bdpBytes|accessRateBps)$/,
  /^link\.loss\./,
  /^flows\[\d+\]\.(id|group|cc|brutal\.rateBytesPerSec)$/,
];

/** Flatten a JSON value into path -> scalar. */
function flatten(v: unknown, prefix: string, out: Map<string, string>): void {
  if (v !== null && typeof v === 'object') {
    if (Array.isArray(v)) v.forEach((x, i) => flatten(x, `${prefix}[${i}]`, out));
    else for (const [k, x] of Object.entries(v)) flatten(x, prefix ? `${prefix}.${k}` : k, out);
  } else out.set(prefix, JSON.stringify(v));
}

/**
 * Fields of the resolved scenarios that take more than one value across the
 * points but are not model inputs (e.g. duration, brutal.cwndGain): the
 * model cannot tell points apart that differ only there.
 */
export function unseenVaryingFields(points: readonly ResolvedScenario[]): string[] {
  const values = new Map<string, Set<string>>();
  for (const p of points) {
    const flat = new Map<string, string>();
    flatten(p, '', flat);
    for (const [k, v] of flat) {
      if (SEEN.some((re) => re.test(k))) continue;
      let set = values.get(k);
      if (!set) values.set(k, (set = new Set()));
      set.add(v);
    }
  }
  return [...values].filter(([, s]) => s.size > 1).map(([k]) => k);
}
