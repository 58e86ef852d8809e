/**
 * Running a sweep-style scenario on a kernel target, resumably.
 *
 * A sweep scenario is a normal scenario plus
 *   sweep:  { <scenario path>: [values...], ... }   (cartesian product)
 *   seeds:  N                                       (repetitions: seed, seed+1, ...)
 * Each point is the base document with `--set path=value` for its values
 * and its seed; it is written as a normal run directory,
 * <root>/<scenario>/<hash>-seed<seed>/, like `cclab run` writes. Points
 * already run under root (same network, flows and seed) are skipped, so an
 * interrupted sweep continues where it stopped. Points run seed-major (every
 * configuration once, then again), so a partial sweep covers the grid.
 *
 * The VM target runs `batchSize` points per boot. A failed point's raw
 * files go to <root>/.failed/ for a look; it is tried again next time.
 */
import { dirname } from 'node:path';
import { existsSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import YAML from 'yaml';
import { applySets, readScenarioDoc, validateScenario, type LoadedScenario } from '../scenario/load.js';
import { scenarioHash } from '../scenario/resolve.js';
import { expandCombinations, parseSweepSpec } from '../analysis/spec.js';
import { defaultRunDir, writeRun } from '../results/write.js';
import { KernelRunError, runKernelBatch, tcpMemoryPressureWarning } from './index.js';
import { writeDirAtomic } from '../results/io.js';
import { findRuns, pointKey } from '../analysis/compare.js';
import { deriveRun, loadRunTree } from './reference.js';
import { readDirFiles } from './targets.js';

export interface SweepPoint {
  /** `path=value` overrides for this point (seed included). */
  sets: string[];
  seed: number;
}

/** Default number of points per VM boot. */
export const DEFAULT_BATCH_SIZE = 15;

function formatValue(v: unknown): string {
  return typeof v === 'string' ? v : YAML.stringify(v, { collectionStyle: 'flow' }).trim();
}

/**
 * Expand `sweep:` (and `zip:`) x `seeds:` into points, seed-major, with the
 * same checks and combination order as `cclab sweep` (analysis/spec.ts).
 */
export function expandSweep(doc: Record<string, unknown>): SweepPoint[] {
  const spec = parseSweepSpec(doc);
  const combos = expandCombinations(spec).map((c) => Object.entries(c).map(([path, v]) => `${path}=${formatValue(v)}`));
  const baseSeed = typeof doc.seed === 'number' ? doc.seed : 1;
  const points: SweepPoint[] = [];
  for (let k = 0; k < spec.seeds; k++) {
    for (const c of combos) points.push({ sets: [...c, `seed=${baseSeed + k}`], seed: baseSeed + k });
  }
  return points;
}

/** Load one point of a sweep file as a plain scenario (sweep keys removed). */
export function loadSweepPoint(file: string, point: SweepPoint): LoadedScenario {
  const doc = readScenarioDoc(file);
  delete doc.sweep;
  delete doc.seeds;
  delete doc.zip;
  applySets(doc, point.sets);
  const name = file.split('/').at(-1)!.replace(/\.(ya?ml|json)$/i, '');
  return { doc, file, ...validateScenario(doc, name, dirname(file)) };
}

export interface KernelSweepOptions {
  target: string;
  modules?: string[];
  batchSize?: number;
  log?: (line: string) => void;
}

/** Run every missing point of a sweep file into `root`; returns counts. */
export async function runKernelSweep(file: string, root: string, opts: KernelSweepOptions): Promise<{ done: number; skipped: number; failed: number }> {
  const log = opts.log ?? (() => {});
  const points = expandSweep(readScenarioDoc(file)).map((p) => ({ label: p.sets.join(' '), loaded: loadSweepPoint(file, p) }));
  const dirOf = (l: LoadedScenario): string => defaultRunDir(root, l.resolved.name, scenarioHash(l.resolved), l.resolved.seed);
  // Done points are recognised by what they ran (pointKey + seed), not by directory name:
  // the hash in the name changes whenever the resolved scenario gains a field.
  // Runs packed into the tree's archives count too (reference trees, reference.ts).
  const done = new Set(loadRunTree(root).map((r) => `${pointKey(r.resolved)} ${r.resolved.seed}`));
  const todo = points.filter((p) => !done.has(`${pointKey(p.loaded.resolved)} ${p.loaded.resolved.seed}`));
  const counts = { done: 0, skipped: points.length - todo.length, failed: 0 };
  log(`${points.length} points, ${counts.skipped} already done, ${todo.length} to run`);
  const size = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  for (let b = 0; b < todo.length; b += size) {
    const batch = todo.slice(b, b + size);
    await runKernelBatch(
      batch.map((p) => p.loaded),
      {
        target: opts.target,
        ...(opts.modules ? { modules: opts.modules } : {}),
        log,
        onResult: (i, r) => {
          const p = batch[i]!;
          if (r instanceof Error) {
            counts.failed++;
            log(`FAILED ${p.label}: ${r.message}`);
            if (r instanceof KernelRunError) {
              const dir = join(root, '.failed', dirOf(p.loaded).split('/').slice(-2).join('-'));
              writeDirAtomic(dir, { 'error.txt': `${r.message}\n`, ...r.files }, 'failed');
              log(`  raw files kept in ${dir}`);
            }
          } else {
            writeRun(dirOf(p.loaded), r);
            counts.done++;
            log(`done ${p.label}: ${r.summary.aggregate.goodputMbps.toFixed(2)} Mbit/s (${counts.done + counts.skipped}/${points.length})`);
            const pressure = tcpMemoryPressureWarning(r.meta);
            if (pressure) log(`  ${pressure}`);
          }
        },
      },
    );
  }
  return counts;
}

/**
 * Re-derive every kernel run directory under root from its raw/ files, with
 * the current converter (the raw files are the measurement; summary.json and
 * timeseries.csv are derived from them). Keeps each run's creation time and
 * wall time. With `reresolve`, the run's scenario.yaml is also resolved
 * again by the current code, so that runs made by different versions share
 * today's resolved.json and scenario hash, and the directory is renamed to
 * <scenario>/<hash>-seed<n> accordingly. Returns how many were rewritten.
 */
export function reconvertRuns(root: string, opts: { reresolve?: boolean; log?: (line: string) => void } = {}): number {
  let n = 0;
  for (const r of findRuns(root)) {
    if (r.summary.source !== 'kernel' || !existsSync(join(r.dir, 'raw'))) continue;
    const a = deriveRun({ name: basename(r.dir), files: readDirFiles(r.dir) as Record<string, Buffer> }, r.dir, { reresolve: opts.reresolve });
    const resolved = a.resolved;
    const dir = opts.reresolve ? join(r.dir, '..', '..', defaultRunDir('', resolved.name, scenarioHash(resolved), resolved.seed)) : r.dir;
    writeRun(dir, a);
    if (resolve(dir) !== resolve(r.dir)) rmSync(r.dir, { recursive: true, force: true });
    n++;
  }
  opts.log?.(`re-derived ${n} kernel run(s) under ${root} from their raw files`);
  return n;
}
