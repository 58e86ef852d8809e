/**
 * Fidelity validation: the simulator against committed real-kernel runs.
 *
 * For every point of a kernel reference tree (results/reference/linux-<v>/),
 * the simulator runs the same scenario with seeds 1..N, N at least the
 * kernel repetitions (`cclab validate`: 10 per kernel repetition, so the
 * simulator's own sampling error is small next to the kernel's), and each
 * metric is compared on the means: goodput, retransmission ratio and mean smoothed RTT (compare.ts),
 * plus, for points with several flows, each flow's share of the goodput.
 *
 * Targets (issue "Fidelity"): goodput within 10% of the kernel mean (0.5
 * Mbit/s where the kernel is below 5 Mbit/s); retransmission ratio within
 * 25% relative (0.002 absolute where below 0.01); mean RTT within 10%; each
 * competing flow's share within 10 percentage points. The kernel's own
 * spread (sample standard deviation over repetitions) is reported next to
 * each mean; a point whose kernel spread exceeds the tolerance is flagged.
 *
 * Points with an AQM (any qdisc but drop-tail) are also checked on the
 * bottleneck's congestion signals: its drops plus its CE marks, per second,
 * within 25% of the kernel (tc -s counts both), or within 0.5 per second
 * where counts are so small (10 in a 20 s run) that one run's Poisson noise
 * alone exceeds 25%. Random (netem) losses are not signals and are left out.
 *
 * Points with short flows (byte-limited flows or a workload's connections)
 * are also checked on their completion times: the median FCT of a run,
 * averaged over runs, within 15% of the kernel's (issue 16's target); the
 * 95th percentile is shown beside it, not targeted (a few tail flows decide
 * it, and 30 s runs have few of them).
 *
 * Near a loss cliff (one bulk flow over a random-loss link whose runs split
 * between holding the link and collapsing, as BBR v1 does at 15-20% loss,
 * issue 19), means hide what matters, so such points are also checked run by
 * run (cliffCheck): the share of collapsed runs (goodput below half the
 * ceiling, link rate x (1 - loss) x payload fraction) within 20 percentage
 * points of the kernel's, and a Mann-Whitney U test of the per-run goodputs
 * (analysis/mann-whitney.ts) not rejecting at 5%.
 *
 * The test host's own timing is not part of a scenario: a reference tree may
 * hold `testbed.yaml`, the host model measured on the machine that ran it
 * (e.g. `link: {ackJitter: {...}}` from kernel/measure-ack-noise.mjs), and the
 * simulator runs every point with those settings added (see
 * testbedSettings()).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sampleStandardDeviation } from 'simple-statistics';
import YAML from 'yaml';
import { validateScenario } from '../scenario/load.js';
import { scenarioHash } from '../scenario/resolve.js';
import { runSummarySchema } from '../results/schema.js';
import { compareRuns, pointKey, runMetrics, METRICS, type Comparison, type Metric, type RunRecord, type Tolerance } from './compare.js';
import { runTasks } from './runner.js';
import type { PointTask } from './point.js';
import { simulatorFingerprint } from './fingerprint.js';
import { tQuantile } from './stats.js';
import { cliffCheck, CLIFF_MIN_KERNEL_RUNS, CLIFF_TEST_ALPHA, COLLAPSE_FRACTION, COLLAPSED_SHARE_TOLERANCE_PP, type CliffCheck } from './cliff.js';
import { lossCliffChart } from './cliff-chart.js';
import type { ChartSpec } from '../report/chartconfig.js';
import { workerDistDir } from './runner.js';
import { isPointDone } from './point.js';

/** The fidelity targets as a compare.ts tolerance. */
export const FIDELITY_TOLERANCE: Tolerance = {
  goodputMbps: { rel: 0.1, abs: 0.5 },
  retransRatio: { rel: 0.25, abs: 0.002 },
  rttMeanMs: { rel: 0.1, abs: 0 },
};

/** Largest allowed difference of a competing flow's goodput share, percentage points. */
export const SHARE_TOLERANCE_PP = 10;

/** Median flow completion time of a point's short flows: within 15% of the kernel's. */
export const FCT_TOLERANCE_REL = 0.15;

/** Congestion signals (AQM drops + CE marks per second): 25% relative, or 0.5/s absolute. */
export const SIGNAL_TOLERANCE = { rel: 0.25, abs: 0.5 };

