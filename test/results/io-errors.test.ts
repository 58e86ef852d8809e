/**
 * A full disk or another I/O failure: one line naming the path and the
 * cause, no temporary files left, the summary written when there is room,
 * and every failed point listed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cclab, tempDir, writeScenario } from '../analysis/cli.js';

const TINY = `
name: tiny
duration: 1s
seeds: 2
link: { rate: 10mbit, rtt: 20ms }
flows: [{ cc: reno }]
sweep:
  link.loss: [0, 1%]
`;

function temps(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[]).filter((p) => /\.tmp-(?:[A-Za-z0-9.-]+-)?\d+-[0-9a-f]+$/.test(p));
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

describe.runIf(isRoot)('on a full disk (a 48 kB tmpfs)', () => {
  const tmp = tempDir('enospc');
  const disk = join(tmp, 'disk');
  let file = '';
  beforeAll(() => {
    mkdirSync(disk);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=48k', 'tmpfs', disk]);
    file = writeScenario(tmp, 'tiny', TINY);
  });
  afterAll(() => {
    execFileSync('umount', [disk]);
  });

  it('cclab run: one line naming the folder and the cause, exit 1, no temporary files', () => {
    writeFileSync(join(disk, 'filler'), Buffer.alloc(40 * 1024));
    try {
      const r = cclab(['run', file, '--out', join(disk, 'run')]);
      expect(r.status).toBe(1);
      expect(r.stderr.trim().split('\n').at(-1)).toBe(`cclab: error: ${join(disk, 'run')}: cannot write: no space left on device (ENOSPC)`);
      expect(temps(disk)).toEqual([]);
      expect(existsSync(join(disk, 'run'))).toBe(false);
    } finally {
      execFileSync('rm', ['-f', join(disk, 'filler')]);
    }
  });

  it('cclab sweep: every failed point listed with its path and cause, no temporary files; a re-run with room completes it', () => {
    const out = join(disk, 'sw');
    const r = cclab(['sweep', file, '--out', out, '--jobs', '1']);
    expect(r.status).toBe(1);
    const failed = r.stdout.split('\n').filter((l) => l.startsWith('failed'));
    const n = Number(/(\d+) failed/.exec(r.stdout)![1]);
    expect(n).toBeGreaterThan(0);
    expect(failed).toHaveLength(n);
    for (const l of failed) expect(l).toMatch(/^failed: (\w+-seed\d): .*\/points\/\1: cannot write: no space left on device \(ENOSPC\)$/);
    expect(temps(disk)).toEqual([]);
    // make room: the same command finishes the sweep, points that were written are kept
    execFileSync('mount', ['-o', 'remount,size=4m', disk]);
    const again = cclab(['sweep', file, '--out', out, '--jobs', '1']);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`ran ${n}, skipped ${4 - n} already done, 0 failed`));
    expect(temps(disk)).toEqual([]);
  });
});

describe('a point that cannot be written', () => {
  it('fails alone: the summary is still written and the failure is listed with its path', () => {
    const tmp = tempDir('blocked');
    const file = writeScenario(tmp, 'tiny', TINY);
    const out = join(tmp, 'sw');
    expect(cclab(['sweep', file, '--out', out]).status).toBe(0);
    const keys = readdirSync(join(out, 'points')).sort();
    // something that is not a folder where one point goes
    execFileSync('rm', ['-rf', join(out, 'points', keys[0]!)]);
    writeFileSync(join(out, 'points', keys[0]!), 'not a folder\n');
    const r = cclab(['sweep', file, '--out', out]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/ran 1, skipped 3 already done, 1 failed/);
    expect(r.stdout).toContain(`failed: ${keys[0]}: folder ${join(out, 'points', keys[0]!)}: is a file, not a folder`);
    expect(r.stdout).toContain(`summary: ${join(out, 'summary.csv')}`);
    const csv = readFileSync(join(out, 'summary.csv'), 'utf8');
    expect(csv.split('\n').length).toBeGreaterThan(2);
    expect(readFileSync(join(out, 'points', keys[0]!), 'utf8')).toBe('not a folder\n');
  });
});
