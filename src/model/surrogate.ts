/**
 * The surrogate model as a whole: feature extraction + scaling + network +
 * metadata, fitted with a held-out (k-fold) error estimate.
 */
import type { LayersModel } from '@tensorflow/tfjs';
import { InputError } from '../scenario/errors.js';
import { ccKey, type ResolvedScenario } from '../scenario/resolve.js';
import { meanLossRate } from '../scenario/schema.js';
import { CCLAB_VERSION } from '../results/version.js';
import type { TfRuntime, BackendName } from './backend.js';
import type { SweepData, TrainingRow } from './data.js';
import { assignFolds, meanAbsoluteError, rSquared } from './evaluate.js';
import {
  applyScaling,
  bufferInBdp,
  featureNames,
  featureSdFloor,
  featureVector,
  fitScaling,
  FEATURE_DISPLAY,
  invertScaling,
  NUMERIC_FEATURES,
  numericFeatures,
  TARGETS,
  type NumericFeature,
  type Scaling,
  type TargetDef,
} from './features.js';
import { DEFAULT_TRAIN, predictRows, trainMlp, type TrainConfig } from './train.js';
import { FLOOR_SHARE, INTERVAL_METHOD, Intervals, NEIGHBOURS, type IntervalCalibration } from './intervals.js';

export const MODEL_SCHEMA = 'cclab.model/1';
/** Fewest sweep points `cclab fit` accepts. */
export const MIN_POINTS = 10;
export const DEFAULT_FOLDS = 5;

/** A training row as stored with the model: where it was measured, what was measured, what the held-out model said. */
export interface TrainingPoint {
  point: string;
  flow: number;
  cc: string;
  seeds: number;
  lossPct: number;
  rttMs: number;
  rateMbps: number;
  bufferBdp: number;
  /** The queue as the scenario gave it (`1bdp`, `100p`, `65536b`). */
  queue: string;
  /** Brutal's configured rate (Mbit/s), null for other CCs. */
  brutalRateMbps: number | null;
  flows: number;
  /** Measured (mean over seeds), per target, in the target's unit. */
  actual: Record<string, number>;
  /** Prediction of the fold model that did not see this point. */
  heldOut: Record<string, number>;
}

export interface TargetMetrics {
  name: string;
  unit: string;
  /** Out-of-fold R² over all points. */
  r2: number;
  /** Out-of-fold mean absolute error, in `unit`. */
  mae: number;
  /** Per fold. */
  folds: { r2: number; mae: number; points: number }[];
  /** Out-of-fold R² and MAE over the rows of each congestion control. */
  byCc: Record<string, { r2: number; mae: number; rows: number }>;
}

export interface ModelMeta {
  schema: typeof MODEL_SCHEMA;
  cclabVersion: string;
  features: string[];
  ccs: string[];
  targets: { name: string; unit: string }[];
  scaling: { x: Scaling; y: Scaling };
  /** Training range [min, max] of each numeric feature. */
  ranges: Record<NumericFeature, [number, number]>;
  training: TrainConfig & { backend: BackendName; points: number; rows: number; runs: number; trainMse: number };
  evaluation: { method: string; folds: number; seed: number; metrics: TargetMetrics[] };
  /** Scenario that `cclab predict --set` modifies (the sweep's scenario without its sweep fields, else a point's scenario.yaml). */
  baseScenario: Record<string, unknown> | null;
  /** Where baseScenario came from, in words (absent in models of older cclab versions). */
  baseScenarioFrom?: string;
  /** What prediction intervals are computed from (intervals.ts; absent in models of older cclab versions). */
  intervals?: IntervalCalibration;
  /** Parameters the sweep varies that the model does not see. */
  unseenVarying: string[];
  points: TrainingPoint[];
}

export interface FitOptions {
  targets: TargetDef[];
  seed: number;
  folds: number;
  train?: Partial<Omit<TrainConfig, 'seed'>>;
  /** Called as each stage finishes (for progress lines). */
  onProgress?: (message: string) => void;
}

function targetDef(name: string): TargetDef {
  return TARGETS.find((t) => t.name === name)!;
}

/** Clamp a prediction to what the quantity can be. */
function clampTarget(name: string, v: number): number {
  if (name === 'retransRatio') return Math.min(1, Math.max(0, v));
  return Math.max(0, v);
}

