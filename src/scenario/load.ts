/**
 * Reading scenario files (YAML or JSON), applying `--set` overrides, and
 * validating them into a ParsedScenario / ResolvedScenario.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname } from 'node:path';
import YAML from 'yaml';
import type { z } from 'zod';
import { InputError } from './errors.js';
import { deletePath, formatPath, getPath, setPath } from './path.js';
import { dropStaleCcBlocks } from './cc-switch.js';
import { resolveScenario, type ResolvedScenario } from './resolve.js';
import { plainNameProblem, scenarioSchema, type ParsedScenario } from './schema.js';
import { withTraceBase } from './trace-file.js';

/** Largest scenario file read: 4 MB (a thousand-flow scenario is ~100 kB). */
export const MAX_SCENARIO_BYTES = 4 * 1024 * 1024;

export interface LoadedScenario {
  /** The document as written plus overrides (what gets saved as scenario.yaml). */
  doc: Record<string, unknown>;
  parsed: ParsedScenario;
  resolved: ResolvedScenario;
  /** Path of the file it came from. */
  file: string;
  /** What the overrides changed beyond what they say (cc-switch.ts), one note each. */
  notes?: string[];
}

/** Parse the text of a scenario file. */
export function parseScenarioText(text: string, file: string): Record<string, unknown> {
  let doc: unknown;
  const json = extname(file).toLowerCase() === '.json';
  try {
    if (json) doc = JSON.parse(text);
    else {
      // merge: YAML 1.1 merge keys (`<<: *defaults`), which scenario files use to share link settings
      const d = YAML.parseDocument(text, { merge: true, prettyErrors: false });
      // a warning (an ambiguous alias, a tag that does not fit) means the file does not say what it seems to: refused, not printed
      const problem = d.errors[0] ?? d.warnings[0];
      if (problem) throw problem;
      doc = d.toJS({ maxAliasCount: 100 });
    }
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0];
    throw new InputError(`${file}: not valid ${json ? 'JSON' : 'YAML'}: ${msg}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new InputError(`${file}: a scenario must be a mapping with duration, link and flows`);
  }
  // top-level `x-...` fields hold YAML anchors for merge keys (as in docker compose): not part of the scenario
  for (const k of Object.keys(doc)) if (k.startsWith('x-')) delete (doc as Record<string, unknown>)[k];
  return doc as Record<string, unknown>;
}

export function readScenarioDoc(file: string): Record<string, unknown> {
  let text: string;
  try {
    const size = statSync(file).size;
    if (size > MAX_SCENARIO_BYTES) throw new InputError(`${file}: ${size} bytes; a scenario file may have at most ${MAX_SCENARIO_BYTES} bytes`);
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${file}: cannot read scenario file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseScenarioText(text, file);
}

/** Parse the right-hand side of `--set path=value` as a YAML scalar or flow collection. */
export function parseSetValue(raw: string): unknown {
  try {
    const v = YAML.parse(raw);
    return v === null && raw.trim() !== 'null' && raw.trim() !== '~' ? raw : v;
  } catch {
    return raw;
  }
}

/**
 * Fields that say the same thing two ways: setting one replaces the other,
 * so `--set link.delay={forward: 10ms, reverse: 40ms}` works on a scenario
 * written with `link.rtt`, and the other way round.
 */
const ALTERNATIVES: readonly (readonly [string, string])[] = [['link.rtt', 'link.delay']];

/**
 * A qdisc parameter path (`link.qdisc.codel.target`) on a document that
 * names its qdisc as a string (`qdisc: codel`): turn the string into the
 * mapping form first, so the parameter can be set. A parameter of another
 * qdisc than the one written is refused.
 */
function prepareQdiscPath(doc: Record<string, unknown>, path: string): void {
  // the single link's, or a chain link's (links[1].qdisc.codel.target)
  const m = /^(link|links\[\d+\])\.qdisc\.([A-Za-z0-9_-]+)(\.|$)/.exec(path);
  if (!m) return;
  const at = m[1]!;
  const name = m[2]!;
  const link = getPath(doc, at);
  if (link === null || typeof link !== 'object' || Array.isArray(link)) return;
  const l = link as Record<string, unknown>;
  if (typeof l.qdisc !== 'string') return;
  if (l.qdisc !== name) {
    throw new InputError(`${path}: ${at}.qdisc is ${l.qdisc}, not ${name}; set ${at}.qdisc=${name} first, or write ${at}.qdisc={${name}: {...}}`);
  }
  l.qdisc = { [l.qdisc]: {} };
}

/**
 * setPath for a scenario document: also drops the alternative of the field
 * it sets. A null value removes the field (its default applies).
 */
export function setField(doc: Record<string, unknown>, path: string, value: unknown): void {
  if (value === null) {
    deletePath(doc, path);
    return;
  }
  prepareQdiscPath(doc, path);
  setPath(doc, path, value);
  // a chain link's fields have the same alternatives: links[1].rtt replaces links[1].delay
  const hop = /^links\[\d+\]/.exec(path)?.[0];
  const rel = hop !== undefined ? `link${path.slice(hop.length)}` : path;
  for (const pair of ALTERNATIVES) {
    for (const [mine, other] of [pair, [pair[1], pair[0]]] as const) {
      if (rel !== mine && !rel.startsWith(`${mine}.`)) continue;
      const [top, field] = other.split('.') as [string, string];
      const parent = hop !== undefined ? getPath(doc, hop) : doc[top];
      if (parent !== null && typeof parent === 'object' && !Array.isArray(parent)) delete (parent as Record<string, unknown>)[field];
    }
  }
}

/**
 * Apply `path=value` overrides in order, then the rule for switching a
 * flow's CC (cc-switch.ts): returns one note per parameter block the
 * switch dropped, for the command to print.
 */
export function applySets(doc: Record<string, unknown>, sets: readonly string[]): string[] {
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new InputError(`--set ${s}: expected path=value, e.g. --set link.loss=1%`);
    const path = s.slice(0, eq).trim();
    try {
      setField(doc, path, parseSetValue(s.slice(eq + 1)));
    } catch (e) {
      if (e instanceof InputError) throw new InputError(`--set ${e.message}`);
      throw e;
    }
  }
  return dropStaleCcBlocks(doc, sets);
}

/** One line describing the first schema problem. */
export function formatZodError(err: z.ZodError): string {
  const issue = err.issues[0]!;
  const path = formatPath(issue.path as (string | number)[]);
  const more = err.issues.length > 1 ? ` (and ${err.issues.length - 1} more problem${err.issues.length > 2 ? 's' : ''})` : '';
  let message = issue.message;
  if (issue.code === 'invalid_type') {
    const m = /expected (\w+), received (\w+)/.exec(message);
    if (m && m[2] === 'undefined') message = 'missing';
    else if (m) message = `expected a ${m[1]}, got a ${m[2]}`;
  }
  return `${path || 'scenario'}: ${message}${more}`;
}

/**
 * Validate and resolve a scenario document. `baseDir` is the folder relative
 * file paths in it (link.trace) are taken from: the scenario file's; the
 * working directory when null.
 */
export function validateScenario(doc: Record<string, unknown>, fallbackName: string, baseDir: string | null = null): { parsed: ParsedScenario; resolved: ResolvedScenario } {
  const r = withTraceBase(baseDir, () => scenarioSchema().safeParse(doc));
  if (!r.success) throw new InputError(formatZodError(r.error));
  const nameProblem = r.data.name === undefined ? plainNameProblem(fallbackName) : null;
  if (nameProblem !== null) throw new InputError(`name: the scenario has no name and its file name gives "${fallbackName}" (${nameProblem}); add name: to the scenario`);
  return { parsed: r.data, resolved: resolveScenario(r.data, fallbackName) };
}

/** Read, override and validate a scenario file. */
export function loadScenario(file: string, sets: readonly string[] = []): LoadedScenario {
  const doc = readScenarioDoc(file);
  const notes = applySets(doc, sets);
  const name = basename(file).replace(/\.(ya?ml|json)$/i, '');
  const { parsed, resolved } = validateScenario(doc, name, dirname(file));
  return { doc, parsed, resolved, file, ...(notes.length ? { notes } : {}) };
}
