/**
 * Random variables of the traffic models, as ns-3's OnOffApplication and
 * flow-size workloads draw them: a constant, an exponential with a mean, a
 * uniform between two bounds, a Pareto with a mean and a shape, and (for
 * sizes) an empirical CDF read from a file.
 *
 * Every draw takes its uniform numbers from the caller's seeded stream, so a
 * schedule is the same on every backend and whatever the number of workers.
 * Values are in the unit of the field they describe (ns for times, bytes for
 * sizes); draws are floored at `min` (1 ns, 1 byte).
 */
import type { Rng } from '../engine/rng.js';

export type Dist =
  | { kind: 'const'; value: number }
  | { kind: 'exp'; mean: number }
  | { kind: 'uniform'; lo: number; hi: number }
  | { kind: 'pareto'; mean: number; shape: number }
  /** Empirical CDF: (value, cumulative fraction) points, rising to (max, 1); linear between them. */
  | { kind: 'cdf'; points: [number, number][]; file: string; sha256: string };

/**
 * The Pareto's scale for a mean and shape a > 1: mean = a * xm / (a - 1),
 * so xm = mean * (a - 1) / a (ns-3's ParetoRandomVariable with its Mean).
 */
export function paretoScale(mean: number, shape: number): number {
  return (mean * (shape - 1)) / shape;
}

/** The distribution's mean (what a user compares with a rate or a load). */
export function distMean(d: Dist): number {
  switch (d.kind) {
    case 'const':
      return d.value;
    case 'exp':
    case 'pareto':
      return d.mean;
    case 'uniform':
      return (d.lo + d.hi) / 2;
    case 'cdf': {
      // piecewise-linear CDF: each segment contributes its probability x its midpoint
      let m = 0;
      let p0 = 0;
      let v0 = d.points[0]![0];
      for (const [v, p] of d.points) {
        m += (p - p0) * ((v + v0) / 2);
        p0 = p;
        v0 = v;
      }
      return m;
    }
  }
}

/** One draw, at least `min`. */
export function draw(d: Dist, rng: Rng, min = 1): number {
  let v: number;
  switch (d.kind) {
    case 'const':
      v = d.value;
      break;
    case 'exp':
      // inverse transform; 1 - u is in (0, 1]
      v = -d.mean * Math.log(1 - rng.next());
      break;
    case 'uniform':
      v = d.lo + rng.next() * (d.hi - d.lo);
      break;
    case 'pareto':
      v = paretoScale(d.mean, d.shape) / Math.pow(1 - rng.next(), 1 / d.shape);
      break;
    case 'cdf':
      v = cdfInverse(d.points, rng.next());
      break;
  }
  return Math.max(min, Math.round(v));
}

/** Inverse of a piecewise-linear CDF at u in [0, 1). */
export function cdfInverse(points: readonly (readonly [number, number])[], u: number): number {
  let v0 = points[0]![0];
  let p0 = 0;
  for (const [v, p] of points) {
    if (u < p) return p === p0 ? v : v0 + ((u - p0) / (p - p0)) * (v - v0);
    v0 = v;
    p0 = p;
  }
  return points[points.length - 1]![0];
}
