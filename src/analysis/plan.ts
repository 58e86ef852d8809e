/**
 * From a scenario document with sweep fields to the list of runs to do.
 *
 * A *combination* is one assignment of the swept paths; its scenario (the
 * base document with those values set) is validated through the scenario
 * schema like any scenario file, so a bad value gets the same one-line error,
 * prefixed with the sweep path that produced it. A *point* is a combination
 * run with one seed; its identity is scenarioHash + seed, which is also the
 * name of its run directory, so finished points are found again on a re-run.
 *
 * Per-CC parameter blocks (flows[i].brutal, .cubic: one per registered CC) only apply to
 * points whose flows[i].cc is that CC: when flows[i].cc is swept, a block for
 * another CC is dropped from those points, and a swept value under it is
 * "not applicable" there (an empty cell in summary.csv).
 */
import { InputError } from '../scenario/errors.js';
import { ccNames } from '../cc/index.js';
import { formatZodError, setField } from '../scenario/load.js';
import { formatPath, getPath, type PathToken } from '../scenario/path.js';
import { withTraceBase } from '../scenario/trace-file.js';
import { canonicalJson, resolveScenario, scenarioHash, type ResolvedScenario } from '../scenario/resolve.js';
import { scenarioSchema } from '../scenario/schema.js';
import { expandCombinations, parseSweepSpec, showValue, SWEEP_FIELDS, type SweepSpec } from './spec.js';


export interface SoloBaseline {
  /** Index of the flows[] entry this baseline runs alone. */
  group: number;
  hash: string;
  doc: Record<string, unknown>;
}

export interface PlannedCombo {
  index: number;
  /** Swept path -> value as written, for the paths that apply to this combination. */
  params: Record<string, unknown>;
  hash: string;
  /** The scenario of this combination, without seed. */
  doc: Record<string, unknown>;
  /** Resolved with the first seed. */
  resolved: ResolvedScenario;
  /** Each flow group alone (only when harm is asked for). */
  solo: SoloBaseline[];
}

export interface PlannedPoint {
  /** Run directory name and identity: <scenario hash>-seed<seed>. */
  key: string;
  hash: string;
  seed: number;
  role: 'main' | 'solo';
  /** The complete scenario document of this run (seed included). */
  doc: Record<string, unknown>;
}

export interface SweepPlan {
  name: string;
  spec: SweepSpec;
  seeds: number[];
  combos: PlannedCombo[];
  /** Every distinct run, main points first (combination order, then seed), then solo baselines. */
  points: PlannedPoint[];
}

