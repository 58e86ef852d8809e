/**
 * The simulator backend: a LoadedScenario in, RunArtifacts (shared result
 * schema) out.
 */
import { performance } from 'node:perf_hooks';
import type { LoadedScenario } from '../scenario/load.js';
import type { ResolvedScenario } from '../scenario/resolve.js';
import type { RunArtifacts } from '../results/write.js';
import { CCLAB_VERSION } from '../results/version.js';
import { runSimulation, type SimResult } from './run.js';
import { probeCsv } from '../results/probe.js';
import { CONNECTION_COLUMNS } from '../results/fct.js';
import { csv } from '../results/write.js';

export { runSimulation, type SimResult };

/** Simulate a resolved scenario and package the result as a run directory's contents. */
export function simulate(resolved: ResolvedScenario, doc: Record<string, unknown>, scenarioFile: string | null): RunArtifacts {
  const t0 = performance.now();
  const r = runSimulation(resolved);
  const wall = (performance.now() - t0) / 1000;
  return {
    summary: r.summary,
    timeseries: r.timeseries,
    transitions: r.transitions,
    ...(r.probe || r.connections
      ? { extra: { ...(r.probe ? { 'probe.csv': probeCsv(r.probe) } : {}), ...(r.connections ? { 'connections.csv': csv(CONNECTION_COLUMNS, r.connections) } : {}) } }
      : {}),
    scenarioDoc: doc,
    resolved,
    meta: {
      cclabVersion: CCLAB_VERSION,
      backend: 'sim',
      seed: resolved.seed,
      scenarioFile,
      createdAt: new Date().toISOString(),
      wallSeconds: +wall.toFixed(3),
      sim: { events: r.events, dataPackets: r.dataPackets },
    },
  };
}

export function simulateLoaded(l: LoadedScenario): RunArtifacts {
  return simulate(l.resolved, l.doc, l.file);
}
