/**
 * A FIFO of packets as a growable ring buffer (sk_buff_head, without the
 * list pointers): every qdisc keeps its packets (or each flow's) in one.
 * Allocation-free once it has grown to the largest backlog it holds.
 */
import type { Packet } from '../packet.js';

export class PacketFifo {
  private ring: (Packet | undefined)[];
  private head = 0;
  private mask: number;
  /** Packets held. */
  length = 0;
  /** Wire bytes held. */
  bytes = 0;

  constructor(initialCapacity = 16) {
    let cap = 1;
    while (cap < initialCapacity) cap *= 2;
    this.ring = new Array(cap);
    this.mask = cap - 1;
  }

  push(p: Packet): void {
    if (this.length === this.ring.length) this.grow();
    this.ring[(this.head + this.length) & this.mask] = p;
    this.length++;
    this.bytes += p.wireBytes;
  }

  /** Remove and return the head packet; the FIFO must not be empty. */
  shift(): Packet {
    const p = this.ring[this.head]!;
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.length--;
    this.bytes -= p.wireBytes;
    return p;
  }

  /** The head packet, or undefined when empty. */
  peek(): Packet | undefined {
    return this.length === 0 ? undefined : this.ring[this.head];
  }

  forEach(fn: (p: Packet) => void): void {
    for (let i = 0; i < this.length; i++) fn(this.ring[(this.head + i) & this.mask]!);
  }

  private grow(): void {
    const cap = this.ring.length * 2;
    const r: (Packet | undefined)[] = new Array(cap);
    for (let i = 0; i < this.length; i++) r[i] = this.ring[(this.head + i) & this.mask];
    this.ring = r;
    this.head = 0;
    this.mask = cap - 1;
  }
}
