/**
 * Asking the model about a scenario: the base scenario stored with the model
 * (a sweep point's scenario.yaml), or another scenario file, changed by
 * `--set path=value` exactly as `cclab run --set` does (same paths, same units).
 */
import { InputError } from '../scenario/errors.js';
import { ccNames } from '../cc/index.js';
import { applySets, readScenarioDoc, validateScenario } from '../scenario/load.js';
import { ccKey, splitCcKey, type ResolvedScenario } from '../scenario/resolve.js';
import { formatRate } from '../scenario/units.js';
import type { Surrogate } from './surrogate.js';
import { DEFAULT_LEVEL } from './intervals.js';


/**
 * Apply `--set` overrides to a copy of `base` and resolve it, with the rule
 * every command shares for switching a flow's CC (scenario/cc-switch.ts).
 * `pre` are overrides of predict's own (the CC of a variant) applied first;
 * only the notes of the user's `sets` are returned.
 */
export function scenarioWithSets(base: Record<string, unknown>, sets: readonly string[], name = 'predict', pre: readonly string[] = []): { scenario: ResolvedScenario; notes: string[] } {
  const doc = structuredClone(base);
  applySets(doc, pre);
  const notes = applySets(doc, sets);
  return { scenario: validateScenario(doc, name).resolved, notes };
}

/**
 * Overrides that make flow 0 of `base` run `key` (a ccKey: `cubic`, or
 * `brutal/quic` for Brutal over QUIC), its transport included. When the base
 * flow is not Brutal already, Brutal gets the rate its training points used
 * most (the schema's default of 1 Mbit/s would be far outside what the
 * model saw).
 */
export function ccVariantSets(model: Surrogate, base: Record<string, unknown>, key: string): string[] {
  const { cc, quic } = splitCcKey(key);
  const sets = [`flows[0].cc=${cc}`, `flows[0].transport=${quic ? 'quic' : 'tcp'}`];
  const flow0 = Array.isArray(base.flows) ? (base.flows[0] as Record<string, unknown> | undefined) : undefined;
  if (cc === 'brutal' && flow0?.cc !== 'brutal') {
    const rates = new Map<number, number>();
    for (const p of model.meta.points) if (p.cc === key && p.brutalRateMbps !== null) rates.set(p.brutalRateMbps, (rates.get(p.brutalRateMbps) ?? 0) + 1);
    const modal = [...rates].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0];
    if (modal) sets.push(`flows[0].brutal.rate=${formatRate(modal[0] * 1e6)}`);
  }
  return sets;
}

export interface PredictionCase {
  scenario: ResolvedScenario;
  /** values: the prediction per target; interval: [low, high] at the asked level (absent for a model without calibration). */
  flows: { flow: number; cc: string; values: Record<string, number>; interval?: Record<string, [number, number]> }[];
  /** Inputs outside the training range. */
  extrapolation: string[];
}

/** Fields of a sweep file that are not part of one scenario. */
const SWEEP_ONLY = ['sweep', 'zip', 'seeds', 'harm'];

/** The scenario `predict` starts from: --scenario (without its sweep fields), else the one stored with the model; and where it came from. */
export function predictBase(model: Surrogate, scenarioFile?: string): { doc: Record<string, unknown>; from: string } {
  if (scenarioFile !== undefined) {
    const doc = readScenarioDoc(scenarioFile);
    const dropped = SWEEP_ONLY.filter((k) => doc[k] !== undefined);
    for (const k of dropped) delete doc[k];
    return { doc, from: `${scenarioFile}${dropped.length ? ` (its base values, without ${dropped.map((k) => `${k}:`).join(', ')})` : ''}` };
  }
  if (model.meta.baseScenario) return { doc: structuredClone(model.meta.baseScenario), from: model.meta.baseScenarioFrom ?? "the scenario stored with the model (a sweep point's)" };
  throw new InputError('the model has no base scenario (its sweep had no scenario.yaml); give one with --scenario <file>');
}

export interface Prediction {
  /** What the overrides start from, in words, and that scenario resolved. */
  from: string;
  base: ResolvedScenario;
  cases: PredictionCase[];
  /** Notes of the overrides (a parameter block a CC switch dropped). */
  notes: string[];
}

/**
 * Predict every flow of the base (or given) scenario with the overrides
 * applied, with intervals at `level`. A one-flow base whose flows the
 * overrides leave alone is asked once per congestion control the model
 * knows, so `--set link.loss=3%` compares them all.
 */
export function predictWithSets(model: Surrogate, sets: readonly string[], scenarioFile?: string, level = DEFAULT_LEVEL): Prediction {
  const { doc: base, from } = predictBase(model, scenarioFile);
  const touchesFlows = sets.some((s) => /^\s*flows(\[|\.|=|$)/.test(s));
  const oneFlow = Array.isArray(base.flows) && base.flows.length === 1;
  const variants = !touchesFlows && oneFlow ? model.meta.ccs.map((cc) => ccVariantSets(model, base, cc)) : [[]];
  const notes = new Set<string>();
  const cases = variants.map((pre) => {
    const r = scenarioWithSets(base, sets, 'predict', pre);
    for (const n of r.notes) notes.add(n);
    const scenario = r.scenario;
    const items = scenario.flows.map((_, flow) => ({ scenario, flow }));
    const values = model.predictFlows(items);
    const iv = model.predictIntervals(items, values, level);
    const flows = scenario.flows.map((f, i) => ({ flow: f.id, cc: ccKey(f), values: values[i]!, ...(iv ? { interval: iv[i]! } : {}) }));
    return { scenario, flows, extrapolation: model.outOfRange(scenario) };
  });
  return { from, base: validateScenario(structuredClone(base), 'predict').resolved, cases, notes: [...notes] };
}
