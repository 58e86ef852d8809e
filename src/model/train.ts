/**
 * The surrogate network: a small multilayer perceptron trained on
 * standardised inputs and targets with Adam and mean squared error.
 *
 * Determinism: weights are drawn by seeded Glorot initialisers (biases
 * zero), mini-batches come from a seeded permutation per epoch, there is no
 * dropout, and the training loop is ours (tf's own `fit` shuffles with
 * Math.random). Given a seed, training is repeatable on the cpu and wasm
 * backends (checked by test/model); tfjs-node runs multithreaded native
 * kernels and is not promised to be bit-identical.
 */
import type { LayersModel, Scalar, Tensor } from '@tensorflow/tfjs';
import type { Tf } from './backend.js';
import { seededPermutation } from './evaluate.js';

export interface TrainConfig {
  /** Units of each hidden layer. */
  hidden: number[];
  activation: 'tanh' | 'relu' | 'elu' | 'sigmoid';
  /** Optimiser steps (mini-batches) in total, whatever the data size. */
  steps: number;
  batchSize: number;
  /** Adam learning rate at the start; cosine-decayed to 5% of it at the end. */
  learningRate: number;
  seed: number;
}

export const DEFAULT_TRAIN: Omit<TrainConfig, 'seed'> = {
  hidden: [48, 48],
  activation: 'tanh',
  steps: 1000,
  batchSize: 64,
  learningRate: 0.01,
};

/** Build an untrained MLP with seeded initial weights. */
export function buildMlp(tf: Tf, inputs: number, outputs: number, cfg: TrainConfig): LayersModel {
  const model = tf.sequential();
  const seedFor = (layer: number) => (cfg.seed * 7919 + layer * 104729) % 2147483647;
  cfg.hidden.forEach((units, i) => {
    model.add(
      tf.layers.dense({
        ...(i === 0 ? { inputShape: [inputs] } : {}),
        units,
        activation: cfg.activation,
        kernelInitializer: tf.initializers.glorotUniform({ seed: seedFor(i) }),
        biasInitializer: 'zeros',
        name: `hidden${i + 1}`,
      }),
    );
  });
  model.add(
    tf.layers.dense({
      ...(cfg.hidden.length === 0 ? { inputShape: [inputs] } : {}),
      units: outputs,
      kernelInitializer: tf.initializers.glorotUniform({ seed: seedFor(cfg.hidden.length) }),
      biasInitializer: 'zeros',
      name: 'output',
    }),
  );
  return model;
}

export interface TrainResult {
  model: LayersModel;
  /** Mean squared error (standardised units) on the training data at the end. */
  trainMse: number;
}

/**
 * Train an MLP on rows of (already standardised) inputs `x` and targets `y`.
 * The caller owns the returned model (dispose it when done).
 */
export function trainMlp(tf: Tf, x: readonly (readonly number[])[], y: readonly (readonly number[])[], cfg: TrainConfig): TrainResult {
  const n = x.length;
  if (n === 0 || n !== y.length) throw new Error(`trainMlp: ${n} input rows and ${y.length} target rows`);
  const model = buildMlp(tf, x[0]!.length, y[0]!.length, cfg);
  const optimizer = tf.train.adam(cfg.learningRate);
  // Adam reads its learning rate on every step; we decay it (cosine) in place.
  const lrHandle = optimizer as unknown as { learningRate: number };
  const xt = tf.tensor2d(x as number[][]);
  const yt = tf.tensor2d(y as number[][]);
  const loss = (xb: Tensor, yb: Tensor) => () => tf.losses.meanSquaredError(yb, model.apply(xb, { training: true }) as Tensor) as Scalar;
  const lrAt = (step: number) => cfg.learningRate * (0.05 + 0.95 * 0.5 * (1 + Math.cos((Math.PI * step) / cfg.steps)));
  try {
    if (n <= cfg.batchSize) {
      // the whole data set is one batch: no shuffling needed
      for (let step = 0; step < cfg.steps; step++) {
        lrHandle.learningRate = lrAt(step);
        tf.tidy(() => {
          optimizer.minimize(loss(xt, yt));
        });
      }
    } else {
      const batch = cfg.batchSize;
      let step = 0;
      for (let epoch = 0; step < cfg.steps; epoch++) {
        const perm = seededPermutation(n, cfg.seed, `model/batches/${epoch}`);
        for (let b = 0; b + batch <= n && step < cfg.steps; b += batch, step++) {
          lrHandle.learningRate = lrAt(step);
          tf.tidy(() => {
            const idx = tf.tensor1d(perm.slice(b, b + batch), 'int32');
            optimizer.minimize(loss(tf.gather(xt, idx), tf.gather(yt, idx)));
          });
        }
      }
    }
    const trainMse = tf.tidy(() => tf.losses.meanSquaredError(yt, model.predict(xt) as Tensor).dataSync()[0]!);
    return { model, trainMse };
  } finally {
    xt.dispose();
    yt.dispose();
    optimizer.dispose();
  }
}

/** Predict rows of (standardised) inputs; returns rows of (standardised) outputs. */
export function predictRows(tf: Tf, model: LayersModel, x: readonly (readonly number[])[]): number[][] {
  if (x.length === 0) return [];
  return tf.tidy(() => {
    const out = model.predict(tf.tensor2d(x as number[][])) as Tensor;
    return out.arraySync() as number[][];
  });
}
