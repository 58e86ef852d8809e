/**
 * DCTCP's optional time-series column (dctcp_alpha) and its chart: present
 * only when a flow runs DCTCP, last after bbr3's, so every other run's
 * timeseries.csv keeps its bytes; a result folder that has it still counts
 * as a finished sweep point.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cclab, tempDir, writeScenario } from '../analysis/cli.js';
import { loadResults, readTimeseries } from '../../src/report/data.js';
import { chartSpecs } from '../../src/report/specs.js';
import { BBR3_TIMESERIES_COLUMNS, DCTCP_TIMESERIES_COLUMNS, TIMESERIES_COLUMNS } from '../../src/results/schema.js';

function run(sets: string[]): string {
  const dir = join(tempDir('dctcpts'), 'run');
  const r = cclab(['run', 'scenarios/bbr-vs-cubic.yaml', '--set', 'duration=6s', '--set', 'link.qdisc={red: {min: 30kb, max: 30721, burst: 21, ecn: true}}', ...sets.flatMap((s) => ['--set', s]), '--out', dir]);
  expect(r.status, r.stderr).toBe(0);
  return dir;
}

describe('DCTCP time series', () => {
  it("a DCTCP flow adds dctcp_alpha, filled on its rows only; the report charts it per DCTCP flow", () => {
    const dir = run(['flows[0].cc=dctcp']);
    const lines = readFileSync(join(dir, 'timeseries.csv'), 'utf8').trim().split('\n');
    const header = lines[0]!.split(',');
    expect(header).toEqual([...TIMESERIES_COLUMNS, ...DCTCP_TIMESERIES_COLUMNS]);
    const rows = lines.slice(1).map((l) => l.split(','));
    const a = header.indexOf('dctcp_alpha');
    const alphas = rows.filter((r) => r[1] === '0').map((r) => Number(r[a]));
    expect(alphas.every((x) => x >= 0 && x <= 1)).toBe(true);
    // against the step marker alpha settles well below its start at 1
    expect(alphas.at(-1)!).toBeLessThan(0.5);
    expect(rows.filter((r) => r[1] !== '0').every((r) => r[a] === '')).toBe(true);
    const ts = readTimeseries(dir)!;
    expect(ts.flows.get(0)!.dctcpAlpha!.length).toBe(ts.flows.get(0)!.time.length);
    expect(ts.flows.get(1)!.dctcpAlpha).toBeUndefined();
    const chart = chartSpecs(loadResults(dir)).find((c) => c.id === 'timeseries-dctcp-alpha')!;
    expect(chart.series.map((s) => s.label)).toEqual(['flow 0: DCTCP']);
    expect(chart.y.max).toBe(1);
  });

  it('DCTCP next to bbr3: bbr3\'s columns, then dctcp_alpha', () => {
    const dir = run(['flows[0].cc=dctcp', 'flows[1].cc=bbr3']);
    const header = readFileSync(join(dir, 'timeseries.csv'), 'utf8').split('\n')[0]!.split(',');
    expect(header).toEqual([...TIMESERIES_COLUMNS, ...BBR3_TIMESERIES_COLUMNS, ...DCTCP_TIMESERIES_COLUMNS]);
  });

  it('a sweep point with the column counts as done: a second sweep runs nothing', () => {
    const tmp = tempDir('dctcpsweep');
    const file = writeScenario(tmp, 'dsw', 'name: dsw\nduration: 3s\nlink: {rate: 20mbit, rtt: 20ms, qdisc: {codel: {ecn: true}}}\nflows: [{cc: dctcp}, {cc: bbr3}]\nsweep: {link.rtt: [10ms, 20ms]}\n');
    const out = join(tmp, 'out');
    expect(cclab(['sweep', file, '--out', out]).status).toBe(0);
    const again = cclab(['sweep', file, '--out', out]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr + again.stdout).toMatch(/2 already done, 0 to run/);
  });

  it('without a DCTCP flow: no column, no chart', () => {
    const dir = run([]);
    expect(readFileSync(join(dir, 'timeseries.csv'), 'utf8').split('\n')[0]).toBe(TIMESERIES_COLUMNS.join(','));
    expect(chartSpecs(loadResults(dir)).some((c) => c.id === 'timeseries-dctcp-alpha')).toBe(false);
  });
});
