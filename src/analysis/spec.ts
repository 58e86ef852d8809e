/**
 * The sweep fields of a scenario file and what they mean.
 *
 *   sweep:              scenario path -> list of values (units as anywhere else)
 *     link.loss: [0, 1%, 5%]
 *     link.rtt:  [10ms, 50ms]
 *     flows[0].cc: [brutal, bbr, cubic]
 *   zip: [[link.rtt, link.queue]]   paths that advance together instead of
 *                                   forming a cartesian product (equal lengths)
 *   seeds: 3                        each point runs with seed, seed+1, ... seed+2
 *   harm: true                      also run every flow alone and report harm
 *
 * Points are the cartesian product over the zip groups and the remaining
 * paths, in the order the paths are written (the first varies slowest).
 * Checks here are structural; plan.ts validates every point through the
 * scenario schema. Documented in docs/analysis.md.
 */
import { z } from 'zod';
import { InputError } from '../scenario/errors.js';
import { parsePath, formatPath, type PathToken } from '../scenario/path.js';
import { canonicalJson } from '../scenario/resolve.js';

/** The fields a sweep adds to a scenario; removed before a point is validated. */
export const SWEEP_FIELDS = ['sweep', 'zip', 'seeds', 'harm'] as const;

/** Top-level fields that cannot be swept, with the reason. */
const NOT_SWEEPABLE: Record<string, string> = {
  seed: 'use "seeds: N" to run every point with N seeds',
  name: 'every point of a sweep shares the scenario name',
  description: 'it does not change a run',
  sweep: 'a sweep cannot sweep itself',
  zip: 'a sweep cannot sweep itself',
  seeds: 'use "seeds: N" at the top level',
  harm: 'use "harm: true" at the top level',
};

export const MAX_SEEDS = 1000;

export interface SweepAxis {
  /** Scenario path as written, e.g. "flows[0].cc". */
  path: string;
  tokens: PathToken[];
  /** Values as written in the file (strings with units, numbers, ...). */
  values: unknown[];
}

export interface SweepSpec {
  /** Swept paths in the order they are written. */
  axes: SweepAxis[];
  /** Iteration groups: each zip group, and every other path alone, in order of first appearance. */
  groups: string[][];
  /** Number of seeds per point (>= 1). */
  seeds: number;
  /** Run solo baselines and compute harm. */
  harm: boolean;
}

const fieldsSchema = z.object({
  sweep: z
    .record(z.string(), z.unknown(), { error: () => 'expected a mapping of scenario paths to lists of values, e.g. {link.loss: [0, 1%, 5%]}' })
    .optional(),
  zip: z
    .array(z.array(z.string(), { error: () => 'expected a list of sweep paths, e.g. [link.rtt, link.queue]' }), {
      error: () => 'expected a list of groups of sweep paths, e.g. [[link.rtt, link.queue]]',
    })
    .optional(),
  seeds: z
    .number({ error: () => `expected a whole number of seeds, 1..${MAX_SEEDS}` })
    .int({ error: () => `expected a whole number of seeds, 1..${MAX_SEEDS}` })
    .min(1, { error: () => `must be between 1 and ${MAX_SEEDS}` })
    .max(MAX_SEEDS, { error: () => `must be between 1 and ${MAX_SEEDS}` })
    .optional(),
  harm: z.boolean({ error: () => 'expected true or false' }).optional(),
});

function isPrefix(a: readonly PathToken[], b: readonly PathToken[]): boolean {
  return a.length <= b.length && a.every((t, i) => t === b[i]);
}

/** Show a value as the user wrote it, for error messages. */
export function showValue(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : canonicalJson(v);
}

/**
 * Read and check the sweep fields of a scenario document. A document without
 * `sweep` is a sweep of one point (with `seeds` seeds).
 */
