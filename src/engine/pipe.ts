/**
 * A delay line: items go in now and come out at a given later time, in time
 * order. One Timer serves the whole line (it is armed for the earliest item),
 * so a link carrying thousands of packets costs one agenda entry, not one per
 * packet. With constant delay the line is a plain FIFO; when a caller gives
 * out-of-order times (jitter), the item is inserted in time order from the
 * tail, which reorders items exactly as netem's time-sorted queue does.
 *
 * Knows nothing about networks: items are opaque.
 */
import type { Simulator, Timer } from './sim.js';

export class DelayLine<T> {
  private items: (T | undefined)[];
  private times: Float64Array;
  private head = 0;
  private count = 0;
  private mask: number;
  private readonly timer: Timer;

  constructor(
    private readonly sim: Simulator,
    private readonly deliver: (item: T) => void,
    initialCapacity = 1024,
  ) {
    let cap = 16;
    while (cap < initialCapacity) cap *= 2;
    this.items = new Array(cap);
    this.times = new Float64Array(cap);
    this.mask = cap - 1;
    this.timer = sim.timer(() => this.fire());
  }

  get length(): number {
    return this.count;
  }

  /** Put `item` in the line, to come out at absolute time `at` (ns). */
  push(item: T, at: number): void {
    if (this.count === this.items.length) this.grow();
    const mask = this.mask;
    let pos = (this.head + this.count) & mask;
    // insertion from the tail keeps time order (FIFO among equal times)
    let n = this.count;
    while (n > 0) {
      const prev = (pos - 1) & mask;
      if (this.times[prev]! <= at) break;
      this.items[pos] = this.items[prev];
      this.times[pos] = this.times[prev]!;
      pos = prev;
      n--;
    }
    this.items[pos] = item;
    this.times[pos] = at;
    this.count++;
    if (n === 0) this.timer.at(at); // new head
  }

  /** Visit the items currently in the line (oldest first). */
  forEach(fn: (item: T) => void): void {
    for (let i = 0; i < this.count; i++) fn(this.items[(this.head + i) & this.mask]!);
  }

  private fire(): void {
    const now = this.sim.now;
    const mask = this.mask;
    while (this.count > 0 && this.times[this.head]! <= now) {
      const item = this.items[this.head]!;
      this.items[this.head] = undefined;
      this.head = (this.head + 1) & mask;
      this.count--;
      this.deliver(item);
    }
    if (this.count > 0 && !this.timer.pending) this.timer.at(this.times[this.head]!);
  }

  private grow(): void {
    const cap = this.items.length * 2;
    const items: (T | undefined)[] = new Array(cap);
    const times = new Float64Array(cap);
    for (let i = 0; i < this.count; i++) {
      const j = (this.head + i) & this.mask;
      items[i] = this.items[j];
      times[i] = this.times[j]!;
    }
    this.items = items;
    this.times = times;
    this.head = 0;
    this.mask = cap - 1;
  }
}
