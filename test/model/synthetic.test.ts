/**
 * The network and its held-out evaluation on data from a known smooth
 * function of loss, RTT and CC: the fit must recover it (R² ≥ 0.95 on points
 * it did not see).
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/engine/rng.js';
import { loadTf } from '../../src/model/backend.js';
import type { SweepData, TrainingRow } from '../../src/model/data.js';
import { DEFAULT_TARGETS, resolveTargets } from '../../src/model/features.js';
import { fitSurrogate } from '../../src/model/surrogate.js';
import { validateScenario } from '../../src/scenario/load.js';

/** Known ground truth: goodput, retransmissions and p95 RTT as smooth functions. */
function truth(cc: 'a' | 'b', p: number, rttMs: number, rateMbps: number) {
  const r = rttMs / 50;
  if (cc === 'a') {
    return { goodput: rateMbps / (1 + 40 * Math.sqrt(p) * r), retransRatio: p * (1.2 + 0.5 * Math.tanh(r)), rttP95: rttMs * (1.1 + 0.4 * Math.exp(-100 * p)) };
  }
  return { goodput: rateMbps * 0.95 * (1 - p), retransRatio: p + 0.02, rttP95: rttMs * (1.6 - 0.3 * Math.tanh(2 * r)) };
}

function syntheticSweep(points: number, seed: number): SweepData {
  const rng = new Rng(seed, 'test/synthetic');
  const rows: TrainingRow[] = [];
  for (let i = 0; i < points; i++) {
    const cc = i % 2 === 0 ? 'a' : 'b';
    const p = rng.next() < 0.1 ? 0 : 10 ** (-4 + 3 * rng.next()); // 0, or 0.01% .. 10%
    const rttMs = Math.round(10 ** (1 + 1.3 * rng.next())); // 10 .. 200 ms
    const doc = { duration: '10s', link: { rate: '50mbit', rtt: `${rttMs}ms`, loss: `${p * 100}%` }, flows: [{ cc: cc === 'a' ? 'reno' : 'cubic' }] };
    const { resolved } = validateScenario(doc, 'synthetic');
    rows.push({ point: `p${i}`, resolved, flow: 0, cc: resolved.flows[0]!.cc, seeds: 1, values: truth(cc, p, rttMs, 50) });
  }
  return { rows, points, runs: points, ccs: ['cubic', 'reno'], baseDoc: null, unseenVarying: [] };
}

describe('surrogate on a known smooth function', () => {
  it('reaches held-out R² ≥ 0.95 for every target', async () => {
    const rt = await loadTf();
    const model = fitSurrogate(rt, syntheticSweep(120, 3), { targets: resolveTargets(DEFAULT_TARGETS), seed: 1, folds: 5 });
    try {
      const m = Object.fromEntries(model.meta.evaluation.metrics.map((x) => [x.name, x]));
      expect(m.goodput!.r2).toBeGreaterThanOrEqual(0.95);
      expect(m.retransRatio!.r2).toBeGreaterThanOrEqual(0.95);
      expect(m.rttP95!.r2).toBeGreaterThanOrEqual(0.95);
      // every point was predicted once by a network that did not see it
      expect(model.meta.points.every((p) => Number.isFinite(p.heldOut.goodput))).toBe(true);
      expect(model.meta.evaluation.metrics[0]!.folds.reduce((s, f) => s + f.points, 0)).toBe(120);
    } finally {
      model.dispose();
    }
  });
});