/** A fitted network with its scaling, in the user's units. */
export class Surrogate {
  constructor(
    readonly runtime: TfRuntime,
    readonly network: LayersModel,
    readonly meta: ModelMeta,
  ) {}

  /** Predict the targets for (scenario, flow) pairs, batched; values in target units. */
  predictFlows(items: readonly { scenario: ResolvedScenario; flow: number }[]): Record<string, number>[] {
    const x = items.map((it) => applyScaling(featureVector(it.scenario, it.flow, this.meta.ccs), this.meta.scaling.x));
    const z = predictRows(this.runtime.tf, this.network, x);
    return z.map((row, i) => {
      const norm = invertScaling(row, this.meta.scaling.y);
      const out: Record<string, number> = {};
      this.meta.targets.forEach((t, j) => {
        out[t.name] = clampTarget(t.name, norm[j]! * targetDef(t.name).scale(items[i]!.scenario));
      });
      return out;
    });
  }

  private intervalCache = new Map<number, Intervals>();

  /** The model's intervals at `level` (0..1), or null for a model without calibration (an older cclab's). */
  intervals(level: number): Intervals | null {
    if (!this.meta.intervals) return null;
    let iv = this.intervalCache.get(level);
    if (!iv) this.intervalCache.set(level, (iv = new Intervals(this.meta.intervals, level)));
    return iv;
  }

  /**
   * [low, high] per target of each prediction at `level` (intervals.ts), in
   * the target's unit; null for a model without calibration. `values` are
   * the items' predictions from predictFlows.
   */
  predictIntervals(items: readonly { scenario: ResolvedScenario; flow: number }[], values: readonly Record<string, number>[], level: number): Record<string, [number, number]>[] | null {
    const iv = this.intervals(level);
    if (!iv) return null;
    const k = NUMERIC_FEATURES.length;
    const sx = { mean: this.meta.scaling.x.mean.slice(0, k), sd: this.meta.scaling.x.sd.slice(0, k) };
    return items.map((it, i) => {
      const x = applyScaling(numericFeatures(it.scenario, it.flow), sx);
      const cc = ccKey(it.scenario.flows[it.flow]!);
      const out: Record<string, [number, number]> = {};
      this.meta.targets.forEach((t) => {
        const j = iv.cal.targets.indexOf(t.name);
        const scale = targetDef(t.name).scale(it.scenario);
        const h = j < 0 ? NaN : iv.halfWidth(cc, x, j) * scale;
        const v = values[i]![t.name]!;
        out[t.name] = [clampTarget(t.name, v - h), h === Infinity ? (t.name === 'retransRatio' ? 1 : Infinity) : clampTarget(t.name, v + h)];
      });
      return out;
    });
  }

  /** Predictions for every flow of a scenario. */
  predictScenario(s: ResolvedScenario): { flow: number; cc: string; values: Record<string, number> }[] {
    const values = this.predictFlows(s.flows.map((_, flow) => ({ scenario: s, flow })));
    return s.flows.map((f, i) => ({ flow: f.id, cc: ccKey(f), values: values[i]! }));
  }

  /** Inputs of a scenario that lie outside what the model was trained on (extrapolation), one phrase each. */
  outOfRange(s: ResolvedScenario): string[] {
    const out: string[] = [];
    s.flows.forEach((f, flow) => {
      const x = numericFeatures(s, flow);
      NUMERIC_FEATURES.forEach((name, j) => {
        if (!applies(name, f.cc)) return;
        const [lo, hi] = this.meta.ranges[name];
        const span = hi - lo;
        const tol = 1e-9 + 0.02 * span;
        if (x[j]! < lo - tol || x[j]! > hi + tol) {
          const d = FEATURE_DISPLAY[name];
          const msg = `${d.label} ${d.show(x[j]!)} is outside the training range ${lo === hi ? d.show(lo) : `${d.show(lo)} .. ${d.show(hi)}`}`;
          if (!out.includes(msg)) out.push(msg);
        }
      });
    });
    return out;
  }

  dispose(): void {
    this.network.dispose();
  }
}

