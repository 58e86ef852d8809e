/**
 * Running one sweep point: validate its scenario, simulate, and write its run
 * directory atomically (summary.json, timeseries.csv, ... plus point.json
 * saying which point and which simulator build produced it). Runs inside a
 * worker thread (worker.ts), one point at a time.
 */
import { performance } from 'node:perf_hooks';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { validateScenario } from '../scenario/load.js';
import { scenarioHash } from '../scenario/resolve.js';
import { simulate } from '../sim/index.js';
import { writeRun } from '../results/write.js';
import { toJson } from '../results/io.js';

/** What the main thread sends a worker for one point. */
export interface PointTask {
  index: number;
  key: string;
  hash: string;
  seed: number;
  role: 'main' | 'solo';
  doc: Record<string, unknown>;
  scenarioFile: string | null;
  /** Run directory to write. */
  dir: string;
  /** Fingerprint of the simulator build (see fingerprint.ts). */
  simulator: string;
  /** Estimated work, only used to start the longest points first (results do not depend on it). */
  cost?: number;
}

export type PointResult = { index: number; ok: true; wallSeconds: number } | { index: number; ok: false; error: string };

/** Contents of point.json in every point's run directory. */
export interface PointRecord {
  key: string;
  hash: string;
  seed: number;
  role: 'main' | 'solo';
  simulator: string;
}

export const POINT_FILE = 'point.json';

export function runPointTask(t: PointTask): PointResult {
  const t0 = performance.now();
  try {
    const { resolved } = validateScenario(t.doc, String(t.doc.name));
    const hash = scenarioHash(resolved);
    if (hash !== t.hash || resolved.seed !== t.seed) {
      throw new Error(`point ${t.key}: the scenario resolves to ${hash}-seed${resolved.seed} in the worker (simulator and planner disagree)`);
    }
    const artifacts = simulate(resolved, t.doc, t.scenarioFile);
    const record: PointRecord = { key: t.key, hash: t.hash, seed: t.seed, role: t.role, simulator: t.simulator };
    writeRun(t.dir, { ...artifacts, extra: { ...(artifacts.extra ?? {}), [POINT_FILE]: toJson(record) } });
    return { index: t.index, ok: true, wallSeconds: (performance.now() - t0) / 1000 };
  } catch (e) {
    return { index: t.index, ok: false, error: (e as Error)?.message ?? String(e) };
  }
}

/** Whether `dir` holds a finished point made by the simulator build `simulator`. */
export function isPointDone(dir: string, simulator: string): boolean {
  try {
    if (!existsSync(join(dir, 'summary.json'))) return false;
    const rec = JSON.parse(readFileSync(join(dir, POINT_FILE), 'utf8')) as Partial<PointRecord>;
    return rec.simulator === simulator;
  } catch {
    return false;
  }
}
