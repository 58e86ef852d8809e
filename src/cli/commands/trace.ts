/**
 * `cclab trace <kind> -o <file> [options]`: write a synthetic link trace in
 * mahimahi's format (src/traffic/tracegen.ts) for `link.trace`.
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { InputError } from '../../scenario/errors.js';
import { parsePercent, parseRate, parseTime, UnitError } from '../../scenario/units.js';
import type { TraceSpec } from '../../traffic/tracegen.js';

interface TraceOptions {
  out?: string;
  force?: boolean;
  duration: string;
  rate?: string;
  steps?: string;
  high?: string;
  low?: string;
  period?: string;
  duty: string;
  on?: string;
  off?: string;
  mean?: string;
  min?: string;
  max?: string;
  reversion: string;
  volatility: string;
  outageRate: string;
  outage: string;
  seed: string;
}

const KINDS = ['constant', 'step', 'square', 'onoff', 'cellular'] as const;
/** Longest generated trace: ten minutes (mahimahi repeats it). */
const MAX_GENERATED_MS = 600_000;

function unit<T>(opt: string, v: string | undefined, parse: (x: string) => T, example: string): T {
  if (v === undefined) throw new InputError(`--${opt}: missing (e.g. --${opt} ${example})`);
  try {
    return parse(v);
  } catch (e) {
    throw new InputError(`--${opt}: ${e instanceof UnitError ? e.message : String(e)}`);
  }
}

function num(opt: string, v: string, lo: number, hi: number): number {
  const x = Number(v);
  if (!Number.isFinite(x) || x < lo || x > hi) throw new InputError(`--${opt}: expected a number between ${lo} and ${hi}, got "${v}"`);
  return x;
}

const positive = (opt: string, x: number): number => {
  if (!(x > 0)) throw new InputError(`--${opt}: must be more than 0`);
  return x;
};

/** The trace a command line asks for. */
export function traceSpecOf(kind: string, o: TraceOptions): TraceSpec {
  const ms = (opt: string, v: string | undefined, ex: string) => Math.round(unit(opt, v, parseTime, ex) / 1e6);
  const rate = (opt: string, v: string | undefined, ex = '50mbit') => unit(opt, v, parseRate, ex);
  const durationMs = ms('duration', o.duration, '30s');
  if (durationMs < 1 || durationMs > MAX_GENERATED_MS) throw new InputError(`--duration: must be between 1ms and 600s (mahimahi repeats a trace), got ${o.duration}`);
  switch (kind) {
    case 'constant':
      return { kind, rateBps: positive('rate', rate('rate', o.rate)), durationMs };
    case 'step': {
      if (o.steps === undefined) throw new InputError('--steps: missing (e.g. --steps 50mbit@0s,10mbit@10s,50mbit@20s)');
      const steps = o.steps.split(',').map((s) => {
        const [r, at] = s.split('@');
        if (r === undefined || at === undefined) throw new InputError(`--steps: "${s}" is not rate@time (e.g. 10mbit@10s)`);
        return { rateBps: rate('steps', r.trim()), atMs: ms('steps', at.trim(), '10s') };
      });
      for (let i = 1; i < steps.length; i++) if (steps[i]!.atMs <= steps[i - 1]!.atMs) throw new InputError(`--steps: times must increase (${o.steps})`);
      return { kind, steps, durationMs };
    }
    case 'square': {
      const duty = unit('duty', o.duty, parsePercent, '50%');
      if (!(duty > 0 && duty < 1)) throw new InputError('--duty: must be above 0% and below 100%');
      return { kind, highBps: rate('high', o.high), lowBps: rate('low', o.low, '10mbit'), periodMs: positive('period', ms('period', o.period, '4s')), duty, durationMs };
    }
    case 'onoff':
      return { kind, rateBps: positive('rate', rate('rate', o.rate)), onMs: positive('on', ms('on', o.on, '1s')), offMs: positive('off', ms('off', o.off, '1s')), durationMs };
    case 'cellular': {
      const meanBps = positive('mean', rate('mean', o.mean, '20mbit'));
      const minBps = o.min === undefined ? meanBps / 20 : positive('min', rate('min', o.min));
      const maxBps = o.max === undefined ? meanBps * 3 : rate('max', o.max);
      if (!(minBps <= meanBps && meanBps <= maxBps)) throw new InputError('--min, --mean, --max: need min <= mean <= max');
      return {
        kind,
        meanBps,
        minBps,
        maxBps,
        reversion: num('reversion', o.reversion, 0, 100),
        volatility: num('volatility', o.volatility, 0, 10),
        outageRate: num('outage-rate', o.outageRate, 0, 100),
        outageMs: ms('outage', o.outage, '500ms'),
        durationMs,
        seed: num('seed', o.seed, 0, 2 ** 32 - 1),
      };
    }
    default:
      throw new InputError(`unknown trace kind "${kind}"; known: ${KINDS.join(', ')}`);
  }
}

