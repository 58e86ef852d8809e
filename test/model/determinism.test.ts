/**
 * A fixed seed gives the same model: same held-out metrics, same weights,
 * byte for byte, on the wasm and the pure-JS cpu backends. Another seed gives
 * another model. (Short trainings: determinism does not depend on length.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTf, type BackendName } from '../../src/model/backend.js';
import { readSweepResults, type SweepData } from '../../src/model/data.js';
import { DEFAULT_TARGETS, resolveTargets } from '../../src/model/features.js';
import { serializeNetwork } from '../../src/model/io.js';
import { fitSurrogate } from '../../src/model/surrogate.js';
import { runFixtureSweep } from './sweep-fixture.js';

let dir: string;
let data: SweepData;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cclab-model-det-'));
  runFixtureSweep(dir, ['duration=2s']);
  data = readSweepResults([join(dir, 'sweep')]);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function fitOnce(backend: BackendName, seed: number) {
  const rt = await loadTf(backend);
  expect(rt.backend).toBe(backend);
  const model = fitSurrogate(rt, data, { targets: resolveTargets(DEFAULT_TARGETS), seed, folds: 3, train: { steps: 150 } });
  try {
    const { weights } = await serializeNetwork(model);
    return { metrics: model.meta.evaluation.metrics, weights: Buffer.from(weights).toString('base64') };
  } finally {
    model.dispose();
  }
}

describe('determinism given a seed', () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    it(`${backend}: two fits with seed 5 are identical; seed 6 differs`, async () => {
      const a = await fitOnce(backend, 5);
      const b = await fitOnce(backend, 5);
      expect(b.metrics).toEqual(a.metrics);
      expect(b.weights).toBe(a.weights);
      const c = await fitOnce(backend, 6);
      expect(c.weights).not.toBe(a.weights);
    });
  }
});
