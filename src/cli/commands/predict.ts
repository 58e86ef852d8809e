/**
 * `cclab predict <model> [--set path=value]... [--scenario file] [--json]`
 *
 * Asks a model written by `cclab fit` about a scenario: the sweep's own
 * scenario (or --scenario) changed by --set, with the same paths and units
 * as `cclab run --set`. Prints each flow's predicted targets with the
 * model's held-out mean absolute error.
 */
import type { Command } from 'commander';
import { formatPercent, formatRate, formatTime } from '../../scenario/units.js';
import { table } from '../format.js';
import { collect } from './run.js';
import { fmtNum } from './fit.js';
import { InputError } from '../../scenario/errors.js';

export interface PredictCliOptions {
  set: string[];
  scenario?: string;
  backend?: string;
  json?: boolean;
}

export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description('predict goodput, retransmissions and RTT for a scenario with a model from cclab fit')
    .argument('<model>', 'model directory written by cclab fit (or the sweep folder holding it in model/)')
    .option('--set <path=value>', 'change the scenario, e.g. --set link.loss=3% --set link.rtt=80ms (repeatable)', collect, [])
    .option('--scenario <file>', "scenario to change (default: the sweep's own scenario, stored with the model)")
    .option('--backend <name>', 'TensorFlow.js backend: auto, tensorflow, wasm, cpu (default auto, or $CCLAB_TF_BACKEND)')
    .option('--json', 'print the predictions as JSON')
    .action(async (modelPath: string, opts: PredictCliOptions) => {
      const { loadTf, parseBackendChoice, describeBackend } = await import('../../model/backend.js');
      const { loadModel, locateModelDir } = await import('../../model/io.js');
      const { predictWithSets } = await import('../../model/predict.js');
      const { meanLossRate } = await import('../../model/features.js');

      const choice = parseBackendChoice(opts.backend ?? process.env.CCLAB_TF_BACKEND);
      locateModelDir(modelPath); // a missing model is reported before TensorFlow.js loads
      const rt = await loadTf(choice);
      const model = await loadModel(rt, modelPath);
      try {
        const cases = predictWithSets(model, opts.set, opts.scenario);
        if (cases.some((c) => c.flows.some((f) => Object.values(f.values).some((v) => !Number.isFinite(v))))) {
          throw new InputError(`${modelPath}: the model predicts values that are not numbers: its files are corrupt (run cclab fit again)`);
        }
        const metrics = new Map(model.meta.evaluation.metrics.map((m) => [m.name, m]));
        const notes = [...new Set(cases.flatMap((c) => c.extrapolation))];
        if (opts.json) {
          const out = {
            backend: rt.backend,
            predictions: cases.map((c) => ({ scenario: c.scenario, flows: c.flows })),
            heldOutMae: Object.fromEntries(model.meta.evaluation.metrics.map((m) => [m.name, { all: m.mae, ...Object.fromEntries(Object.entries(m.byCc).map(([cc, v]) => [cc, v.mae])) }])),
            extrapolation: notes,
          };
          process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
          return;
        }
        const s0 = cases[0]!.scenario;
        const l = s0.link;
        const head =
          `${formatRate(l.rateBps)}, RTT ${formatTime(l.rttNs)}, loss ${formatPercent(meanLossRate(l.loss))}, ` +
          `queue ${l.queueSpec} (${l.queuePackets} packets), ${s0.flows.length} flow${s0.flows.length === 1 ? '' : 's'}`;
        // retransRatio reads better as a percentage
        const shown = model.meta.targets.map((t) =>
          t.name === 'retransRatio' ? { name: t.name, header: 'retrans %', k: 100 } : { name: t.name, header: `${t.name}${t.unit ? ` ${t.unit}` : ''}`, k: 1 },
        );
        const rows: string[][] = [['flow', 'cc', ...shown.map((s) => s.header)]];
        for (const c of cases) {
          for (const f of c.flows) {
            const fl = c.scenario.flows[f.flow]!;
            const cc = fl.brutal ? `${f.cc} ${formatRate(fl.brutal.rateBytesPerSec * 8)}` : f.cc;
            // the error of this CC's points when the model did not see them
            const mae = (name: string) => metrics.get(name)!.byCc[f.cc]?.mae ?? metrics.get(name)!.mae;
            rows.push([String(f.flow), cc, ...shown.map((s) => `${fmtNum(f.values[s.name]! * s.k)} ± ${fmtNum(mae(s.name) * s.k, 2)}`)]);
          }
        }
        process.stdout.write(
          `predicted for ${head}\n\n${table(rows)}\n\n` +
            `± is the model's held-out mean absolute error for that CC (${model.meta.evaluation.method}, ${model.meta.training.points} points)\n` +
            notes.map((e) => `note: ${e}; the prediction is an extrapolation\n`).join('') +
            `${describeBackend(rt)}\n`,
        );
      } finally {
        model.dispose();
      }
    });
}
