/**
 * The Mann-Whitney U test (Wilcoxon rank-sum test), two-sided: do two samples
 * come from the same distribution, against the alternative that values of one
 * tend to be larger than values of the other (P(X < Y) != 1/2)?
 *
 * Why this test for per-run goodputs near BBR's loss cliff (issue 19): there a
 * run either holds its bandwidth estimate or collapses, so each backend's runs
 * are bimodal, and what matters is whether one backend collapses more often
 * than the other, which moves its runs down in the pooled ranking. The U test
 * sees exactly that, makes no assumption about the shape (a t-test on a
 * bimodal sample of 5 does), and has an exact null distribution for small
 * samples, ties included. Kolmogorov-Smirnov was the other choice: with 5
 * kernel runs its statistic takes only a few values, so it has less power
 * here, and its usual p-values assume no ties.
 *
 * The rank sum comes from simple-statistics (`wilcoxonRankSum`, midranks for
 * ties). The p-value is exact when the samples are small enough (the
 * conditional permutation distribution of the rank sum given the midranks,
 * counted by dynamic programming over doubled ranks, so ties are exact too),
 * otherwise the normal approximation with the tie-corrected variance and a
 * continuity correction (as R's wilcox.test and scipy's mannwhitneyu do).
 */
import { wilcoxonRankSum } from 'simple-statistics';

export interface MannWhitney {
  /** U of the first sample: the number of pairs (x, y) with x > y, ties counting 1/2. */
  u: number;
  /** Two-sided p-value. */
  p: number;
  /** How p was computed. */
  method: 'exact' | 'normal';
}

/** Largest work (subset size x pooled size x doubled rank-sum range) counted exactly. */
const EXACT_WORK_LIMIT = 2e7;

/** Midranks (1-based) of the pooled values, in pooled order. */
function midranks(pooled: readonly number[]): number[] {
  const order = pooled.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(pooled.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    for (let k = i; k <= j; k++) ranks[order[k]![1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return ranks;
}

/**
 * Exact two-sided p-value of a rank sum `w` of a subset of size `m` drawn
 * from `ranks` (all subsets equally likely under the null hypothesis).
 */
function exactP(ranks: readonly number[], m: number, w: number): number {
  const doubled = ranks.map((r) => Math.round(2 * r));
  const maxSum = doubled.reduce((a, b) => a + b, 0);
  // ways[k][s]: number of k-subsets of the ranks seen so far with doubled sum s
  const ways = Array.from({ length: m + 1 }, () => new Float64Array(maxSum + 1));
  ways[0]![0] = 1;
  for (const r of doubled) {
    for (let k = m; k >= 1; k--) {
      const to = ways[k]!;
      const from = ways[k - 1]!;
      for (let s = maxSum; s >= r; s--) if (from[s - r]!) to[s]! += from[s - r]!;
    }
  }
  const dist = ways[m]!;
  const target = Math.round(2 * w);
  let total = 0;
  let low = 0;
  let high = 0;
  for (let s = 0; s <= maxSum; s++) {
    total += dist[s]!;
    if (s <= target) low += dist[s]!;
    if (s >= target) high += dist[s]!;
  }
  return Math.min(1, (2 * Math.min(low, high)) / total);
}

/** Standard normal upper tail P(Z > z), z >= 0, via erfc (Abramowitz and Stegun 7.1.26, error below 1.5e-7). */
function normalUpper(z: number): number {
  const x = z / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erfc = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x);
  return erfc / 2;
}

/**
 * Mann-Whitney U test of samples `x` and `y` (each non-empty). Two-sided.
 * `method` forces the exact count or the normal approximation (default:
 * exact when the counting is small).
 */
export function mannWhitney(x: readonly number[], y: readonly number[], method?: MannWhitney['method']): MannWhitney {
  if (!x.length || !y.length) throw new Error('mannWhitney: both samples need at least one value');
  const n1 = x.length;
  const n2 = y.length;
  const n = n1 + n2;
  const w = wilcoxonRankSum([...x], [...y]);
  const u = w - (n1 * (n1 + 1)) / 2;
  const ranks = midranks([...x, ...y]);
  // the exact distribution is counted over subsets of the smaller sample's size
  const m = Math.min(n1, n2);
  const wSmall = n1 <= n2 ? w : (n * (n + 1)) / 2 - w;
  if (method === 'exact' || (method === undefined && m * n * n * (n + 1) <= EXACT_WORK_LIMIT)) return { u, p: exactP(ranks, m, wSmall), method: 'exact' };
  // normal approximation, variance corrected for ties
  const counts = new Map<number, number>();
  for (const r of ranks) counts.set(r, (counts.get(r) ?? 0) + 1);
  let tieTerm = 0;
  for (const t of counts.values()) tieTerm += t * t * t - t;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  const mu = (n1 * n2) / 2;
  if (variance <= 0) return { u, p: 1, method: 'normal' };
  const z = Math.max(0, Math.abs(u - mu) - 0.5) / Math.sqrt(variance);
  return { u, p: Math.min(1, 2 * normalUpper(z)), method: 'normal' };
}