export function parseSweepSpec(doc: Record<string, unknown>): SweepSpec {
  const r = fieldsSchema.safeParse({ sweep: doc.sweep, zip: doc.zip, seeds: doc.seeds, harm: doc.harm });
  if (!r.success) {
    const iss = r.error.issues[0]!;
    throw new InputError(`${formatPath(iss.path as PathToken[])}: ${iss.message}`);
  }
  const { sweep = {}, zip = [], seeds = 1, harm = false } = r.data;

  const axes: SweepAxis[] = [];
  for (const [path, values] of Object.entries(sweep)) {
    const where = `sweep.${path}`;
    let tokens: PathToken[];
    try {
      tokens = parsePath(path);
    } catch {
      throw new InputError(`${where}: not a scenario path (write e.g. link.loss or flows[0].cc)`);
    }
    const top = String(tokens[0]);
    if (NOT_SWEEPABLE[top] !== undefined) throw new InputError(`${where}: "${top}" cannot be swept: ${NOT_SWEEPABLE[top]}`);
    if (!Array.isArray(values)) throw new InputError(`${where}: expected a list of values, e.g. [0, 1%, 5%]`);
    if (values.length === 0) throw new InputError(`${where}: empty list; give at least one value, e.g. [0, 1%, 5%]`);
    values.forEach((v, i) => {
      if (v === null || v === undefined) throw new InputError(`${where}[${i}]: empty value; give a value such as 1% or 50ms`);
    });
    for (const other of axes) {
      if (isPrefix(other.tokens, tokens) || isPrefix(tokens, other.tokens)) {
        throw new InputError(`${where}: overlaps sweep.${other.path}; sweep one or the other`);
      }
    }
    axes.push({ path, tokens, values });
  }

  const byPath = new Map(axes.map((a) => [a.path, a]));
  const zipped = new Map<string, number>();
  zip.forEach((group, gi) => {
    if (group.length < 2) throw new InputError(`zip[${gi}]: a zip group needs at least two sweep paths, e.g. [link.rtt, link.queue]`);
    for (const p of group) {
      const axis = byPath.get(p);
      if (axis === undefined) {
        throw new InputError(`zip[${gi}]: "${p}" is not a sweep path; sweep paths: ${axes.map((a) => a.path).join(', ') || '(none)'}`);
      }
      if (zipped.has(p)) throw new InputError(`zip[${gi}]: "${p}" is already in zip[${zipped.get(p)}]`);
      zipped.set(p, gi);
      const first = byPath.get(group[0]!)!;
      if (axis.values.length !== first.values.length) {
        throw new InputError(
          `zip[${gi}]: ${first.path} has ${first.values.length} values but ${p} has ${axis.values.length}; zipped paths need lists of the same length`,
        );
      }
    }
  });

  // every value of a path once; in a zip group, every combination of the group's values once
  // (a zipped list may repeat a value: [false, true, false, true] next to [codel, codel+ecn, ...])
  for (const a of axes) if (!zipped.has(a.path)) checkDistinct(`sweep.${a.path}`, a.values.map((v) => [v]));
  zip.forEach((group, gi) => {
    const lists = group.map((p) => byPath.get(p)!.values);
    checkDistinct(`zip[${gi}]`, lists[0]!.map((_, i) => lists.map((l) => l[i])));
  });

  const groups: string[][] = [];
  const placed = new Set<number>();
  for (const a of axes) {
    const gi = zipped.get(a.path);
    if (gi === undefined) groups.push([a.path]);
    else if (!placed.has(gi)) {
      placed.add(gi);
      groups.push(zip[gi]!);
    }
  }
  return { axes, groups, seeds, harm };
}

/** Refuse a value (or, for a zip group, a tuple of values) listed twice. */
function checkDistinct(where: string, tuples: unknown[][]): void {
  const seen = new Map<string, number>();
  tuples.forEach((t, i) => {
    const k = canonicalJson(t);
    if (seen.has(k)) {
      const what = t.length === 1 ? showValue(t[0]) : `(${t.map(showValue).join(', ')})`;
      throw new InputError(`${where}[${i}]: ${what} is listed twice (also at [${seen.get(k)}])`);
    }
    seen.set(k, i);
  });
}

/**
 * Every combination of the sweep: a list of path -> value assignments in
 * cartesian order (the first group varies slowest; zipped paths advance together).
 */
export function expandCombinations(spec: SweepSpec): Record<string, unknown>[] {
  const byPath = new Map(spec.axes.map((a) => [a.path, a]));
  let combos: Record<string, unknown>[] = [{}];
  for (const group of spec.groups) {
    const len = byPath.get(group[0]!)!.values.length;
    const next: Record<string, unknown>[] = [];
    for (const c of combos) {
      for (let i = 0; i < len; i++) {
        const n = { ...c };
        for (const p of group) n[p] = byPath.get(p)!.values[i];
        next.push(n);
      }
    }
    combos = next;
  }
  // keep the document order of paths inside each assignment
  return combos.map((c) => Object.fromEntries(spec.axes.map((a) => [a.path, c[a.path]])));
}