/** Whether numeric feature `name` applies to a flow of this cc (Brutal's rate only to Brutal, over TCP or QUIC). */
const applies = (name: NumericFeature, cc: string) => name !== 'brutalRate' || cc === 'brutal';

/** [min, max] of each numeric feature over the rows it applies to ([0, 0] if none). */
function featureRanges(rows: readonly TrainingRow[]): Record<NumericFeature, [number, number]> {
  const numeric = rows.map((r) => numericFeatures(r.resolved, r.flow));
  return Object.fromEntries(
    NUMERIC_FEATURES.map((name, j) => {
      const xs = numeric.filter((_, i) => applies(name, rows[i]!.resolved.flows[rows[i]!.flow]!.cc)).map((x) => x[j]!);
      return [name, xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 0]];
    }),
  ) as Record<NumericFeature, [number, number]>;
}

interface Dataset {
  x: number[][];
  /** Normalised targets (value / scale). */
  y: number[][];
  rows: TrainingRow[];
  groups: number[];
  groupCount: number;
}

function buildDataset(data: SweepData, targets: readonly TargetDef[]): Dataset {
  const rows = data.rows.filter((r) => targets.every((t) => Number.isFinite(r.values[t.name])));
  const groupIndex = new Map<string, number>();
  const groups = rows.map((r) => {
    let g = groupIndex.get(r.point);
    if (g === undefined) groupIndex.set(r.point, (g = groupIndex.size));
    return g;
  });
  return {
    x: rows.map((r) => featureVector(r.resolved, r.flow, data.ccs)),
    y: rows.map((r) => targets.map((t) => r.values[t.name]! / t.scale(r.resolved))),
    rows,
    groups,
    groupCount: groupIndex.size,
  };
}

function trainScaled(rt: TfRuntime, x: number[][], y: number[][], cfg: TrainConfig, ccCount: number) {
  const sx = fitScaling(x, featureSdFloor(ccCount));
  const sy = fitScaling(y);
  const r = trainMlp(
    rt.tf,
    x.map((row) => applyScaling(row, sx)),
    y.map((row) => applyScaling(row, sy)),
    cfg,
  );
  return { ...r, sx, sy };
}

/** Predictions in target units for dataset rows `idx` from a network trained with scalings sx, sy. */
function predictInUnits(rt: TfRuntime, net: LayersModel, sx: Scaling, sy: Scaling, ds: Dataset, idx: number[], targets: readonly TargetDef[]): number[][] {
  const z = predictRows(
    rt.tf,
    net,
    idx.map((i) => applyScaling(ds.x[i]!, sx)),
  );
  return z.map((row, k) => {
    const norm = invertScaling(row, sy);
    const r = ds.rows[idx[k]!]!;
    return targets.map((t, j) => clampTarget(t.name, norm[j]! * t.scale(r.resolved)));
  });
}

/**
 * The training set, or an InputError when the sweep cannot support a
 * `folds`-fold evaluation (too few points with finite targets).
 */
export function checkFitInput(data: SweepData, targets: readonly TargetDef[], folds: number): Dataset {
  if (!Number.isInteger(folds) || folds < 2) throw new InputError(`--folds: must be an integer of at least 2 (got ${folds})`);
  const ds = buildDataset(data, targets);
  const minPoints = Math.max(MIN_POINTS, 2 * folds);
  if (ds.groupCount < minPoints) {
    throw new InputError(
      `too few sweep points to fit a model: ${ds.groupCount} point${ds.groupCount === 1 ? '' : 's'}${ds.groupCount < data.points ? ` with finite ${targets.map((t) => t.name).join(', ')}` : ''}, need at least ${minPoints} (${folds}-fold held-out evaluation)`,
    );
  }
  return ds;
}

/**
 * Leave-one-grid-line-out residuals, for the prediction intervals: for every
 * numeric input the sweep varies over at least 3 values, and every value
 * strictly inside its range (a grid line: all points with link.rtt = 50 ms),
 * a network is trained without the points on that line and predicts them.
 * k-fold by point leaves a point's grid lines in training, so its residuals
 * miss what changes between two lines (Brutal's retransmissions fall from
 * 18% at 50 ms to 4% at 80 ms); a query between grid lines is exactly that.
 * Lines at the edges of a range are left alone: leaving them out would
 * measure extrapolation, which intervals do not claim to cover. A line holds
 * at least two sweep points (a random design has no grid lines: its k-fold
 * residuals are off-grid already); with more than MAX_LINES_OUT lines on an
 * input, neighbouring lines are held out together.
 * Returns, per row, the largest |residual| (normalised units) of its lines
 * per target; 0 for a row on no interior line.
 */
