/**
 * Drop-tail: Linux's pfifo and bfifo (net/sched/sch_fifo.c).
 *
 * A packet that finds the queue full is dropped: pfifo counts packets
 * (qlen < limit), bfifo bytes (backlog + len <= limit). cclab's `link.queue`
 * in bytes sets both a byte limit and the packet limit those bytes hold.
 * An empty drop-tail queue on an idle link is bypassed (TCQ_F_CAN_BYPASS).
 *
 * This is the simulator's hot path (every data packet of every drop-tail
 * run): no allocation, no per-packet closure, one class.
 */
import { PacketFifo } from './fifo.js';
import type { Qdisc, QdiscHooks } from './qdisc.js';
import type { Packet } from '../packet.js';

export interface DropTailParams {
  /** pfifo limit: packets waiting, not counting the one on the wire. */
  limitPackets: number;
  /** bfifo limit in bytes, or null for packets only. */
  limitBytes: number | null;
}

export class DropTail implements Qdisc {
  readonly kind = 'droptail';
  readonly canBypass = true;
  drops = 0;
  readonly marks = 0;
  private readonly q = new PacketFifo(1024);
  private readonly limitPackets: number;
  private readonly limitBytes: number | null;

  constructor(
    params: DropTailParams,
    private readonly hooks: QdiscHooks,
  ) {
    this.limitPackets = params.limitPackets;
    this.limitBytes = params.limitBytes;
  }

  get backlogPackets(): number {
    return this.q.length;
  }

  get backlogBytes(): number {
    return this.q.bytes;
  }

  enqueue(p: Packet): void {
    const q = this.q;
    if (q.length >= this.limitPackets || (this.limitBytes !== null && q.bytes + p.wireBytes > this.limitBytes)) {
      this.drops++;
      this.hooks.drop(p);
      return;
    }
    q.push(p);
  }

  dequeue(): Packet | null {
    return this.q.length === 0 ? null : this.q.shift();
  }

  forEach(fn: (p: Packet) => void): void {
    this.q.forEach(fn);
  }
}
