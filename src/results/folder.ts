/**
 * Folders cclab writes, and the marker that says so.
 *
 * cclab writes only into a folder that does not exist yet, an empty folder,
 * or a folder it wrote itself, recognised by its marker file `.cclab`:
 *
 *   {"schema": "cclab.folder/1", "kind": "run", "backend": "kernel",
 *    "cclabVersion": "0.1.0", "files": ["summary.json", "raw/iperf3-0.json", ...]}
 *
 * `kind` says what the folder is (a run, a sweep, a model, a comparison),
 * `backend` who measured a run or sweep, and `files` which files cclab put
 * there: replacing a folder's contents removes only files on that list, so a
 * user's own files (notes, plots) are never deleted.
 *
 * Folders written by cclab before the marker existed are recognised by their
 * contents (a run's summary.json of schema cclab.summary/1 with meta.json or resolved.json, a
 * sweep's sweep.json with points/): they stay readable, and cclab adopts
 * them (adds the marker) when it writes there again; since their file list
 * is unknown, it then overwrites its own file names but deletes nothing.
 * docs/results.md has the rules for each command.
 */
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../scenario/errors.js';
import { CCLAB_VERSION } from './version.js';

export const MARKER_FILE = '.cclab';
export const MARKER_SCHEMA = 'cclab.folder/1';

export type FolderKind = 'run' | 'sweep' | 'model' | 'compare' | 'failed';
export type Backend = 'sim' | 'kernel';

export interface FolderMarker {
  schema: typeof MARKER_SCHEMA;
  kind: FolderKind;
  backend?: Backend;
  cclabVersion: string;
  /** Files cclab wrote here, relative paths with "/" (the marker excluded). */
  files: string[];
}

export type FolderState =
  | { state: 'absent' }
  | { state: 'file' }
  | { state: 'empty' }
  /** Marked by cclab. */
  | { state: 'cclab'; marker: FolderMarker }
  /** Written by an older cclab (no marker), recognised by its contents. */
  | { state: 'legacy'; kind: FolderKind; backend?: Backend }
  /** Not empty and not cclab's. */
  | { state: 'foreign' };

