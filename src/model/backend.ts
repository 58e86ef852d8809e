/**
 * Choosing the TensorFlow.js backend.
 *
 * In order of preference:
 *   tensorflow  @tensorflow/tfjs-node (native libtensorflow), an optional
 *               dependency: used when it is installed and its native addon loads;
 *   wasm        @tensorflow/tfjs-backend-wasm, with the .wasm binaries loaded
 *               from node_modules (no network);
 *   cpu         the pure-JavaScript backend that ships with @tensorflow/tfjs.
 *
 * `CCLAB_TF_BACKEND=cpu|wasm|tensorflow` (or the commands' `--backend`)
 * forces one. TensorFlow.js is imported lazily, so commands that do not use
 * the model do not pay for loading it.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { InputError } from '../scenario/errors.js';

export type Tf = typeof import('@tensorflow/tfjs');
export const BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export type BackendChoice = BackendName | 'auto';

export interface TfRuntime {
  tf: Tf;
  backend: BackendName;
  /** Why preferred backends were not used (one short phrase each). */
  skipped: string[];
}

const TFJS_NODE = '@tensorflow/tfjs-node';
const require = createRequire(import.meta.url);

let current: { choice: BackendChoice; runtime: Promise<TfRuntime> } | undefined;
let wasmPathsSet = false;

/** Parse a backend name from the command line or the environment. */
export function parseBackendChoice(v: string | undefined): BackendChoice {
  const s = (v ?? 'auto').trim() || 'auto';
  if (s === 'auto' || (BACKENDS as readonly string[]).includes(s)) return s as BackendChoice;
  throw new InputError(`--backend: unknown TensorFlow.js backend "${s}"; known: auto, ${BACKENDS.join(', ')}`);
}

/** Load TensorFlow.js on the chosen backend (once per process). */
export function loadTf(choice: BackendChoice = parseBackendChoice(process.env.CCLAB_TF_BACKEND)): Promise<TfRuntime> {
  if (current && current.choice === choice) return current.runtime;
  const runtime = init(choice);
  current = { choice, runtime };
  return runtime;
}

async function init(choice: BackendChoice): Promise<TfRuntime> {
  const skipped: string[] = [];
  const order: BackendName[] = choice === 'auto' ? [...BACKENDS] : [choice];
  let tf: Tf | undefined;
  for (const name of order) {
    try {
      if (name === 'tensorflow') {
        // registers the 'tensorflow' backend on the shared @tensorflow/tfjs instance
        await import(TFJS_NODE as string);
      }
      tf ??= await import('@tensorflow/tfjs');
      // quiet: no "install tfjs-node" banner, no debug checks
      tf.enableProdMode();
      if (name === 'wasm' && !wasmPathsSet) {
        const wasm = await import('@tensorflow/tfjs-backend-wasm');
        wasm.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/'));
        wasmPathsSet = true;
      }
      if (!(await tf.setBackend(name))) throw new Error('backend did not initialise');
      await tf.ready();
      return { tf, backend: name, skipped };
    } catch (e) {
      const msg = (e as Error)?.message?.split('\n')[0] ?? String(e);
      const why = /Cannot find (package|module)/.test(msg)
        ? 'not installed'
        : /tfjs_binding\.node/.test(msg)
          ? 'installed without its native addon (its install step downloads libtensorflow)'
          : msg;
      skipped.push(`${name}: ${why}`);
    }
  }
  throw new Error(`no TensorFlow.js backend could be loaded (${skipped.join('; ')})`);
}

/** One line for the user: which backend, and why not a preferred one. */
export function describeBackend(r: TfRuntime): string {
  return `TensorFlow.js backend: ${r.backend}${r.skipped.length ? ` (${r.skipped.join('; ')})` : ''}`;
}
