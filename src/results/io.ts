/**
 * Crash-safe writing: a file or a whole run directory appears complete or not
 * at all (write to a temporary name in the same directory, then rename).
 */
import { mkdirSync, renameSync, rmSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { randomBytes } from 'node:crypto';
import { runSummarySchema, type RunSummary } from './schema.js';

function tmpName(target: string): string {
  return join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Write a file atomically (temp + rename). */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tmpName(path);
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

/**
 * Write a directory of files atomically: the files are written into a
 * temporary sibling directory which is then renamed into place, replacing
 * any previous directory of that name.
 */
export function writeDirAtomic(dir: string, files: Record<string, string | Uint8Array>): void {
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = tmpName(dir);
  mkdirSync(tmp);
  try {
    for (const [name, content] of Object.entries(files)) {
      const p = join(tmp, name);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, content);
    }
    if (existsSync(dir)) {
      const old = tmpName(dir);
      renameSync(dir, old);
      renameSync(tmp, dir);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, dir);
    }
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
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
