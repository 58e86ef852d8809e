/**
 * bbr3's optional time-series columns (bbr_phase, bw_hi/bw_lo, inflight_hi/lo,
 * ecn_alpha) and their charts: present only when a flow runs bbr3, so
 * every other run's timeseries.csv keeps its bytes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cclab, tempDir } from '../analysis/cli.js';
import { loadResults, readTimeseries } from '../../src/report/data.js';
import { chartSpecs } from '../../src/report/specs.js';
import { BBR3_TIMESERIES_COLUMNS, TIMESERIES_COLUMNS } from '../../src/results/schema.js';

function run(sets: string[]): string {
  const dir = join(tempDir('bbr3ts'), 'run');
  const r = cclab(['run', 'scenarios/bbr-vs-cubic.yaml', '--set', 'duration=8s', ...sets.flatMap((s) => ['--set', s]), '--out', dir]);
  expect(r.status, r.stderr).toBe(0);
  return dir;
}

describe('bbr3 time series', () => {
  it('a bbr3 flow adds its columns; its rows carry its phase and bounds, the other flow leaves them empty', () => {
    const dir = run(['flows[0].cc=bbr3', 'link.loss=1%']);
    const lines = readFileSync(join(dir, 'timeseries.csv'), 'utf8').trim().split('\n');
    const header = lines[0]!.split(',');
    expect(header).toEqual([...TIMESERIES_COLUMNS, ...BBR3_TIMESERIES_COLUMNS]);
    const col = (c: string) => header.indexOf(c);
    const rows = lines.slice(1).map((l) => l.split(','));
    const v3 = rows.filter((r) => r[1] === '0');
    const cubic = rows.filter((r) => r[1] === '1');
    const phases = new Set(v3.map((r) => r[col('bbr_phase')]));
    expect(phases.has('CRUISE') || phases.has('DOWN')).toBe(true);
    expect([...phases].every((p) => ['STARTUP', 'DRAIN', 'UP', 'DOWN', 'CRUISE', 'REFILL', 'PROBE_RTT'].includes(p!))).toBe(true);
    // after STARTUP, bw_hi is near the link's 47.8 Mbit/s of payload and inflight_hi is set by the lossy probes
    const late = v3.filter((r) => Number(r[0]) > 3);
    expect(late.every((r) => Number(r[col('bw_hi_mbps')]) > 10 && Number(r[col('bw_hi_mbps')]) < 50)).toBe(true);
    expect(late.some((r) => r[col('inflight_lo_pkts')] !== '')).toBe(true);
    expect(v3.every((r) => r[col('ecn_alpha')] === '1')).toBe(true);
    expect(cubic.every((r) => BBR3_TIMESERIES_COLUMNS.every((c) => r[col(c)] === ''))).toBe(true);

    const ts = readTimeseries(dir)!;
    expect(ts.flows.get(0)!.bbr3!.phase.length).toBe(ts.flows.get(0)!.time.length);
    expect(ts.flows.get(1)!.bbr3).toBeUndefined();
    const ids = chartSpecs(loadResults(dir)).map((c) => c.id);
    expect(ids).toContain('bbr3-bw-flow0');
    expect(ids).toContain('bbr3-inflight-flow0');
    expect(ids.some((id) => id.includes('flow1') && id.startsWith('bbr3'))).toBe(false);
  });

  it('without a bbr3 flow the file has exactly the fixed columns', () => {
    const dir = run([]);
    const header = readFileSync(join(dir, 'timeseries.csv'), 'utf8').split('\n')[0];
    expect(header).toBe(TIMESERIES_COLUMNS.join(','));
    expect(chartSpecs(loadResults(dir)).some((c) => c.id.startsWith('bbr3'))).toBe(false);
  });
});
