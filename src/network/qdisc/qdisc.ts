/**
 * The queue-discipline interface of the bottleneck, as Linux's struct
 * Qdisc_ops reduced to what a link needs: enqueue, dequeue, backlog in
 * packets and bytes (sch->q.qlen, sch->qstats.backlog), drops and CE marks.
 *
 * A qdisc never recycles a packet itself: it hands every packet it drops (on
 * enqueue, on overflow from another flow, or at dequeue as CoDel does) to
 * hooks.drop, which accounts for it per flow and returns it to the pool, and
 * reports every packet it marks CE to hooks.mark. Times are the simulator's
 * nanoseconds; a packet's enqueueNs is set by the link before enqueue.
 *
 * One file per qdisc in this folder, each ending in its class; registry.ts
 * lists them with their tc parameters.
 */
import type { Simulator } from '../../engine/sim.js';
import type { Rng } from '../../engine/rng.js';
import type { Packet } from '../packet.js';

export interface QdiscHooks {
  /** The qdisc dropped `p`; the hook counts it (per flow) and recycles the packet. */
  drop(p: Packet): void;
  /** The qdisc set CE on `p` instead of dropping it; `p` stays in the qdisc or leaves it. */
  mark(p: Packet): void;
}

/** What a qdisc may use besides its parameters. */
export interface QdiscEnv {
  /** The clock and timers (PIE's probability update, adaptive RED). */
  sim: Simulator;
  /** An independent random stream, named under the qdisc (e.g. "qdisc/red"). */
  rng(stream: string): Rng;
  hooks: QdiscHooks;
}

export interface Qdisc {
  /** Registry name (droptail, codel, fq_codel, red, pie). */
  readonly kind: string;
  /**
   * TCQ_F_CAN_BYPASS: a packet that finds the qdisc empty and the link idle
   * goes straight to the link, without enqueue/dequeue (pfifo and bfifo do;
   * an AQM always sees its packets, as under a shaper).
   */
  readonly canBypass: boolean;
  /** Packets waiting (sch->q.qlen), not counting the one on the wire. */
  readonly backlogPackets: number;
  /** Bytes waiting (sch->qstats.backlog), wire bytes as qdisc_pkt_len. */
  readonly backlogBytes: number;
  /** Packets dropped so far (overlimit, AQM and overflow drops). */
  readonly drops: number;
  /** Packets marked CE so far (instead of a drop, or at ce_threshold). */
  readonly marks: number;
  /** Offer a packet at nowNs; the qdisc queues it, or drops it (or another) through its hooks. */
  enqueue(p: Packet, nowNs: number): void;
  /** The next packet to send at nowNs, or null when empty; may drop packets through its hooks. */
  dequeue(nowNs: number): Packet | null;
  /** Visit every packet waiting. */
  forEach(fn: (p: Packet) => void): void;
}
