/**
 * Which TensorFlow.js backend cclab uses: tfjs-node when it loads, else the
 * WebAssembly backend, else pure JavaScript; the one-line description says
 * which, and why a preferred one was passed over.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { BACKENDS, describeBackend, loadTf, parseBackendChoice } from '../../src/model/backend.js';

const require = createRequire(import.meta.url);

function tfjsNodeLoads(): boolean {
  try {
    require('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

describe('TensorFlow.js backend choice', () => {
  it('prefers tfjs-node, then wasm, then cpu', () => {
    expect([...BACKENDS]).toEqual(['tensorflow', 'wasm', 'cpu']);
  });

  it('auto takes the first that loads and says why it skipped the others', async () => {
    const rt = await loadTf('auto');
    if (tfjsNodeLoads()) {
      expect(rt.backend).toBe('tensorflow');
      expect(rt.skipped).toEqual([]);
      expect(describeBackend(rt)).toBe('TensorFlow.js backend: tensorflow');
    } else {
      expect(rt.backend).toBe('wasm');
      expect(rt.skipped).toHaveLength(1);
      expect(rt.skipped[0]).toMatch(/^tensorflow: (not installed|installed without its native addon)/);
      expect(describeBackend(rt)).toMatch(/^TensorFlow\.js backend: wasm \(tensorflow: (not installed|installed without its native addon)/);
    }
    expect(rt.tf.getBackend()).toBe(rt.backend);
  });

  it('rejects an unknown backend name in one line', () => {
    expect(() => parseBackendChoice('gpu')).toThrow(/^--backend: unknown TensorFlow\.js backend "gpu"; known: auto, tensorflow, wasm, cpu$/);
  });
});
