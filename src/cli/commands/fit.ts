/**
 * `cclab fit <sweep-results>... [--targets goodput,retransRatio,rttP95] [--seed N] [--folds K] [--out dir]`
 *
 * Trains the surrogate MLP on the sweep's points, prints the held-out
 * (k-fold) R² and MAE per target, and writes the model directory with
 * predicted charts. TensorFlow.js is loaded only when the command runs.
 */
import type { Command } from 'commander';
import { join } from 'node:path';
import { InputError } from '../../scenario/errors.js';
import { table } from '../format.js';

export interface FitCliOptions {
  targets: string;
  seed: string;
  folds: string;
  steps?: string;
  out?: string;
  backend?: string;
  charts: boolean;
  json?: boolean;
}

function positiveInt(name: string, v: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InputError(`--${name}: expected an integer of at least ${min}, got "${v}"`);
  return n;
}

/** A number for a table cell: 3 significant digits, "n/a" for NaN. */
export function fmtNum(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return 'n/a';
  return Math.abs(x) >= 1000 ? x.toFixed(0) : String(+x.toPrecision(digits));
}

export function registerFit(program: Command): void {
  program
    .command('fit')
    .description('fit a surrogate model (TensorFlow.js MLP) to sweep results; prints its held-out R² and MAE')
    .argument('<sweep-results...>', 'folder(s) of sweep results (run directories with summary.json and resolved.json)')
    .option('--targets <list>', 'what to predict, comma-separated: goodput, throughput, retransRatio, rttMean, rttP50, rttP95, rttP99', 'goodput,retransRatio,rttP95')
    .option('--seed <n>', 'seed for initial weights, batches and folds', '1')
    .option('--folds <k>', 'k-fold cross-validation by sweep point', '5')
    .option('--steps <n>', 'optimiser steps per network (default 1000)')
    .option('--out <dir>', 'model directory to write (default: <first sweep-results>/model)')
    .option('--backend <name>', 'TensorFlow.js backend: auto, tensorflow, wasm, cpu (default auto, or $CCLAB_TF_BACKEND)')
    .option('--no-charts', 'do not render the predicted heatmaps')
    .option('--json', 'print the evaluation as JSON')
    .action(async (paths: string[], opts: FitCliOptions) => {
      const { resolveTargets } = await import('../../model/features.js');
      const { readSweepResults } = await import('../../model/data.js');
      const { loadTf, parseBackendChoice, describeBackend } = await import('../../model/backend.js');
      const { checkFitInput, fitSurrogate } = await import('../../model/surrogate.js');
      const { saveModel, MODEL_FILES } = await import('../../model/io.js');
      const { chartFiles, predictedCharts } = await import('../../model/charts.js');

      const targets = resolveTargets(opts.targets.split(',').map((s) => s.trim()).filter(Boolean));
      const seed = positiveInt('seed', opts.seed, 0);
      const folds = positiveInt('folds', opts.folds, 2);
      const steps = opts.steps === undefined ? undefined : positiveInt('steps', opts.steps, 1);
      const choice = parseBackendChoice(opts.backend ?? process.env.CCLAB_TF_BACKEND);
      const data = readSweepResults(paths);
      checkFitInput(data, targets, folds);
      const out = opts.out ?? join(paths[0]!, 'model');
      const log = (s: string) => process.stderr.write(`${s}\n`);

      const seeds = [...new Set(data.rows.map((r) => r.seeds))].sort((a, b) => a - b);
      log(`read ${data.runs} runs: ${data.points} points, ${data.rows.length} flow rows (${data.ccs.join(', ')}), seeds per point: ${seeds.join(', ')}`);
      if (data.unseenVarying.length > 0) {
        log(`note: the sweep also varies ${data.unseenVarying.slice(0, 4).join(', ')}${data.unseenVarying.length > 4 ? ', ...' : ''}, which the model does not take as input`);
      }
      const rt = await loadTf(choice);
      const backendLine = describeBackend(rt);
      log(backendLine);
      const model = fitSurrogate(rt, data, { targets, seed, folds, ...(steps ? { train: { steps } } : {}), onProgress: log });
      try {
        const charts = opts.charts ? predictedCharts(model, { onSkip: (why) => log(`note: ${why}`) }) : [];
        const files = chartFiles(charts);
        await saveModel(out, model, Object.fromEntries(Object.entries(files).map(([name, content]) => [join('charts', name), content])));
        const ev = model.meta.evaluation;
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ model: out, backend: rt.backend, points: data.points, evaluation: ev }, null, 2)}\n`);
          return;
        }
        const rows: (string | number)[][] = [['target', 'unit', 'R²', 'MAE', 'R² per fold']];
        for (const m of ev.metrics) rows.push([m.name, m.unit || '-', fmtNum(m.r2), fmtNum(m.mae), m.folds.map((f) => fmtNum(f.r2, 2)).join(' ')]);
        const ccs = model.meta.ccs;
        const byCc: (string | number)[][] = [['MAE by CC', ...ccs]];
        for (const m of ev.metrics) byCc.push([m.name, ...ccs.map((cc) => fmtNum(m.byCc[cc]?.mae ?? NaN))]);
        const t = model.meta.training;
        process.stdout.write(
          `MLP ${model.meta.features.length}→${t.hidden.join('→')}→${targets.length} (${t.activation}), ${t.steps} steps, seed ${seed}, on ${t.points} points\n` +
            `held-out error (${ev.method}):\n\n${table(rows)}\n\n${table(byCc)}\n\n` +
            `model written to ${out} (${MODEL_FILES.network}, ${MODEL_FILES.weights}, ${MODEL_FILES.meta}, ${MODEL_FILES.evaluation}` +
            `${charts.length ? `, charts/ with ${charts.length} predicted charts as PNG, SVG and JSON` : ''})\n${backendLine}\n`,
        );
      } finally {
        model.dispose();
      }
    });
}
