/**
 * Fingerprint of the simulator build: a hash of the compiled JavaScript that
 * decides a run's results (everything under dist/ except the analysis,
 * report, CLI and kernel-harness code). A finished sweep point records it, and
 * a re-run only skips points made by the same build, so results never mix
 * simulator versions.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const NOT_SIMULATOR = new Set(['analysis', 'report', 'cli', 'kernel']);

function listJs(dir: string, root: string, out: string[]): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (dir === root && NOT_SIMULATOR.has(e.name)) continue;
      listJs(p, root, out);
    } else if (e.name.endsWith('.js')) out.push(p);
  }
}

/** 12 hex digits identifying the compiled simulator under `distDir`. */
export function simulatorFingerprint(distDir: string): string {
  const files: string[] = [];
  listJs(distDir, distDir, files);
  files.sort();
  const h = createHash('sha256');
  for (const f of files) {
    h.update(relative(distDir, f));
    h.update('\0');
    h.update(readFileSync(f));
    h.update('\0');
  }
  return h.digest('hex').slice(0, 12);
}
