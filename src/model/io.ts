/**
 * Saving and loading a surrogate model directory:
 *
 *   model.json        the network in TensorFlow.js layers format (topology +
 *                     weights manifest), loadable by tf.loadLayersModel
 *   weights.bin       its weights (float32, little endian)
 *   cclab-model.json  features, scaling, targets, training ranges, held-out
 *                     evaluation, the base scenario and the training points
 *   evaluation.json   R² and MAE per target (also inside cclab-model.json)
 *
 * tfjs-node's `file://` handler is not available without tfjs-node, so the
 * files are written and read here (tf.io.withSaveHandler / fromMemory) and
 * work on every backend. The directory is written atomically.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { io } from '@tensorflow/tfjs';
import { InputError } from '../scenario/errors.js';
import { toJson, writeDirAtomic } from '../results/io.js';
import type { TfRuntime } from './backend.js';
import { MODEL_SCHEMA, Surrogate, type ModelMeta } from './surrogate.js';

export const MODEL_FILES = { network: 'model.json', weights: 'weights.bin', meta: 'cclab-model.json', evaluation: 'evaluation.json' } as const;

/** The network as model.json text plus weights.bin bytes. */
export async function serializeNetwork(s: Surrogate): Promise<{ modelJson: string; weights: Uint8Array }> {
  const { tf } = s.runtime;
  let captured: io.ModelArtifacts | undefined;
  await s.network.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
    }),
  );
  const a = captured!;
  const data = a.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(a.weightData);
  const modelJson: io.ModelJSON = {
    modelTopology: a.modelTopology as object,
    format: a.format ?? 'layers-model',
    generatedBy: a.generatedBy ?? '',
    convertedBy: a.convertedBy ?? null,
    weightsManifest: [{ paths: [`./${MODEL_FILES.weights}`], weights: a.weightSpecs ?? [] }],
  };
  return { modelJson: toJson(modelJson), weights: new Uint8Array(data) };
}

/** Write the model directory (atomically); `extra` adds files such as charts. */
export async function saveModel(dir: string, s: Surrogate, extra: Record<string, string | Uint8Array> = {}): Promise<void> {
  const { modelJson, weights } = await serializeNetwork(s);
  writeDirAtomic(dir, {
    [MODEL_FILES.network]: modelJson,
    [MODEL_FILES.weights]: weights,
    [MODEL_FILES.meta]: toJson(s.meta),
    [MODEL_FILES.evaluation]: toJson(s.meta.evaluation),
    ...extra,
  }, 'model');
}

/**
 * Where the model directory is, given what the user typed: the directory
 * itself, one of its files, or a results folder with a `model/` inside.
 */
export function locateModelDir(path: string): string {
  const candidates: string[] = [];
  if (existsSync(path) && statSync(path).isFile()) candidates.push(dirname(path));
  else candidates.push(path, join(path, 'model'));
  for (const c of candidates) if (existsSync(join(c, MODEL_FILES.meta)) && existsSync(join(c, MODEL_FILES.network))) return c;
  if (!existsSync(path)) throw new InputError(`${path}: no such model (run cclab fit <sweep-results> first)`);
  const missing = [MODEL_FILES.network, MODEL_FILES.meta].filter((f) => !existsSync(join(candidates[0]!, f)));
  throw new InputError(`${path}: not a cclab model directory (missing ${missing.join(' and ')}; cclab fit writes them)`);
}

function readJsonFile(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(`${file}: cannot read (${(e as Error).message.split('\n')[0]})`);
  }
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1 };

/**
 * The weights file has the size the manifest says, and every float weight is
 * finite: a cut or corrupted file is refused instead of predicting NaN.
 */
function checkWeights(file: string, specs: io.WeightsManifestEntry[], data: ArrayBuffer): void {
  let expected = 0;
  const floats: [number, number][] = [];
  for (const s of specs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const bytes = DTYPE_BYTES[s.dtype];
    if (bytes === undefined || s.quantization) throw new InputError(`${file}: weight ${s.name} has a type cclab does not write (${s.dtype})`);
    if (s.dtype === 'float32') floats.push([expected, n]);
    expected += n * bytes;
  }
  if (data.byteLength !== expected) throw new InputError(`${file}: ${data.byteLength} bytes, the model's manifest (model.json) needs ${expected}: the weights are cut or corrupt`);
  for (const [offset, n] of floats) {
    const v = new Float32Array(data.slice(offset, offset + n * 4));
    if (!v.every(Number.isFinite)) throw new InputError(`${file}: holds weights that are not finite numbers: the weights are corrupt`);
  }
}

/** Load a model directory written by saveModel. */
export async function loadModel(rt: TfRuntime, path: string): Promise<Surrogate> {
  const dir = locateModelDir(path);
  const meta = readJsonFile(join(dir, MODEL_FILES.meta)) as ModelMeta;
  if (meta?.schema !== MODEL_SCHEMA) throw new InputError(`${join(dir, MODEL_FILES.meta)}: not a ${MODEL_SCHEMA} model description`);
  const modelJson = readJsonFile(join(dir, MODEL_FILES.network)) as io.ModelJSON;
  const manifestOk = modelJson !== null && typeof modelJson === 'object' && Array.isArray(modelJson.weightsManifest) &&
    modelJson.weightsManifest.every((g) => Array.isArray(g?.paths) && Array.isArray(g?.weights) && g.weights.every((w) => typeof w?.name === 'string' && Array.isArray(w.shape) && w.shape.every((d) => Number.isInteger(d) && d >= 0)));
  if (!manifestOk) throw new InputError(`${join(dir, MODEL_FILES.network)}: not a TensorFlow.js layers model with a weights manifest`);
  const manifest = modelJson.weightsManifest ?? [];
  const weightSpecs = manifest.flatMap((g) => g.weights);
  const parts = manifest.flatMap((g) => g.paths).map((p) => {
    const file = join(dir, basename(p));
    if (!existsSync(file)) throw new InputError(`${file}: missing (the model's weights)`);
    const b = readFileSync(file);
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  });
  const weightData = rt.tf.io.CompositeArrayBuffer.join(parts);
  checkWeights(join(dir, MODEL_FILES.weights), weightSpecs, weightData);
  try {
    const network = await rt.tf.loadLayersModel(rt.tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs, weightData }));
    return new Surrogate(rt, network, meta);
  } catch (e) {
    throw new InputError(`${join(dir, MODEL_FILES.network)}: cannot load the network (${(e as Error).message.split('\n')[0]})`);
  }
}
