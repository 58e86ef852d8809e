/**
 * A link with a drop-tail FIFO queue and a serializer.
 *
 * A packet that finds the queue full (packets or bytes, as pfifo/bfifo) is
 * dropped; otherwise it waits, then occupies the link for wireBytes*8/rate
 * seconds, then goes to `next`. The serializer keeps the exact (fractional)
 * finishing time of each packet, so rounding to integer nanoseconds never
 * makes the link faster or slower than its rate.
 */
import type { Simulator, Timer } from '../engine/sim.js';
import { LogHistogram } from './histogram.js';
import type { Packet, PacketPool, PacketSink } from './packet.js';

export interface LinkOptions {
  rateBps: number;
  /** Queue limit in packets (waiting, not counting the one on the wire). */
  limitPackets: number;
  /** Optional byte limit (bfifo); null = packets only. */
  limitBytes: number | null;
  /** Record queueing delays of data packets (µs) in a histogram. */
  recordDelay?: boolean;
}

export class Link implements PacketSink {
  next!: PacketSink;
  /** Called for each tail drop before the packet is recycled (per-flow accounting), optional. */
  onDrop: ((p: Packet) => void) | null = null;

  private queue: (Packet | undefined)[] = new Array(1024);
  private head = 0;
  private count = 0;
  private mask = 1023;
  /** Bytes waiting in the queue. */
  queuedBytes = 0;
  private busy: Packet | null = null;
  /** Exact time (ns, fractional) at which the current transmission ends. */
  private txEndExact = 0;
  private readonly txTimer: Timer;
  private readonly nsPerByte: number;

  // statistics
  drops = 0;
  deliveredBytes = 0;
  deliveredPackets = 0;
  readonly queueDelayUs: LogHistogram | null;

  constructor(
    private readonly sim: Simulator,
    private readonly pool: PacketPool,
    readonly opts: LinkOptions,
  ) {
    this.nsPerByte = 8e9 / opts.rateBps;
    this.txTimer = sim.timer(() => this.txDone());
    this.queueDelayUs = opts.recordDelay ? new LogHistogram() : null;
  }

  /** Packets waiting (not counting the one being transmitted). */
  get queuedPackets(): number {
    return this.count;
  }

  receive(p: Packet): void {
    if (this.busy === null) {
      if (this.queueDelayUs !== null && !p.isAck) this.queueDelayUs.record(0);
      this.startTx(p);
      return;
    }
    const o = this.opts;
    if (this.count >= o.limitPackets || (o.limitBytes !== null && this.queuedBytes + p.wireBytes > o.limitBytes)) {
      this.drops++;
      if (this.onDrop !== null) this.onDrop(p);
      this.pool.release(p);
      return;
    }
    if (this.count === this.queue.length) this.grow();
    p.enqueueNs = this.sim.now;
    this.queue[(this.head + this.count) & this.mask] = p;
    this.count++;
    this.queuedBytes += p.wireBytes;
  }

  private startTx(p: Packet): void {
    const now = this.sim.now;
    const start = this.txEndExact > now ? this.txEndExact : now;
    this.txEndExact = start + p.wireBytes * this.nsPerByte;
    this.busy = p;
    this.txTimer.at(Math.ceil(this.txEndExact));
  }

  private txDone(): void {
    const p = this.busy!;
    this.busy = null;
    this.deliveredBytes += p.wireBytes;
    this.deliveredPackets++;
    if (this.count > 0) {
      const q = this.queue[this.head]!;
      this.queue[this.head] = undefined;
      this.head = (this.head + 1) & this.mask;
      this.count--;
      this.queuedBytes -= q.wireBytes;
      if (this.queueDelayUs !== null && !q.isAck) this.queueDelayUs.record((this.sim.now - q.enqueueNs) / 1000);
      this.startTx(q);
    }
    this.next.receive(p);
  }

  /** Visit packets inside the link (queued and on the wire). */
  forEach(fn: (p: Packet) => void): void {
    if (this.busy !== null) fn(this.busy);
    for (let i = 0; i < this.count; i++) fn(this.queue[(this.head + i) & this.mask]!);
  }

  private grow(): void {
    const cap = this.queue.length * 2;
    const q: (Packet | undefined)[] = new Array(cap);
    for (let i = 0; i < this.count; i++) q[i] = this.queue[(this.head + i) & this.mask];
    this.queue = q;
    this.head = 0;
    this.mask = cap - 1;
  }
}