/**
 * The bottleneck's congestion signals of one run, per second: drops at the
 * queue (an AQM's early and overflow drops) plus CE marks.
 */
export function signalsPerSecond(s: RunRecord['summary']): number {
  const measuredS = s.durationS - (s.warmupS ?? 0);
  return measuredS > 0 ? (s.link.drops.queue + (s.link.marks ?? 0)) / measuredS : 0;
}

/**
 * Compare one point's congestion signals (kernel runs against simulator
 * runs); undefined for a drop-tail point, whose tail drops the goodput and
 * retransmission targets already cover.
 */
export function signalCheck(kernelRuns: readonly RunRecord[], simRuns: readonly RunRecord[]): SignalCheck | undefined {
  if (!kernelRuns.length || kernelRuns[0]!.resolved.link.qdisc === 'droptail') return undefined;
  return spreadCheck(spread(kernelRuns.map((r) => signalsPerSecond(r.summary))), spread(simRuns.map((r) => signalsPerSecond(r.summary))), SIGNAL_TOLERANCE);
}

/**
 * The simulator's runs against the kernel's on one measure: within the
 * relative or the absolute tolerance of the kernel's mean; "noisy" when the
 * kernel's own spread is wider than that, "within noise" when Welch's test
 * cannot tell the means apart.
 */
function spreadCheck(k: Spread, sm: Spread, tol: { rel: number; abs: number }): SignalCheck {
  const relErr = k.mean !== 0 ? (sm.mean - k.mean) / k.mean : sm.mean === 0 ? 0 : NaN;
  return {
    kernel: k,
    sim: sm,
    relErr,
    ok: Math.abs(sm.mean - k.mean) <= tol.abs || Math.abs(relErr) <= tol.rel,
    noisy: k.sd > Math.max(tol.abs, tol.rel * Math.abs(k.mean)),
    withinNoise: welchIndistinguishable(k, sm),
  };
}

/**
 * DCTCP's alpha (the mean over a run's samples, averaged over its DCTCP
 * flows): within 0.05 absolute or 25% of the kernel's. alpha is a fraction
 * of data CE-marked, so near 0 (a light AQM) the absolute bound is what
 * counts.
 */
export const DCTCP_ALPHA_TOLERANCE = { rel: 0.25, abs: 0.05 };

/** A run's DCTCP alpha: the mean of its DCTCP flows' dctcpAlphaMean, or undefined when no flow has one. */
export function runDctcpAlpha(s: RunRecord['summary']): number | undefined {
  const xs = s.flows.flatMap((f) => (f.dctcpAlphaMean !== undefined ? [f.dctcpAlphaMean] : []));
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined;
}

/**
 * Compare one point's DCTCP alpha, kernel runs against simulator runs;
 * undefined unless every run of both backends has one (a point without a
 * DCTCP flow, or kernel runs sampled before the sampler read alpha).
 */
export function dctcpAlphaCheck(kernelRuns: readonly RunRecord[], simRuns: readonly RunRecord[]): SignalCheck | undefined {
  const k = kernelRuns.map((r) => runDctcpAlpha(r.summary));
  const sm = simRuns.map((r) => runDctcpAlpha(r.summary));
  if (!k.length || !sm.length || [...k, ...sm].some((x) => x === undefined)) return undefined;
  return spreadCheck(spread(k as number[]), spread(sm as number[]), DCTCP_ALPHA_TOLERANCE);
}

/**
 * Compare one point's flow completion times (the median, and the 95th
 * percentile for information), kernel runs against simulator runs;
 * undefined for a point without short flows.
 */
export function fctCheck(kernelRuns: readonly RunRecord[], simRuns: readonly RunRecord[]): FctCheck | undefined {
  const p = (r: RunRecord, q: 'p50' | 'p95'): number | undefined => r.summary.fct?.fctMs?.[q];
  if (!kernelRuns.length || kernelRuns.some((r) => p(r, 'p50') === undefined) || simRuns.some((r) => p(r, 'p50') === undefined)) return undefined;
  const k = spread(kernelRuns.map((r) => p(r, 'p50')!));
  const sm = spread(simRuns.map((r) => p(r, 'p50')!));
  const relErr = (sm.mean - k.mean) / k.mean;
  return {
    kernel: k,
    sim: sm,
    relErr,
    ok: Math.abs(relErr) <= FCT_TOLERANCE_REL,
    noisy: k.sd > FCT_TOLERANCE_REL * k.mean,
    withinNoise: welchIndistinguishable(k, sm),
    p95: { kernel: spread(kernelRuns.map((r) => p(r, 'p95')!)), sim: spread(simRuns.map((r) => p(r, 'p95')!)) },
  };
}

