/**
 * `cclab compare <simDir> <kernelDir> [--tolerance spec] [--out dir]`
 *
 * Prints the simulator's and the kernel's metrics per matched point with
 * relative errors, writes the table (compare.csv, compare.md, compare.json)
 * and overlay charts (PNG) to the output directory, and exits 1 when a
 * point is outside the tolerance (2 on bad input).
 */
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../../scenario/errors.js';

interface CompareOptions {
  tolerance?: string;
  out?: string;
}

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('compare simulator runs with kernel runs of the same points; exit 1 when a point is outside the tolerance')
    .argument('<simDir>', 'directory of simulator run directories')
    .argument('<kernelDir>', 'directory of kernel run directories, e.g. results/reference/linux-<release>')
    .option('--tolerance <spec>', 'e.g. 20% (all metrics) or goodput=15%,retrans=50%|0.005,rtt=20%|2', undefined)
    .option('--out <dir>', 'where to write the table and charts (default: results/compare/<sim>-vs-<kernel>)')
    .action(async (simDir: string, kernelDir: string, opts: CompareOptions) => {
      const { writeDirAtomic, toJson } = await import('../../results/io.js');
      const { compareRuns, comparisonCsv, comparisonMarkdown, formatComparison, loadRuns, parseTolerance } = await import('../../analysis/compare.js');
      const { comparisonCharts } = await import('../../analysis/compare-chart.js');
      const tolerance = parseTolerance(opts.tolerance);
      const { loadRunTreeArg, kernelNotice } = await import('../../kernel/reference.js');
      const sim = loadRuns(simDir, 'simDir');
      const kernel = loadRunTreeArg(kernelDir, 'kernelDir');
      const notice = kernelNotice(`kernelDir ${kernelDir}`, kernel);
      process.stderr.write(`compare: ${notice.info}\n${notice.warning ? `compare: ${notice.warning}\n` : ''}`);
      if (sim.some((r) => r.summary.source !== 'sim')) throw new InputError(`simDir ${simDir}: holds runs that are not from the simulator (source != "sim")`);
      if (kernel.some((r) => r.summary.source !== 'kernel')) throw new InputError(`kernelDir ${kernelDir}: holds runs that are not from the kernel (source != "kernel")`);
      const c = compareRuns(sim, kernel, tolerance);
      if (c.points.length === 0) throw new InputError(`no point of ${simDir} matches a point of ${kernelDir} (same link, loss and flows)`);
      const out = opts.out ?? `results/compare/${basename(resolve(simDir))}-vs-${basename(resolve(kernelDir))}`;
      writeDirAtomic(out, {
        'compare.csv': comparisonCsv(c),
        'compare.md': comparisonMarkdown(c),
        'compare.json': toJson(c),
        ...comparisonCharts(c),
      }, 'compare');
      process.stdout.write(`${formatComparison(c)}\nwritten to ${out}\n`);
      if (c.points.some((p) => !p.pass)) process.exitCode = 1;
    });
}
