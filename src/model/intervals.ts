/**
 * Prediction intervals for the surrogate: locally scaled split-conformal
 * intervals from the held-out (cross-validation) residuals.
 *
 * The model's held-out mean absolute error is one number per CC; the error
 * is not spread evenly. Next to a cliff (Cubic's goodput between 0 and 0.1%
 * loss) it is ten times what it is on a plateau, and a prediction between
 * grid points is off by more than one on a grid point the network saw. So:
 *
 *   residual   r_i for every training row i: the larger of
 *              |y_i − ŷ_{−k(i)}(x_i)|, from the fold network that did NOT
 *              see row i's sweep point (k-fold by point), and the residual
 *              of a network trained without the interior grid lines row i
 *              lies on (surrogate.ts, lineOutResiduals: all points at
 *              link.rtt = 50 ms, say). Each is an error made off that
 *              network's training grid; the second also sees what changes
 *              between two grid lines, which k-fold by point, keeping the
 *              lines, does not. In the target's normalised units (goodput /
 *              link rate, RTT / base RTT, the ratio as is), so errors carry
 *              over between rates and RTTs.
 *   local size d(x) = floor + weighted mean r of the NEIGHBOURS nearest
 *              rows of the same CC (distance over the standardised numeric
 *              inputs; weight 1 − distance / distance of the next-nearest
 *              row, so d(x) is continuous);
 *              for a training row, its own sweep point's rows are left
 *              out, as a query between grid points has no row of its own.
 *              floor = FLOOR_SHARE × the CC's mean r, so a plateau where
 *              every neighbour was predicted exactly still gets a width.
 *   score      s_i = r_i / d(x_i); q = the ⌈(n + 1)·level⌉-th smallest
 *              score of the CC's n rows (split-conformal quantile), or no
 *              bound when n is too small for the level.
 *   interval   ŷ(x) ± q · d(x), back in the target's unit and clamped to
 *              what the quantity can be (≥ 0, a ratio ≤ 1).
 *
 * The quantile is taken per CC (a region of the input space, where the
 * errors differ most), the local size d(x) carries the rest: wide near
 * cliffs and at the grid's edges, narrow on plateaus. Checked by
 * test/model/intervals.test.ts: 90% intervals cover ≥ 85% of points
 * simulated between the training grid's points.
 */

/** Rows whose residuals set the local size of an interval. */
export const NEIGHBOURS = 4;
/** Floor of the local size, as a share of the CC's mean held-out residual. */
export const FLOOR_SHARE = 0.2;
export const DEFAULT_LEVEL = 0.9;

export const INTERVAL_METHOD =
  `split-conformal on the held-out residuals (k-fold and leave-one-grid-line-out), per CC, scaled by the weighted mean residual of the ${NEIGHBOURS} nearest training points`;

/** What the model stores to compute intervals (in cclab-model.json). */
export interface IntervalCalibration {
  method: string;
  neighbours: number;
  floorShare: number;
  /** Target names, in the order of `res`. */
  targets: string[];
  /** One per training row: its CC, its sweep point (index), numeric inputs (standardised), |held-out residual| per target (normalised units). */
  rows: { cc: string; point: number; x: number[]; res: number[] }[];
}

const dist2 = (a: readonly number[], b: readonly number[]) => {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += (a[j]! - b[j]!) ** 2;
  return s;
};

/** The conformal quantile: ⌈(n + 1)·level⌉-th smallest of `scores`, Infinity when that exceeds n. */
export function conformalQuantile(scores: readonly number[], level: number): number {
  const n = scores.length;
  const k = Math.ceil((n + 1) * level - 1e-9);
  if (n === 0 || k > n) return Infinity;
  return [...scores].sort((a, b) => a - b)[Math.max(0, k - 1)]!;
}

/** Intervals of one model at one level. */
export class Intervals {
  private readonly byCc = new Map<string, { rows: IntervalCalibration['rows']; floor: number[]; q: number[] }>();

  constructor(
    readonly cal: IntervalCalibration,
    readonly level: number,
  ) {
    const ccs = [...new Set(cal.rows.map((r) => r.cc))];
    for (const cc of ccs) {
      const rows = cal.rows.filter((r) => r.cc === cc);
      const floor = cal.targets.map((_, j) => Math.max(1e-12, (cal.floorShare * rows.reduce((s, r) => s + r.res[j]!, 0)) / rows.length));
      const entry = { rows, floor, q: [] as number[] };
      this.byCc.set(cc, entry);
      entry.q = cal.targets.map((_, j) => conformalQuantile(rows.map((r) => r.res[j]! / this.localSize(cc, r.x, j, r.point)), level));
    }
  }

  /** d(x): floor + mean residual of the nearest rows of `cc` (rows of sweep point `skip` left out). */
  localSize(cc: string, x: readonly number[], target: number, skip = -1): number {
    const e = this.byCc.get(cc);
    if (!e) return NaN;
    const all = e.rows
      .filter((r) => r.point !== skip)
      .map((r) => ({ d: Math.sqrt(dist2(r.x, x)), r: r.res[target]! }))
      .sort((a, b) => a.d - b.d);
    const k = this.cal.neighbours;
    const near = all.slice(0, k);
    if (near.length === 0) return Infinity;
    // weights 1 − d/d_(k+1): they fall to 0 at the next-nearest row, so the
    // size changes continuously as neighbours swap (no kinks in the charts)
    const edge = all[k]?.d ?? 0;
    const w = near.map((n) => (edge > 0 ? 1 - n.d / edge : 1));
    const sw = w.reduce((a, b) => a + b, 0);
    const mean = sw > 1e-12 ? near.reduce((s, n, i) => s + w[i]! * n.r, 0) / sw : near.reduce((s, n) => s + n.r, 0) / near.length;
    return e.floor[target]! + mean;
  }

  /** Half-width of the interval in normalised units; NaN for a CC without calibration rows. */
  halfWidth(cc: string, x: readonly number[], target: number): number {
    const e = this.byCc.get(cc);
    if (!e) return NaN;
    const q = e.q[target]!;
    return q === Infinity ? Infinity : q * this.localSize(cc, x, target);
  }
}
