/**
 * CoDel, the Controlled-Delay AQM (Nichols & Jacobson), as Linux 6.1 runs it
 * (include/net/codel.h, include/net/codel_impl.h, net/sched/sch_codel.c).
 *
 * The model in plain words: every packet is stamped when it enters the
 * queue; when it leaves, its sojourn time is compared with `target` (5 ms).
 * Once the sojourn time has stayed above target for a whole `interval`
 * (100 ms) — and more than one MTU is queued — CoDel enters its dropping
 * state: it drops (or marks CE, with ecn) the packet at the head, and then
 * drops again at times given by the control law
 *
 *     drop_next = drop_next + interval / sqrt(count)
 *
 * so the drop rate rises with the square root of the number of drops
 * until the sojourn time falls below target, which ends the dropping state.
 * If the queue went bad again soon (within 16 intervals of the last drop)
 * the new dropping state starts from the drop rate that controlled the
 * previous one (count - lastcount) instead of from 1.
 *
 * Faithful details kept from Linux:
 *   - time is codel_time_t, a u32 count of 1024 ns (ns >> 10), compared
 *     with serial-number arithmetic;
 *   - 1/sqrt(count) is kept as rec_inv_sqrt, a Q0.16 number updated by one
 *     Newton step per drop (codel_Newton_step, with its u64 arithmetic), and
 *     the control law is reciprocal_scale(interval, rec_inv_sqrt << 16);
 *   - all drops happen at dequeue: the loop drops as many head packets as
 *     the control law says are due at this instant;
 *   - a mark instead of a drop schedules the next signal the same way;
 *   - ce_threshold marks CE (without dropping) every ECT packet whose
 *     sojourn time exceeds it;
 *   - the "backlog <= mtu" test uses the qdisc's whole backlog after the
 *     packet left (in fq_codel too), mtu = psched_mtu = 1514.
 * The enqueue side of sch_codel is a packet-limit FIFO (limit 1000).
 */
import { PacketFifo } from './fifo.js';
import { mulhi32 } from './kmath.js';
import type { Qdisc, QdiscHooks } from './qdisc.js';
import { inetEcnSetCe, type Packet } from '../packet.js';

/** CODEL_SHIFT: codel_time_t counts units of 2^10 ns. */
export const CODEL_SHIFT = 10;
/** psched_mtu(dev) of an Ethernet device with MTU 1500: 1500 + 14. */
export const PSCHED_MTU = 1514;
const REC_INV_SQRT_SHIFT = 16;

/**
 * The router's monotonic clock (ktime_get_ns) when a run starts: it has been
 * up a minute, as the test VM's router has when a kernel run starts (about
 * 60 s after boot). CoDel reads absolute times, not only differences: its
 * state starts zeroed (codel_vars_init), and on entering the dropping state
 * it resumes the previous drop rate when `now - drop_next` is within 16
 * intervals. With a clock that starts at 0 that test passes in the first
 * 1.6 s against drop_next = 0, so fq_codel's overflow drops (which add to the
 * flow's count) would make CoDel resume at a high drop rate that Linux,
 * whose clock is far past 0, never does.
 */
export const KTIME_AT_START_NS = 60e9;

/** codel_get_time(): now in codel_time_t (u32, 1024 ns units), with the router's uptime at the run's start added. */
export function codelTime(ns: number): number {
  return Math.floor((ns + KTIME_AT_START_NS) / 1024) >>> 0;
}

/** Microseconds (as tc sends them) to codel_time_t: ((u64)us * NSEC_PER_USEC) >> CODEL_SHIFT. */
export function usToCodelTime(us: number): number {
  return Math.floor((us * 1000) / 1024) >>> 0;
}

