/**
 * Competing flows over time: the per-flow throughput chart shows what the
 * link carried (never above it by more than a sample's quantisation), on
 * the simulator's and on the kernel's time series, and Jain's index over the
 * same windows stays in [1/n, 1] and moves only when the shares do.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/load.js';
import { cclab, tempDir } from '../analysis/cli.js';
import { writeRun } from '../../src/results/write.js';
import { convertRun, type RawFiles } from '../../src/kernel/convert.js';
import { loadResults } from '../../src/report/data.js';
import { chartSpecs } from '../../src/report/specs.js';
import type { ChartSpec } from '../../src/report/chartconfig.js';
import { jainIndex } from '../../src/results/metrics.js';

const LINK_MBPS = 50;

/** Brutal at twice the link against Cubic: the run whose in-order goodput per 100 ms reached 265 Mbit/s. */
function brutal2xVsCubic(): ChartSpec[] {
  const dir = join(tempDir('rates'), 'run');
  const r = cclab(['run', 'scenarios/brutal-vs-cubic.yaml', '--set', 'duration=12s', '--set', 'flows[0].brutal.rate=100mbit', '--out', dir]);
  expect(r.status, r.stderr).toBe(0);
  return chartSpecs(loadResults(dir));
}

const byId = (cs: ChartSpec[], id: string) => {
  const c = cs.find((x) => x.id === id);
  expect(c, `chart ${id}`).toBeDefined();
  return c!;
};

describe('per-flow throughput over time (Brutal 2x vs Cubic, 50 Mbit/s)', () => {
  const charts = brutal2xVsCubic();
  const tput = byId(charts, 'flows-throughput');
  const fair = byId(charts, 'flows-fairness');

  it('never draws a flow above 1.1x the link rate', () => {
    const all = tput.series.flatMap((s) => s.points.map((p) => p.y));
    expect(all.length).toBeGreaterThan(100);
    expect(Math.max(...all)).toBeLessThanOrEqual(1.1 * LINK_MBPS);
    // and Brutal does get most of the link
    const brutal = tput.series.find((s) => s.label.includes('Brutal'))!;
    const late = brutal.points.filter((p) => p.x > 4).map((p) => p.y);
    expect(late.reduce((a, b) => a + b, 0) / late.length).toBeGreaterThan(0.6 * LINK_MBPS);
  });

  it('says what it plots: the rate, its smoothing and the unit', () => {
    expect(tput.title).toMatch(/throughput/i);
    expect(tput.title).toMatch(/delivery rate, 1 s mean/);
    expect(tput.y.title).toMatch(/^throughput \(Mbit\/s/);
    const good = byId(charts, 'flows-goodput');
    expect(good.y.title).toMatch(/^goodput/);
    expect(good.title).toMatch(/in-order/);
  });

  it("keeps Jain's index in [0.5, 1] and equal to Jain of the throughput shares drawn", () => {
    const ys = fair.series[0]!.points;
    expect(ys.length).toBeGreaterThan(50);
    const [a, b] = tput.series;
    const at = (s: typeof a, x: number) => s!.points.find((p) => p.x === x)?.y;
    for (const p of ys) {
      expect(p.y).toBeGreaterThanOrEqual(0.5);
      expect(p.y).toBeLessThanOrEqual(1);
      const x0 = at(a, p.x);
      const x1 = at(b, p.x);
      if (x0 === undefined || x1 === undefined) continue;
      expect(p.y).toBeCloseTo(jainIndex([x0, x1]), 3);
    }
  });

  it('changes only when the shares do', () => {
    const [a, b] = tput.series;
    const share = new Map<number, number>();
    for (const p of a!.points) {
      const q = b!.points.find((x) => x.x === p.x);
      if (q && p.y + q.y > 0) share.set(p.x, p.y / (p.y + q.y));
    }
    const pts = fair.series[0]!.points.filter((p) => share.has(p.x));
    for (let i = 1; i < pts.length; i++) {
      const ds = Math.abs(share.get(pts[i]!.x)! - share.get(pts[i - 1]!.x)!);
      const dj = Math.abs(pts[i]!.y - pts[i - 1]!.y);
      // J = 1 / (2 (s² + (1 - s)²)) for two flows: |dJ/ds| <= 2 over s in [0, 1]
      expect(dj).toBeLessThanOrEqual(2 * ds + 2e-3);
    }
    // and over the run it is not flipping between 0.5 and 1 from one window to the next
    const jumps = pts.slice(1).filter((p, i) => Math.abs(p.y - pts[i]!.y) > 0.25).length;
    expect(jumps).toBeLessThanOrEqual(2);
  });
});

describe("per-flow throughput over time from the kernel's ss samples", () => {
  it('stays within 1.1x the link on a real VM run (Cubic + BBR, 20 Mbit/s, 1% loss)', () => {
    const FIX = join(import.meta.dirname, '..', 'kernel', 'fixtures', 'vm-cubic-bbr-20mbit-40ms-1pct');
    const files: RawFiles = Object.fromEntries(readdirSync(FIX).filter((f) => f !== 'scenario.yaml').map((f) => [f, readFileSync(join(FIX, f))]));
    const loaded = loadScenario(join(FIX, 'scenario.yaml'));
    const a = convertRun(loaded, files, { target: 'vm', wallSeconds: 20, createdAt: '2026-01-01T00:00:00.000Z' });
    const dir = join(mkdtempSync(join(tmpdir(), 'cclab-rates-k-')), 'run');
    writeRun(dir, a);
    const charts = chartSpecs(loadResults(dir));
    const tput = byId(charts, 'flows-throughput');
    const ys = tput.series.flatMap((s) => s.points.map((p) => p.y));
    expect(ys.length).toBeGreaterThan(20);
    expect(Math.max(...ys)).toBeLessThanOrEqual(1.1 * 20);
    const jain = byId(charts, 'flows-fairness').series[0]!.points;
    expect(jain.length).toBeGreaterThan(20); // the flows' ss samples share their snapshot times
    for (const p of jain) {
      expect(p.y).toBeGreaterThanOrEqual(0.5);
      expect(p.y).toBeLessThanOrEqual(1);
    }
  });
});
