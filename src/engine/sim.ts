/**
 * The discrete-event core.
 *
 * Time is an integer number of nanoseconds held in a JS number (exact up to
 * 2^53 ns, about 104 days of simulated time). Components own Timer objects
 * and (re)schedule them; a Timer is in the agenda at most once, so a pending
 * timer is moved, not duplicated, and cancelling is O(log n). The agenda is a
 * binary heap ordered by (time, sequence number): events at the same instant
 * run in the order they were scheduled, which makes every run deterministic.
 *
 * No event allocates: the callback is bound once when the Timer is created,
 * and packets in flight wait in FIFO pipes (see pipe.ts), each of which owns a
 * single Timer for its head, instead of one agenda entry per packet.
 *
 * Pushing a pending timer later (a TCP retransmission timer re-armed on every
 * ACK) does not touch the heap: the timer keeps its place and remembers the
 * new deadline; when its old time comes it is re-inserted at the deadline
 * instead of firing. Timers pulled earlier are moved in the heap at once.
 *
 * This module knows nothing about networks.
 */

export type TimerCallback = () => void;

export class Timer {
  /** Position key in the agenda (ns); may be earlier than the deadline. */
  time = 0;
  /** When the callback is due (ns); meaningful only while pending. */
  deadline = 0;
  /** Tie-breaker: order of scheduling. */
  seq = 0;
  /** Position in the agenda heap, -1 when not pending. */
  heapIndex = -1;

  constructor(
    private readonly sim: Simulator,
    readonly callback: TimerCallback,
  ) {}

  get pending(): boolean {
    return this.heapIndex >= 0;
  }

  /** Schedule (or move) this timer to absolute time `at` (ns, >= now). */
  at(at: number): void {
    this.sim.schedule(this, at);
  }

  /** Schedule (or move) this timer to `delay` ns from now. */
  after(delay: number): void {
    this.sim.schedule(this, this.sim.now + delay);
  }

  cancel(): void {
    this.sim.cancel(this);
  }
}

export class Simulator {
  /** Current simulated time, ns. */
  now = 0;
  /** Number of timer callbacks run so far. */
  events = 0;
  private heap: Timer[] = [];
  private nextSeq = 0;
  private stopped = false;

  timer(callback: TimerCallback): Timer {
    return new Timer(this, callback);
  }

  schedule(t: Timer, at: number): void {
    if (at < this.now) throw new Error(`cannot schedule in the past (${at} < ${this.now})`);
    t.deadline = at;
    if (t.heapIndex >= 0 && at >= t.time) return; // later: keep the heap place, re-insert when it comes up
    t.time = at;
    t.seq = this.nextSeq++;
    if (t.heapIndex >= 0) {
      // moved: restore heap order in whichever direction it now violates
      this.siftUp(t.heapIndex);
      this.siftDown(t.heapIndex);
    } else {
      t.heapIndex = this.heap.length;
      this.heap.push(t);
      this.siftUp(t.heapIndex);
    }
  }

  cancel(t: Timer): void {
    const i = t.heapIndex;
    if (i < 0) return;
    const last = this.heap.pop()!;
    t.heapIndex = -1;
    if (i < this.heap.length) {
      this.heap[i] = last;
      last.heapIndex = i;
      this.siftUp(i);
      this.siftDown(last.heapIndex);
    }
  }

  /** Number of pending timers. */
  get pendingCount(): number {
    return this.heap.length;
  }

  /** Stop `run` after the current event. */
  stop(): void {
    this.stopped = true;
  }

  /**
   * Run events in order until none is left or the next is later than `until`
   * (ns). The clock ends at `until` if given.
   */
  run(until = Number.POSITIVE_INFINITY): void {
    this.stopped = false;
    const heap = this.heap;
    while (heap.length > 0 && !this.stopped) {
      const t = heap[0]!;
      if (t.time > until) break;
      // pop the root
      const last = heap.pop()!;
      if (heap.length > 0) {
        heap[0] = last;
        last.heapIndex = 0;
        this.siftDown(0);
      }
      t.heapIndex = -1;
      this.now = t.time;
      if (t.deadline > t.time) {
        // pushed later while pending: take its place at the real deadline
        t.time = t.deadline;
        t.seq = this.nextSeq++;
        t.heapIndex = heap.length;
        heap.push(t);
        this.siftUp(t.heapIndex);
        continue;
      }
      this.events++;
      t.callback();
    }
    if (until !== Number.POSITIVE_INFINITY && !this.stopped && this.now < until) this.now = until;
  }

  private less(a: Timer, b: Timer): boolean {
    return a.time < b.time || (a.time === b.time && a.seq < b.seq);
  }

  private siftUp(i: number): void {
    const heap = this.heap;
    const t = heap[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = heap[p]!;
      if (!this.less(t, pt)) break;
      heap[i] = pt;
      pt.heapIndex = i;
      i = p;
    }
    heap[i] = t;
    t.heapIndex = i;
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const t = heap[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      let ct = heap[l]!;
      if (r < n && this.less(heap[r]!, ct)) {
        c = r;
        ct = heap[r]!;
      }
      if (!this.less(ct, t)) break;
      heap[i] = ct;
      ct.heapIndex = i;
      i = c;
    }
    heap[i] = t;
    t.heapIndex = i;
  }
}