export function registerTrace(program: Command): void {
  program
    .command('trace')
    .description('write a synthetic link trace in mahimahi format (constant, step, square, onoff, cellular) for link.trace')
    .argument('<kind>', KINDS.join(' | '))
    .option('-o, --out <file>', 'trace file to write (gzip-compressed when it ends in .gz)')
    .option('--force', 'replace an existing file')
    .option('--duration <time>', 'length of the trace (it repeats)', '30s')
    .option('--rate <rate>', 'constant, onoff: the rate')
    .option('--steps <list>', 'step: rate@time,..., e.g. 50mbit@0s,10mbit@10s,50mbit@20s')
    .option('--high <rate>', 'square: the high rate')
    .option('--low <rate>', 'square: the low rate')
    .option('--period <time>', 'square: one high and one low period')
    .option('--duty <percent>', 'square: share of the period at the high rate', '50%')
    .option('--on <time>', 'onoff: time at the rate')
    .option('--off <time>', 'onoff: time with nothing delivered')
    .option('--mean <rate>', 'cellular: the rate the walk returns to')
    .option('--min <rate>', 'cellular: lowest rate outside outages (default mean/20)')
    .option('--max <rate>', 'cellular: highest rate (default 3 x mean)')
    .option('--reversion <n>', 'cellular: pull back to the mean, per second', '0.5')
    .option('--volatility <n>', 'cellular: sd of the log rate per square-root second', '0.8')
    .option('--outage-rate <n>', 'cellular: outages starting per second', '0.05')
    .option('--outage <time>', 'cellular: mean outage length', '500ms')
    .option('--seed <n>', 'cellular: random seed', '1')
    .action(async (kind: string, o: TraceOptions) => {
      const { generateTrace, traceText } = await import('../../traffic/tracegen.js');
      const { writeFileAtomic } = await import('../../results/io.js');
      const { parseTrace, traceMeanBps } = await import('../../network/trace.js');
      const { formatRate } = await import('../../scenario/units.js');
      if (o.out === undefined) throw new InputError('-o/--out: missing: the trace file to write');
      const spec = traceSpecOf(kind, o);
      if (existsSync(o.out) && o.force !== true) throw new InputError(`${o.out}: exists; cclab does not overwrite a file unless --force`);
      const text = traceText(generateTrace(spec));
      // x.trace.gz: gzip-compressed (scenario/trace-file.ts reads it back; its identity is the text's)
      const { isGzipTrace } = await import('../../scenario/trace-file.js');
      const { gzipSync } = await import('node:zlib');
      writeFileAtomic(o.out, isGzipTrace(o.out) ? gzipSync(text, { level: 9 }) : text);
      const t = parseTrace(text, o.out);
      process.stdout.write(`${o.out}: ${t.ms.length} opportunities over ${t.periodMs} ms, mean ${formatRate(Math.round(traceMeanBps(t)))}\n`);
    });
}
