/**
 * The surrogate's prediction intervals cover what they claim between the
 * grid points: fitted on a small real sweep (reno and brutal over 8 losses ×
 * 4 RTTs, 2 s runs), its 90% intervals must hold ≥ 85% of the values
 * simulated at points OFF that grid (losses and RTTs between the sweep's),
 * per target, and the MAE the old `±` printed must cover far less there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cclab } from '../helpers/cli.js';
import { loadTf } from '../../src/model/backend.js';
import { readSweepResults, type SweepData } from '../../src/model/data.js';
import { DEFAULT_TARGETS, resolveTargets } from '../../src/model/features.js';
import { conformalQuantile } from '../../src/model/intervals.js';
import { fitSurrogate, type Surrogate } from '../../src/model/surrogate.js';
import { runFixtureSweep } from './sweep-fixture.js';

let dir: string;
let train: SweepData;
let offGrid: SweepData;

/** Points between the fixture's grid lines (loss 0, 0.05 .. 10%; RTT 10, 30, 60, 120 ms). */
const OFF_GRID = `name: model-offgrid
duration: 2s
seed: 7
link: {rate: 20mbit, rtt: 30ms, queue: 1bdp, loss: 0%}
flows:
  - cc: brutal
    brutal: {rate: 20mbit}
sweep:
  flows[0].cc: [reno, brutal]
  link.loss: [0.1%, 0.3%, 0.7%, 1.5%, 3%, 7%]
  link.rtt: [20ms, 45ms, 90ms]
`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cclab-model-iv-'));
  runFixtureSweep(dir, ['duration=2s']);
  train = readSweepResults([join(dir, 'sweep')]);
  writeFileSync(join(dir, 'offgrid.yaml'), OFF_GRID);
  const r = cclab(['sweep', join(dir, 'offgrid.yaml'), '--out', join(dir, 'offgrid'), '--jobs', '2'], { timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`cclab sweep failed (${r.code}): ${r.stderr}`);
  offGrid = readSweepResults([join(dir, 'offgrid')]);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('conformal quantile', () => {
  it('is the ⌈(n+1)·level⌉-th smallest score, unbounded when n is too small for the level', () => {
    const s = Array.from({ length: 19 }, (_, i) => 19 - i); // 1..19, shuffled order
    expect(conformalQuantile(s, 0.9)).toBe(18); // ⌈20 · 0.9⌉ = 18
    expect(conformalQuantile(s, 0.5)).toBe(10);
    expect(conformalQuantile([1, 2, 3], 0.9)).toBe(Infinity); // ⌈4 · 0.9⌉ = 4 > 3
  });
});

describe('prediction intervals between grid points', () => {
  let model: Surrogate;
  beforeAll(async () => {
    const rt = await loadTf();
    model = fitSurrogate(rt, train, { targets: resolveTargets(DEFAULT_TARGETS), seed: 1, folds: 5 });
  });
  afterAll(() => model?.dispose());

  it('90% intervals cover ≥ 85% of points simulated off the training grid, per target', () => {
    expect(offGrid.points).toBe(36);
    const items = offGrid.rows.map((r) => ({ scenario: r.resolved, flow: r.flow }));
    // none of them is on the training grid
    const onGrid = new Set(model.meta.points.map((p) => `${p.lossPct}/${p.rttMs}`));
    for (const it of items) expect(onGrid.has(`${(it.scenario.link.loss as { p: number }).p * 100}/${it.scenario.link.rttNs / 1e6}`)).toBe(false);
    const values = model.predictFlows(items);
    const iv = model.predictIntervals(items, values, 0.9)!;
    expect(iv).not.toBeNull();
    const coverage: Record<string, number> = {};
    const maeCoverage: Record<string, number> = {};
    const mae = Object.fromEntries(model.meta.evaluation.metrics.map((m) => [m.name, m.byCc]));
    for (const t of DEFAULT_TARGETS) {
      let inside = 0;
      let insideMae = 0;
      offGrid.rows.forEach((r, i) => {
        const [lo, hi] = iv[i]![t]!;
        const y = r.values[t]!;
        expect(lo).toBeLessThanOrEqual(values[i]![t]!);
        expect(hi).toBeGreaterThanOrEqual(values[i]![t]!);
        if (y >= lo && y <= hi) inside++;
        if (Math.abs(y - values[i]![t]!) <= mae[t]![r.cc]!.mae) insideMae++;
      });
      coverage[t] = inside / offGrid.rows.length;
      maeCoverage[t] = insideMae / offGrid.rows.length;
    }
    console.log('off-grid coverage of the 90% intervals', coverage, '; of ± MAE', maeCoverage);
    for (const t of DEFAULT_TARGETS) expect(coverage[t], t).toBeGreaterThanOrEqual(0.85);
    // the held-out MAE alone (what `±` meant) covers far less than 90%
    expect(Math.min(...Object.values(maeCoverage))).toBeLessThan(0.85);
  });

  it('a 50% interval is narrower than a 90% one, and intervals are wider where the model errs more (Reno vs Brutal goodput)', () => {
    const items = offGrid.rows.map((r) => ({ scenario: r.resolved, flow: r.flow }));
    const values = model.predictFlows(items);
    const i90 = model.predictIntervals(items, values, 0.9)!;
    const i50 = model.predictIntervals(items, values, 0.5)!;
    const width = (iv: [number, number]) => iv[1] - iv[0];
    let narrower = 0;
    i90.forEach((w, i) => (width(i50[i]!.goodput!) <= width(w.goodput!) ? narrower++ : 0));
    expect(narrower).toBe(items.length);
    const meanWidth = (cc: string) => {
      const idx = offGrid.rows.flatMap((r, i) => (r.cc === cc ? [i] : []));
      return idx.reduce((s, i) => s + width(i90[i]!.goodput!), 0) / idx.length;
    };
    // Brutal holds its rate whatever the loss; Reno's goodput falls steeply with loss and RTT
    expect(meanWidth('reno')).toBeGreaterThan(meanWidth('brutal'));
  });
});