export interface FctCheck extends SignalCheck {
  /** The 95th percentile of the runs' FCTs (ms), shown, not targeted. */
  p95: { kernel: Spread; sim: Spread };
}

export interface SignalCheck {
  kernel: Spread;
  sim: Spread;
  /** (sim - kernel) / kernel on the means; NaN when the kernel's is 0 and the simulator's is not. */
  relErr: number;
  ok: boolean;
  noisy: boolean;
  withinNoise: boolean;
}

export interface Spread {
  mean: number;
  sd: number;
  n: number;
}

export interface ValidatedPoint {
  /** Reference scenario (sub-directory) the point belongs to, e.g. kernel-validation. */
  group: string;
  label: string;
  params: Record<string, string | number>;
  kernel: Record<Metric, Spread>;
  sim: Record<Metric, Spread>;
  relErr: Record<Metric, number>;
  ok: Record<Metric, boolean>;
  /** The kernel's spread is wider than the tolerance for this metric. */
  noisy: Record<Metric, boolean>;
  /**
   * Welch's t-test does not tell the two means apart at the 5% level
   * (|difference| <= t(0.975, Welch-Satterthwaite df) x combined standard
   * error): with these repetitions the difference is not distinguishable
   * from run-to-run noise.
   */
  withinNoise: Record<Metric, boolean>;
  /** Per-flow goodput shares (percent) for points with several flows. */
  shares: { cc: string; kernel: number; sim: number; ok: boolean }[];
  /** Drops + CE marks at the bottleneck, for points whose qdisc is an AQM. */
  signals?: SignalCheck;
  /** Median flow completion time (ms) of the point's short flows, for points that have them. */
  fct?: FctCheck;
  /** DCTCP's alpha (time mean), for points whose runs measured it on both backends. */
  dctcpAlpha?: SignalCheck;
  /** Collapsed runs and a two-sample test of per-run goodputs, for points near a loss cliff. */
  cliff?: CliffCheck;
  pass: boolean;
}

export interface Validation {
  reference: string;
  points: ValidatedPoint[];
  tolerance: Tolerance;
  /** The per-group comparisons behind the points (for overlay charts). */
  comparisons: { group: string; comparison: Comparison }[];
  /** Goodput against loss, every run and seed, for groups that sweep random loss (cliff-chart.ts). */
  lossCharts: { group: string; spec: ChartSpec }[];
}

function spread(values: number[]): Spread {
  const mean = values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
  return { mean, sd: values.length > 1 ? sampleStandardDeviation(values) : 0, n: values.length };
}

/**
 * Welch's two-sample t-test at the 5% level: true when the means of two
 * samples (mean, sd, n) cannot be told apart. Needs n >= 2 on both sides.
 */
export function welchIndistinguishable(a: Spread, b: Spread): boolean {
  if (a.n < 2 || b.n < 2) return false;
  const va = (a.sd * a.sd) / a.n;
  const vb = (b.sd * b.sd) / b.n;
  const se = Math.sqrt(va + vb);
  if (se === 0) return a.mean === b.mean;
  const df = ((va + vb) * (va + vb)) / ((va * va) / (a.n - 1) + (vb * vb) / (b.n - 1));
  return Math.abs(a.mean - b.mean) <= tQuantile(0.975, df) * se;
}

function sharesOf(r: RunRecord): number[] {
  const total = r.summary.flows.reduce((a, f) => a + f.goodputMbps, 0);
  return r.summary.flows.map((f) => (total > 0 ? (100 * f.goodputMbps) / total : 0));
}

/** The group (first directory under the reference root) a run belongs to. */
function groupOf(root: string, dir: string): string {
  const rel = dir.slice(root.length).replace(/^[/\\]+/, '');
  return rel.split(/[/\\]/)[0] ?? '';
}

