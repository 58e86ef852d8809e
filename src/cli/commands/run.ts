/**
 * `cclab run <scenario> [--set path=value]... [--out dir] [--json]
 *   [--backend sim|kernel] [--target vm|local|ssh://user@host] [--module x.ko]... [--timeout s]`
 */
import type { Command } from 'commander';
import type { RunArtifacts } from '../../results/write.js';
import { InputError } from '../../scenario/errors.js';

export interface RunOptions {
  set: string[];
  out?: string;
  json?: boolean;
  results: string;
  backend: string;
  target: string;
  module: string[];
  timeout?: string;
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
    .option('--backend <backend>', 'sim, or kernel: real Linux TCP with netem and iperf3 (docs/kernel.md)', 'sim')
    .option('--target <target>', 'kernel backend: vm (cclab\'s QEMU test VM), local (this host, as root) or ssh://user@host', 'vm')
    .option('--module <file.ko>', 'kernel backend: a kernel module to load first, e.g. tcp_brutal.ko (repeatable)', collect, [])
    .option('--timeout <seconds>', 'kernel backend: overall deadline (the VM is killed then)')
    .action(async (file: string, opts: RunOptions) => {
      const { loadScenario } = await import('../../scenario/load.js');
      const { scenarioHash } = await import('../../scenario/resolve.js');
      const { defaultRunDir, writeRun } = await import('../../results/write.js');
      const { toJson } = await import('../../results/io.js');
      const { formatSummary } = await import('../format.js');
      const loaded = loadScenario(file, opts.set);
      if (opts.backend !== 'sim' && opts.backend !== 'kernel') throw new InputError(`--backend: unknown backend "${opts.backend}"; known: sim, kernel`);
      const timeoutS = opts.timeout === undefined ? undefined : Number(opts.timeout);
      if (timeoutS !== undefined && !(timeoutS > 0)) throw new InputError(`--timeout: expected a number of seconds above 0, got "${opts.timeout}"`);
      const artifacts: RunArtifacts =
        opts.backend === 'kernel'
          ? await (await import('../../kernel/index.js')).runKernelScenario(loaded, { target: opts.target, modules: opts.module, ...(timeoutS ? { timeoutS } : {}), log: (l) => process.stderr.write(`${l}\n`) })
          : (await import('../../sim/index.js')).simulateLoaded(loaded);
      const dir = opts.out ?? defaultRunDir(opts.results, loaded.resolved.name, scenarioHash(loaded.resolved), loaded.resolved.seed);
      writeRun(dir, artifacts);
      if (opts.json) process.stdout.write(toJson(artifacts.summary));
      else process.stdout.write(`${formatSummary(artifacts.summary)}\nwritten to ${dir}\n`);
    });
}
