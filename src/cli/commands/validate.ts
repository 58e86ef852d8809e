/**
 * `cclab validate [--reference results/reference/linux-<v>] [--doc docs/fidelity.md]`
 * runs the simulator on every point of the committed kernel reference runs
 * and writes the fidelity report (tables per metric, overlay charts).
 */
import type { Command } from 'commander';
import { copyFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { InputError } from '../../scenario/errors.js';
import { parseJobs } from './sweep.js';
import { collect } from '../backend-options.js';
import { compareRelease } from '../../kernel/vm/image.js';

interface ValidateCliOptions {
  reference?: string;
  doc?: string;
  charts?: string;
  kernelTarget?: string;
  module: string[];
  out: string;
  jobs?: string;
  only?: string;
  force?: boolean;
  simSeeds: string;
  simSeedsPerRun: string;
}

/**
 * The results/reference/linux-* tree with the most groups (ties: the newest
 * release): the full grid, not a smaller check run on another kernel.
 */
function defaultReference(): string {
  const root = join('results', 'reference');
  const dirs = existsSync(root) ? readdirSync(root).filter((d) => d.startsWith('linux-')) : [];
  if (dirs.length === 0) throw new InputError(`--reference: no results/reference/linux-<release> directory here; give --reference <dir>`);
  const groups = (d: string): number => readdirSync(join(root, d)).filter((f) => f.endsWith('.runs.tar.br')).length;
  dirs.sort((a, b) => groups(a) - groups(b) || compareRelease(a, b));
  return join(root, dirs[dirs.length - 1]!);
}

/** A target spec as a directory name: vm, local, ssh-root-testvm-2222. */
function targetSlug(target: string): string {
  return target.replace(/^ssh:\/\//, 'ssh-').replace(/[^A-Za-z0-9._-]+/g, '-');
}

/**
 * Run every point of the reference tree's groups (their `<group>.yaml`
 * sweeps, as many repetitions as they ask) on a kernel target into `root`,
 * resumably (points already there are skipped); returns root. On the VM the
 * tree's testbed.yaml (the VM's measured ACK timing) applies to the new runs too.
 */
async function rerunOnKernel(reference: string, target: string, modules: string[], only: RegExp | undefined, root: string): Promise<string> {
  const { makeTarget } = await import('../../kernel/targets.js');
  const { runKernelSweep } = await import('../../kernel/sweep.js');
  makeTarget(target, modules); // checks the target spec: one line if it is wrong
  for (const m of modules) if (!existsSync(m)) throw new InputError(`--module ${m}: no such file`);
  const groups = readdirSync(reference)
    .filter((f) => f.endsWith('.runs.tar.br'))
    .map((f) => f.slice(0, -'.runs.tar.br'.length))
    .filter((g) => existsSync(join(reference, `${g}.yaml`)) && (!only || only.test(g)));
  if (groups.length === 0) throw new InputError(`--reference ${reference}: no group${only ? ` matching --only ${only.source}` : ''} with its <group>.yaml to run again`);
  let failed = 0;
  for (const g of groups) {
    const r = await runKernelSweep(join(reference, `${g}.yaml`), root, { target, modules, log: (l) => process.stderr.write(`validate: ${g}: ${l}\n`) });
    failed += r.failed;
  }
  if (failed > 0) throw new Error(`${failed} kernel run(s) on ${target} failed (see the lines above); run the same command again to retry them`);
  if (target === 'vm' && existsSync(join(reference, 'testbed.yaml'))) copyFileSync(join(reference, 'testbed.yaml'), join(root, 'testbed.yaml'));
  return root;
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('run the simulator on every point of the kernel reference runs and write the fidelity report (exit 1 when a point misses a target)')
    .option('--reference <dir>', 'kernel reference runs (default: the newest results/reference/linux-*)')
    .option('--doc <file>', 'the Markdown report to write (default: docs/fidelity.md; with --kernel-target, fidelity.md next to the new kernel runs)')
    .option('--charts <dir>', 'where the overlay charts go (default: docs/img/fidelity; with --kernel-target, next to the new kernel runs)')
    .option('--kernel-target <target>', 'first run the reference points again on this kernel target (vm, local, ssh://user@host), e.g. with another module, and validate against those runs')
    .option('--module <file.ko>', 'with --kernel-target: a kernel module to load first, e.g. the upstream brutal.ko (repeatable)', collect, [])
    .option('--out <dir>', 'where the simulator runs are kept', join('results', 'validate'))
    .option('--only <regex>', 'only reference scenarios whose name matches')
    .option('--jobs <n>', 'worker threads (default: number of cores)')
    .option('--sim-seeds <n>', 'simulator seeds per point (at least the kernel repetitions)', '10')
    .option('--sim-seeds-per-run <k>', 'and at least k simulator seeds per kernel repetition of the point', '10')
    .option('--force', 'simulate again even when runs of this simulator build exist')
    .action(async (opts: ValidateCliOptions) => {
      const { validate, validationMarkdown, validationCounts } = await import('../../analysis/validate.js');
      const { comparisonCharts } = await import('../../analysis/compare-chart.js');
      const { writeFileAtomic } = await import('../../results/io.js');
      const reference = opts.reference ?? defaultReference();
      if (!existsSync(reference)) throw new InputError(`--reference ${reference}: no such directory`);
      let only: RegExp | undefined;
      if (opts.only !== undefined) {
        try {
          only = new RegExp(opts.only);
        } catch {
          throw new InputError(`--only: not a regular expression: ${opts.only}`);
        }
      }
      const jobs = parseJobs(opts.jobs, (l) => void process.stderr.write(`${l}\n`));
      const { onInterrupt } = await import('../../results/cleanup.js');
      onInterrupt(() => 'interrupted: finished runs are kept, resume with the same command');
      const simSeeds = Number(opts.simSeeds);
      if (!Number.isInteger(simSeeds) || simSeeds < 1 || simSeeds > 1000) throw new InputError(`--sim-seeds: expected a whole number 1..1000, got "${opts.simSeeds}"`);
      const perRun = Number(opts.simSeedsPerRun);
      if (!Number.isInteger(perRun) || perRun < 0 || perRun > 100) throw new InputError(`--sim-seeds-per-run: expected a whole number 0..100, got "${opts.simSeedsPerRun}"`);
      const out = join(opts.out, basename(reference));
      const { loadRunTree, kernelNotice } = await import('../../kernel/reference.js');
      let root = reference;
      if (opts.kernelTarget !== undefined) {
        root = await rerunOnKernel(reference, opts.kernelTarget, opts.module, only, join(opts.out, `${basename(reference)}-on-${targetSlug(opts.kernelTarget)}`));
      } else if (opts.module.length > 0) {
        throw new InputError('--module: only with --kernel-target (the reference runs are already made)');
      }
      const doc = opts.doc ?? (opts.kernelTarget !== undefined ? join(root, 'fidelity.md') : join('docs', 'fidelity.md'));
      const chartsDir = opts.charts ?? (opts.kernelTarget !== undefined ? join(root, 'img') : join('docs', 'img', 'fidelity'));
      const runs = loadRunTree(root);
      const notice = kernelNotice(`${opts.kernelTarget !== undefined ? 'kernel runs' : 'reference'} ${root}`, runs);
      process.stderr.write(`validate: ${notice.info}\n${notice.warning ? `validate: ${notice.warning}\n` : ''}`);
      const v = await validate({ root, runs }, {
        out,
        jobs,
        force: opts.force,
        only,
        simSeeds,
        simSeedsPerKernelRun: perRun,
        onProgress: (d, n) => {
          if (d === n || d % 20 === 0) process.stderr.write(`validate: simulated ${d}/${n}\n`);
        },
      });
      if (v.points.length === 0) throw new InputError(`--reference ${reference}: no kernel runs found${opts.only ? ` matching --only ${opts.only}` : ''}`);
      const charts: string[] = [];
      const { renderPng } = await import('../../report/render.js');
      for (const { group, spec } of v.lossCharts) {
        const file = join(chartsDir, `${spec.id}.png`);
        writeFileAtomic(file, renderPng(spec));
        charts.push(relative(dirname(doc), file));
      }
      for (const { group, comparison } of v.comparisons) {
        for (const [name, buf] of Object.entries(comparisonCharts(comparison))) {
          if (!name.endsWith('.png')) continue;
          const file = join(chartsDir, `${group}-${name.replace(/^charts\//, '').replace(/\//g, '-')}`);
          writeFileAtomic(file, buf);
          charts.push(relative(dirname(doc), file));
        }
      }
      const releases = [...new Set(runs.map((r) => r.kernelRelease).filter((x) => x !== undefined))];
      const release = releases.length === 1 ? `Linux ${releases[0]}` : basename(reference).replace(/^linux-/, 'Linux ');
      // hand-written analysis kept next to the report (docs/fidelity-notes.md) goes after the summary
      const notesFile = doc.replace(/\.md$/, '-notes.md');
      const notes = notesFile !== doc && existsSync(notesFile) ? readFileSync(notesFile, 'utf8') : undefined;
      const reps = [...new Set(v.points.map((p) => p.kernel.goodputMbps.n))].sort((a, b) => a - b);
      const kernelReps = reps.length === 1 ? String(reps[0]) : `${reps[0]}-${reps[reps.length - 1]}`;
      const simNs = [...new Set(v.points.map((p) => p.sim.goodputMbps.n))].sort((a, b) => a - b);
      const simRange = simNs.length === 1 ? String(simNs[0]) : `${simNs[0]}-${simNs[simNs.length - 1]}`;
      const simText =
        perRun > 0
          ? `seeds 1 to max(${simSeeds}, ${perRun} × the point's kernel repetitions) (${simRange} seeds a point), so that the comparison's noise is mostly the kernel's`
          : `seeds 1 to max(${simSeeds}, the point's highest kernel seed label) (${simRange} seeds a point)`;
      const rerun = opts.kernelTarget !== undefined ? ` --kernel-target ${opts.kernelTarget}${opts.module.map((m) => ` --module ${m}`).join('')}` : '';
      writeFileAtomic(
        doc,
        validationMarkdown(v, { kernelRelease: release, charts, command: `cclab validate --reference ${reference}${rerun} --sim-seeds ${simSeeds} --sim-seeds-per-run ${perRun}`, kernelReps, simSeedsText: simText, ...(notes ? { notes } : {}) }),
      );
      const c = validationCounts(v);
      process.stdout.write(
        `${c.pass}/${c.points} points within every target (goodput ${c.perMetric.goodputMbps}, retransRatio ${c.perMetric.retransRatio}, mean RTT ${c.perMetric.rttMeanMs}` +
          `${c.shares[1] ? `, shares ${c.shares[0]}/${c.shares[1]}` : ''}${c.signals[1] ? `, AQM drops + marks ${c.signals[0]}/${c.signals[1]}` : ''}${c.cliff[1] ? `, near a loss cliff ${c.cliff[0]}/${c.cliff[1]}` : ''}${c.dctcpAlpha[1] ? `, DCTCP alpha ${c.dctcpAlpha[0]}/${c.dctcpAlpha[1]}` : ''})\nreport: ${doc}\n`,
      );
      if (c.pass < c.points) process.exitCode = 1;
    });
}
