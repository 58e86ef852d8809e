/**
 * `cclab run <scenario> [--set path=value]... [--out dir] [--json]
 *   [--backend sim|kernel] [--target vm|local|ssh://user@host] [--module x.ko]... [--timeout s]`
 */
import type { Command } from 'commander';
import { addBackendOptions, collect, parseBackendOptions, type BackendCliOptions } from '../backend-options.js';
import type { RunArtifacts } from '../../results/write.js';
import { InputError } from '../../scenario/errors.js';

export interface RunOptions extends BackendCliOptions {
  set: string[];
  out?: string;
  json?: boolean;
  results: string;
  force?: boolean;
}

export { collect };

export function registerRun(program: Command): void {
  const cmd = program
    .command('run')
    .description('run one scenario and write summary.json, timeseries.csv and metadata')
    .argument('<scenario>', 'scenario file (YAML or JSON)')
    .option('--set <path=value>', 'override a scenario field, e.g. --set link.loss=1% (repeatable)', collect, [])
    .option('--out <dir>', 'run directory to write (default: results/<scenario>/<hash>-seed<seed>)')
    .option('--results <dir>', 'results root for the default run directory', 'results')
    .option('--json', 'print summary.json to stdout instead of a table')
    .option('--force', "replace a run folder of cclab's that holds a kernel run or a run of the other backend (only cclab's files)");
  addBackendOptions(cmd, 'overall deadline (the VM is killed then)').action(async (file: string, opts: RunOptions) => {
      const { loadScenario } = await import('../../scenario/load.js');
      const { scenarioHash } = await import('../../scenario/resolve.js');
      const { defaultRunDir, writeRun } = await import('../../results/write.js');
      const { toJson } = await import('../../results/io.js');
      const { formatSummary } = await import('../format.js');
      const { checkRunOut } = await import('../../results/folder.js');
      const { onInterrupt } = await import('../../results/cleanup.js');
      const loaded = loadScenario(file, opts.set);
      const b = parseBackendOptions(opts);
      const dir = opts.out ?? defaultRunDir(opts.results, loaded.resolved.name, scenarioHash(loaded.resolved), loaded.resolved.seed);
      // refused before the run, not after a long measurement
      checkRunOut(dir, b.backend, opts.force === true);
      // the simulator runs synchronously and leaves nothing behind; a kernel run holds a VM and temp folders
      if (b.backend === 'kernel') onInterrupt(() => `interrupted: nothing written to ${dir}`);
      const log = (l: string) => process.stderr.write(`${l}\n`);
      for (const n of loaded.notes ?? []) log(`note: ${n}`);
      if (loaded.doc.sweep !== undefined || loaded.doc.seeds !== undefined) {
        log(`note: ${file} describes a sweep; cclab run runs its base scenario once (seed ${loaded.resolved.seed}); use cclab sweep for every point`);
      }
      const artifacts: RunArtifacts =
        b.backend === 'kernel'
          ? await (await import('../../kernel/index.js')).runKernelScenario(loaded, { target: b.target, modules: b.modules, ...(b.timeoutS ? { timeoutS: b.timeoutS } : {}), log })
          : (await import('../../sim/index.js')).simulateLoaded(loaded);
      checkRunOut(dir, b.backend, opts.force === true);
      writeRun(dir, artifacts);
      if (b.backend === 'kernel') {
        const pressure = (await import('../../kernel/index.js')).tcpMemoryPressureWarning(artifacts.meta);
        if (pressure) log(pressure);
      }
      if (opts.json) process.stdout.write(toJson(artifacts.summary));
      else process.stdout.write(`${formatSummary(artifacts.summary)}\nwritten to ${dir}\n`);
    });
}