export interface ValidateOptions {
  /** Where the simulator's runs are written (they are kept for inspection and reused when unchanged). */
  out: string;
  jobs: number;
  force?: boolean;
  /** Only groups whose name matches. */
  only?: RegExp;
  /** Keep only the kernel runs this predicate accepts (tests validate a subset). */
  filter?: (r: RunRecord) => boolean;
  /**
   * Simulator seeds per point (at least as many as the kernel repetitions):
   * simulating is cheap, so the simulator's mean is taken over more seeds
   * and the comparison's noise is mostly the kernel's.
   */
  simSeeds?: number;
  /**
   * At least this many simulator seeds per kernel repetition of the point
   * (default 0; the CLI's --sim-seeds-per-run defaults to 10):
   * points that needed more kernel runs because a run's outcome is
   * bimodal (does slow start overshoot before the first random loss?) need
   * as many more simulator runs, or the simulator's own sampling error
   * decides the comparison.
   */
  simSeedsPerKernelRun?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Link fields a testbed file may set: host models only, never the network under test. */
const TESTBED_LINK_FIELDS = ['hostJitter', 'ackJitter'];

/**
 * The host model of the machine that ran a reference tree (its
 * `testbed.yaml`: `link.hostJitter` and/or `link.ackJitter`), or {} when
 * there is none.
 */
export function testbedSettings(referenceRoot: string): Record<string, unknown> {
  const file = join(referenceRoot, 'testbed.yaml');
  if (!existsSync(file)) return {};
  const doc = (YAML.parse(readFileSync(file, 'utf8')) ?? {}) as { link?: Record<string, unknown> };
  const extra = Object.keys(doc).filter((k) => k !== 'link');
  const bad = Object.keys(doc.link ?? {}).filter((k) => !TESTBED_LINK_FIELDS.includes(k));
  if (extra.length || bad.length) {
    throw new Error(`${file}: only link.${TESTBED_LINK_FIELDS.join(' and link.')} may be set there, not ${[...extra, ...bad.map((k) => `link.${k}`)].join(', ')}`);
  }
  return doc.link ?? {};
}

/**
 * A kernel reference tree and its runs (the caller reads them: a tree keeps
 * its runs in compressed archives, kernel/reference.ts loadRunTree).
 */
export interface ReferenceRuns {
  root: string;
  runs: readonly RunRecord[];
}

/**
 * The scenario the simulator runs for a kernel point: the kernel run's
 * scenario with the seed, without its sweep, and with the testbed's host
 * model on the link, or on every link of a chain (each link's receivers: one
 * VM runs them all).
 */
export function simulatedPointDoc(kernelDoc: Record<string, unknown>, seed: number, testbed: Record<string, unknown>): Record<string, unknown> {
  const doc = structuredClone(kernelDoc);
  doc.seed = seed;
  if (Array.isArray(doc.links)) doc.links = (doc.links as Record<string, unknown>[]).map((l) => ({ ...l, ...testbed }));
  else doc.link = { ...(doc.link as Record<string, unknown>), ...testbed };
  delete doc.sweep;
  delete doc.seeds;
  delete doc.zip;
  return doc;
}

/** Simulate every reference point and compare. */
export async function validate(reference: ReferenceRuns, opts: ValidateOptions): Promise<Validation> {
  const referenceRoot = reference.root;
  const testbed = testbedSettings(referenceRoot);
  let kernel = reference.runs.filter((r) => r.summary.source === 'kernel');
  if (opts.only) kernel = kernel.filter((r) => opts.only!.test(groupOf(referenceRoot, r.dir)));
  if (opts.filter) kernel = kernel.filter(opts.filter);

  // per point: the same scenario with seeds 1..N, N = max(simSeeds, simSeedsPerKernelRun x kernel
  // repetitions, the highest kernel seed label)
  const simulator = simulatorFingerprint(workerDistDir());
  const tasks: PointTask[] = [];
  const simDirs: string[] = [];
  const byPoint = new Map<string, RunRecord[]>();
  for (const k of kernel) {
    const key = `${groupOf(referenceRoot, k.dir)}\n${pointKey(k.resolved)}`;
    byPoint.set(key, [...(byPoint.get(key) ?? []), k]);
  }
  for (const runs of byPoint.values()) {
    const first = runs[0]!;
    const nSim = Math.max(opts.simSeeds ?? 0, (opts.simSeedsPerKernelRun ?? 0) * runs.length, ...runs.map((r) => r.summary.seed));
    for (let seed = 1; seed <= nSim; seed++) {
      const doc = simulatedPointDoc(first.scenarioDoc ?? (YAML.parse(readFileSync(join(first.dir, 'scenario.yaml'), 'utf8')) as Record<string, unknown>), seed, testbed);
      // a relative trace path (link.trace) is taken from the tree's <group>.yaml, the sweep the runs were made from
      const groupFile = join(referenceRoot, `${groupOf(referenceRoot, first.dir)}.yaml`);
      const links = Array.isArray(doc.links) ? (doc.links as Record<string, unknown>[]) : [doc.link as Record<string, unknown> | undefined];
      const scenarioFile = links.some((l) => l?.trace !== undefined) && existsSync(groupFile) ? groupFile : null;
      const { resolved } = validateScenario(doc, String(doc.name ?? 'reference'), scenarioFile ? dirname(scenarioFile) : null);
      const hash = scenarioHash(resolved);
      const key = `${hash}-seed${resolved.seed}`;
      const dir = join(opts.out, groupOf(referenceRoot, first.dir), key);
      simDirs.push(dir);
      if (!opts.force && isPointDone(dir, simulator, { key, hash, seed: resolved.seed })) continue;
      tasks.push({ index: tasks.length, key, hash, seed: resolved.seed, role: 'main', doc, scenarioFile, dir, simulator, cost: resolved.link.rateBps * resolved.durationNs });
    }
  }
  let done = 0;
  const failures: string[] = [];
  await runTasks(tasks, opts.jobs, (o) => {
    if (!o.result.ok) failures.push(`${o.task.dir}: ${o.result.error}`);
    opts.onProgress?.(++done, tasks.length);
  });
  if (failures.length) throw new Error(`the simulator failed on ${failures.length} reference point(s): ${failures[0]}`);
  const sim: RunRecord[] = simDirs.map((dir) => ({
    dir,
    summary: runSummarySchema.parse(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'))),
    resolved: JSON.parse(readFileSync(join(dir, 'resolved.json'), 'utf8')),
  }));

  const points: ValidatedPoint[] = [];
  const comparisons: Validation['comparisons'] = [];
  const lossCharts: Validation['lossCharts'] = [];
  const groups = [...new Set(kernel.map((k) => groupOf(referenceRoot, k.dir)))].sort();
  for (const g of groups) {
    const kRuns = kernel.filter((k) => groupOf(referenceRoot, k.dir) === g);
    const sRuns = sim.filter((s) => groupOf(opts.out, s.dir) === g);
    const c: Comparison = compareRuns(sRuns, kRuns, FIDELITY_TOLERANCE);
    comparisons.push({ group: g, comparison: c });
    const lossChart = lossCliffChart(g, kRuns, sRuns);
    if (lossChart) lossCharts.push({ group: g, spec: lossChart });
    for (const p of c.points) {
      const kr = kRuns.filter((r) => pointKey(r.resolved) === p.key);
      const sr = sRuns.filter((r) => pointKey(r.resolved) === p.key);
      const kernelSpread = {} as Record<Metric, Spread>;
      const simSpread = {} as Record<Metric, Spread>;
      const noisy = {} as Record<Metric, boolean>;
      const withinNoise = {} as Record<Metric, boolean>;
      for (const m of METRICS) {
        kernelSpread[m] = spread(kr.map((r) => runMetrics(r.summary)[m]));
        simSpread[m] = spread(sr.map((r) => runMetrics(r.summary)[m]));
        const t = FIDELITY_TOLERANCE[m];
        noisy[m] = kernelSpread[m].sd > Math.max(t.abs, t.rel * Math.abs(kernelSpread[m].mean));
        const k = kernelSpread[m];
        const sm = simSpread[m];
        withinNoise[m] = welchIndistinguishable(k, sm);
      }
      const shares: ValidatedPoint['shares'] = [];
      const nFlows = kr[0]!.summary.flows.length;
      if (nFlows > 1) {
        for (let i = 0; i < nFlows; i++) {
          const ks = spread(kr.map((r) => sharesOf(r)[i]!)).mean;
          const ss = spread(sr.map((r) => sharesOf(r)[i]!)).mean;
          shares.push({ cc: kr[0]!.summary.flows[i]!.cc, kernel: ks, sim: ss, ok: Math.abs(ss - ks) <= SHARE_TOLERANCE_PP });
        }
      }
      const signals = signalCheck(kr, sr);
      const fct = fctCheck(kr, sr);
      const cliff = cliffCheck(kr, sr);
      const dctcpAlpha = dctcpAlphaCheck(kr, sr);
      points.push({
        group: g,
        label: p.label,
        params: p.params,
        kernel: kernelSpread,
        sim: simSpread,
        relErr: p.relErr,
        ok: p.ok,
        noisy,
        withinNoise,
        shares,
        ...(signals ? { signals } : {}),
        ...(fct ? { fct } : {}),
        ...(cliff ? { cliff } : {}),
        ...(dctcpAlpha ? { dctcpAlpha } : {}),
        pass: p.pass && shares.every((s) => s.ok) && (signals?.ok ?? true) && (fct?.ok ?? true) && (cliff?.ok ?? true) && (dctcpAlpha?.ok ?? true),
      });
    }
  }
  return { reference: referenceRoot, points, tolerance: FIDELITY_TOLERANCE, comparisons, lossCharts };
}

// ---------------------------------------------------------------------------
// the report

const METRIC_TITLES: Record<Metric, string> = {
  goodputMbps: 'Goodput (Mbit/s)',
  retransRatio: 'Retransmission ratio',
  rttMeanMs: 'Mean smoothed RTT (ms)',
};

function fmtSpread(m: Metric, s: Spread, usualN?: number): string {
  const d = m === 'retransRatio' ? 4 : 2;
  return `${s.mean.toFixed(d)} ± ${s.sd.toFixed(d)}${usualN !== undefined && s.n !== usualN ? ` (n=${s.n})` : ''}`;
}

function pct(v: number): string {
  return Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)}%` : 'n/a';
}

function tolText(m: Metric): string {
  const t = FIDELITY_TOLERANCE[m];
  if (m === 'goodputMbps') return `within ${t.rel * 100}% of the kernel mean (${t.abs} Mbit/s where the kernel is below 5 Mbit/s)`;
  if (m === 'retransRatio') return `within ${t.rel * 100}% relative (${t.abs} absolute where below 0.01)`;
  return `within ${t.rel * 100}%`;
}

/** Counts of passing points per metric, for the summary line. */
export function validationCounts(v: Validation): {
  points: number;
  pass: number;
  /** Points that pass or whose every miss is within noise. */
  passOrNoise: number;
  perMetric: Record<Metric, number>;
  shares: [number, number];
  /** Points within the congestion-signal target, of those with an AQM. */
  signals: [number, number];
  /** Points within the FCT target, of those with short flows. */
  fct: [number, number];
  /** Points within the cliff targets (collapsed share and the U test), of those near a loss cliff. */
  cliff: [number, number];
  /** Points within the DCTCP alpha target, of those that measured it. */
  dctcpAlpha: [number, number];
} {
  const perMetric = {} as Record<Metric, number>;
  for (const m of METRICS) perMetric[m] = v.points.filter((p) => p.ok[m]).length;
  const allShares = v.points.flatMap((p) => p.shares);
  const passOrNoise = v.points.filter(
    (p) =>
      METRICS.every((m) => p.ok[m] || p.withinNoise[m]) &&
      p.shares.every((s) => s.ok) &&
      (!p.signals || p.signals.ok || p.signals.withinNoise) &&
      (!p.fct || p.fct.ok || p.fct.withinNoise) &&
      (!p.cliff || p.cliff.ok) &&
      (!p.dctcpAlpha || p.dctcpAlpha.ok || p.dctcpAlpha.withinNoise),
  ).length;
  const withSignals = v.points.filter((p) => p.signals);
  const withFct = v.points.filter((p) => p.fct);
  const withCliff = v.points.filter((p) => p.cliff);
  const withAlpha = v.points.filter((p) => p.dctcpAlpha);
  return {
    points: v.points.length,
    pass: v.points.filter((p) => p.pass).length,
    passOrNoise,
    perMetric,
    shares: [allShares.filter((s) => s.ok).length, allShares.length],
    signals: [withSignals.filter((p) => p.signals!.ok).length, withSignals.length],
    fct: [withFct.filter((p) => p.fct!.ok).length, withFct.length],
    cliff: [withCliff.filter((p) => p.cliff!.ok).length, withCliff.length],
    dctcpAlpha: [withAlpha.filter((p) => p.dctcpAlpha!.ok).length, withAlpha.length],
  };
}

/** One spreadCheck per point as a report table (kernel, simulator, error, pass), values to `digits` decimals; nothing without rows. */
function checkTable(out: string[], title: string, rows: readonly { label: string; check: SignalCheck }[], digits: number): void {
  if (!rows.length) return;
  tableHead(out, title, '| point | kernel | simulator | error | pass |');
  const f = (x: Spread, usualN?: number): string => `${x.mean.toFixed(digits)} ± ${x.sd.toFixed(digits)}${usualN !== undefined && x.n !== usualN ? ` (n=${x.n})` : ''}`;
  for (const { label, check: c } of rows) {
    const why = c.ok ? '' : [c.noisy ? 'noisy' : '', c.withinNoise ? 'within noise' : ''].filter(Boolean).join(', ');
    out.push(`| ${label} | ${f(c.kernel, 3)} | ${f(c.sim)} | ${pct(c.relErr)} | ${c.ok ? 'yes' : '**no**'}${why ? ` (${why})` : ''} |`);
  }
}

/** A table's heading and header rows in a fidelity report section (its --- row from the header's columns). */
function tableHead(out: string[], title: string, header: string): void {
  const columns = header.split('|').length - 2;
  out.push('', `### ${title}`, '', header, `|${' --- |'.repeat(columns)}`);
}