export function newMarker(kind: FolderKind, files: readonly string[], backend?: Backend): FolderMarker {
  return { schema: MARKER_SCHEMA, kind, ...(backend ? { backend } : {}), cclabVersion: CCLAB_VERSION, files: [...files].sort() };
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

const KINDS: readonly FolderKind[] = ['run', 'sweep', 'model', 'compare', 'failed'];

/** The marker of `dir`, null when it has none; InputError when it is not a valid marker. */
export function readMarker(dir: string): FolderMarker | null {
  const file = join(dir, MARKER_FILE);
  if (!existsSync(file)) return null;
  const m = readJson(file) as Partial<FolderMarker> | undefined;
  if (!m || m.schema !== MARKER_SCHEMA || !KINDS.includes(m.kind as FolderKind) || !Array.isArray(m.files)) {
    throw new InputError(`${file}: not a valid cclab folder marker (expected ${MARKER_SCHEMA}); move the folder aside or give another --out`);
  }
  return m as FolderMarker;
}

/** What an unmarked folder written by an older cclab is, by its contents (null: not cclab's). */
function legacyKind(dir: string): { kind: FolderKind; backend?: Backend } | null {
  const summary = readJson(join(dir, 'summary.json')) as { schema?: unknown; source?: unknown } | undefined;
  if (summary?.schema === 'cclab.summary/1' && (existsSync(join(dir, 'meta.json')) || existsSync(join(dir, 'resolved.json')))) {
    return { kind: 'run', ...(summary.source === 'sim' || summary.source === 'kernel' ? { backend: summary.source } : {}) };
  }
  const plan = readJson(join(dir, 'sweep.json')) as { points?: unknown; combos?: unknown } | undefined;
  if (plan && Array.isArray(plan.points) && Array.isArray(plan.combos) && existsSync(join(dir, 'points'))) {
    const meta = readJson(join(dir, 'meta.json')) as { simulator?: unknown } | undefined;
    const sim = typeof meta?.simulator === 'string' ? meta.simulator : undefined;
    return { kind: 'sweep', ...(sim !== undefined ? { backend: sim.startsWith('kernel:') ? 'kernel' : 'sim' } : {}) };
  }
  const model = readJson(join(dir, 'cclab-model.json')) as { schema?: unknown } | undefined;
  if (typeof model?.schema === 'string' && model.schema.startsWith('cclab.model/')) return { kind: 'model' };
  if (existsSync(join(dir, 'compare.json')) && existsSync(join(dir, 'compare.csv'))) return { kind: 'compare' };
  return null;
}

/** Look at `dir` before writing there. */
export function inspectFolder(dir: string): FolderState {
  let st;
  try {
    st = lstatSync(dir);
  } catch {
    return { state: 'absent' };
  }
  if (!st.isDirectory()) return { state: 'file' };
  const marker = readMarker(dir);
  if (marker) return { state: 'cclab', marker };
  if (readdirSync(dir).length === 0) return { state: 'empty' };
  const legacy = legacyKind(dir);
  return legacy ? { state: 'legacy', ...legacy } : { state: 'foreign' };
}

const ARTICLE: Record<FolderKind, string> = { run: 'a run', sweep: 'a sweep', model: 'a model', compare: 'a comparison', failed: 'a failed run' };

/** How a folder's backend reads in a message. */
export function backendName(b: Backend | undefined): string {
  return b === 'kernel' ? 'kernel' : b === 'sim' ? 'simulator' : 'unknown-backend';
}

/**
 * Check that cclab may write a folder of `kind` at `dir`: it is absent,
 * empty, or cclab's own of the same kind. Throws InputError (exit 2) naming
 * the folder otherwise. `what` names the option, e.g. "--out".
 */
export function claimFolder(dir: string, kind: FolderKind, what = '--out'): FolderState {
  const s = inspectFolder(dir);
  const where = `${what} ${dir}`;
  switch (s.state) {
    case 'absent':
    case 'empty':
      return s;
    case 'file':
      throw new InputError(`${where}: is a file, not a folder; cclab writes only into an empty folder or one it wrote`);
    case 'foreign':
      throw new InputError(`${where}: not empty and not written by cclab (no ${MARKER_FILE} marker); cclab writes only into an empty folder or one it wrote: give another ${what}`);
    case 'cclab':
    case 'legacy': {
      const has = s.state === 'cclab' ? s.marker.kind : s.kind;
      if (has !== kind) throw new InputError(`${where}: holds ${ARTICLE[has]} written by cclab, not ${ARTICLE[kind]}; give another ${what}`);
      return s;
    }
  }
}

/**
 * May `cclab run` write a run of `backend` at `dir`? An absent or empty
 * folder, or a simulator run folder for a simulator run (it can be made
 * again from its scenario.yaml): yes. A kernel run (a measurement that
 * cannot be repeated exactly) or a run of the other backend: only with
 * --force, which replaces cclab's files there and nothing else.
 */
export function checkRunOut(dir: string, backend: Backend, force: boolean): void {
  const s = claimFolder(dir, 'run');
  if (s.state !== 'cclab' && s.state !== 'legacy') return;
  const has = s.state === 'cclab' ? s.marker.backend : s.backend;
  if (force) return;
  if (has !== backend) {
    throw new InputError(`--out ${dir}: holds a ${backendName(has)} run; this run is on the ${backendName(backend)}: give another --out, or --force to replace cclab's files there`);
  }
  if (has === 'kernel') {
    throw new InputError(`--out ${dir}: holds a kernel run (a measurement cclab cannot repeat exactly): give another --out, or --force to replace it`);
  }
}
