/**
 * The kernel backend through the CLI, as a user runs it: bad --target,
 * --module and --backend values, each in one line (the `local` target's
 * test is in suites/local.ts, run by host.test.ts). Also `cclab compare`
 * on two tiny result trees.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, it, vi } from 'vitest';
import { makeTarget } from '../../src/kernel/targets.js';
import { cclab } from '../helpers/cli.js';

const SCENARIO = 'test/kernel/fixtures/vm-20mbit-40ms-1pct.yaml';

describe('cclab run --backend kernel: bad input', () => {
  it('names the allowed targets', () => {
    const r = cclab(['run', SCENARIO, '--backend', 'kernel', '--target', 'vmm']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('cclab: --target: unknown target "vmm"; allowed: vm, local, ssh://user@host[:port]');
  });
  it('refuses a module file that does not exist', () => {
    const r = cclab(['run', SCENARIO, '--backend', 'kernel', '--module', 'nope/tcp_brutal.ko']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('cclab: --module nope/tcp_brutal.ko: no such file');
  });
  it('names the known backends', () => {
    const r = cclab(['run', SCENARIO, '--backend', 'kernal']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('cclab: --backend: unknown backend "kernal"; known: sim, kernel');
  });
});

describe('cclab compare', () => {
  const FIX = 'test/kernel/fixtures/compare';
  it('prints sim vs kernel per point, writes table and charts, passes within tolerance', () => {
    const out = mkdtempSync(join(tmpdir(), 'cclab-compare-'));
    try {
      const r = cclab(['compare', `${FIX}/sim`, `${FIX}/kernel`, '--out', join(out, 'c')]);
      expect(r.stderr).toBe(`compare: kernelDir ${FIX}/kernel: kernel runs of a kernel their meta.json does not name (2 runs)\n`);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^point\s+n sim\s+n kernel\s+goodputMbps sim/);
      expect(r.stdout).toMatch(/2 point\(s\) matched, 0 outside tolerance/);
      const files = readdirSync(join(out, 'c')).sort();
      expect(files).toEqual(['.cclab', 'compare.csv', 'compare.json', 'compare.md', 'goodputMbps.png', 'retransRatio.png', 'rttMeanMs.png']);
      expect(readFileSync(join(out, 'c', 'goodputMbps.png')).subarray(1, 4).toString()).toBe('PNG');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
  it('exits 1 when a point is outside the tolerance', () => {
    const out = mkdtempSync(join(tmpdir(), 'cclab-compare-'));
    try {
      const r = cclab(['compare', `${FIX}/sim`, `${FIX}/kernel`, '--tolerance', 'goodput=0.001%', '--out', join(out, 'c')]);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/outside tolerance/);
      expect(r.stdout).toMatch(/no \(goodputMbps\)/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
  it('refuses a tolerance it cannot read, naming the metrics', () => {
    const r = cclab(['compare', `${FIX}/sim`, `${FIX}/kernel`, '--tolerance', 'jitter=5%']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('cclab: --tolerance jitter=5%: unknown metric "jitter"; known: goodput, retrans, rtt');
  });
  it('refuses a directory without runs', () => {
    const empty = mkdtempSync(join(tmpdir(), 'cclab-empty-'));
    try {
      const r = cclab(['compare', empty, `${FIX}/kernel`]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^cclab: simDir .*: no run directories \(summary.json \+ resolved.json\) found\n$/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('--target local as another user', () => {
  it('says in one line that it needs root', async () => {
    const uid = vi.spyOn(process, 'getuid').mockReturnValue(1000);
    try {
      await expect(makeTarget('local', []).prepare(() => {})).rejects.toThrow(/^target local needs root \(network namespaces, qdiscs\); run as root or use --target vm$/);
    } finally {
      uid.mockRestore();
    }
  });
});
