/**
 * What the surrogate model sees and what it predicts.
 *
 * Inputs are computed from a ResolvedScenario (the fully explicit scenario
 * of a run, or of a `cclab predict --set ...` query) for one flow of it, so
 * training and prediction go through exactly the same code:
 *
 *   logLoss     log10(p + 1e-4), p = mean data-direction loss probability
 *               (Bernoulli p, or the stationary loss rate of a
 *               Gilbert-Elliott model). The 0.01% offset gives loss 0 a
 *               finite place one decade below 0.01%: 0 -> -4,
 *               0.01% -> -3.70, 0.1% -> -2.96, 1% -> -2.00 (above ~0.5%
 *               the offset is negligible).
 *   logRtt      log10(base RTT in ms)
 *   logRate     log10(bottleneck rate in Mbit/s)
 *   logBuffer   log2(buffer / BDP), the buffer floored at 1/64 BDP
 *   brutalRate  Brutal's configured rate / link rate (0 for other CCs)
 *   flows       number of flows sharing the bottleneck
 *   cc=<name>   one-hot congestion control (one column per CC seen in
 *               training), by its ccKey: `brutal` is TCP Brutal,
 *               `brutal/quic` QUIC (Hysteria's) Brutal
 *
 * Targets are predicted in a normalised form and converted back:
 * goodput and throughput as a fraction of the link rate, RTTs as a multiple
 * of the base RTT, the retransmission ratio as is. R² and MAE are reported
 * in the user's units (Mbit/s, ms, ratio).
 */
import { InputError } from '../scenario/errors.js';
import { meanLossRate } from '../scenario/schema.js';
import { ccKey, type ResolvedScenario } from '../scenario/resolve.js';
import type { FlowSummary } from '../results/schema.js';
import { dataWireBytes } from '../network/wire.js';

/** Offset added to the loss probability before the logarithm (see above). */
export const LOSS_LOG_OFFSET = 1e-4;
/** Smallest buffer, in BDP, before the logarithm. */
export const BUFFER_FLOOR_BDP = 1 / 64;

/** The numeric (non one-hot) inputs, in column order. */
export const NUMERIC_FEATURES = ['logLoss', 'logRtt', 'logRate', 'logBuffer', 'brutalRate', 'flows'] as const;
export type NumericFeature = (typeof NUMERIC_FEATURES)[number];

/**
 * Buffer size in multiples of the bandwidth-delay product. A queue given in
 * BDP (`1bdp`) counts as written: the simulator rounds it to whole packets,
 * and that rounding (a few percent at small BDPs, varying with the RTT) is
 * not a parameter anyone swept.
 */
export function bufferInBdp(s: ResolvedScenario): number {
  const m = /^([0-9.eE+-]+)bdp$/.exec(s.link.queueSpec ?? '');
  if (m && Number.isFinite(Number(m[1]))) return Number(m[1]);
  const mss = Math.max(...s.flows.map((f) => f.mss));
  const bytes = s.link.queueBytes ?? s.link.queuePackets * dataWireBytes(mss);
  return s.link.bdpBytes > 0 ? bytes / s.link.bdpBytes : Infinity;
}

/** The numeric inputs for flow `flowIndex` of a scenario, in NUMERIC_FEATURES order. */
export function numericFeatures(s: ResolvedScenario, flowIndex: number): number[] {
  const f = s.flows[flowIndex]!;
  const brutal = f.cc === 'brutal' && f.brutal ? (f.brutal.rateBytesPerSec * 8) / s.link.rateBps : 0;
  return [
    Math.log10(meanLossRate(s.link.loss) + LOSS_LOG_OFFSET),
    Math.log10(s.link.rttNs / 1e6),
    Math.log10(s.link.rateBps / 1e6),
    Math.log2(Math.max(bufferInBdp(s), BUFFER_FLOOR_BDP)),
    brutal,
    s.flows.length,
  ];
}

/** All inputs of one flow: numeric features followed by the one-hot of its ccKey over `ccs`. */
export function featureVector(s: ResolvedScenario, flowIndex: number, ccs: readonly string[]): number[] {
  const f = s.flows[flowIndex]!;
  const cc = ccKey(f);
  const k = ccs.indexOf(cc);
  if (k < 0) throw new InputError(`flows[${f.group}].cc: the model was trained on ${ccs.join(', ')}, not ${cc}`);
  return [...numericFeatures(s, flowIndex), ...ccs.map((_, j) => (j === k ? 1 : 0))];
}

/** Column names of featureVector(). */
export function featureNames(ccs: readonly string[]): string[] {
  return [...NUMERIC_FEATURES, ...ccs.map((c) => `cc=${c}`)];
}

/**
 * The loss probability of a logLoss input (the inverse of the feature); 0
 * where float rounding leaves a remainder (10^−4 − 10^−4 is not exactly 0
 * after the logarithm), so loss 0 reads as 0%, not −1.36e−18%.
 */
export function lossOfLogLoss(x: number): number {
  const p = 10 ** x - LOSS_LOG_OFFSET;
  return p < LOSS_LOG_OFFSET * 1e-6 ? 0 : p;
}

