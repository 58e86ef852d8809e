/**
 * `cclab run <scenario> [--set path=value]... [--out dir] [--json]`
 */
import type { Command } from 'commander';
import { loadScenario } from '../../scenario/load.js';
import { scenarioHash } from '../../scenario/resolve.js';
import { defaultRunDir, writeRun, type RunArtifacts } from '../../results/write.js';
import { toJson } from '../../results/io.js';
import { simulateLoaded } from '../../sim/index.js';
import { formatSummary } from '../format.js';

export interface RunOptions {
  set: string[];
  out?: string;
  json?: boolean;
  results: string;
}

export function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run one scenario and write summary.json, timeseries.csv and metadata')
    .argument('<scenario>', 'scenario file (YAML or JSON)')
    .option('--set <path=value>', 'override a scenario field, e.g. --set link.loss=1% (repeatable)', collect, [])
    .option('--out <dir>', 'run directory to write (default: results/<scenario>/<hash>-seed<seed>)')
    .option('--results <dir>', 'results root for the default run directory', 'results')
    .option('--json', 'print summary.json to stdout instead of a table')
    .action(async (file: string, opts: RunOptions) => {
      const loaded = loadScenario(file, opts.set);
      const artifacts: RunArtifacts = simulateLoaded(loaded);
      const dir = opts.out ?? defaultRunDir(opts.results, loaded.resolved.name, scenarioHash(loaded.resolved), loaded.resolved.seed);
      writeRun(dir, artifacts);
      if (opts.json) process.stdout.write(toJson(artifacts.summary));
      else process.stdout.write(`${formatSummary(artifacts.summary)}\nwritten to ${dir}\n`);
    });
}
