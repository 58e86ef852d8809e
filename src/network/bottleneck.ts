/**
 * A link: a queue discipline in front of a serializer driven by a rate source.
 *
 *   receive(p) -> qdisc.enqueue -> [serializer free, rate source ready]
 *              -> qdisc.dequeue -> on the wire for its service time -> next
 *
 * The model is a root qdisc on a device of the link's rate, as Linux's
 * qdisc_run does it: whenever the serializer is free the link dequeues, and
 * an empty qdisc is asked too (so RED can see an idle period begin and CoDel
 * leave its dropping state). A qdisc that can be bypassed (drop-tail) hands
 * a packet that finds it empty on an idle link, free to send at once,
 * straight to the wire.
 *
 * Packets the qdisc drops or marks go through the hooks here: the link
 * counts them per flow (onDrop, onMark) and recycles dropped packets. The
 * link records each data packet's queueing delay (from arrival to the start
 * of its transmission) in a histogram.
 */
import type { Simulator, Timer } from '../engine/sim.js';
import { Rng } from '../engine/rng.js';
import { LogHistogram } from './histogram.js';
import type { Packet, PacketPool, PacketSink } from './packet.js';
import type { RateSource } from './rate.js';
import type { Qdisc, QdiscEnv, QdiscHooks } from './qdisc/qdisc.js';

export interface BottleneckOptions {
  /** Record queueing delays of data packets (µs) in a histogram. */
  recordDelay?: boolean;
}

export class Bottleneck implements PacketSink, QdiscHooks {
  next!: PacketSink;
  /** Called for each packet the qdisc drops, before it is recycled (per-flow accounting), optional. */
  onDrop: ((p: Packet) => void) | null = null;
  /** Called for each packet the qdisc marks CE (per-flow accounting), optional. */
  onMark: ((p: Packet) => void) | null = null;
  readonly qdisc: Qdisc;

  private busy: Packet | null = null;
  /** A packet is waiting for the rate source's next delivery opportunity. */
  private waiting = false;
  private readonly txTimer: Timer;
  private readonly wakeTimer: Timer;

  // statistics
  deliveredBytes = 0;
  deliveredPackets = 0;
  readonly queueDelayUs: LogHistogram | null;

  /**
   * `makeQdisc` builds the qdisc with this link's hooks; `seed` and
   * `streamPrefix` name the qdisc's random streams (e.g. "qdisc/red").
   */
  constructor(
    private readonly sim: Simulator,
    private readonly pool: PacketPool,
    readonly rate: RateSource,
    makeQdisc: (env: QdiscEnv) => Qdisc,
    opts: BottleneckOptions = {},
    seed = 1,
    streamPrefix = 'qdisc',
  ) {
    this.txTimer = sim.timer(() => this.txDone());
    this.wakeTimer = sim.timer(() => this.wake());
    this.queueDelayUs = opts.recordDelay ? new LogHistogram() : null;
    this.qdisc = makeQdisc({ sim, rng: (name) => new Rng(seed, `${streamPrefix}/${name}`), hooks: this });
  }

  /** Packets waiting in the qdisc (not counting the one being transmitted). */
  get queuedPackets(): number {
    return this.qdisc.backlogPackets;
  }

  /** Bytes waiting in the qdisc. */
  get queuedBytes(): number {
    return this.qdisc.backlogBytes;
  }

  /** Packets the qdisc dropped. */
  get drops(): number {
    return this.qdisc.drops;
  }

  /** Packets the qdisc marked CE. */
  get marks(): number {
    return this.qdisc.marks;
  }

  receive(p: Packet): void {
    const now = this.sim.now;
    const q = this.qdisc;
    const idle = this.busy === null && !this.waiting;
    if (idle && q.canBypass && q.backlogPackets === 0) {
      const start = this.rate.nextOpportunity(now);
      if (start <= now) {
        if (this.queueDelayUs !== null && !p.isAck) this.queueDelayUs.record(0);
        this.startTx(p, start);
        return;
      }
    }
    p.enqueueNs = now;
    q.enqueue(p, now);
    if (idle) this.serve(now);
  }

  // --- QdiscHooks ---

  drop(p: Packet): void {
    if (this.onDrop !== null) this.onDrop(p);
    this.pool.release(p);
  }

  mark(p: Packet): void {
    if (this.onMark !== null) this.onMark(p);
  }

  /** The serializer is free: send the next packet now, or wait for the rate source's next opportunity. */
  private serve(now: number): void {
    const q = this.qdisc;
    const start = this.rate.nextOpportunity(now);
    if (start > now && q.backlogPackets > 0) {
      this.waiting = true;
      this.wakeTimer.at(Math.ceil(start));
      return;
    }
    // an empty qdisc is asked too: RED starts an idle period, CoDel leaves its dropping state
    const p = q.dequeue(now);
    if (p === null) return;
    if (this.queueDelayUs !== null && !p.isAck) this.queueDelayUs.record((now - p.enqueueNs) / 1000);
    this.startTx(p, start);
  }

  private wake(): void {
    this.waiting = false;
    this.serve(this.sim.now);
  }

  /** Put p on the wire from `start` (a time the rate source offered). */
  private startTx(p: Packet, start: number): void {
    this.busy = p;
    this.txTimer.at(Math.ceil(this.rate.serve(start, p.wireBytes)));
  }

  private txDone(): void {
    const p = this.busy!;
    this.busy = null;
    this.deliveredBytes += p.wireBytes;
    this.deliveredPackets++;
    // a bypassable qdisc (drop-tail) has nothing to learn from an empty dequeue
    const q = this.qdisc;
    if (q.backlogPackets > 0 || !q.canBypass) this.serve(this.sim.now);
    this.next.receive(p);
  }

  /** Visit packets inside the link (queued and on the wire). */
  forEach(fn: (p: Packet) => void): void {
    if (this.busy !== null) fn(this.busy);
    this.qdisc.forEach(fn);
  }
}
