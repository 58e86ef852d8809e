/**
 * PIE, Proportional Integral controller Enhanced (RFC 8033), as Linux 6.1
 * runs it (include/net/pie.h, net/sched/sch_pie.c).
 *
 * The model in plain words: PIE drops (or marks) arriving packets at random
 * with a probability it updates every `tupdate` from the queueing delay,
 *
 *     p += alpha * (qdelay - target) + beta * (qdelay - qdelay_old),
 *
 * a PI controller on the delay (target 15 ms). The delay is the last
 * dequeued packet's sojourn time, or with `dq_rate_estimator` the backlog
 * divided by a measured departure rate (Little's law). alpha and beta (in
 * 1/16 per second, 2 and 20) are scaled down while p is small: halved below
 * 10%, and divided by 4 more for each further decade below 1%, 0.1%, ...;
 * steps are capped at +2% once p >= 10%; at a delay above 250 ms p grows by
 * 2% more each update; after two updates at zero delay it decays by 1/64.
 *
 * An arrival is not dropped while the burst allowance (150 ms after the
 * queue last went idle) lasts, nor while the delay is below target/2 and
 * p < 20%, nor with under two MTUs queued. Otherwise the packet's
 * probability (scaled by size with `bytemode`) adds to an accumulator
 * (de-randomisation): no drop below 0.85, always a drop from 8.5, a random
 * draw in between. With `ecn`, ECT packets are marked CE instead while
 * p <= 10%.
 *
 * Kept from Linux: probabilities are u64 fractions of MAX_PROB = 2^56 - 1
 * (exact, with BigInt), times are psched ticks of 64 ns, tupdate is rounded
 * up to whole jiffies (HZ 250: the 15 ms default becomes 16 ms), and the
 * update timer first fires HZ/2 after set-up.
 */
import type { Rng } from '../../engine/rng.js';
import { PacketFifo } from './fifo.js';
import { HZ, NS_PER_JIFFY, usecsToJiffies } from './kmath.js';
import { PSCHED_MTU } from './codel.js';
import type { Qdisc, QdiscEnv, QdiscHooks } from './qdisc.js';
import { inetEcnSetCe, type Packet } from '../packet.js';

export interface PieParams {
  /** Packet limit (default 1000). */
  limit: number;
  /** ns (default 15ms). */
  target: number;
  /** ns (default 15ms; the kernel keeps whole jiffies). */
  tupdate: number;
  /** 0..32, in units of 1/16 (default 2). */
  alpha: number;
  /** 0..32, in units of 1/16 (default 20). */
  beta: number;
  ecn: boolean;
  bytemode: boolean;
  dq_rate_estimator: boolean;
}

export const MAX_PROB = (1n << 56n) - 1n; // U64_MAX >> BITS_PER_BYTE
const U64 = (1n << 64n) - 1n;
const DTIME_INVALID = U64;
const QUEUE_THRESHOLD = 16384;
const DQCOUNT_INVALID = -1;
const PIE_SCALE = 8;
/** PSCHED_SHIFT: psched time counts 64 ns ticks. */
export const PSCHED_SHIFT = 6;
export const PSCHED_TICKS_PER_SEC = 1_000_000_000n >> BigInt(PSCHED_SHIFT);

/** psched_get_time(): ns to psched ticks. */
export function pschedTicks(ns: number): bigint {
  return BigInt(Math.floor(ns / 64));
}

/** struct pie_params in kernel units. */
export interface PieKernelParams {
  /** psched ticks. */
  target: bigint;
  /** jiffies. */
  tupdate: number;
  limit: number;
  alpha: bigint;
  beta: bigint;
  ecn: boolean;
  bytemode: boolean;
  dqRateEstimator: boolean;
}

/** pie_change: target and tupdate arrive in microseconds (tc). */
export function pieKernelParams(p: PieParams): PieKernelParams {
  return {
    target: (BigInt(Math.floor(p.target / 1000)) * 1000n) >> BigInt(PSCHED_SHIFT),
    tupdate: usecsToJiffies(Math.floor(p.tupdate / 1000)),
    limit: p.limit,
    alpha: BigInt(p.alpha),
    beta: BigInt(p.beta),
    ecn: p.ecn,
    bytemode: p.bytemode,
    dqRateEstimator: p.dq_rate_estimator,
  };
}

/** struct pie_vars. */
export class PieVars {
  qdelay = 0n;
  qdelayOld = 0n;
  burstTime = 0n;
  dqTstamp = DTIME_INVALID;
  prob = 0n;
  accuProb = 0n;
  /** Bytes dequeued in the current measurement cycle, or -1 (DQCOUNT_INVALID). */
  dqCount = DQCOUNT_INVALID;
  /** Bytes per psched tick, scaled by 2^PIE_SCALE (u32). */
  avgDqRate = 0;
  backlogOld = 0;
  constructor() {
    pieVarsInit(this);
  }
}

