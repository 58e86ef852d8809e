/**
 * `npm start` runs `cclab demo`: the headline study (Brutal, BBR, Cubic over
 * RTT x loss, 3 seeds), then its charts and report. Run here as a user would,
 * into a temporary directory.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cclab } from '../helpers/cli.js';

const root = mkdtempSync(join(tmpdir(), 'cclab-demo-'));
const out = join(root, 'headline');

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('cclab demo (npm start)', () => {
  it('runs the 189 headline runs and writes the charts and report.html, saying where', () => {
    const r = cclab(['demo', '--out', out], { timeoutMs: 600_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/63 combinations × 3 seeds = 189 runs; ran 189, skipped 0 already done, 0 failed/);
    // the goodput table at 50 ms: Brutal holds the link at 20% loss, Cubic does not
    expect(r.stdout).toMatch(/^loss\s+Brutal Mbit\/s\s+BBR Mbit\/s\s+Cubic Mbit\/s$/m);
    const at20 = r.stdout.match(/^20%\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)$/m);
    expect(at20).not.toBeNull();
    expect(Number(at20![1])).toBeGreaterThan(40);
    expect(Number(at20![3])).toBeLessThan(1);
    expect(r.stdout).toContain(`charts: ${join(out, 'charts')}`);
    expect(r.stdout).toContain(`report: ${join(out, 'report.html')}`);
    const charts = readdirSync(join(out, 'charts'));
    for (const id of ['goodput-vs-loss--rtt-50ms', 'retrans-vs-loss--rtt-50ms', 'heatmap-brutal-bbr', 'throughput-vs-delay--rtt-50ms']) {
      expect(charts).toContain(`${id}.png`);
      expect(charts).toContain(`${id}.svg`);
    }
    expect(readFileSync(join(out, 'summary.csv'), 'utf8').trim().split('\n')).toHaveLength(1 + 63);
    expect(existsSync(join(out, 'report.html'))).toBe(true);
  }, 600_000);

  it('a second run reuses every finished run', () => {
    const r = cclab(['demo', '--out', out], { timeoutMs: 600_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ran 0, skipped 189 already done, 0 failed/);
  }, 600_000);
});
