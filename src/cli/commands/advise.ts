/**
 * `cclab advise [path] [--set link.rate=50mbit ...] [--propose 100mbit] [--json]`
 *
 * Which rate to give Brutal on a path: a focused simulator sweep over
 * Brutal's rate (and cwnd gain, TCP), each setting alone and next to a Cubic
 * (or --against bbr) flow, and the rate with the most goodput within the
 * limits on retransmissions, queueing delay and harm (analysis/advise.ts).
 */
import type { Command } from 'commander';
import { InputError } from '../../scenario/errors.js';
import { collect } from '../backend-options.js';
import { parseCount, parseJobs, resumableProgress } from './sweep.js';

interface AdviseCliOptions {
  set: string[];
  transport?: string;
  against?: string;
  maxRetrans?: string;
  maxDelay?: string;
  maxHarm?: string;
  propose?: string;
  rates?: string;
  gains?: string;
  seeds?: string;
  duration?: string;
  out?: string;
  results: string;
  jobs?: string;
  json?: boolean;
}

export function registerAdvise(program: Command): void {
  program
    .command('advise')
    .description("recommend Brutal's rate for a path: a simulator sweep of rates (and cwnd gains), each alone and next to a Cubic or BBR flow")
    .argument('[path]', "the path: a scenario file (its link), or a run directory / summary.json (the link it measured); or only --set")
    .option('--set <path=value>', 'a field of the path, e.g. link.rate=50mbit link.rtt=50ms link.loss=1% link.queue=1bdp (repeatable)', collect, [])
    .option('--transport <t>', 'tcp (tcp_brutal: rate and cwnd gain) or quic (Hysteria: rate only)', 'tcp')
    .option('--against <cc>', 'the competing flow harm is measured on: cubic, bbr, bbr3 or reno', 'cubic')
    .option('--max-retrans <pct>', "most retransmitted share of the bytes sent (default: the path's loss + 5%)")
    .option('--max-delay <time>', 'most queueing delay, p95 RTT minus base RTT (default: half the base RTT)')
    .option('--max-harm <pct>', "most harm to the competing flow's goodput, (alone - competing) / alone (default 50%)")
    .option('--propose <rate>', 'a rate you plan to set (e.g. 100mbit or "100 mbps" as Hysteria writes it): its cost, and a warning when above what the path carries')
    .option('--rates <list>', 'the rates to try, comma-separated (default: 0.25x to 2x what the path carries)')
    .option('--gains <list>', 'TCP: the cwnd gains to try, tenths, comma-separated (default 10,20,30)')
    .option('--seeds <n>', 'seeds per setting (default 1)')
    .option('--duration <time>', 'length of each run, the first 2s left out (default 12s)')
    .option('--out <dir>', 'the sweep folder (default: results/advise-<path>-<hash>)')
    .option('--results <dir>', 'results root for the default folder', 'results')
    .option('--jobs <n>', 'worker threads (default: the CPUs here)')
    .option('--json', 'print advise.json instead of the table')
    .action(async (from: string | undefined, opts: AdviseCliOptions) => {
      const log = (l: string) => void process.stderr.write(`${l}\n`);
      const { runAdvise, formatAdvice, parseTransport } = await import('../../analysis/advise.js');
      parseTransport(opts.transport);
      const seeds = parseCount('--seeds', opts.seeds);
      if (seeds !== undefined && seeds > 100) throw new InputError(`--seeds: expected a whole number from 1 to 100, got "${opts.seeds}"`);
      const jobs = parseJobs(opts.jobs, log);
      const { createProgress } = await import('../../analysis/progress.js');
      const { onInterrupt } = await import('../../results/cleanup.js');
      const progress = resumableProgress(createProgress({ label: 'advise' }), onInterrupt);
      const a = await runAdvise({
        ...(from !== undefined ? { from } : {}),
        sets: opts.set,
        ...(opts.transport !== undefined ? { transport: opts.transport } : {}),
        ...(opts.against !== undefined ? { against: opts.against } : {}),
        ...(opts.maxRetrans !== undefined ? { maxRetrans: opts.maxRetrans } : {}),
        ...(opts.maxDelay !== undefined ? { maxDelay: opts.maxDelay } : {}),
        ...(opts.maxHarm !== undefined ? { maxHarm: opts.maxHarm } : {}),
        ...(opts.propose !== undefined ? { propose: opts.propose } : {}),
        ...(opts.rates !== undefined ? { rates: opts.rates } : {}),
        ...(opts.gains !== undefined ? { gains: opts.gains } : {}),
        ...(seeds !== undefined ? { seeds } : {}),
        ...(opts.duration !== undefined ? { duration: opts.duration } : {}),
        ...(opts.out !== undefined ? { out: opts.out } : {}),
        results: opts.results,
        jobs,
        progress,
        log,
      });
      if (opts.json) {
        const { toJson } = await import('../../results/io.js');
        process.stdout.write(toJson(a));
      } else {
        const { table } = await import('../format.js');
        process.stdout.write(formatAdvice(a, table));
      }
    });
}