/** pie_vars_init: a new measurement cycle (prob, qdelay and qdelay_old are kept). */
export function pieVarsInit(v: PieVars): void {
  v.burstTime = BigInt(Math.floor(150_000_000 / 64)); // PSCHED_NS2TICKS(150 ms)
  v.dqTstamp = DTIME_INVALID;
  v.accuProb = 0n;
  v.dqCount = DQCOUNT_INVALID;
  v.avgDqRate = 0;
}

/** pie_drop_early: should this arrival be dropped (or marked)? `rnd56` draws (get_random_bytes(8) >> 8). */
export function pieDropEarly(params: PieKernelParams, v: PieVars, backlog: number, packetSize: number, rnd56: () => bigint): boolean {
  let localProb = v.prob;
  const mtu = PSCHED_MTU;
  // if there is still burst allowance left, skip random early drop
  if (v.burstTime > 0n) return false;
  // if the current delay is less than half the target and the drop probability is low already, no early drop
  if (v.qdelay < params.target / 2n && v.prob < MAX_PROB / 5n) return false;
  // with fewer than 2 MTU-sized packets queued, no early drop (as min_th in RED)
  if (backlog < 2 * mtu) return false;
  // bytemode: smaller packets have a lower drop probability
  if (params.bytemode && packetSize <= mtu) localProb = BigInt(packetSize) * (localProb / BigInt(mtu));
  else localProb = v.prob;
  if (localProb === 0n) v.accuProb = 0n;
  else v.accuProb = (v.accuProb + localProb) & U64;
  if (v.accuProb < (MAX_PROB / 100n) * 85n) return false;
  if (v.accuProb >= (MAX_PROB / 2n) * 17n) return true;
  if (rnd56() < localProb) {
    v.accuProb = 0n;
    return true;
  }
  return false;
}

/** pie_process_dequeue: the delay (or departure-rate) measurement and the burst allowance. `backlog` after the packet left. */
export function pieProcessDequeue(p: Packet, params: PieKernelParams, v: PieVars, backlog: number, nowNs: number): void {
  const now = pschedTicks(nowNs);
  let dtime = 0n;
  if (!params.dqRateEstimator) {
    // qdelay from the packet's timestamp
    v.qdelay = (now - pschedTicks(p.enqueueNs)) & U64;
    if (v.dqTstamp !== DTIME_INVALID) dtime = (now - v.dqTstamp) & 0xffffffffn; // u32 dtime
    v.dqTstamp = now;
    if (backlog === 0) v.qdelay = 0n;
    if (dtime === 0n) return;
  } else {
    // with about 10 packets or more queued and no cycle running, start measuring the drain rate
    if (backlog >= QUEUE_THRESHOLD && v.dqCount === DQCOUNT_INVALID) {
      v.dqTstamp = now;
      v.dqCount = 0;
    }
    if (v.dqCount === DQCOUNT_INVALID) return;
    v.dqCount += p.wireBytes;
    if (v.dqCount < QUEUE_THRESHOLD) return;
    const count = (v.dqCount * 2 ** PIE_SCALE) >>> 0; // u32 count = dq_count << PIE_SCALE
    dtime = (now - v.dqTstamp) & 0xffffffffn;
    if (dtime === 0n) return;
    const rate = Math.floor(count / Number(dtime));
    if (v.avgDqRate === 0) v.avgDqRate = rate;
    else v.avgDqRate = (v.avgDqRate - (v.avgDqRate >>> 3) + (rate >>> 3)) >>> 0;
    // below the threshold hold on to the last rate, else start the next cycle
    if (backlog < QUEUE_THRESHOLD) v.dqCount = DQCOUNT_INVALID;
    else {
      v.dqCount = 0;
      v.dqTstamp = now;
    }
  }
  // burst_allowance_reduction
  if (v.burstTime > 0n) {
    if (v.burstTime > dtime) v.burstTime -= dtime;
    else v.burstTime = 0n;
  }
}

const s64 = (x: bigint) => BigInt.asIntN(64, x);
const u64 = (x: bigint) => BigInt.asUintN(64, x);

