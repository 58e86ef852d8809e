/**
 * Statistics across seeds: mean, sample standard deviation and Student-t
 * confidence intervals, plus harm in the sense of Ware et al. (HotNets 2019).
 *
 * Means and standard deviations come from simple-statistics. It has no
 * Student-t quantile function, so `tQuantile` is written here: the t CDF via
 * the regularized incomplete beta function (continued fraction, as in
 * Numerical Recipes §6.4, with simple-statistics' `gammaln`), inverted by
 * bisection. Small, pure and checked against the usual t tables.
 */
import { gammaln, mean as ssMean, sampleStandardDeviation } from 'simple-statistics';

/** Continued fraction for the incomplete beta function (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** Regularized incomplete beta function I_x(a, b), 0 <= x <= 1. */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lnFront = gammaln(a + b) - gammaln(a) - gammaln(b) + a * Math.log(x) + b * Math.log(1 - x);
  const front = Math.exp(lnFront);
  // the continued fraction converges fast for x < (a+1)/(a+b+2); use the symmetry otherwise
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(a, b, x)) / a;
  return 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** Student-t cumulative distribution function P(T <= t) with `df` degrees of freedom. */
export function tCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/**
 * Student-t quantile: the t with P(T <= t) = p for `df` degrees of freedom
 * (df >= 1, 0 < p < 1). tQuantile(0.975, 4) = 2.7764.
 */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`tQuantile: p must be in (0, 1), got ${p}`);
  if (!(df >= 1)) throw new RangeError(`tQuantile: df must be >= 1, got ${df}`);
  if (p === 0.5) return 0;
  if (p < 0.5) return -tQuantile(1 - p, df);
  let lo = 0;
  let hi = 1;
  while (tCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, hi); i++) {
    const mid = (lo + hi) / 2;
    if (tCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Mean, spread and confidence interval of one metric across seeds. */
export interface Described {
  /** Number of values (seeds that produced this metric). */
  n: number;
  /** Arithmetic mean; null when n = 0. */
  mean: number | null;
  /** Sample standard deviation (n - 1 in the denominator); null when n < 2. */
  sd: number | null;
  /** Lower and upper bound of the confidence interval of the mean; null when n < 2. */
  ciLo: number | null;
  ciHi: number | null;
}

/**
 * Half-width of the two-sided confidence interval of the mean of `n` values
 * with sample standard deviation `sd`: t_{(1+level)/2, n-1} * sd / sqrt(n).
 */
export function ciHalfWidth(sd: number, n: number, level = 0.95): number {
  if (n < 2) return Number.NaN;
  return (tQuantile((1 + level) / 2, n - 1) * sd) / Math.sqrt(n);
}

/**
 * Describe values measured across seeds: mean, sample standard deviation and
 * the Student-t confidence interval of the mean (95% by default).
 * Non-finite values are ignored.
 */
export function describe(values: readonly number[], level = 0.95): Described {
  const xs = values.filter((v) => Number.isFinite(v));
  const n = xs.length;
  if (n === 0) return { n, mean: null, sd: null, ciLo: null, ciHi: null };
  const m = ssMean(xs);
  if (n < 2) return { n, mean: m, sd: null, ciLo: null, ciHi: null };
  const sd = sampleStandardDeviation(xs);
  const h = ciHalfWidth(sd, n, level);
  return { n, mean: m, sd, ciLo: m - h, ciHi: m + h };
}

/**
 * Harm (Ware et al., "Beyond Jain's Fairness Index", HotNets 2019) for a
 * metric where more is better (throughput): with x the flow's value alone and
 * y its value when competing, harm = (x - y) / x. 0 = unharmed, 1 = starved;
 * negative when the flow did better competing than alone. null when x = 0.
 */
export function harmMoreIsBetter(solo: number, competing: number): number | null {
  if (solo === 0) return competing === 0 ? 0 : null;
  return (solo - competing) / solo;
}

/**
 * Harm for a metric where less is better (delay): harm = (y - x) / y with x
 * the value alone and y the value competing. 0 = no extra delay, towards 1 =
 * the delay is dominated by the competitor. null when y = 0.
 */
export function harmLessIsBetter(solo: number, competing: number): number | null {
  if (competing === 0) return solo === 0 ? 0 : null;
  return (competing - solo) / competing;
}
