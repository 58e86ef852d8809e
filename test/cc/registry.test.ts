/**
 * The congestion-control registry: a CC added as one file with one registry
 * line (test/fixtures/cc-fixedwnd.mjs, loaded as a plugin) runs in `cclab
 * run`, `sweep`, `chart`, `fit` and `predict` with nothing else changed, and
 * the registry is what the scenario language, the plan and the charts read.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ccNames, ccSpec } from '../../src/cc/index.js';
import { loadScenario } from '../../src/scenario/load.js';

const PLUGIN = 'test/fixtures/cc-fixedwnd.mjs';

function cclab(args: string[], plugin = true): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['dist/cli/main.js', ...args], {
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, CCLAB_DEBUG: '', CCLAB_PLUGINS: plugin ? PLUGIN : '' },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const SCENARIO = `name: fixedwnd-test
duration: 3s
link: {rate: 50mbit, rtt: 20ms, queue: 1bdp}
flows:
  - cc: fixedwnd
    fixedwnd: {cwnd: 20}
`;

describe('the built-in registry', () => {
  it('holds every CC the simulator and the kernel harness know, each with label, colour, marker and dash', () => {
    expect(ccNames()).toEqual(['reno', 'cubic', 'bbr', 'brutal', 'dctcp', 'bbr3']);
    for (const n of ccNames()) {
      const s = ccSpec(n)!;
      expect(s.label.length).toBeGreaterThan(0);
      expect(s.color).toMatch(/^#[0-9a-f]{6}$/);
      expect(s.marker.length).toBeGreaterThan(0);
      expect(Array.isArray(s.dash)).toBe(true);
    }
    // every CC looks different in grayscale: its own marker and dash
    expect(new Set(ccNames().map((n) => ccSpec(n)!.marker)).size).toBe(ccNames().length);
    expect(new Set(ccNames().map((n) => JSON.stringify(ccSpec(n)!.dash))).size).toBe(ccNames().length);
  });

  it("resolves a CC's parameter block from its spec, defaults included", () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cclab-reg-')), 's.yaml');
    writeFileSync(file, 'duration: 1s\nlink: {rate: 10mbit, rtt: 10ms}\nflows: [{cc: brutal}, {cc: brutal, brutal: {rate: 5mbit, cwndGain: 15}}, {cc: cubic, cubic: {hystart: false}}, {cc: bbr}]\n');
    const r = loadScenario(file).resolved;
    expect(r.flows[0]!.brutal).toEqual({ rateBytesPerSec: 125000, cwndGain: 20, slots: 5 });
    expect(r.flows[1]!.brutal).toEqual({ rateBytesPerSec: 625000, cwndGain: 15, slots: 5 });
    expect(r.flows[2]!.cubic).toEqual({ hystart: false, fastConvergence: true, tcpFriendliness: true });
    expect(Object.keys(r.flows[3]!)).not.toContain('bbr'); // no parameters, no block
  });
});

describe('a CC added as one file plus one registry line (a plugin)', () => {
  it('runs: cclab run with its parameter', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cclab-fixedwnd-'));
    writeFileSync(join(dir, 's.yaml'), SCENARIO);
    const r = cclab(['run', join(dir, 's.yaml'), '--json', '--out', join(dir, 'run')]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as { flows: { cc: string; goodputMbps: number }[] };
    expect(s.flows[0]!.cc).toBe('fixedwnd');
    // 20 packets of 1448 B a round trip of ~20 ms (the window is far below the 86-packet BDP): ~11.6 Mbit/s
    expect(s.flows[0]!.goodputMbps).toBeGreaterThan(10);
    expect(s.flows[0]!.goodputMbps).toBeLessThan(12);
    expect(JSON.parse(readFileSync(join(dir, 'run', 'resolved.json'), 'utf8')).flows[0].fixedwnd).toEqual({ cwnd: 20 });
  });

  it('is validated from its spec, and unknown without the plugin, in one line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cclab-fixedwnd-'));
    writeFileSync(join(dir, 's.yaml'), SCENARIO);
    const bad = cclab(['run', join(dir, 's.yaml'), '--set', 'flows[0].fixedwnd.cwnd=1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('cclab: flows[0].fixedwnd.cwnd: must be between 2 and 10000 (packets)\n');
    const without = cclab(['run', join(dir, 's.yaml')], false);
    expect(without.code).toBe(2);
    expect(without.stderr).toMatch(/^cclab: flows\[0\]\.cc: unknown congestion control "fixedwnd"; known: reno, cubic, bbr, brutal, dctcp, bbr3( \(and 1 more problem\))?\n$/);
    const missing = spawnSync(process.execPath, ['dist/cli/main.js', 'run', join(dir, 's.yaml')], { encoding: 'utf8', env: { ...process.env, CCLAB_PLUGINS: 'test/fixtures/nope.mjs' } });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^cclab: CCLAB_PLUGINS: cannot load test\/fixtures\/nope\.mjs: .*\n$/);
  });

  it('sweeps, charts, fits and predicts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cclab-fixedwnd-'));
    writeFileSync(
      join(dir, 's.yaml'),
      `${SCENARIO.replace('duration: 3s', 'duration: 2s')}sweep:\n  flows[0].cc: [fixedwnd, reno]\n  link.loss: [0, 0.5%, 1%, 2%]\n  link.rtt: [10ms, 30ms]\n`,
    );
    const out = join(dir, 'sweep');
    const sw = cclab(['sweep', join(dir, 's.yaml'), '--out', out, '--jobs', '2']);
    expect(sw.code, sw.stderr).toBe(0);
    expect(sw.stdout).toMatch(/ran 16, skipped 0 already done, 0 failed/);
    const csv = readFileSync(join(out, 'summary.csv'), 'utf8');
    expect(csv.split('\n').filter((l) => l.includes(',fixedwnd,'))).toHaveLength(8);

    const ch = cclab(['chart', out]);
    expect(ch.code, ch.stderr).toBe(0);
    const json = readdirSync(join(out, 'charts')).filter((f) => f.startsWith('goodput-vs-loss') && f.endsWith('.json'));
    expect(json.length).toBeGreaterThan(0);
    const chart = readFileSync(join(out, 'charts', json[0]!), 'utf8');
    expect(chart).toContain('"FixedWnd"'); // its label
    expect(chart).toContain('#8c564b'); // its colour

    const fit = cclab(['fit', out, '--folds', '2', '--steps', '150', '--no-charts']);
    expect(fit.code, fit.stderr).toBe(0);
    const pr = cclab(['predict', out, '--set', 'flows[0].cc=fixedwnd', '--set', 'link.loss=1.5%', '--json']);
    expect(pr.code, pr.stderr).toBe(0);
    expect(pr.stdout).toContain('"fixedwnd"');
  }, 300_000);
});