/** pie_calculate_probability: the PI update, run every tupdate with the qdisc's backlog in bytes. */
export function pieCalculateProbability(params: PieKernelParams, v: PieVars, backlog: number): void {
  let qdelay: bigint;
  let qdelayOld: bigint;
  let updateProb = true;
  if (params.dqRateEstimator) {
    qdelayOld = v.qdelay;
    v.qdelayOld = v.qdelay;
    qdelay = v.avgDqRate > 0 ? BigInt(Math.floor(((backlog * 2 ** PIE_SCALE) >>> 0) / v.avgDqRate)) : 0n; // u32 backlog << PIE_SCALE
  } else {
    qdelay = v.qdelay;
    qdelayOld = v.qdelayOld;
  }
  // qdelay zero with a backlog means the backlog is very small: no update this round
  if (qdelay === 0n && backlog !== 0) updateProb = false;

  // alpha and beta come in 1/16 per second; scale them to probability per psched tick
  let alpha = (params.alpha * (MAX_PROB / PSCHED_TICKS_PER_SEC)) >> 4n;
  let beta = (params.beta * (MAX_PROB / PSCHED_TICKS_PER_SEC)) >> 4n;
  // smaller steps while the probability is small (RFC 8033)
  if (v.prob < MAX_PROB / 10n) {
    alpha >>= 1n;
    beta >>= 1n;
    let power = 100n;
    while (v.prob < MAX_PROB / power && power <= 1_000_000n) {
      alpha >>= 2n;
      beta >>= 2n;
      power *= 10n;
    }
  }
  // psched_time_t differences are u64: the products wrap as in C, then read as s64
  let delta = s64(u64(alpha * u64(qdelay - params.target)) + u64(beta * u64(qdelay - qdelayOld)));
  const oldprob = v.prob;
  // increase in steps of no more than 2%
  if (delta > MAX_PROB / 50n && v.prob >= MAX_PROB / 10n) delta = (MAX_PROB / 100n) * 2n;
  // non-linear drop: grow quickly at delays of 250 ms or more
  if (qdelay > BigInt(Math.floor(250_000_000 / 64))) delta += MAX_PROB / 50n;
  v.prob = u64(v.prob + delta);
  if (delta > 0n) {
    if (v.prob < oldprob) {
      // overflow: saturate, and skip the non-linear decay below
      v.prob = MAX_PROB;
      updateProb = false;
    }
  } else if (v.prob > oldprob) {
    v.prob = 0n; // underflow
  }
  // non-linear decay: delay zero for two consecutive updates
  if (qdelay === 0n && qdelayOld === 0n && updateProb) v.prob -= v.prob / 64n;
  v.qdelay = qdelay;
  v.backlogOld = backlog;
  // restart the measurement cycle once the delay has been low for two updates and p is zero
  if (v.qdelay < params.target / 2n && v.qdelayOld < params.target / 2n && v.prob === 0n && (!params.dqRateEstimator || v.avgDqRate > 0)) {
    pieVarsInit(v);
  }
  if (!params.dqRateEstimator) v.qdelayOld = qdelay;
}

export class Pie implements Qdisc {
  readonly kind = 'pie';
  readonly canBypass = false;
  readonly kparams: PieKernelParams;
  readonly vars = new PieVars();
  /** pie_stats. */
  packetsIn = 0;
  /** Drops by PIE and by the limit (stats.dropped). */
  dropped = 0;
  /** Of which because the queue was full. */
  overlimit = 0;
  ecnMark = 0;
  maxq = 0;
  private readonly q = new PacketFifo(64);
  private readonly rng: Rng;
  private readonly hooks: QdiscHooks;
  private readonly rnd56 = (): bigint => {
    // get_random_bytes(&rnd, 8); rnd >> BITS_PER_BYTE
    const hi = this.rng.nextU32();
    const lo = this.rng.nextU32();
    return (BigInt(hi) << 24n) | BigInt(lo >>> 8);
  };

  constructor(params: PieParams, env: QdiscEnv) {
    this.kparams = pieKernelParams(params);
    this.rng = env.rng('pie');
    this.hooks = env.hooks;
    const sim = env.sim;
    const timer = sim.timer(() => {
      pieCalculateProbability(this.kparams, this.vars, this.q.bytes);
      if (this.kparams.tupdate) timer.after(this.kparams.tupdate * NS_PER_JIFFY);
    });
    timer.after((HZ / 2) * NS_PER_JIFFY);
  }

  get backlogPackets(): number {
    return this.q.length;
  }

  get backlogBytes(): number {
    return this.q.bytes;
  }

  get drops(): number {
    return this.dropped;
  }

  get marks(): number {
    return this.ecnMark;
  }

  enqueue(p: Packet): void {
    const q = this.q;
    const v = this.vars;
    let enqueue = false;
    if (q.length >= this.kparams.limit) {
      this.overlimit++;
    } else if (!pieDropEarly(this.kparams, v, q.bytes, p.wireBytes, this.rnd56)) {
      enqueue = true;
    } else if (this.kparams.ecn && v.prob <= MAX_PROB / 10n && inetEcnSetCe(p)) {
      // an ECN-capable packet is marked while the probability is at most 10%, else dropped
      this.ecnMark++;
      this.hooks.mark(p);
      enqueue = true;
    }
    if (enqueue) {
      // pie_set_enqueue_time: the link stamped p.enqueueNs (unused with dq_rate_estimator)
      this.packetsIn++;
      if (q.length > this.maxq) this.maxq = q.length;
      q.push(p);
      return;
    }
    this.dropped++;
    v.accuProb = 0n;
    this.hooks.drop(p);
  }

  dequeue(nowNs: number): Packet | null {
    if (this.q.length === 0) return null;
    const p = this.q.shift();
    pieProcessDequeue(p, this.kparams, this.vars, this.q.bytes, nowNs);
    return p;
  }

  forEach(fn: (p: Packet) => void): void {
    this.q.forEach(fn);
  }
}
