/**
 * A set of byte ranges [start, end) of one stream, kept merged and sorted,
 * with its contiguous prefix [0, prefix) apart: the receiver's reassembly
 * buffer and the sender's record of acknowledged data.
 */
export class ByteRanges {
  /** Bytes [0, prefix) are all in the set. */
  prefix = 0;
  /** Ranges above the prefix as [start, end) pairs, ascending, disjoint, not touching. */
  readonly above: number[] = [];

  /** Add [start, end); returns how far the prefix advanced (bytes). */
  add(start: number, end: number): number {
    if (end <= this.prefix) return 0;
    if (start < this.prefix) start = this.prefix;
    const r = this.above;
    // first range that ends at or after start
    let i = 0;
    let lo = 0;
    let hi = r.length / 2;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (r[2 * mid + 1]! < start) lo = mid + 1;
      else hi = mid;
    }
    i = lo;
    // merge every range that overlaps or touches [start, end)
    let j = i;
    while (j < r.length / 2 && r[2 * j]! <= end) {
      start = Math.min(start, r[2 * j]!);
      end = Math.max(end, r[2 * j + 1]!);
      j++;
    }
    r.splice(2 * i, 2 * (j - i), start, end);
    if (r[0] === this.prefix) {
      const before = this.prefix;
      this.prefix = r[1]!;
      r.splice(0, 2);
      return this.prefix - before;
    }
    return 0;
  }

  /** Is [start, end) wholly in the set? */
  covers(start: number, end: number): boolean {
    if (end <= this.prefix) return true;
    const r = this.above;
    for (let i = 0; i < r.length; i += 2) {
      if (r[i]! > start) return false;
      if (r[i + 1]! >= end) return start >= r[i]!;
    }
    return false;
  }
}
