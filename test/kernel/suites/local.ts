/**
 * The `local` target through the CLI on a host without netem (this
 * machine's kernel has none): one line, nothing left behind. Run by
 * host.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { cclab } from '../../helpers/cli.js';

const SCENARIO = 'test/kernel/fixtures/vm-20mbit-40ms-1pct.yaml';
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function hostHasNetem(): boolean {
  const ns = `cclabprobe${process.pid}`;
  try {
    execFileSync('ip', ['netns', 'add', ns], { stdio: 'ignore' });
    execFileSync('ip', ['-n', ns, 'link', 'add', 'd0', 'type', 'dummy'], { stdio: 'ignore' });
    execFileSync('tc', ['-n', ns, 'qdisc', 'add', 'dev', 'd0', 'root', 'netem', 'delay', '1ms'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    } catch {
      /* never created */
    }
  }
}

/** The local-target tests; run by host.test.ts. */
export function localTargetTests(): void {
describe.skipIf(!isRoot || hostHasNetem())('cclab run --target local on a host without netem', () => {
  it('says so in one line and leaves no namespace behind', () => {
    const out = mkdtempSync(join(tmpdir(), 'cclab-local-'));
    try {
      const r = cclab(['run', SCENARIO, '--backend', 'kernel', '--target', 'local', '--out', join(out, 'run')]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe('cclab: error: target local cannot run kernel scenarios: cannot add netem on the bottleneck (kernel module sch_netem missing? modprobe sch_netem)');
      expect(readdirSync(out)).toEqual([]); // no half-written run directory
      expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toMatch(/cclab-/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
}
