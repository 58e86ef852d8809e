/**
 * A log-linear histogram for non-negative values (like HdrHistogram): each
 * power of two is split into SUB_BUCKETS buckets, so a quantile is exact to
 * within 1/SUB_BUCKETS of its value (under 0.8%) at any scale, in constant
 * memory. Mean, min and max are exact. Used for per-ACK RTT samples and
 * per-packet queueing delays, of which a run has millions.
 */
const SUB_BITS = 7;
const SUB_BUCKETS = 1 << SUB_BITS;

export class LogHistogram {
  private counts = new Float64Array(64 * SUB_BUCKETS);
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = 0;

  /** Values are recorded in `unit`s (e.g. microseconds); resolution 1 unit below 128. */
  record(v: number): void {
    if (!(v >= 0)) return;
    this.count++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    this.counts[bucketOf(v)]!++;
  }

  /** Forget every value recorded so far (a warm-up's end). */
  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.sum = 0;
    this.min = Number.POSITIVE_INFINITY;
    this.max = 0;
  }

  mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  /** Value at quantile q in [0, 1] (bucket midpoint, clamped to [min, max]). */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let b = 0; b < this.counts.length; b++) {
      seen += this.counts[b]!;
      if (seen >= rank) {
        const [lo, hi] = bucketRange(b);
        return Math.min(this.max, Math.max(this.min, (lo + hi) / 2));
      }
    }
    return this.max;
  }
}

function bucketOf(v: number): number {
  if (v < SUB_BUCKETS) return Math.floor(v);
  // x in [2^(e+SUB_BITS-1), 2^(e+SUB_BITS)): SUB_BUCKETS/2 buckets of width 2^e
  if (v < 2147483648) {
    const x = v | 0; // exact integer part, fits 31 bits
    const e = 31 - Math.clz32(x) - SUB_BITS + 1;
    return SUB_BUCKETS + (e - 1) * (SUB_BUCKETS / 2) + ((x >>> e) - SUB_BUCKETS / 2);
  }
  const x = Math.floor(v);
  let e = Math.floor(Math.log2(x)) - SUB_BITS + 1;
  if (x < 2 ** (e + SUB_BITS - 1)) e--; // guard against log2 rounding
  else if (x >= 2 ** (e + SUB_BITS)) e++;
  const sub = Math.floor(x / 2 ** e) - SUB_BUCKETS / 2;
  return SUB_BUCKETS + (e - 1) * (SUB_BUCKETS / 2) + sub;
}

function bucketRange(b: number): [number, number] {
  if (b < SUB_BUCKETS) return [b, b + 1];
  const k = b - SUB_BUCKETS;
  const e = Math.floor(k / (SUB_BUCKETS / 2)) + 1;
  const sub = (k % (SUB_BUCKETS / 2)) + SUB_BUCKETS / 2;
  return [sub * 2 ** e, (sub + 1) * 2 ** e];
}