/** Most leave-one-grid-line-out trainings per input. */
export const MAX_LINES_OUT = 8;

function lineOutResiduals(rt: TfRuntime, ds: Dataset, targets: readonly TargetDef[], cfg: TrainConfig, ccCount: number, onProgress?: (m: string) => void): number[][] {
  const out = ds.rows.map(() => targets.map(() => 0));
  const numeric = ds.rows.map((r) => numericFeatures(r.resolved, r.flow).map((v) => +v.toPrecision(9)));
  let n = 0;
  NUMERIC_FEATURES.forEach((name, f) => {
    const values = [...new Set(numeric.map((x) => x[f]!))].sort((a, b) => a - b);
    if (values.length < 3) return;
    // a grid line holds several sweep points; values of one point each (random designs) are no grid
    const pointsAt = (v: number) => new Set(ds.groups.filter((_, i) => numeric[i]![f] === v)).size;
    const lines = values.slice(1, -1).filter((v) => pointsAt(v) >= 2);
    // at most MAX_LINES_OUT trainings per input: neighbouring lines are then held out together
    const bands = Math.min(lines.length, MAX_LINES_OUT);
    for (let b = 0; b < bands; b++) {
      const band = new Set(lines.slice(Math.floor((b * lines.length) / bands), Math.floor(((b + 1) * lines.length) / bands)));
      const v = [...band][0]!;
      const testIdx: number[] = [];
      const trainIdx: number[] = [];
      numeric.forEach((x, i) => (band.has(x[f]!) ? testIdx : trainIdx).push(i));
      const { model, sx, sy } = trainScaled(
        rt,
        trainIdx.map((i) => ds.x[i]!),
        trainIdx.map((i) => ds.y[i]!),
        { ...cfg, seed: cfg.seed + 100_000 + 1000 * n++ },
        ccCount,
      );
      const pred = predictInUnits(rt, model, sx, sy, ds, testIdx, targets);
      model.dispose();
      testIdx.forEach((i, k) => {
        const r = ds.rows[i]!;
        targets.forEach((t, j) => (out[i]![j] = Math.max(out[i]![j]!, Math.abs(r.values[t.name]! - pred[k]![j]!) / t.scale(r.resolved))));
      });
      const shownBand = band.size === 1 ? FEATURE_DISPLAY[name].show(v) : `${FEATURE_DISPLAY[name].show(v)} .. ${FEATURE_DISPLAY[name].show([...band].at(-1)!)}`;
      onProgress?.(`grid line ${FEATURE_DISPLAY[name].label} = ${shownBand} left out (for the prediction intervals)`);
    }
  });
  return out;
}

/**
 * Fit the surrogate: k-fold cross-validation by sweep point (every point is
 * predicted once by a network that did not see it; R² and MAE over those
 * held-out predictions), then the final network on all points.
 */
