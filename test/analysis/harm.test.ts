import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { runSweep } from '../../src/analysis/sweep.js';
import { tempDir } from './cli.js';

/** Reno against a later-starting Reno, with solo baselines, in-process (workers run the built simulator). */
const DOC = `
name: harm
duration: 3s
seeds: 2
harm: true
link: { rate: 10mbit, rtt: 20ms }
flows:
  - cc: reno
  - cc: reno
    start: 1s
sweep:
  link.loss: [0, 1%]
`;

interface PointSummary {
  flows: { goodputMbps: number; rttMs: { p95: number }; startS: number }[];
}

describe('harm (Ware et al.) against solo baselines', () => {
  it('runs every flow alone too and reports harm per flow as (alone - competing) / alone', async () => {
    const out = join(tempDir('harm'), 'sweep');
    const { plan, summary, meta } = await runSweep(YAML.parse(DOC), 'harm', null, { out, jobs: 2 });
    // 2 combinations × 2 seeds, plus each flow group alone: 2 groups × 2 losses × 2 seeds
    expect(meta.points).toMatchObject({ main: 4, solo: 8, failed: 0 });
    const read = (key: string) => JSON.parse(readFileSync(join(out, 'points', key, 'summary.json'), 'utf8')) as PointSummary;

    expect(summary.rows).toHaveLength(4); // 2 combinations × 2 flows
    for (const row of summary.rows) {
      const combo = plan.combos[row.combo]!;
      const base = combo.solo.find((b) => b.group === row.group)!;
      plan.seeds.forEach((seed, i) => {
        const alone = read(`${base.hash}-seed${seed}`);
        const competing = read(`${combo.hash}-seed${seed}`);
        expect(alone.flows).toHaveLength(1);
        expect(alone.flows[0]!.startS).toBe(competing.flows[row.flow]!.startS); // the same flow, alone
        const x = alone.flows[0]!.goodputMbps;
        const y = competing.flows[row.flow]!.goodputMbps;
        expect(row.stats.harm_goodput!.values[i]).toBeCloseTo((x - y) / x, 5);
        const dx = alone.flows[0]!.rttMs.p95;
        const dy = competing.flows[row.flow]!.rttMs.p95;
        expect(row.stats.harm_rtt_p95!.values[i]).toBeCloseTo((dy - dx) / dy, 5);
      });
    }
    // two Renos sharing a 10 Mbit/s link: each loses a real share of what it gets alone
    const lossless = summary.rows.filter((r) => r.params['link.loss'] === 0);
    for (const r of lossless) expect(r.stats.harm_goodput!.mean!).toBeGreaterThan(0.2);
    const csv = readFileSync(join(out, 'summary.csv'), 'utf8').split('\n')[0]!;
    expect(csv).toContain('harm_goodput_mean');
    expect(csv).toContain('harm_rtt_p95_ci95_hi');
  });
});
