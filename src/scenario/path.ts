/**
 * Scenario paths such as `flows[0].brutal.rate` or `link.loss`: the syntax of
 * `--set` and of sweep keys.
 */
import { InputError } from './errors.js';

export type PathToken = string | number;

/** Names that would reach Object.prototype through a plain object: never a path segment. */
export const FORBIDDEN_SEGMENTS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Split `flows[0].brutal.rate` into ["flows", 0, "brutal", "rate"]. */
export function parsePath(path: string): PathToken[] {
  const tokens: PathToken[] = [];
  const re = /([A-Za-z0-9_-]+)|\[(\d+)\]|(\.)/y;
  let expectKey = true;
  let pos = 0;
  while (pos < path.length) {
    re.lastIndex = pos;
    const m = re.exec(path);
    if (!m) throw new InputError(`${path}: not a scenario path (write e.g. link.loss or flows[0].cc)`);
    if (m[1] !== undefined) {
      if (!expectKey) throw new InputError(`${path}: not a scenario path (write e.g. link.loss or flows[0].cc)`);
      if (FORBIDDEN_SEGMENTS.has(m[1])) throw new InputError(`${path}: "${m[1]}" cannot be part of a scenario path`);
      tokens.push(m[1]);
      expectKey = false;
    } else if (m[2] !== undefined) {
      if (expectKey) throw new InputError(`${path}: not a scenario path (write e.g. link.loss or flows[0].cc)`);
      tokens.push(Number(m[2]));
    } else {
      if (expectKey) throw new InputError(`${path}: not a scenario path (write e.g. link.loss or flows[0].cc)`);
      expectKey = true;
    }
    pos = re.lastIndex;
  }
  if (tokens.length === 0 || expectKey) throw new InputError(`${path}: not a scenario path (write e.g. link.loss or flows[0].cc)`);
  return tokens;
}

export function formatPath(tokens: readonly PathToken[]): string {
  let s = '';
  for (const t of tokens) s += typeof t === 'number' ? `[${t}]` : s === '' ? t : `.${t}`;
  return s;
}

/**
 * Set `value` at `path` inside a plain JSON document (mutates `doc`).
 * Intermediate objects are created; list indices must exist.
 */
export function setPath(doc: Record<string, unknown>, path: string, value: unknown): void {
  const tokens = parsePath(path);
  let cur: unknown = doc;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const last = i === tokens.length - 1;
    const here = formatPath(tokens.slice(0, i));
    if (typeof t === 'number') {
      if (!Array.isArray(cur)) throw new InputError(`${path}: ${here} is not a list`);
      if (t >= cur.length) throw new InputError(`${path}: ${here} has ${cur.length} entr${cur.length === 1 ? 'y' : 'ies'} (index ${t} does not exist)`);
      if (last) cur[t] = value;
      else cur = cur[t];
    } else {
      if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) {
        throw new InputError(`${path}: ${here || 'the scenario'} is not an object with fields`);
      }
      const o = cur as Record<string, unknown>;
      if (last) o[t] = value;
      else {
        const next = tokens[i + 1]!;
        if (o[t] === undefined || o[t] === null) {
          if (typeof next === 'number') throw new InputError(`${path}: ${formatPath(tokens.slice(0, i + 1))} does not exist`);
          o[t] = {};
        }
        cur = o[t];
      }
    }
  }
}

/**
 * Remove the field at `path` from a plain JSON document (mutates `doc`);
 * nothing happens when it is absent. A list entry cannot be removed (the
 * entries after it would change their index).
 */
export function deletePath(doc: Record<string, unknown>, path: string): void {
  const tokens = parsePath(path);
  const last = tokens[tokens.length - 1]!;
  if (typeof last === 'number') throw new InputError(`${path}: null removes a field; a list entry cannot be removed`);
  const parent = tokens.length === 1 ? doc : getPath(doc, formatPath(tokens.slice(0, -1)));
  if (parent === null || typeof parent !== 'object' || Array.isArray(parent)) return;
  delete (parent as Record<string, unknown>)[last];
}

/** Read a value at `path`, or undefined. */
export function getPath(doc: unknown, path: string): unknown {
  let cur: unknown = doc;
  for (const t of parsePath(path)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[t];
  }
  return cur;
}
