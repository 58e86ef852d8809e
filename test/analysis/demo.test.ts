/**
 * `npm start` runs `cclab demo`: the headline study (Brutal, BBR, Cubic over
 * RTT x loss, 3 seeds), then the Brutal-under-AQM study (Brutal at 1x and 2x
 * against Cubic over drop-tail, CoDel, FQ-CoDel, ECN off/on, with harm), each
 * with its charts and report. Run here as a user would, into a temporary
 * directory.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cclab } from '../helpers/cli.js';

const root = mkdtempSync(join(tmpdir(), 'cclab-demo-'));
const out = join(root, 'headline');
const aqm = join(root, 'brutal-aqm'); // next to --out by default

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('cclab demo (npm start)', () => {
  it('runs the 252 headline runs and the 75 of the AQM study, and writes their charts and report.html, saying where', () => {
    const r = cclab(['demo', '--out', out], { timeoutMs: 600_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/84 combinations × 3 seeds = 252 runs; ran 252, skipped 0 already done, 0 failed/);
    // the goodput table at 50 ms: Brutal holds the link at 20% loss, Cubic does not; BBRv3 backs off above 2% loss, v1 does not
    expect(r.stdout).toMatch(/^loss\s+Brutal Mbit\/s\s+BBR Mbit\/s\s+BBRv3 Mbit\/s\s+Cubic Mbit\/s$/m);
    const at20 = r.stdout.match(/^20%\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)$/m);
    expect(at20).not.toBeNull();
    expect(Number(at20![1])).toBeGreaterThan(40);
    expect(Number(at20![4])).toBeLessThan(1);
    const at5 = r.stdout.match(/^5%\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)$/m);
    expect(Number(at5![3])).toBeLessThan(Number(at5![2]));
    expect(r.stdout).toContain(`charts: ${join(out, 'charts')}`);
    expect(r.stdout).toContain(`report: ${join(out, 'report.html')}`);
    const charts = readdirSync(join(out, 'charts'));
    for (const id of ['goodput-vs-loss--rtt-50ms', 'retrans-vs-loss--rtt-50ms', 'heatmap-brutal-bbr', 'throughput-vs-delay--rtt-50ms']) {
      expect(charts).toContain(`${id}.png`);
      expect(charts).toContain(`${id}.svg`);
    }
    expect(readFileSync(join(out, 'summary.csv'), 'utf8').trim().split('\n')).toHaveLength(1 + 84);
    expect(existsSync(join(out, 'report.html'))).toBe(true);

    // the Brutal-under-AQM study, next to the headline study
    expect(r.stdout).toMatch(/sweep brutal-aqm: 10 combinations × 3 seeds \+ 45 solo baselines = 75 runs; ran 75, skipped 0 already done, 0 failed/);
    expect(r.stdout).toContain(`charts: ${join(aqm, 'charts')}`);
    expect(r.stdout).toContain(`report: ${join(aqm, 'report.html')}`);
    const aqmCharts = readdirSync(join(aqm, 'charts'));
    for (const id of ['flows-goodput-by-setting', 'retrans-by-setting', 'rtt-by-setting', 'harm-by-setting', 'harm-rtt-by-setting', 'throughput-vs-delay']) {
      expect(aqmCharts).toContain(`${id}.png`);
      expect(aqmCharts).toContain(`${id}.svg`);
    }
    expect(readFileSync(join(aqm, 'report.html'), 'utf8')).toContain('<canvas id="chart-flows-goodput-by-setting"');
    // the table: Cubic starves behind Brutal at 2x on drop-tail; FQ-CoDel keeps it near half the link
    const cubicAt = (q: string) => {
      const m = new RegExp(`^Brutal 100mbit \\(2× link\\), ${q}, ECN off\\s+([\\d.]+)\\s+([-\\d.]+)`, 'm').exec(r.stdout);
      expect(m, `${q} in\n${r.stdout}`).not.toBeNull();
      return { goodput: Number(m![1]), harm: Number(m![2]) };
    };
    expect(cubicAt('droptail').goodput).toBeLessThan(2);
    expect(cubicAt('droptail').harm).toBeGreaterThan(0.9);
    expect(cubicAt('fq_codel').goodput).toBeGreaterThan(18);
    expect(cubicAt('fq_codel').harm).toBeLessThan(0.6);
  }, 600_000);

  it('a second run reuses every finished run', () => {
    const r = cclab(['demo', '--out', out], { timeoutMs: 600_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ran 0, skipped 252 already done, 0 failed/);
    expect(r.stdout).toMatch(/ran 0, skipped 75 already done, 0 failed/);
  }, 600_000);

  it('refuses one folder for both studies: one line, exit 2', () => {
    const r = cclab(['demo', '--out', out, '--aqm-out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^cclab: --aqm-out: .* is the headline study's folder \(--out\); give each study its own$/);
  });
});
