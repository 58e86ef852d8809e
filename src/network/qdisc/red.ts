/**
 * RED, Random Early Detection (Floyd & Jacobson 1993), as Linux 6.1 runs it
 * (include/net/red.h, net/sched/sch_red.c) with the parameters tc computes
 * (iproute2 tc/q_red.c, tc/tc_red.c).
 *
 * The model in plain words: on every arrival RED updates an exponentially
 * weighted average of the queue's backlog in bytes,
 *
 *     avg = avg * (1 - W) + backlog * W,   W = 2^-Wlog,
 *
 * kept as a fixed-point number scaled by 2^Wlog. Below `min` it never marks;
 * at or above `max` it marks every packet (forced); in between it marks with
 * probability max_P * (avg - min) / (max - min), spread out by a count of
 * the packets since the last mark, as the paper's "uniform" variant: a
 * random number qR in [0, (max - min) / max_P) is drawn after each mark and
 * the packet is marked once (avg - min) * count reaches qR. A "mark" is a
 * drop, or a CE mark with `ecn` for ECT packets (Not-ECT packets are still
 * dropped); `harddrop` drops instead of marking above max. The queue itself
 * is a bfifo of `limit` bytes.
 *
 * While the queue is idle the average decays as if packets of `avpkt` bytes
 * had left at `bandwidth`: on the first arrival after the idle period RED
 * shifts avg right by Stab[idle >> Scell_log] (or, for short idle times,
 * subtracts avg * idle >> Scell_log, at most half). Linux indexes that table
 * with the idle time in microseconds while tc fills it in psched ticks of
 * 64 ns (tick_in_usec = 15.625 with /proc/net/psched "000003e8 00000040"),
 * so real idle decay is 15.6x slower than tc intends; kept here as Linux has
 * it. An idle period starts when the link asks an empty RED for a packet.
 *
 * How tc turns the user's parameters into the kernel's:
 *   Wlog: the smallest with burst + 1 - min/avpkt <= (1 - (1-W)^burst) / W
 *   Plog: the number of doublings of probability/(max - min) above 1
 *   max_P = probability * 2^32 (a Q0.32 fraction), Scell_log and Stab from
 *   W, avpkt and bandwidth; defaults: max = limit/4, min = max/3,
 *   burst = (2 min + max) / (3 avpkt).
 * With `adaptive`, every 500 ms max_P rises by min(1%, max_P/4) while avg
 * is above min + 0.6 (max - min) and falls by 10% while below min + 0.4
 * (max - min), between 1% and 50% (Floyd, Gummadi & Shenker 2001).
 */
import type { Timer } from '../../engine/sim.js';
import type { Rng } from '../../engine/rng.js';
import { PacketFifo } from './fifo.js';
import { fls, NS_PER_JIFFY, HZ } from './kmath.js';
import type { Qdisc, QdiscEnv, QdiscHooks } from './qdisc.js';
import { inetEcnSetCe, type Packet } from '../packet.js';

export interface RedParams {
  /** bfifo limit, bytes (required by tc). */
  limit: number;
  /** Bytes. */
  min: number;
  /** Bytes. */
  max: number;
  /** Average packet size, bytes. */
  avpkt: number;
  /** Packets of burst the average should let through (sets Wlog). */
  burst: number;
  /** Maximum marking probability at max, 0..1 (tc default 0.02). */
  probability: number;
  /** bits/s, for the idle-time decay table. */
  bandwidth: number;
  ecn: boolean;
  harddrop: boolean;
  nodrop: boolean;
  adaptive: boolean;
}

/** tc's psched ticks per microsecond (/proc/net/psched: 1000 ns per us / 64 ns per tick). */
const TC_TICK_IN_USEC = 1000 / 64;
const RED_STAB_SIZE = 256;
const TWO_POW_32 = 4294967296;

/** tc_red_eval_ewma: Wlog for a burst of `burst` packets; -1 when impossible. */
export function tcRedEvalEwma(qmin: number, burst: number, avpkt: number): number {
  let W = 0.5;
  const a = burst + 1 - qmin / avpkt;
  if (a < 1.0) return -1;
  for (let wlog = 1; wlog < 32; wlog++, W /= 2) {
    if (a <= (1 - Math.pow(1 - W, burst)) / W) return wlog;
  }
  return -1;
}

/** tc_red_eval_P: Plog = log2 of (max - min)/probability, as tc computes it; -1 when impossible. */
export function tcRedEvalP(qmin: number, qmax: number, prob: number): number {
  let i = qmax - qmin;
  if (i <= 0) return -1;
  prob /= i;
  for (i = 0; i < 32; i++) {
    if (prob > 1.0) break;
    prob *= 2;
  }
  return i >= 32 ? -1 : i;
}

