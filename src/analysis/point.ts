/**
 * Running one sweep point: validate its scenario, simulate, and write its run
 * directory atomically (summary.json, timeseries.csv, ... plus point.json
 * saying which point and which simulator build produced it). Runs inside a
 * worker thread (worker.ts), one point at a time.
 */
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readFileSync, existsSync, openSync, readSync, fstatSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { BBR3_TIMESERIES_COLUMNS, DCTCP_TIMESERIES_COLUMNS, runMetaSchema, runSummarySchema, TIMESERIES_COLUMNS, TIMESERIES_COLUMNS_BEFORE_DELIVERED } from '../results/schema.js';
import { formatPath } from '../scenario/path.js';
import type { ResolvedScenario } from '../scenario/resolve.js';
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
    const { resolved } = validateScenario(t.doc, String(t.doc.name), t.scenarioFile ? dirname(t.scenarioFile) : null);
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

/**
 * What a point's folder holds:
 *   done      every file parses, matches the schema and this point (key, scenario hash, seed), made by `simulator`
 *   absent    nothing there yet
 *   outdated  a complete point made by another simulator build (recomputed; results never mix builds)
 *   other-backend  a point measured by the other backend (never replaced)
 *   broken    anything else, with what is wrong (recomputed, and said so)
 */
export type PointState =
  | { state: 'done' }
  | { state: 'absent' }
  | { state: 'outdated'; simulator: string }
  | { state: 'other-backend'; simulator: string }
  | { state: 'broken'; why: string };

function backendOf(simulator: string): 'kernel' | 'sim' {
  return simulator.startsWith('kernel:') ? 'kernel' : 'sim';
}

function zodWhy(file: string, e: z.ZodError): string {
  const i = e.issues[0]!;
  return `${file} does not match the result schema (${formatPath(i.path as (string | number)[]) || 'top level'}: ${i.message})`;
}

function readJsonFile(dir: string, file: string): { ok: true; value: unknown } | { ok: false; why: string } {
  let text: string;
  try {
    text = readFileSync(join(dir, file), 'utf8');
  } catch {
    return { ok: false, why: `${file} is missing` };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, why: `${file} is not valid JSON (${text.length} bytes)` };
  }
}

/** The first line of timeseries.csv is its header and the file ends with a newline (not cut short). */
function timeseriesWhy(dir: string): string | null {
  let fd: number;
  try {
    fd = openSync(join(dir, 'timeseries.csv'), 'r');
  } catch {
    return 'timeseries.csv is missing';
  }
  try {
    // the fixed columns, then a bbr3 flow's and a DCTCP flow's optional ones; folders written before delivered_bytes (or dctcp_alpha) lack it and still count
    const headers = [TIMESERIES_COLUMNS, TIMESERIES_COLUMNS_BEFORE_DELIVERED].flatMap((cols) =>
      [[], BBR3_TIMESERIES_COLUMNS].flatMap((bbr3) => [[], DCTCP_TIMESERIES_COLUMNS].map((dctcp) => [...cols, ...bbr3, ...dctcp].join(','))),
    );
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(Math.min(size, Math.max(...headers.map((h) => h.length)) + 1));
    readSync(fd, head, 0, head.length, 0);
    const last = Buffer.alloc(1);
    if (size > 0) readSync(fd, last, 0, 1, size - 1);
    const text = head.toString('latin1');
    if (!headers.some((h) => text.startsWith(`${h}\n`))) return 'timeseries.csv does not start with its header';
    if (last.toString('latin1') !== '\n') return 'timeseries.csv is cut short';
    return null;
  } finally {
    closeSync(fd);
  }
}

/** Check a point's folder against the plan: see PointState. */
export function checkPoint(dir: string, p: { key: string; hash: string; seed: number }, simulator: string): PointState {
  if (!existsSync(dir)) return { state: 'absent' };
  const rec = readJsonFile(dir, POINT_FILE);
  if (!rec.ok) return { state: 'broken', why: rec.why };
  const r = rec.value as Partial<PointRecord>;
  if (r === null || typeof r !== 'object' || typeof r.simulator !== 'string') return { state: 'broken', why: `${POINT_FILE} is not a point record` };
  if (backendOf(r.simulator) !== backendOf(simulator)) return { state: 'other-backend', simulator: r.simulator };
  if (r.key !== p.key || r.hash !== p.hash || r.seed !== p.seed) return { state: 'broken', why: `${POINT_FILE} is of another point (${String(r.key)})` };
  const sum = readJsonFile(dir, 'summary.json');
  if (!sum.ok) return { state: 'broken', why: sum.why };
  const s = runSummarySchema.safeParse(sum.value);
  if (!s.success) return { state: 'broken', why: zodWhy('summary.json', s.error) };
  if (s.data.scenarioHash !== p.hash || s.data.seed !== p.seed) return { state: 'broken', why: `summary.json is of another point (${s.data.scenarioHash}-seed${s.data.seed})` };
  if (s.data.source !== backendOf(simulator)) return { state: 'broken', why: `summary.json is from the ${s.data.source} backend` };
  const res = readJsonFile(dir, 'resolved.json');
  if (!res.ok) return { state: 'broken', why: res.why };
  let hash: string;
  try {
    hash = scenarioHash(res.value as ResolvedScenario);
  } catch {
    return { state: 'broken', why: 'resolved.json is not a resolved scenario' };
  }
  if (hash !== p.hash || (res.value as ResolvedScenario).seed !== p.seed) return { state: 'broken', why: `resolved.json does not match the plan's scenario hash ${p.hash}` };
  const meta = readJsonFile(dir, 'meta.json');
  if (!meta.ok) return { state: 'broken', why: meta.why };
  const m = runMetaSchema.safeParse(meta.value);
  if (!m.success) return { state: 'broken', why: zodWhy('meta.json', m.error) };
  const ts = timeseriesWhy(dir);
  if (ts !== null) return { state: 'broken', why: ts };
  if (!existsSync(join(dir, 'scenario.yaml'))) return { state: 'broken', why: 'scenario.yaml is missing' };
  if (r.simulator !== simulator) return { state: 'outdated', simulator: r.simulator };
  return { state: 'done' };
}

/** Whether `dir` holds a finished, valid point made by the simulator build `simulator`. */
export function isPointDone(dir: string, simulator: string, p?: { key: string; hash: string; seed: number }): boolean {
  if (p) return checkPoint(dir, p, simulator).state === 'done';
  try {
    if (!existsSync(join(dir, 'summary.json'))) return false;
    const rec = JSON.parse(readFileSync(join(dir, POINT_FILE), 'utf8')) as Partial<PointRecord>;
    return rec.simulator === simulator;
  } catch {
    return false;
  }
}
