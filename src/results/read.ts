/**
 * Reading run folders for the commands that take results as input (chart,
 * report, compare, fit): every broken input is one InputError naming the
 * file and what is wrong, never a stack trace, a silent skip or exit 0.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { InputError } from '../scenario/errors.js';
import { formatPath } from '../scenario/path.js';
import type { ResolvedScenario } from '../scenario/resolve.js';
import { runSummarySchema, SUMMARY_SCHEMA, type RunSummary } from './schema.js';

/** The first problem of a schema check, with its field, in a few words. */
export function schemaIssue(e: z.ZodError): string {
  const i = e.issues[0]!;
  const msg = i.code === 'invalid_type' && /received undefined/.test(i.message) ? 'missing' : i.message;
  return `${formatPath(i.path as (string | number)[]) || 'top level'}: ${msg}${e.issues.length > 1 ? ` (and ${e.issues.length - 1} more)` : ''}`;
}

/** Parse a JSON file or throw InputError naming it. */
export function readJsonInput(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file}: not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
}

/** A run's summary.json, checked against cclab.summary/1. */
export function readRunSummaryInput(file: string): RunSummary {
  const r = runSummarySchema.safeParse(readJsonInput(file));
  if (!r.success) throw new InputError(`${file}: not a ${SUMMARY_SCHEMA} run summary (${schemaIssue(r.error)})`);
  return r.data;
}

/** A run's resolved.json: an object with a link and a list of flows. */
export function readResolvedInput(file: string, flows?: number): ResolvedScenario {
  const r = readJsonInput(file) as ResolvedScenario;
  const ok = r !== null && typeof r === 'object' && r.link !== null && typeof r.link === 'object' && typeof r.link.rateBps === 'number' && Array.isArray(r.flows);
  if (!ok) throw new InputError(`${file}: not a resolved scenario (needs link.rateBps and flows)`);
  if (flows !== undefined && r.flows.length !== flows) throw new InputError(`${file}: has ${r.flows.length} flows but its summary.json has ${flows}`);
  return r;
}

/**
 * Whether `dir` is a run folder (summary.json and resolved.json). A folder
 * with only one of them is a broken run: InputError, not a silent skip. A
 * sweep folder (its summary.json is a sweep summary) is not a run.
 */
export function isRunDir(dir: string): boolean {
  const summary = existsSync(join(dir, 'summary.json'));
  const resolved = existsSync(join(dir, 'resolved.json'));
  if (summary && resolved) return true;
  if (resolved) throw new InputError(`${dir}: a run folder without summary.json (unfinished or broken; re-run it)`);
  if (summary) {
    const raw = readJsonInput(join(dir, 'summary.json')) as { schema?: unknown } | null;
    if (raw !== null && typeof raw === 'object' && raw.schema === SUMMARY_SCHEMA) {
      throw new InputError(`${dir}: a run folder without resolved.json (broken; re-run it)`);
    }
  }
  return false;
}