/** tc_calc_xmittime: psched ticks to send `size` bytes at `rateBytes` bytes/s (rounded up). */
function tcCalcXmittime(rateBytes: number, size: number): number {
  const v = Math.ceil(1e6 * (size / rateBytes) * TC_TICK_IN_USEC);
  return v > 0xffffffff ? 0xffffffff : v;
}

/** tc_red_eval_idle_damping: Scell_log and the Stab table; null when impossible. */
export function tcRedEvalIdleDamping(wlog: number, avpkt: number, bandwidthBps: number): { scellLog: number; stab: Uint8Array } | null {
  const rateBytes = Math.floor(bandwidthBps / 8) >>> 0;
  const xmitTime = tcCalcXmittime(rateBytes, avpkt);
  const lW = -Math.log(1.0 - 1.0 / 2 ** wlog) / xmitTime;
  const maxtime = 31 / lW;
  let clog = 0;
  for (; clog < 32; clog++) if (maxtime / 2 ** clog < 512) break;
  if (clog >= 32) return null;
  const stab = new Uint8Array(RED_STAB_SIZE);
  stab[0] = 0;
  for (let i = 1; i < 255; i++) {
    let v = Math.trunc(i * 2 ** clog * lW); // (i << clog) * lW, converted to __u8
    if (v > 31) v = 31;
    stab[i] = v;
  }
  stab[255] = 31;
  return { scellLog: clog, stab };
}

/** What tc sends the kernel (struct tc_red_qopt + TCA_RED_STAB + TCA_RED_MAX_P). */
export interface RedKernelParams {
  qthMin: number;
  qthMax: number;
  wlog: number;
  plog: number;
  scellLog: number;
  stab: Uint8Array;
  /** Q0.32; 0 lets the kernel derive it from Plog. */
  maxP: number;
}

/** red_parse_opt's computations; an error message when tc would refuse the parameters. */
export function tcRedParams(p: RedParams): RedKernelParams | string {
  const wlog = tcRedEvalEwma(p.min, p.burst, p.avpkt);
  if (wlog < 0) return `burst ${p.burst} is too small for min ${p.min} and avpkt ${p.avpkt}; try burst ${1 + Math.floor(p.min / p.avpkt)} (tc: failed to calculate EWMA constant)`;
  const plog = tcRedEvalP(p.min, p.max, p.probability);
  if (plog < 0) return 'failed to calculate probability (max must be above min)';
  const idle = tcRedEvalIdleDamping(wlog, p.avpkt, p.bandwidth);
  if (idle === null) return 'failed to calculate the idle damping table (bandwidth too low for avpkt)';
  // max_P = probability * pow(2, 32), converted to __u32
  const maxP = Math.floor(p.probability * TWO_POW_32);
  return { qthMin: p.min, qthMax: p.max, wlog, plog, scellLog: idle.scellLog, stab: idle.stab, maxP: maxP >= TWO_POW_32 ? 0 : maxP };
}

/** red_check_params: what the kernel refuses. */
export function redCheckParams(k: RedKernelParams): boolean {
  if (fls(k.qthMin) + k.wlog >= 32) return false;
  if (fls(k.qthMax) + k.wlog >= 32) return false;
  if (k.scellLog >= 32) return false;
  if (k.qthMax < k.qthMin) return false;
  for (const s of k.stab) if (s >= 32) return false;
  return true;
}

/** RED_ONE_PERCENT: DIV_ROUND_CLOSEST(2^32, 100). */
export const RED_ONE_PERCENT = Math.floor((TWO_POW_32 + 50) / 100) >>> 0;
const MAX_P_MIN = RED_ONE_PERCENT;
const MAX_P_MAX = (50 * RED_ONE_PERCENT) >>> 0;

/** struct red_parms. */
export class RedParms {
  /** Scaled by 2^Wlog. */
  qthMin = 0;
  qthMax = 0;
  scellMax = 0;
  /** Q0.32. */
  maxP = 0;
  /** max_P / (max - min): reciprocal_divide by it is an exact floor division. */
  maxPDelta = 1;
  qthDelta = 1;
  targetMin = 0;
  targetMax = 0;
  scellLog = 0;
  wlog = 0;
  plog = 0;
  stab: Uint8Array = new Uint8Array(RED_STAB_SIZE);
}