export function fitSurrogate(rt: TfRuntime, data: SweepData, opts: FitOptions): Surrogate {
  const { targets, seed, folds } = opts;
  const ds = checkFitInput(data, targets, folds);
  const cfg: TrainConfig = { ...DEFAULT_TRAIN, ...opts.train, seed };
  const foldOfGroup = assignFolds(ds.groupCount, folds, seed);
  const heldOut: number[][] = new Array(ds.rows.length);
  const foldMetrics: { r2: number; mae: number; points: number }[][] = targets.map(() => []);
  for (let k = 0; k < folds; k++) {
    const trainIdx: number[] = [];
    const testIdx: number[] = [];
    ds.groups.forEach((g, i) => (foldOfGroup[g] === k ? testIdx : trainIdx).push(i));
    const { model, sx, sy } = trainScaled(
      rt,
      trainIdx.map((i) => ds.x[i]!),
      trainIdx.map((i) => ds.y[i]!),
      { ...cfg, seed: seed + 1000 * (k + 1) },
      data.ccs.length,
    );
    const pred = predictInUnits(rt, model, sx, sy, ds, testIdx, targets);
    model.dispose();
    testIdx.forEach((i, n) => (heldOut[i] = pred[n]!));
    targets.forEach((t, j) => {
      const actual = testIdx.map((i) => ds.rows[i]!.values[t.name]!);
      const p = pred.map((r) => r[j]!);
      foldMetrics[j]!.push({ r2: rSquared(actual, p), mae: meanAbsoluteError(actual, p), points: new Set(testIdx.map((i) => ds.groups[i])).size });
    });
    opts.onProgress?.(`fold ${k + 1}/${folds} done`);
  }
  const metrics: TargetMetrics[] = targets.map((t, j) => {
    const actual = ds.rows.map((r) => r.values[t.name]!);
    const p = heldOut.map((r) => r[j]!);
    const byCc = Object.fromEntries(
      data.ccs.map((cc) => {
        const idx = ds.rows.flatMap((r, i) => (r.cc === cc ? [i] : []));
        const a = idx.map((i) => actual[i]!);
        const q = idx.map((i) => p[i]!);
        return [cc, { r2: rSquared(a, q), mae: meanAbsoluteError(a, q), rows: idx.length }];
      }),
    );
    return { name: t.name, unit: t.unit, r2: rSquared(actual, p), mae: meanAbsoluteError(actual, p), folds: foldMetrics[j]!, byCc };
  });

  const lineOut = lineOutResiduals(rt, ds, targets, cfg, data.ccs.length, opts.onProgress);

  const final = trainScaled(rt, ds.x, ds.y, cfg, data.ccs.length);
  opts.onProgress?.('final model trained on all points');

  const ranges = featureRanges(ds.rows);
  const k = NUMERIC_FEATURES.length;
  const sxNumeric = { mean: final.sx.mean.slice(0, k), sd: final.sx.sd.slice(0, k) };
  const intervals: IntervalCalibration = {
    method: INTERVAL_METHOD,
    neighbours: NEIGHBOURS,
    floorShare: FLOOR_SHARE,
    targets: targets.map((t) => t.name),
    rows: ds.rows.map((r, i) => ({
      cc: r.cc,
      point: ds.groups[i]!,
      x: applyScaling(numericFeatures(r.resolved, r.flow), sxNumeric),
      res: targets.map((t, j) => Math.max(Math.abs(r.values[t.name]! - heldOut[i]![j]!) / t.scale(r.resolved), lineOut[i]![j]!)),
    })),
  };

  const meta: ModelMeta = {
    schema: MODEL_SCHEMA,
    cclabVersion: CCLAB_VERSION,
    features: featureNames(data.ccs),
    ccs: data.ccs,
    targets: targets.map((t) => ({ name: t.name, unit: t.unit })),
    scaling: { x: final.sx, y: final.sy },
    ranges,
    training: { ...cfg, backend: rt.backend, points: ds.groupCount, rows: ds.rows.length, runs: data.runs, trainMse: final.trainMse },
    evaluation: { method: `${folds}-fold cross-validation by sweep point`, folds, seed, metrics },
    baseScenario: data.baseDoc,
    ...(data.baseFrom ? { baseScenarioFrom: data.baseFrom } : {}),
    intervals,
    unseenVarying: data.unseenVarying,
    points: ds.rows.map((r, i) => {
      const s = r.resolved;
      const f = s.flows[r.flow]!;
      return {
        point: r.point,
        flow: r.flow,
        cc: r.cc,
        seeds: r.seeds,
        lossPct: meanLossRate(s.link.loss) * 100,
        rttMs: s.link.rttNs / 1e6,
        rateMbps: s.link.rateBps / 1e6,
        bufferBdp: bufferInBdp(s),
        queue: s.link.queueSpec,
        brutalRateMbps: f.cc === 'brutal' && f.brutal ? (f.brutal.rateBytesPerSec * 8) / 1e6 : null,
        flows: s.flows.length,
        actual: Object.fromEntries(targets.map((t) => [t.name, r.values[t.name]!])),
        heldOut: Object.fromEntries(targets.map((t, j) => [t.name, heldOut[i]![j]!])),
      };
    }),
  };
  return new Surrogate(rt, final.model, meta);
}