/** How a numeric feature reads in the scenario's terms (for range warnings). */
export const FEATURE_DISPLAY: Record<NumericFeature, { label: string; show: (x: number) => string }> = {
  logLoss: { label: 'link.loss', show: (x) => `${+(lossOfLogLoss(x) * 100).toPrecision(3)}%` },
  logRtt: { label: 'link.rtt', show: (x) => `${+(10 ** x).toPrecision(4)} ms` },
  logRate: { label: 'link.rate', show: (x) => `${+(10 ** x).toPrecision(4)} Mbit/s` },
  logBuffer: { label: 'link.queue', show: (x) => `${+(2 ** x).toPrecision(3)} BDP` },
  brutalRate: { label: 'brutal.rate / link rate', show: (x) => `${+x.toPrecision(3)}` },
  flows: { label: 'number of flows', show: (x) => `${x}` },
};

export interface TargetDef {
  /** Name on the command line (`--targets goodput,rttP95`). */
  name: string;
  /** Unit of the value in results and predictions. */
  unit: string;
  description: string;
  /** The value in a run's summary. */
  read: (f: FlowSummary) => number;
  /** Normaliser: the model predicts value / scale(scenario). */
  scale: (s: ResolvedScenario) => number;
}

const linkMbps = (s: ResolvedScenario) => s.link.rateBps / 1e6;
const baseRttMs = (s: ResolvedScenario) => s.link.rttNs / 1e6;

export const TARGETS: readonly TargetDef[] = [
  { name: 'goodput', unit: 'Mbit/s', description: 'goodput', read: (f) => f.goodputMbps, scale: linkMbps },
  { name: 'throughput', unit: 'Mbit/s', description: 'throughput (retransmissions included)', read: (f) => f.throughputMbps, scale: linkMbps },
  { name: 'retransRatio', unit: '', description: 'retransmitted / sent bytes', read: (f) => f.retransRatio, scale: () => 1 },
  { name: 'rttMean', unit: 'ms', description: 'mean RTT', read: (f) => f.rttMs.mean, scale: baseRttMs },
  { name: 'rttP50', unit: 'ms', description: 'median RTT', read: (f) => f.rttMs.p50, scale: baseRttMs },
  { name: 'rttP95', unit: 'ms', description: '95th percentile RTT', read: (f) => f.rttMs.p95, scale: baseRttMs },
  { name: 'rttP99', unit: 'ms', description: '99th percentile RTT', read: (f) => f.rttMs.p99, scale: baseRttMs },
];

export const DEFAULT_TARGETS = ['goodput', 'retransRatio', 'rttP95'] as const;

/** Look up targets by name; unknown names are an InputError listing the known ones. */
export function resolveTargets(names: readonly string[]): TargetDef[] {
  if (names.length === 0) throw new InputError(`--targets: give at least one of ${TARGETS.map((t) => t.name).join(', ')}`);
  const out: TargetDef[] = [];
  for (const n of names) {
    const t = TARGETS.find((d) => d.name === n);
    if (!t) throw new InputError(`--targets: unknown target "${n}"; known: ${TARGETS.map((d) => d.name).join(', ')}`);
    if (!out.includes(t)) out.push(t);
  }
  return out;
}

/** Per-column standardisation: (x − mean) / sd. */
export interface Scaling {
  mean: number[];
  sd: number[];
}

/**
 * Smallest standard deviation used to scale each input, in the feature's own
 * units. A parameter the sweep holds (nearly) fixed must not be blown up to
 * unit variance: a queue of `1bdp` rounds to whole packets, so buffer/BDP
 * jitters by a few percent with the RTT, and scaled by its tiny spread that
 * jitter would look like a real input the network could latch on to.
 */
export const MIN_FEATURE_SD: Record<NumericFeature, number> & { oneHot: number } = {
  logLoss: 0.1,
  logRtt: 0.1,
  logRate: 0.1,
  logBuffer: 0.5,
  brutalRate: 0.1,
  flows: 0.5,
  oneHot: 0.25,
};

/** The floor of featureVector()'s columns: numeric features, then the one-hot columns. */
export function featureSdFloor(ccCount: number): number[] {
  return [...NUMERIC_FEATURES.map((f) => MIN_FEATURE_SD[f]), ...new Array<number>(ccCount).fill(MIN_FEATURE_SD.oneHot)];
}

/** Mean and standard deviation of each column; sd at least `minSd[j]` (default: 1 for a constant column). */
export function fitScaling(rows: readonly (readonly number[])[], minSd?: readonly number[]): Scaling {
  const d = rows[0]?.length ?? 0;
  const mean = new Array<number>(d).fill(0);
  const v = new Array<number>(d).fill(0);
  for (const r of rows) for (let j = 0; j < d; j++) mean[j]! += r[j]! / rows.length;
  for (const r of rows) for (let j = 0; j < d; j++) v[j]! += (r[j]! - mean[j]!) ** 2 / rows.length;
  const sd = v.map((x, j) => {
    const s = Math.sqrt(x);
    if (minSd) return Math.max(s, minSd[j]!);
    return s > 1e-12 ? s : 1;
  });
  return { mean, sd };
}

export function applyScaling(row: readonly number[], s: Scaling): number[] {
  return row.map((x, j) => (x - s.mean[j]!) / s.sd[j]!);
}

export function invertScaling(row: readonly number[], s: Scaling): number[] {
  return row.map((z, j) => z * s.sd[j]! + s.mean[j]!);
}