/** codel_time_after(a, b): (s32)(a - b) > 0. */
export function codelTimeAfter(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

/** codel_time_after_eq(a, b): (s32)(a - b) >= 0. */
export function codelTimeAfterEq(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}

/** codel_time_before(a, b): (s32)(b - a) > 0. */
export function codelTimeBefore(a: number, b: number): boolean {
  return ((b - a) | 0) > 0;
}

/** struct codel_params, in codel_time_t units. */
export interface CodelParams {
  target: number;
  interval: number;
  /** ce_threshold, or null when disabled (CODEL_DISABLED_THRESHOLD). */
  ceThreshold: number | null;
  /** Minimal backlog in bytes below which CoDel never drops (psched_mtu). */
  mtu: number;
  ecn: boolean;
}

/** struct codel_vars. */
export class CodelVars {
  /** Drops (or marks) since entering the dropping state. */
  count = 0;
  /** count when the dropping state was last entered. */
  lastcount = 0;
  dropping = false;
  /** 1/sqrt(count) in Q0.16 (u16). */
  recInvSqrt = 0;
  /** When the sojourn time will have been above target for an interval (0 = below target). */
  firstAboveTime = 0;
  /** Time of the next drop, or of the last one once out of the dropping state. */
  dropNext = 0;
  /** Sojourn time of the last packet dequeued. */
  ldelay = 0;
}

/** struct codel_stats. */
export class CodelStats {
  maxpacket = 0;
  /** Packets dropped at dequeue (drop_count, never reset here). */
  dropCount = 0;
  dropLen = 0;
  /** Marks instead of drops. */
  ecnMark = 0;
  /** Marks at ce_threshold. */
  ceMark = 0;
}

const U64 = (1n << 64n) - 1n;

/**
 * codel_Newton_step: one Newton iteration of rec_inv_sqrt towards
 * 1/sqrt(count): new = (invsqrt / 2) * (3 - count * invsqrt^2), in Q0.32
 * with Linux's u64 arithmetic (wrap-around included).
 */
export function codelNewtonStep(vars: CodelVars): void {
  const invsqrt = BigInt(vars.recInvSqrt) << BigInt(REC_INV_SQRT_SHIFT);
  const invsqrt2 = (invsqrt * invsqrt) >> 32n;
  let val = ((3n << 32n) - BigInt(vars.count >>> 0) * invsqrt2) & U64;
  val >>= 2n; // avoid overflow in the following multiply
  val = ((val * invsqrt) & U64) >> BigInt(32 - 2 + 1);
  vars.recInvSqrt = Number((val >> BigInt(REC_INV_SQRT_SHIFT)) & 0xffffn);
}

/** codel_control_law: t + interval / sqrt(count), as t + reciprocal_scale(interval, rec_inv_sqrt << 16). */
export function codelControlLaw(t: number, interval: number, recInvSqrt: number): number {
  return (t + mulhi32(interval >>> 0, (recInvSqrt * 65536) >>> 0)) >>> 0;
}

/** The queue CoDel runs on: sch_codel's FIFO, or one flow of fq_codel. */
export interface CodelQueue {
  /** dequeue_func: take the head packet of the queue `vars` belongs to (updating the backlogs), or null. */
  codelDequeueHead(vars: CodelVars): Packet | null;
  /** drop_func: drop a packet CoDel took from the head. */
  codelDrop(p: Packet): void;
  /** The qdisc's backlog in bytes (sch->qstats.backlog), after the packet left. */
  readonly backlogBytes: number;
  /** hooks.mark for CE marks. */
  codelMark(p: Packet): void;
}

/** codel_should_drop: has the sojourn time been above target for an interval? */
export function codelShouldDrop(
  p: Packet | null,
  q: CodelQueue,
  vars: CodelVars,
  params: CodelParams,
  stats: CodelStats,
  now: number,
): boolean {
  if (p === null) {
    vars.firstAboveTime = 0;
    return false;
  }
  vars.ldelay = (now - codelTime(p.enqueueNs)) >>> 0;
  if (p.wireBytes > stats.maxpacket) stats.maxpacket = p.wireBytes;
  if (codelTimeBefore(vars.ldelay, params.target) || q.backlogBytes <= params.mtu) {
    // went below - stay below for at least interval
    vars.firstAboveTime = 0;
    return false;
  }
  let okToDrop = false;
  if (vars.firstAboveTime === 0) {
    // just went above from below: if we stay above for at least interval, it is ok to drop
    vars.firstAboveTime = (now + params.interval) >>> 0;
  } else if (codelTimeAfter(now, vars.firstAboveTime)) {
    okToDrop = true;
  }
  return okToDrop;
}

/** codel_dequeue: the next packet to send from `q`, after the drops the control law calls for. `nowNs` in ns. */
export function codelDequeue(q: CodelQueue, vars: CodelVars, params: CodelParams, stats: CodelStats, nowNs: number): Packet | null {
  let p = q.codelDequeueHead(vars);
  if (p === null) {
    vars.firstAboveTime = 0;
    vars.dropping = false;
    return null;
  }
  const now = codelTime(nowNs);
  let drop = codelShouldDrop(p, q, vars, params, stats, now);
  marked: {
    if (vars.dropping) {
      if (!drop) {
        // sojourn time below target - leave dropping state
        vars.dropping = false;
      } else if (codelTimeAfterEq(now, vars.dropNext)) {
        // time for the next drop; a large backlog may call for several at this instant
        while (vars.dropping && codelTimeAfterEq(now, vars.dropNext)) {
          vars.count = (vars.count + 1) >>> 0;
          codelNewtonStep(vars);
          if (params.ecn && inetEcnSetCe(p!)) {
            stats.ecnMark++;
            q.codelMark(p!);
            vars.dropNext = codelControlLaw(vars.dropNext, params.interval, vars.recInvSqrt);
            break marked;
          }
          stats.dropLen += p!.wireBytes;
          q.codelDrop(p!);
          stats.dropCount++;
          p = q.codelDequeueHead(vars);
          if (!codelShouldDrop(p, q, vars, params, stats, now)) {
            vars.dropping = false; // leave dropping state
          } else {
            vars.dropNext = codelControlLaw(vars.dropNext, params.interval, vars.recInvSqrt); // schedule the next drop
          }
        }
      }
    } else if (drop) {
      if (params.ecn && inetEcnSetCe(p)) {
        stats.ecnMark++;
        q.codelMark(p);
      } else {
        stats.dropLen += p.wireBytes;
        q.codelDrop(p);
        stats.dropCount++;
        p = q.codelDequeueHead(vars);
        drop = codelShouldDrop(p, q, vars, params, stats, now);
      }
      vars.dropping = true;
      // if min went above target close to when we last went below it, assume that the drop
      // rate that controlled the queue on the last cycle is a good starting point now
      const delta = (vars.count - vars.lastcount) >>> 0;
      if (delta > 1 && codelTimeBefore((now - vars.dropNext) >>> 0, (16 * params.interval) >>> 0)) {
        vars.count = delta;
        // rec_inv_sqrt need not be precise: the next Newton steps correct it quadratically
        codelNewtonStep(vars);
      } else {
        vars.count = 1;
        vars.recInvSqrt = 0xffffffff >>> REC_INV_SQRT_SHIFT;
      }
      vars.lastcount = vars.count;
      vars.dropNext = codelControlLaw(now, params.interval, vars.recInvSqrt);
    }
  }
  if (p !== null && params.ceThreshold !== null && codelTimeAfter(vars.ldelay, params.ceThreshold)) {
    if (inetEcnSetCe(p)) {
      stats.ceMark++;
      q.codelMark(p);
    }
  }
  return p;
}

/** sch_codel's parameters in base units, as the registry resolves them. */
export interface CodelQdiscParams {
  /** Packet limit (tc limit, default 1000). */
  limit: number;
  /** ns (tc target, default 5ms). */
  target: number;
  /** ns (tc interval, default 100ms). */
  interval: number;
  ecn: boolean;
  /** ns, or null when off. */
  ce_threshold: number | null;
}

/** Time parameters go to the kernel in microseconds (tc), then to codel_time_t. */
export function codelParamsFrom(p: { target: number; interval: number; ecn: boolean; ce_threshold: number | null }): CodelParams {
  return {
    target: usToCodelTime(Math.floor(p.target / 1000)),
    interval: usToCodelTime(Math.floor(p.interval / 1000)),
    ceThreshold: p.ce_threshold === null ? null : usToCodelTime(Math.floor(p.ce_threshold / 1000)),
    mtu: PSCHED_MTU,
    ecn: p.ecn,
  };
}

/** sch_codel: a packet-limit FIFO with CoDel at its head. */
export class Codel implements Qdisc, CodelQueue {
  readonly kind = 'codel';
  readonly canBypass = false;
  drops = 0;
  readonly vars = new CodelVars();
  readonly stats = new CodelStats();
  readonly params: CodelParams;
  /** Packets dropped because the queue was full (drop_overlimit). */
  dropOverlimit = 0;
  private readonly q = new PacketFifo(64);
  private readonly limit: number;

  constructor(
    p: CodelQdiscParams,
    private readonly hooks: QdiscHooks,
  ) {
    this.limit = p.limit;
    this.params = codelParamsFrom(p);
  }

  get backlogPackets(): number {
    return this.q.length;
  }

  get backlogBytes(): number {
    return this.q.bytes;
  }

  get marks(): number {
    return this.stats.ecnMark + this.stats.ceMark;
  }

  enqueue(p: Packet): void {
    if (this.q.length < this.limit) {
      this.q.push(p); // codel_set_enqueue_time: the link stamped p.enqueueNs
      return;
    }
    this.dropOverlimit++;
    this.drops++;
    this.hooks.drop(p);
  }

  dequeue(nowNs: number): Packet | null {
    return codelDequeue(this, this.vars, this.params, this.stats, nowNs);
  }

  forEach(fn: (p: Packet) => void): void {
    this.q.forEach(fn);
  }

  // --- CodelQueue ---

  codelDequeueHead(): Packet | null {
    return this.q.length === 0 ? null : this.q.shift();
  }

  codelDrop(p: Packet): void {
    this.drops++;
    this.hooks.drop(p);
  }

  codelMark(p: Packet): void {
    this.hooks.mark(p);
  }
}
