/**
 * Crash-safe writing: a file or a whole run directory appears complete or not
 * at all (write to a temporary name in the same directory, then rename), and
 * never lands on what cclab did not write (folder.ts).
 *
 * I/O failures (a full disk, a read-only folder) become an IoError of one
 * line naming the path and the cause; the temporary files are removed first.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync, readFileSync, rmdirSync, lstatSync } from 'node:fs';
import { dirname, join, basename, isAbsolute, normalize, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { runSummarySchema, type RunSummary } from './schema.js';
import { claimFolder, MARKER_FILE, newMarker, type Backend, type FolderKind } from './folder.js';
import { InputError } from '../scenario/errors.js';

/** An I/O failure while writing results: one line naming the path and the cause. */
export class IoError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'IoError';
  }
}

const CAUSES: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'input/output error',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'is a folder',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'file name too long',
};

/** Turn a Node.js file-system error about `path` into an IoError (other errors pass through). */
export function ioError(e: unknown, path: string): Error {
  if (e instanceof IoError || e instanceof InputError) return e;
  const err = e as NodeJS.ErrnoException;
  if (typeof err?.code !== 'string') return e as Error;
  const cause = CAUSES[err.code] ?? (err.message ?? '').replace(/^[A-Z]+: /, '').split(',')[0] ?? err.code;
  return new IoError(`${path}: cannot write: ${cause} (${err.code})`, err.code);
}

/**
 * The name of this machine in temporary names and locks: CCLAB_NODE_NAME
 * when set (for hosts whose name is not unique on a shared file system),
 * else the host name; only letters, digits, "." and "-" are kept.
 */
export function nodeName(): string {
  const n = (process.env.CCLAB_NODE_NAME || hostname()).replace(/[^A-Za-z0-9.-]/g, '-');
  return n === '' ? 'localhost' : n;
}

/**
 * Temporary name next to `target`: .<name>.tmp-<node>-<pid>-<hex>. The node
 * is part of the name because a pid only means something on its own host:
 * on a shared file system removeStaleTemps removes only its own node's.
 */
export function tmpName(target: string): string {
  return join(dirname(target), `.${basename(target)}.tmp-${nodeName()}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** A temporary name's node and pid; node null for the older form .<name>.tmp-<pid>-<hex>; null if not a temporary name. */
export function parseTmpName(name: string): { node: string | null; pid: number } | null {
  const m = /^\..+\.tmp-(?:([A-Za-z0-9.-]+)-)?(\d+)-[0-9a-f]+$/.exec(name);
  if (!m) return null;
  return { node: m[1] ?? null, pid: Number(m[2]) };
}

/** Write a file atomically (temp + rename). */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  const tmp = tmpName(path);
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(tmp, content);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw ioError(e, path);
  }
}

/** Check a relative file name of a result folder ("raw/ss-0.txt"). */
function checkRelative(dir: string, name: string): void {
  const n = normalize(name);
  if (isAbsolute(name) || n.startsWith(`..${sep}`) || n === '..' || n === '.' || n === MARKER_FILE) {
    throw new Error(`${dir}: refusing to write "${name}" (not a plain relative file name)`);
  }
}

/** The files of a run go in this order, so that summary.json (what says "done") comes last. */
function writeOrder(names: readonly string[]): string[] {
  const last = (n: string) => (n === 'summary.json' ? 1 : 0);
  return [...names].sort((a, b) => last(a) - last(b) || (a < b ? -1 : a > b ? 1 : 0));
}

function writeFilesInto(root: string, files: Record<string, string | Uint8Array>): void {
  for (const [name, content] of Object.entries(files)) {
    const p = join(root, name);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
}

/** Remove `dir/rel`'s parent folders up to `dir` while they are empty. */
function pruneEmptyParents(dir: string, rel: string): void {
  let d = dirname(rel);
  while (d !== '.' && d !== '') {
    try {
      rmdirSync(join(dir, d));
    } catch {
      return;
    }
    d = dirname(d);
  }
}

/**
 * Write a result folder of `kind`: its files plus the marker (.cclab).
 *
 * A new folder is written under a temporary sibling name and renamed into
 * place, so it is complete or absent. An existing folder must be empty or
 * cclab's own of the same kind (claimFolder; anything else is refused): the
 * files are written to a temporary folder inside it and renamed over their
 * old versions one by one, summary.json last; files the marker lists from
 * before and the new write does not have are removed; other files are
 * never touched.
 */
export function writeDirAtomic(dir: string, files: Record<string, string | Uint8Array>, kind: FolderKind, backend?: Backend): void {
  const names = Object.keys(files);
  for (const n of names) checkRelative(dir, n);
  const state = claimFolder(dir, kind, 'folder');
  if (state.state === 'absent') {
    const tmp = tmpName(dir);
    try {
      mkdirSync(dirname(dir), { recursive: true });
      mkdirSync(tmp);
      writeFilesInto(tmp, files);
      writeFileSync(join(tmp, MARKER_FILE), toJson(newMarker(kind, names, backend)));
      renameSync(tmp, dir);
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      throw ioError(e, dir);
    }
    return;
  }
  const tmp = join(dir, `${MARKER_FILE}.tmp-${nodeName()}-${process.pid}-${randomBytes(4).toString('hex')}`);
  const before = state.state === 'cclab' ? state.marker.files : [];
  try {
    mkdirSync(tmp);
    writeFilesInto(tmp, files);
    // while files move, the marker lists old and new: a crash leaves nothing cclab would not recognise
    writeFileAtomic(join(dir, MARKER_FILE), toJson(newMarker(kind, [...new Set([...before, ...names])], backend)));
    for (const n of writeOrder(names)) {
      const target = join(dir, n);
      let isDir = false;
      try {
        isDir = lstatSync(target).isDirectory();
      } catch {
        /* absent */
      }
      if (isDir) throw new InputError(`${target}: is a folder where cclab writes a file; move it aside`);
      mkdirSync(dirname(target), { recursive: true });
      renameSync(join(tmp, n), target);
    }
    const keep = new Set(names);
    for (const old of before) {
      if (keep.has(old)) continue;
      rmSync(join(dir, old), { force: true });
      pruneEmptyParents(dir, old);
    }
    writeFileAtomic(join(dir, MARKER_FILE), toJson(newMarker(kind, names, backend)));
  } catch (e) {
    throw ioError(e, dir);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Read and validate a run's summary.json. */
export function readSummary(runDir: string): RunSummary {
  const raw = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8'));
  return runSummarySchema.parse(raw);
}

/** Serialize a value as stable, pretty JSON with a trailing newline. */
export function toJson(v: unknown): string {
  return `${JSON.stringify(v, null, 2)}\n`;
}
