/**
 * Fidelity regression test: the simulator against the committed real-kernel
 * reference runs (results/reference/linux-6.1.0-56-amd64), on the fast part
 * of the validation grid: 10 ms and 50 ms RTT, every loss rate and
 * congestion control. Each point must meet the fidelity targets
 * (analysis/validate.ts: goodput 10% or 0.5 Mbit/s, retransmission ratio 25%
 * or 0.002, mean RTT 10%), with the reference tree's measured host model
 * (its testbed.yaml) applied, as `cclab validate` does.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { validate, type ValidatedPoint } from '../src/analysis/validate.js';
import type { RunRecord } from '../src/analysis/compare.js';
import { loadArchive, loadRunTree } from '../src/kernel/reference.js';
import { writeRun } from '../src/results/write.js';

const REFERENCE = 'results/reference/linux-6.1.0-56-amd64';
const reference = () => ({ root: REFERENCE, runs: loadRunTree(REFERENCE) });

/**
 * Unpack the kernel runs of one loss-free validation point (RTT, cc) to
 * `<root>/ref`, without the tree's testbed.yaml; returns how many.
 */
function copyPoint(root: string, rttNs: number, cc: string): number {
  const isPoint = (r: RunRecord) =>
    r.resolved.link.rttNs === rttNs && r.resolved.flows[0]!.cc === cc && r.resolved.link.loss.kind === 'bernoulli' && r.resolved.link.loss.p === 0;
  const runs = loadArchive(join(REFERENCE, 'kernel-validation.runs.tar.br')).filter(isPoint);
  for (const r of runs) writeRun(join(root, 'ref', 'kernel-validation', basename(r.dir)), r.artifacts);
  return runs.length;
}

describe('fidelity against the Linux 6.1 reference runs (10 and 50 ms)', () => {
  let points: ValidatedPoint[] = [];

  // every test below checks these points: simulated once, here, so that any of them run alone still checks them
  beforeAll(async () => {
    const v = await validate(reference(), {
      out: mkdtempSync(join(tmpdir(), 'cclab-fidelity-')),
      jobs: 2,
      // as `cclab validate` does: at least 10 seeds, and 10 per kernel repetition
      simSeeds: 10,
      simSeedsPerKernelRun: 10,
      only: /^kernel-validation$/,
      filter: (r) => r.resolved.link.rttNs <= 50e6,
    });
    points = v.points;
  }, 300_000);

  it('simulates every fast reference point', () => {
    // 2 RTTs x 5 loss rates x 3 congestion controls
    expect(points).toHaveLength(30);
  });

  it('every point meets the targets', () => {
    expect(points).toHaveLength(30); // never vacuous
    const failures: string[] = [];
    for (const p of points) {
      for (const m of ['goodputMbps', 'retransRatio', 'rttMeanMs'] as const) {
        if (!p.ok[m]) failures.push(`${p.label}: ${m} kernel ${p.kernel[m].mean.toFixed(4)} sim ${p.sim[m].mean.toFixed(4)} (${(p.relErr[m] * 100).toFixed(1)}%)`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('BBR at 10 ms queues as much as the kernel only with the measured ACK timing of the testbed', async () => {
    // the same two points with the simulator's default host model (uniform 20 us): ~12.9 ms against
    // the kernel's 14.4; the ACK-timing tail of testbed.yaml is what lifts BBR's bandwidth estimate
    // a copy of the point's kernel runs without the tree's testbed.yaml
    const root = mkdtempSync(join(tmpdir(), 'cclab-fidelity-default-'));
    expect(copyPoint(root, 10e6, 'bbr')).toBeGreaterThan(0);
    const ref = join(root, 'ref');
    const v = await validate({ root: ref, runs: loadRunTree(ref) }, { out: join(root, 'sim'), jobs: 2, simSeeds: 3 });
    expect(v.points).toHaveLength(1);
    const withTestbed = points.find((p) => p.label === 'rttMs=10 queuePkts=41 lossPct=0 cc=bbr')!;
    expect(withTestbed.ok.rttMeanMs).toBe(true);
    expect(v.points[0]!.relErr.rttMeanMs).toBeLessThan(-0.08);
  }, 120_000);
});

describe('simulator seeds per point', () => {
  it('are at least --sim-seeds, and at least k per kernel repetition, so noisy points get as many more', async () => {
    // one point with 3 kernel repetitions (Cubic, 10 ms, no loss)
    const root = mkdtempSync(join(tmpdir(), 'cclab-fidelity-seeds-'));
    expect(copyPoint(root, 10e6, 'cubic')).toBe(3);
    const ref = { root: join(root, 'ref'), runs: loadRunTree(join(root, 'ref')) };
    const a = await validate(ref, { out: join(root, 'sim'), jobs: 2, simSeeds: 2, simSeedsPerKernelRun: 2 });
    expect(a.points[0]!.kernel.goodputMbps.n).toBe(3);
    expect(a.points[0]!.sim.goodputMbps.n).toBe(6);
    const b = await validate(ref, { out: join(root, 'sim'), jobs: 2, simSeeds: 8, simSeedsPerKernelRun: 2 });
    expect(b.points[0]!.sim.goodputMbps.n).toBe(8);
  }, 120_000);
});

describe("Welch's test behind \"within noise\"", () => {
  it('tells apart clearly different means and not overlapping ones', async () => {
    const { welchIndistinguishable } = await import('../src/analysis/validate.js');
    // n = 3 vs 10: se = 0.149, Welch df = 5.1, t(0.975) = 2.56 -> limit 0.38 < 0.62: distinguishable
    expect(welchIndistinguishable({ mean: 3.34, sd: 0.2, n: 3 }, { mean: 2.72, sd: 0.3, n: 10 })).toBe(false);
    // with sd 0.32 on the kernel side: se = 0.208, df = 3.1, t = 3.10 -> limit 0.644 >= 0.62: not
    expect(welchIndistinguishable({ mean: 3.34, sd: 0.32, n: 3 }, { mean: 2.72, sd: 0.3, n: 10 })).toBe(true);
    // the same difference with a wide kernel spread: indistinguishable
    expect(welchIndistinguishable({ mean: 3.34, sd: 1.2, n: 3 }, { mean: 2.72, sd: 0.3, n: 10 })).toBe(true);
    // hand-computed: se = sqrt(1/5 + 1/5) = 0.632, df = 8, t = 2.306 -> limit 1.458
    expect(welchIndistinguishable({ mean: 0, sd: 1, n: 5 }, { mean: 1.45, sd: 1, n: 5 })).toBe(true);
    expect(welchIndistinguishable({ mean: 0, sd: 1, n: 5 }, { mean: 1.47, sd: 1, n: 5 })).toBe(false);
    // one repetition cannot be judged
    expect(welchIndistinguishable({ mean: 1, sd: 0, n: 1 }, { mean: 1, sd: 0.1, n: 10 })).toBe(false);
  });
});