export function pointKey(hash: string, seed: number): string {
  return `${hash}-seed${seed}`;
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

function related(a: readonly PathToken[], b: readonly PathToken[]): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The base document: the scenario without its sweep fields, with a name. */
export function baseDocument(doc: Record<string, unknown>, name: string): Record<string, unknown> {
  const base = clone(doc);
  for (const f of SWEEP_FIELDS) delete base[f];
  if (base.name === undefined) base.name = name;
  return base;
}

/** Apply one combination to the base document (including the per-CC block rule). */
function applyCombination(base: Record<string, unknown>, assignment: Record<string, unknown>): Record<string, unknown> {
  const doc = clone(base);
  for (const [path, value] of Object.entries(assignment)) {
    try {
      setField(doc, path, clone(value));
    } catch (e) {
      if (e instanceof InputError) throw new InputError(`sweep.${e.message}`);
      throw e;
    }
  }
  const flows = doc.flows;
  for (const path of Object.keys(assignment)) {
    const m = /^flows\[(\d+)\]\.cc$/.exec(path);
    if (!m || !Array.isArray(flows)) continue;
    const f = flows[Number(m[1])] as Record<string, unknown> | undefined;
    if (f === null || typeof f !== 'object') continue;
    for (const k of ccNames()) if (f[k] !== undefined && f.cc !== k) delete f[k];
  }
  return doc;
}

/** Validate a point's document; on failure name the sweep value responsible. */
function validatePoint(doc: Record<string, unknown>, assignment: Record<string, unknown>, spec: SweepSpec, what: string): ResolvedScenario {
  const r = scenarioSchema().safeParse(doc);
  if (r.success) return resolveScenario(r.data, String(doc.name));
  const issue = r.error.issues[0]!;
  const errPath = issue.path as PathToken[];
  for (const axis of spec.axes) {
    if (!(axis.path in assignment) || getPath(doc, axis.path) === undefined) continue;
    if (!related(errPath, axis.tokens)) continue;
    const value = assignment[axis.path];
    const idx = axis.values.findIndex((v) => canonicalJson(v) === canonicalJson(value));
    if (/^unknown field/.test(issue.message) && errPath.length < axis.tokens.length) {
      throw new InputError(`sweep.${axis.path}: not a scenario path: ${formatPath(errPath) || 'scenario'}: ${issue.message}`);
    }
    throw new InputError(`sweep.${axis.path}[${idx}] = ${showValue(value)}: ${formatZodError(r.error)}`);
  }
  const shown = Object.entries(assignment).map(([p, v]) => `${p}: ${showValue(v)}`).join(', ');
  throw new InputError(`sweep: ${what}${shown ? ` {${shown}}` : ''} is not a valid scenario: ${formatZodError(r.error)}`);
}

/** Most points a sweep may have unless --max-points says more. */
export const MAX_SWEEP_POINTS = 100_000;
/** Combinations planned between two looks at the event loop (signals end planning too). */
const PLAN_SLICE = 200;

export interface PlanOptions {
  /** Largest number of points allowed (default MAX_SWEEP_POINTS). */
  maxPoints?: number;
  /** The scenario file's folder: relative trace paths are taken from it (default: the working directory). */
  baseDir?: string | null;
}

/**
 * The most points a sweep spec can give (combinations x seeds, plus a solo
 * baseline per flow group when harm is on), computed from the list lengths
 * before anything is expanded.
 */
export function pointCountBound(spec: SweepSpec, doc: Record<string, unknown>): { points: number; combos: number; shown: string } {
  const lengths = spec.groups.map((g) => spec.axes.find((a) => a.path === g[0])!.values.length);
  const combos = lengths.reduce((a, b) => a * b, 1);
  const flowGroups = spec.harm && Array.isArray(doc.flows) ? doc.flows.length : 0;
  const points = combos * spec.seeds * (1 + flowGroups);
  const shown = `${lengths.length ? lengths.join(' x ') : '1'} combination${combos === 1 ? '' : 's'} x ${spec.seeds} seed${spec.seeds === 1 ? '' : 's'}${flowGroups ? ` x (1 + ${flowGroups} solo baselines)` : ''}`;
  return { points, combos, shown };
}

/** Refuse a sweep of more than `max` points, before planning allocates anything. */
export function checkPointCount(spec: SweepSpec, doc: Record<string, unknown>, max = MAX_SWEEP_POINTS): void {
  const b = pointCountBound(spec, doc);
  if (b.points > max) {
    throw new InputError(`sweep: up to ${b.points} points (${b.shown}); at most ${max} unless --max-points says more`);
  }
}

/**
 * Expand a scenario document (after --set) into combinations and points.
 * Throws InputError (one line naming the path) for any bad sweep or value.
 */
export function planSweep(doc: Record<string, unknown>, name: string, opts: PlanOptions = {}): SweepPlan {
  const steps = planSteps(doc, name, opts);
  for (;;) {
    const r = withTraceBase(opts.baseDir ?? null, () => steps.next());
    if (r.done) return r.value;
  }
}

/** planSweep, giving the event loop a turn now and then (so SIGINT and SIGTERM end a long planning). */
export async function planSweepAsync(doc: Record<string, unknown>, name: string, opts: PlanOptions = {}): Promise<SweepPlan> {
  const steps = planSteps(doc, name, opts);
  for (;;) {
    const r = withTraceBase(opts.baseDir ?? null, () => steps.next());
    if (r.done) return r.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

function* planSteps(doc: Record<string, unknown>, name: string, opts: PlanOptions): Generator<void, SweepPlan, void> {
  const spec = parseSweepSpec(doc);
  checkPointCount(spec, doc, opts.maxPoints ?? MAX_SWEEP_POINTS);
  const base = baseDocument(doc, name);
  const combos: PlannedCombo[] = [];
  const seenParams = new Set<string>();
  const seenHash = new Map<string, Record<string, unknown>>();
  let n = 0;
  for (const assignment of expandCombinations(spec)) {
    if (++n % PLAN_SLICE === 0) yield;
    const cdoc = applyCombination(base, assignment);
    const params: Record<string, unknown> = {};
    for (const [p, v] of Object.entries(assignment)) if (getPath(cdoc, p) !== undefined) params[p] = v;
    const pkey = canonicalJson(params);
    if (seenParams.has(pkey)) continue; // identical once non-applicable values are dropped
    seenParams.add(pkey);
    const resolved = validatePoint(cdoc, assignment, spec, 'the point');
    delete cdoc.seed;
    const hash = scenarioHash(resolved);
    const prev = seenHash.get(hash);
    if (prev !== undefined) {
      const show = (a: Record<string, unknown>) => Object.entries(a).map(([p, v]) => `${p}: ${showValue(v)}`).join(', ');
      throw new InputError(`sweep: {${show(prev)}} and {${show(params)}} give the same scenario; list each value once`);
    }
    seenHash.set(hash, params);
    const solo: SoloBaseline[] = [];
    if (spec.harm) {
      if (resolved.flows.length < 2) {
        throw new InputError(`harm: needs at least two flows (each flow is compared with itself running alone); the scenario has ${resolved.flows.length}`);
      }
      const groups = [...new Set(resolved.flows.map((f) => f.group))];
      for (const g of groups) {
        const sdoc = clone(cdoc);
        const flows = sdoc.flows as Record<string, unknown>[];
        sdoc.flows = [{ ...flows[g]!, count: 1 }];
        const sres = validatePoint({ ...sdoc, seed: resolved.seed }, assignment, spec, `the solo baseline of flows[${g}] of`);
        solo.push({ group: g, hash: scenarioHash(sres), doc: sdoc });
      }
    }
    combos.push({ index: combos.length, params, hash, doc: cdoc, resolved, solo });
  }

  const seed0 = combos[0]?.resolved.seed ?? 1;
  const seeds = Array.from({ length: spec.seeds }, (_, i) => seed0 + i);
  const points: PlannedPoint[] = [];
  const keys = new Set<string>();
  const add = (hash: string, seed: number, role: PlannedPoint['role'], d: Record<string, unknown>) => {
    const key = pointKey(hash, seed);
    if (keys.has(key)) return;
    keys.add(key);
    points.push({ key, hash, seed, role, doc: { ...d, seed } });
  };
  for (const c of combos) for (const s of seeds) add(c.hash, s, 'main', c.doc);
  for (const c of combos) for (const b of c.solo) for (const s of seeds) add(b.hash, s, 'solo', b.doc);
  return { name: String(base.name), spec, seeds, combos, points };
}
