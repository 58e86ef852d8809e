/**
 * Helpers for the analysis tests: run the built CLI as a user would, and
 * write small scenario files into a temporary directory.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(ROOT, 'dist/cli/main.js');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function cclab(args: string[], cwd = ROOT): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, CCLAB_DEBUG: '' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `cclab-${prefix}-`));
}

/** Write a YAML scenario into `dir` and return its path. */
export function writeScenario(dir: string, name: string, yaml: string): string {
  const p = join(dir, `${name}.yaml`);
  writeFileSync(p, yaml);
  return p;
}
