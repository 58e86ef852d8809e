/**
 * Fidelity regression test: the simulator against the committed real-kernel
 * reference runs (results/reference/linux-6.1.0-56-amd64), on the fast part
 * of the validation grid: 10 ms and 50 ms RTT, every loss rate and
 * congestion control. Each point must meet the fidelity targets
 * (analysis/validate.ts: goodput 10% or 0.5 Mbit/s, retransmission ratio 25%
 * or 0.002, mean RTT 10%), except the known gaps listed below, which must
 * not get worse than their documented error (docs/fidelity.md explains them).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validate, type ValidatedPoint } from '../src/analysis/validate.js';

const REFERENCE = 'results/reference/linux-6.1.0-56-amd64';

/** label -> metric -> largest |relative error| accepted for now (with the reason in docs/fidelity.md). */
const KNOWN_GAPS: Record<string, Partial<Record<'goodputMbps' | 'retransRatio' | 'rttMeanMs', number>>> = {
  // BBR keeps ~8 more packets queued in the VM: its receiver sometimes ACKs 4-8 segments at once,
  // which lifts BBR's bandwidth estimate above the link (docs/fidelity-notes.md): RTT -12%
  'rttMs=10 queuePkts=41 lossPct=0 cc=bbr': { rttMeanMs: 0.15 },
  'rttMs=10 queuePkts=41 lossPct=0.1 cc=bbr': { rttMeanMs: 0.15 },
};

describe('fidelity against the Linux 6.1 reference runs (10 and 50 ms)', () => {
  let points: ValidatedPoint[] = [];

  it('simulates every fast reference point', async () => {
    const v = await validate(REFERENCE, {
      out: mkdtempSync(join(tmpdir(), 'cclab-fidelity-')),
      jobs: 2,
      simSeeds: 10,
      only: /^kernel-validation$/,
      filter: (r) => r.resolved.link.rttNs <= 50e6,
    });
    points = v.points;
    // 2 RTTs x 5 loss rates x 3 congestion controls
    expect(points).toHaveLength(30);
  }, 300_000);

  it('every point meets the targets, known gaps stay within their bounds', () => {
    const failures: string[] = [];
    for (const p of points) {
      const gap = KNOWN_GAPS[p.label] ?? {};
      for (const m of ['goodputMbps', 'retransRatio', 'rttMeanMs'] as const) {
        if (p.ok[m]) continue;
        const bound = gap[m];
        if (bound === undefined || !(Math.abs(p.relErr[m]) <= bound)) {
          failures.push(`${p.label}: ${m} kernel ${p.kernel[m].mean.toFixed(4)} sim ${p.sim[m].mean.toFixed(4)} (${(p.relErr[m] * 100).toFixed(1)}%)`);
        }
      }
    }
    expect(failures).toEqual([]);
  });
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
