/**
 * `cclab predict <model> [--set path=value]... [--scenario file] [--json]`
 *
 * Asks a model written by `cclab fit` about a scenario: the sweep's own
 * scenario (or --scenario) changed by --set, with the same paths and units
 * as `cclab run --set`. Prints each flow's predicted targets with the
 * model's held-out mean absolute error.
 */
import type { Command } from 'commander';
import { formatPercent, formatRate, formatTime, parsePercent } from '../../scenario/units.js';
import { meanLossRate } from '../../scenario/schema.js';
import type { ResolvedScenario } from '../../scenario/resolve.js';
import { table } from '../format.js';
import { collect } from './run.js';
import { fmtNum } from './fit.js';
import { InputError } from '../../scenario/errors.js';

export interface PredictCliOptions {
  set: string[];
  scenario?: string;
  level: string;
  backend?: string;
  json?: boolean;
}

/** --level: a percentage strictly between 0 and 100. */
export function parseLevel(v: string): number {
  let p: number;
  try {
    p = parsePercent(v.trim().endsWith('%') ? v.trim() : `${v.trim()}%`);
  } catch {
    p = NaN;
  }
  if (!(p > 0 && p < 1)) throw new InputError(`--level: expected a percentage between 0% and 100% (exclusive), e.g. 90%, got "${v}"`);
  return p;
}

/** A scenario in one line: rate, RTT, loss, queue, flows. */
function describeLink(s: ResolvedScenario, withFlows = true): string {
  const l = s.link;
  const flows = s.flows.map((f) => (f.brutal ? `${f.cc} ${formatRate(f.brutal.rateBytesPerSec * 8)}` : f.cc));
  const shown = withFlows && flows.length <= 3 ? ` (${flows.join(', ')})` : '';
  return (
    `${formatRate(l.rateBps)}, RTT ${formatTime(l.rttNs)}, loss ${formatPercent(meanLossRate(l.loss))}, ` +
    `queue ${l.queueSpec} (${l.queuePackets} packets), ${s.flows.length} flow${s.flows.length === 1 ? '' : 's'}${shown}`
  );
}

export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description('predict goodput, retransmissions and RTT, with prediction intervals, for a scenario with a model from cclab fit')
    .argument('<model>', 'model directory written by cclab fit (or the sweep folder holding it in model/)')
    .option('--set <path=value>', 'change the scenario, e.g. --set link.loss=3% --set link.rtt=80ms (repeatable)', collect, [])
    .option('--scenario <file>', "scenario to change (default: the sweep's own scenario, stored with the model)")
    .option('--level <percent>', 'coverage of the prediction intervals', '90%')
    .option('--backend <name>', 'TensorFlow.js backend: auto, tensorflow, wasm, cpu (default auto, or $CCLAB_TF_BACKEND)')
    .option('--json', 'print the predictions as JSON')
    .action(async (modelPath: string, opts: PredictCliOptions) => {
      const { loadTf, parseBackendChoice, describeBackend } = await import('../../model/backend.js');
      const { loadModel, locateModelDir } = await import('../../model/io.js');
      const { predictWithSets } = await import('../../model/predict.js');

      const level = parseLevel(opts.level);
      const choice = parseBackendChoice(opts.backend ?? process.env.CCLAB_TF_BACKEND);
      locateModelDir(modelPath); // a missing model is reported before TensorFlow.js loads
      const rt = await loadTf(choice);
      const model = await loadModel(rt, modelPath);
      try {
        const pred = predictWithSets(model, opts.set, opts.scenario, level);
        const cases = pred.cases;
        if (cases.some((c) => c.flows.some((f) => Object.values(f.values).some((v) => !Number.isFinite(v))))) {
          throw new InputError(`${modelPath}: the model predicts values that are not numbers: its files are corrupt (run cclab fit again)`);
        }
        for (const n of pred.notes) process.stderr.write(`note: ${n}\n`);
        const metrics = new Map(model.meta.evaluation.metrics.map((m) => [m.name, m]));
        const notes = [...new Set(cases.flatMap((c) => c.extrapolation))];
        const calibrated = model.meta.intervals !== undefined;
        const levelPct = `${+(level * 100).toPrecision(4)}%`;
        if (opts.json) {
          const out = {
            backend: rt.backend,
            startsFrom: { source: pred.from, scenario: pred.base },
            sets: opts.set,
            level: calibrated ? level : null,
            intervalMethod: model.meta.intervals?.method ?? null,
            predictions: cases.map((c) => ({ scenario: c.scenario, flows: c.flows })),
            heldOutMae: Object.fromEntries(model.meta.evaluation.metrics.map((m) => [m.name, { all: m.mae, ...Object.fromEntries(Object.entries(m.byCc).map(([cc, v]) => [cc, v.mae])) }])),
            extrapolation: notes,
            notes: pred.notes,
          };
          process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
          return;
        }
        // retransRatio reads better as a percentage
        const shown = model.meta.targets.map((t) =>
          t.name === 'retransRatio' ? { name: t.name, header: 'retrans %', k: 100 } : { name: t.name, header: `${t.name}${t.unit ? ` ${t.unit}` : ''}`, k: 1 },
        );
        const bound = (v: number) => (v === Infinity ? '∞' : fmtNum(v, 2));
        const rows: string[][] = [['flow', 'cc', ...shown.map((s) => s.header)]];
        for (const c of cases) {
          for (const f of c.flows) {
            const fl = c.scenario.flows[f.flow]!;
            const cc = fl.brutal ? `${f.cc} ${formatRate(fl.brutal.rateBytesPerSec * 8)}` : f.cc;
            // without calibration (a model of an older cclab): the error of this CC's points when the model did not see them
            const mae = (name: string) => metrics.get(name)!.byCc[f.cc]?.mae ?? metrics.get(name)!.mae;
            rows.push([
              String(f.flow),
              cc,
              ...shown.map((s) => {
                const v = f.values[s.name]! * s.k;
                const iv = f.interval?.[s.name];
                return iv ? `${fmtNum(v)} [${bound(iv[0] * s.k)}, ${bound(iv[1] * s.k)}]` : `${fmtNum(v)} ± ${fmtNum(mae(s.name) * s.k, 2)}`;
              }),
            ]);
          }
        }
        const changed = opts.set.length ? `with ${opts.set.map((x) => `--set ${x}`).join(' ')}` : 'unchanged';
        const each = cases.length > 1 ? `; flow 0 running each CC the model knows` : '';
        const legend = calibrated
          ? `[low, high] is the ${levelPct} prediction interval: ${model.meta.intervals!.method} (${model.meta.evaluation.method}, ${model.meta.training.points} points); it holds between the sweep's points, not outside its ranges`
          : `± is the model's held-out mean absolute error for that CC (${model.meta.evaluation.method}, ${model.meta.training.points} points); this model has no prediction intervals (made by an older cclab): run cclab fit again`;
        process.stdout.write(
          `starting from ${pred.from}: ${describeLink(pred.base)}\n` +
            `predicted for ${describeLink(cases[0]!.scenario, cases.length === 1)} (${changed}${each})\n\n${table(rows)}\n\n` +
            `${legend}\n` +
            notes.map((e) => `note: ${e}; the prediction is an extrapolation\n`).join('') +
            `${describeBackend(rt)}\n`,
        );
      } finally {
        model.dispose();
      }
    });
}