/** red_set_parms. */
export function redSetParms(k: RedKernelParams): RedParms {
  const p = new RedParms();
  let delta = k.qthMax - k.qthMin;
  p.qthMin = k.qthMin * 2 ** k.wlog;
  p.qthMax = k.qthMax * 2 ** k.wlog;
  p.wlog = k.wlog;
  p.plog = k.plog;
  if (delta <= 0) delta = 1;
  p.qthDelta = delta;
  let maxP = k.maxP;
  if (!maxP) {
    maxP = k.plog < 32 ? 0xffffffff >>> k.plog : 0xffffffff;
    maxP = Math.imul(maxP, delta) >>> 0; // max_P = (qth_max - qth_min) / 2^Plog
  }
  p.maxP = maxP;
  p.maxPDelta = Math.max(Math.floor(maxP / delta), 1);
  // adaptive target: [min + 0.4 (max - min), min + 0.6 (max - min)]
  delta = Math.floor(delta / 5);
  p.targetMin = k.qthMin + 2 * delta;
  p.targetMax = k.qthMin + 3 * delta;
  p.scellLog = k.scellLog;
  p.scellMax = 255 * 2 ** k.scellLog;
  p.stab = k.stab;
  return p;
}

/** struct red_vars. */
export class RedVars {
  /** Packets since the last mark (-1: none since the average went below min). */
  qcount = -1;
  /** Cached random number. */
  qR = 0;
  /** Average backlog in bytes, scaled by 2^Wlog. */
  qavg = 0;
  /** Start of the current idle period (ns), or -1 when not idle (Linux: 0). */
  qidlestart = -1;
}

/** red_calc_qavg_from_idle_time: the average after an idle period ending at nowNs. */
export function redCalcQavgFromIdleTime(p: RedParms, v: RedVars, nowNs: number): number {
  const delta = Math.floor((nowNs - v.qidlestart) / 1000); // ktime_us_delta
  let usIdle = Math.min(delta, p.scellMax);
  const shift = p.stab[Math.floor(usIdle / 2 ** p.scellLog) & (RED_STAB_SIZE - 1)]!;
  if (shift) return Math.floor(v.qavg / 2 ** shift);
  // approximate the initial part of the exponent with a linear function: (1-W)^m ~= 1 - mW
  const prod = v.qavg * usIdle;
  usIdle = prod <= Number.MAX_SAFE_INTEGER ? Math.floor(prod / 2 ** p.scellLog) : Number((BigInt(v.qavg) * BigInt(usIdle)) >> BigInt(p.scellLog));
  if (usIdle < Math.floor(v.qavg / 2)) return v.qavg - usIdle;
  return Math.floor(v.qavg / 2);
}

/** red_calc_qavg_no_idle_time: qavg*(1-W) + backlog*W in fixed point. */
export function redCalcQavgNoIdleTime(p: RedParms, v: RedVars, backlog: number): number {
  return v.qavg + backlog - Math.floor(v.qavg / 2 ** p.wlog);
}

export function redCalcQavg(p: RedParms, v: RedVars, backlog: number, nowNs: number): number {
  return v.qidlestart < 0 ? redCalcQavgNoIdleTime(p, v, backlog) : redCalcQavgFromIdleTime(p, v, nowNs);
}

/** red_random: a u32 random number divided by max_P/(max - min). */
export function redRandom(p: RedParms, rng: Rng): number {
  return Math.floor(rng.nextU32() / p.maxPDelta);
}

/** red_mark_probability: max_P*(qavg - qth_min)/(qth_max - qth_min) >= rnd/qcount, in integers. */
export function redMarkProbability(p: RedParms, v: RedVars, qavg: number): boolean {
  return !(Math.floor((qavg - p.qthMin) / 2 ** p.wlog) * v.qcount < v.qR);
}

export const RED_DONT_MARK = 0;
export const RED_PROB_MARK = 1;
export const RED_HARD_MARK = 2;

/** red_action: no mark, a probabilistic mark, or a forced one. */
export function redAction(p: RedParms, v: RedVars, qavg: number, rng: Rng): number {
  if (qavg < p.qthMin) {
    v.qcount = -1;
    return RED_DONT_MARK;
  }
  if (qavg >= p.qthMax) {
    v.qcount = -1;
    return RED_HARD_MARK;
  }
  if (++v.qcount) {
    if (redMarkProbability(p, v, qavg)) {
      v.qcount = 0;
      v.qR = redRandom(p, rng);
      return RED_PROB_MARK;
    }
  } else {
    v.qR = redRandom(p, rng);
  }
  return RED_DONT_MARK;
}

