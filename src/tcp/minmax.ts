/**
 * Windowed running min/max filter (Kathleen Nichols' algorithm), as Linux's
 * lib/win_minmax.c: it keeps the best, second-best and third-best values
 * seen in a sliding window so that the estimate ages out in O(1) per sample.
 * Linux uses it for the min RTT (10 s for BBR, 300 s for TCP) and for BBR's
 * max bandwidth (10 round trips). Times and values are plain numbers in
 * whatever unit the caller uses.
 */
export class MinMax {
  // three samples: (t0, v0) best, (t1, v1), (t2, v2)
  t0 = 0;
  v0 = 0;
  t1 = 0;
  v1 = 0;
  t2 = 0;
  v2 = 0;

  /** Current estimate (minmax_get). */
  get(): number {
    return this.v0;
  }

  /** Forget everything and start with this sample (minmax_reset). */
  reset(t: number, v: number): number {
    this.t0 = this.t1 = this.t2 = t;
    this.v0 = this.v1 = this.v2 = v;
    return v;
  }

  runningMax(win: number, t: number, v: number): number {
    if (v >= this.v0 || t - this.t2 > win) return this.reset(t, v);
    if (v >= this.v1) {
      this.t2 = this.t1 = t;
      this.v2 = this.v1 = v;
    } else if (v >= this.v2) {
      this.t2 = t;
      this.v2 = v;
    }
    return this.subwinUpdate(win, t, v);
  }

  runningMin(win: number, t: number, v: number): number {
    if (v <= this.v0 || t - this.t2 > win) return this.reset(t, v);
    if (v <= this.v1) {
      this.t2 = this.t1 = t;
      this.v2 = this.v1 = v;
    } else if (v <= this.v2) {
      this.t2 = t;
      this.v2 = v;
    }
    return this.subwinUpdate(win, t, v);
  }

  private subwinUpdate(win: number, t: number, v: number): number {
    const dt = t - this.t0;
    if (dt > win) {
      this.t0 = this.t1;
      this.v0 = this.v1;
      this.t1 = this.t2;
      this.v1 = this.v2;
      this.t2 = t;
      this.v2 = v;
      if (t - this.t0 > win) {
        this.t0 = this.t1;
        this.v0 = this.v1;
        this.t1 = this.t2;
        this.v1 = this.v2;
        this.t2 = t;
        this.v2 = v;
      }
    } else if (this.t1 === this.t0 && dt > win / 4) {
      this.t2 = this.t1 = t;
      this.v2 = this.v1 = v;
    } else if (this.t2 === this.t1 && dt > win / 2) {
      this.t2 = t;
      this.v2 = v;
    }
    return this.v0;
  }
}
