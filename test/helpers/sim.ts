/**
 * Helpers for system tests: run a scenario file with overrides in-process.
 */
import { loadScenario } from '../../src/scenario/load.js';
import { runSimulation, type SimHooks, type SimResult } from '../../src/sim/run.js';

export function simulateFile(file: string, sets: string[] = [], hooks: SimHooks = {}): SimResult {
  const l = loadScenario(file, sets);
  return runSimulation(l.resolved, hooks);
}

/** Mean of a list of numbers. */
export function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

export const SINGLE_FLOW = 'scenarios/single-flow.yaml';