/** red_adaptative_algo: every 500 ms, move max_P towards keeping avg between targetMin and targetMax. */
export function redAdaptativeAlgo(p: RedParms, v: RedVars, nowNs: number): void {
  let qavg = v.qavg;
  if (v.qidlestart >= 0) qavg = redCalcQavgFromIdleTime(p, v, nowNs);
  qavg = Math.floor(qavg / 2 ** p.wlog);
  if (qavg > p.targetMax && p.maxP <= MAX_P_MAX) p.maxP = (p.maxP + Math.min(MAX_P_MIN, Math.floor(p.maxP / 4))) >>> 0;
  else if (qavg < p.targetMin && p.maxP >= MAX_P_MIN) p.maxP = Math.floor(p.maxP / 10) * 9;
  // DIV_ROUND_CLOSEST(max_P, qth_delta)
  p.maxPDelta = Math.max(Math.floor((p.maxP + Math.floor(p.qthDelta / 2)) / p.qthDelta), 1);
}

export class Red implements Qdisc {
  readonly kind = 'red';
  readonly canBypass = false;
  readonly parms: RedParms;
  readonly vars = new RedVars();
  /** Early drops and marks below and above max (red_stats). */
  probDrop = 0;
  probMark = 0;
  forcedDrop = 0;
  forcedMark = 0;
  /** Drops because the bfifo was full. */
  pdrop = 0;
  private readonly q = new PacketFifo(64);
  private readonly limit: number;
  private readonly ecn: boolean;
  private readonly harddrop: boolean;
  private readonly nodrop: boolean;
  private readonly rng: Rng;
  private readonly hooks: QdiscHooks;
  private readonly adaptTimer: Timer | null = null;

  constructor(params: RedParams, private readonly env: QdiscEnv) {
    const k = tcRedParams(params);
    if (typeof k === 'string') throw new Error(`red: ${k}`);
    if (!redCheckParams(k)) throw new Error('red: the kernel refuses these parameters (red_check_params)');
    this.parms = redSetParms(k);
    this.limit = params.limit;
    this.ecn = params.ecn;
    this.harddrop = params.harddrop;
    this.nodrop = params.nodrop;
    this.rng = env.rng('red');
    this.hooks = env.hooks;
    // the queue is empty when RED is set up: an idle period starts
    this.vars.qidlestart = env.sim.now;
    if (params.adaptive) {
      const t = env.sim.timer(() => {
        redAdaptativeAlgo(this.parms, this.vars, env.sim.now);
        t.after((HZ / 2) * NS_PER_JIFFY);
      });
      t.after((HZ / 2) * NS_PER_JIFFY);
      this.adaptTimer = t;
    }
  }

  get backlogPackets(): number {
    return this.q.length;
  }

  get backlogBytes(): number {
    return this.q.bytes;
  }

  get drops(): number {
    return this.probDrop + this.forcedDrop + this.pdrop;
  }

  get marks(): number {
    return this.probMark + this.forcedMark;
  }

  enqueue(p: Packet, nowNs: number): void {
    const v = this.vars;
    v.qavg = redCalcQavg(this.parms, v, this.q.bytes, nowNs);
    if (v.qidlestart >= 0) v.qidlestart = -1; // red_end_of_idle_period
    switch (redAction(this.parms, v, v.qavg, this.rng)) {
      case RED_DONT_MARK:
        break;
      case RED_PROB_MARK:
        if (!this.ecn) {
          this.probDrop++;
          this.hooks.drop(p);
          return;
        }
        if (inetEcnSetCe(p)) {
          this.probMark++;
          this.hooks.mark(p);
        } else if (!this.nodrop) {
          this.probDrop++;
          this.hooks.drop(p);
          return;
        }
        break; // a Not-ECT packet in ECN nodrop mode is queued
      case RED_HARD_MARK:
        if (this.harddrop || !this.ecn) {
          this.forcedDrop++;
          this.hooks.drop(p);
          return;
        }
        if (inetEcnSetCe(p)) {
          this.forcedMark++;
          this.hooks.mark(p);
        } else if (!this.nodrop) {
          this.forcedDrop++;
          this.hooks.drop(p);
          return;
        }
        break;
    }
    // the child bfifo
    if (this.q.bytes + p.wireBytes <= this.limit) {
      this.q.push(p);
      return;
    }
    this.pdrop++;
    this.hooks.drop(p);
  }

  dequeue(nowNs: number): Packet | null {
    if (this.q.length > 0) return this.q.shift();
    if (this.vars.qidlestart < 0) this.vars.qidlestart = nowNs; // red_start_of_idle_period
    return null;
  }

  forEach(fn: (p: Packet) => void): void {
    this.q.forEach(fn);
  }
}