/** docs/fidelity.md: one table per metric and group, then the shares and the charts. */
export function validationMarkdown(
  v: Validation,
  info: { kernelRelease: string; charts: string[]; command: string; kernelReps: string; simSeedsText: string; notes?: string },
): string {
  const c = validationCounts(v);
  const out: string[] = [];
  out.push('# Fidelity: the simulator against Linux');
  out.push('');
  out.push(`Generated by \`${info.command}\` from the kernel reference runs in \`${v.reference}\` (${info.kernelRelease}, cclab's QEMU test VM; see its README). Each kernel point was run ${info.kernelReps} times; the simulator runs the same scenario with ${info.simSeedsText}. Values are mean ± sample standard deviation over the repetitions (n in brackets where it differs); the error is (simulator − kernel) / kernel on the means.`);
  out.push('');
  out.push(`**${c.pass} of ${c.points} points within every target**; ${c.passOrNoise} of ${c.points} within every target or within run-to-run noise. Per metric: ${METRICS.map((m) => `${METRIC_TITLES[m].toLowerCase()} ${c.perMetric[m]}/${c.points}`).join(', ')}${c.shares[1] ? `; competing flows' shares ${c.shares[0]}/${c.shares[1]}` : ''}${c.signals[1] ? `; AQM drops + CE marks ${c.signals[0]}/${c.signals[1]}` : ''}${c.fct[1] ? `; median flow completion time ${c.fct[0]}/${c.fct[1]}` : ''}${c.cliff[1] ? `; near a loss cliff, collapsed runs and their distribution ${c.cliff[0]}/${c.cliff[1]}` : ''}${c.dctcpAlpha[1] ? `; DCTCP alpha ${c.dctcpAlpha[0]}/${c.dctcpAlpha[1]}` : ''}.`);
  out.push('');
  out.push('Targets: ' + METRICS.map((m) => `${METRIC_TITLES[m].toLowerCase()} ${tolText(m)}`).join('; ') + `; each competing flow's share within ${SHARE_TOLERANCE_PP} percentage points; at an AQM bottleneck, drops + CE marks per second within ${SIGNAL_TOLERANCE.rel * 100}% (${SIGNAL_TOLERANCE.abs}/s absolute); where short flows run, their median completion time within ${FCT_TOLERANCE_REL * 100}%; near a loss cliff (one bulk flow, at least ${CLIFF_MIN_KERNEL_RUNS} kernel runs, some runs of either backend collapsed below ${COLLAPSE_FRACTION * 100}% of the ceiling link × (1 − loss) × payload fraction and some not), the share of collapsed runs within ${COLLAPSED_SHARE_TOLERANCE_PP} percentage points and a Mann-Whitney U test of the per-run goodputs not rejecting at ${CLIFF_TEST_ALPHA * 100}%; where DCTCP runs with ECN, its alpha (the mean over the run's samples) within ${DCTCP_ALPHA_TOLERANCE.rel * 100}% (${DCTCP_ALPHA_TOLERANCE.abs} absolute). On a miss, "noisy" marks a kernel spread (sd) wider than the tolerance, and "within noise" a difference that Welch's t-test cannot tell from run-to-run variation at the 5% level with these repetitions.`);
  if (info.notes) {
    out.push('');
    out.push(info.notes.trim());
  }
  const groups = [...new Set(v.points.map((p) => p.group))];
  for (const g of groups) {
    const pts = v.points.filter((p) => p.group === g);
    out.push('');
    out.push(`## ${g}`);
    for (const m of METRICS) {
      out.push('');
      out.push(`### ${METRIC_TITLES[m]}`);
      out.push('');
      out.push('| point | kernel | simulator | error | pass |');
      out.push('| --- | --- | --- | --- | --- |');
      for (const p of pts) {
        const why = p.ok[m] ? '' : [p.noisy[m] ? 'noisy' : '', p.withinNoise[m] ? 'within noise' : ''].filter(Boolean).join(', ');
        out.push(`| ${p.label} | ${fmtSpread(m, p.kernel[m], 3)} | ${fmtSpread(m, p.sim[m])} | ${pct(p.relErr[m])} | ${p.ok[m] ? 'yes' : '**no**'}${why ? ` (${why})` : ''} |`);
      }
    }
    checkTable(out, 'Drops + CE marks at the bottleneck (per second)', pts.flatMap((p) => (p.signals ? [{ label: p.label, check: p.signals }] : [])), 2);
    const withFct = pts.filter((p) => p.fct);
    if (withFct.length) {
      tableHead(out, 'Flow completion times of short flows (ms)', '| point | median: kernel | simulator | error | pass | p95: kernel | simulator |');
      for (const p of withFct) {
        const x = p.fct!;
        const why = x.ok ? '' : [x.noisy ? 'noisy' : '', x.withinNoise ? 'within noise' : ''].filter(Boolean).join(', ');
        const f = (y: Spread, usualN?: number): string => `${y.mean.toFixed(1)} ± ${y.sd.toFixed(1)}${usualN !== undefined && y.n !== usualN ? ` (n=${y.n})` : ''}`;
        out.push(`| ${p.label} | ${f(x.kernel, 3)} | ${f(x.sim)} | ${pct(x.relErr)} | ${x.ok ? 'yes' : '**no**'}${why ? ` (${why})` : ''} | ${f(x.p95.kernel, 3)} | ${f(x.p95.sim)} |`);
      }
    }
    const withCliff = pts.filter((p) => p.cliff);
    if (withCliff.length) {
      tableHead(out, 'Near the loss cliff: collapsed runs and their distribution', '| point | ceiling (Mbit/s) | collapsed: kernel | simulator | Mann-Whitney p | pass |');
      for (const p of withCliff) {
        const x = p.cliff!;
        const share = (v: number, n: number): string => `${(v * 100).toFixed(0)}% of ${n}`;
        const why = x.ok ? '' : [x.shareOk ? '' : 'collapsed share', x.testOk ? '' : 'distribution'].filter(Boolean).join(', ');
        out.push(`| ${p.label} | ${x.ceilingMbps.toFixed(1)} | ${share(x.collapsed.kernel, p.kernel.goodputMbps.n)} | ${share(x.collapsed.sim, p.sim.goodputMbps.n)} | ${x.test.p < 0.001 ? '< 0.001' : x.test.p.toFixed(3)} | ${x.ok ? 'yes' : `**no** (${why})`} |`);
      }
    }
    checkTable(out, 'DCTCP alpha (mean over the samples)', pts.flatMap((p) => (p.dctcpAlpha ? [{ label: p.label, check: p.dctcpAlpha }] : [])), 3);
    const withShares = pts.filter((p) => p.shares.length > 0);
    if (withShares.length) {
      tableHead(out, 'Goodput shares of competing flows (%)', '| point | flow | kernel | simulator | difference (pp) | pass |');
      for (const p of withShares) {
        p.shares.forEach((s, i) => {
          out.push(`| ${p.label} | ${i}: ${s.cc} | ${s.kernel.toFixed(1)} | ${s.sim.toFixed(1)} | ${(s.sim - s.kernel >= 0 ? '+' : '') + (s.sim - s.kernel).toFixed(1)} | ${s.ok ? 'yes' : '**no**'} |`);
        });
      }
    }
  }
  if (info.charts.length) {
    out.push('');
    out.push('## Overlay charts');
    out.push('');
    out.push('Simulator as lines, kernel as points.');
    for (const ch of info.charts) {
      out.push('');
      out.push(`![${ch}](${ch})`);
    }
  }
  out.push('');
  return out.join('\n');
}
