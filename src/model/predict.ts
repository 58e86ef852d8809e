/**
 * Asking the model about a scenario: the base scenario stored with the model
 * (a sweep point's scenario.yaml), or another scenario file, changed by
 * `--set path=value` exactly as `cclab run --set` does (same paths, same units).
 */
import { InputError } from '../scenario/errors.js';
import { ccNames } from '../cc/index.js';
import { applySets, readScenarioDoc, validateScenario } from '../scenario/load.js';
import { parsePath } from '../scenario/path.js';
import type { ResolvedScenario } from '../scenario/resolve.js';
import { formatRate } from '../scenario/units.js';
import type { Surrogate } from './surrogate.js';


/**
 * Apply `--set` overrides to a copy of `base` and resolve it. When an
 * override changes a flow's CC, that flow's parameter block for another CC
 * inherited from the base scenario (e.g. `brutal: {rate: ...}` after
 * `--set flows[0].cc=bbr`) is dropped; blocks the overrides themselves set
 * are kept, so contradictions the user typed are still reported.
 */
export function scenarioWithSets(base: Record<string, unknown>, sets: readonly string[], name = 'predict'): ResolvedScenario {
  const doc = structuredClone(base);
  applySets(doc, sets);
  // what the overrides wrote themselves: whole flows, or CC parameter blocks
  const userFlows = new Set<string>();
  const userBlocks = new Set<string>();
  for (const s of sets) {
    const tokens = parsePath(s.slice(0, s.indexOf('=')).trim());
    if (tokens[0] !== 'flows') continue;
    if (tokens.length <= 2) userFlows.add(String(tokens[1] ?? 'all'));
    else userBlocks.add(`${tokens[1]}.${tokens[2]}`);
  }
  const flows = doc.flows;
  if (Array.isArray(flows) && !userFlows.has('all')) {
    flows.forEach((f: unknown, i) => {
      if (f === null || typeof f !== 'object' || userFlows.has(String(i))) return;
      const flow = f as Record<string, unknown>;
      for (const b of ccNames()) {
        if (flow[b] !== undefined && flow.cc !== b && !userBlocks.has(`${i}.${b}`)) delete flow[b];
      }
    });
  }
  return validateScenario(doc, name).resolved;
}

/**
 * Overrides that make flow 0 of `base` run `cc`. When the base flow is not
 * Brutal already, Brutal gets the rate its training points used most (the
 * schema's default of 1 Mbit/s would be far outside what the model saw).
 */
export function ccVariantSets(model: Surrogate, base: Record<string, unknown>, cc: string): string[] {
  const sets = [`flows[0].cc=${cc}`];
  const flow0 = Array.isArray(base.flows) ? (base.flows[0] as Record<string, unknown> | undefined) : undefined;
  if (cc === 'brutal' && flow0?.cc !== 'brutal') {
    const rates = new Map<number, number>();
    for (const p of model.meta.points) if (p.cc === 'brutal' && p.brutalRateMbps !== null) rates.set(p.brutalRateMbps, (rates.get(p.brutalRateMbps) ?? 0) + 1);
    const modal = [...rates].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0];
    if (modal) sets.push(`flows[0].brutal.rate=${formatRate(modal[0] * 1e6)}`);
  }
  return sets;
}

export interface PredictionCase {
  scenario: ResolvedScenario;
  flows: { flow: number; cc: string; values: Record<string, number> }[];
  /** Inputs outside the training range. */
  extrapolation: string[];
}

/** The scenario `predict` starts from: --scenario, else the one stored with the model. */
export function predictBase(model: Surrogate, scenarioFile?: string): Record<string, unknown> {
  if (scenarioFile !== undefined) return readScenarioDoc(scenarioFile);
  if (model.meta.baseScenario) return model.meta.baseScenario;
  throw new InputError('the model has no base scenario (its sweep had no scenario.yaml); give one with --scenario <file>');
}

/**
 * Predict every flow of the base (or given) scenario with the overrides
 * applied. A one-flow base whose flows the overrides leave alone is asked
 * once per congestion control the model knows, so `--set link.loss=3%`
 * compares them all.
 */
export function predictWithSets(model: Surrogate, sets: readonly string[], scenarioFile?: string): PredictionCase[] {
  const base = predictBase(model, scenarioFile);
  const touchesFlows = sets.some((s) => /^\s*flows(\[|\.|=|$)/.test(s));
  const oneFlow = Array.isArray(base.flows) && base.flows.length === 1;
  const variants = !touchesFlows && oneFlow ? model.meta.ccs.map((cc) => ccVariantSets(model, base, cc)) : [[]];
  return variants.map((pre) => {
    const scenario = scenarioWithSets(base, [...pre, ...sets]);
    return { scenario, flows: model.predictScenario(scenario), extrapolation: model.outOfRange(scenario) };
  });
}
