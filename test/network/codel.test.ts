/**
 * CoDel against values computed by hand from include/net/codel_impl.h
 * (codel_Newton_step, codel_control_law, codel_dequeue) with Linux's
 * integer arithmetic: the expected numbers below come from a separate
 * transcription of the C code (u32/u64 masks), not from this implementation;
 * the Newton steps and control-law values also from the kernel's formulas
 * compiled as C.
 */
import { describe, expect, it } from 'vitest';
import {
  Codel,
  CodelVars,
  codelControlLaw,
  codelNewtonStep,
  codelTime,
  usToCodelTime,
} from '../../src/network/qdisc/codel.js';
import { ECN } from '../../src/network/packet.js';
import { pkt, recorder } from './qdisc-helpers.js';

const INTERVAL = usToCodelTime(100_000); // MS2TIME(100)
const TARGET = usToCodelTime(5_000);

describe('CoDel time and parameters', () => {
  it('counts 1024 ns units and converts tc microseconds as the kernel does', () => {
    expect(INTERVAL).toBe(97656);
    expect(TARGET).toBe(4882);
    // the router's clock has run a minute when the run starts (KTIME_AT_START_NS)
    expect(codelTime(0)).toBe(58_593_750);
    expect(codelTime(1_000_000_000) - codelTime(0)).toBe(976562);
    // u32 wrap after 2^32 units (about 73 minutes)
    expect(codelTime(2 ** 32 * 1024 + 5 * 1024 - 60e9)).toBe(5);
  });
});

describe('codel_Newton_step and codel_control_law', () => {
  it('1/sqrt(count) in Q0.16 follows Linux: one Newton step per drop from 1.0', () => {
    const v = new CodelVars();
    v.count = 1;
    v.recInvSqrt = 0xffff;
    const got: number[] = [];
    for (let c = 2; c <= 10; c++) {
      v.count = c;
      codelNewtonStep(v);
      got.push(v.recInvSqrt);
    }
    // the first step from 1.0 at count 2 gives 0.5 (not 0.707): (1/2)(3 - 2 * 1^2)
    expect(got).toEqual([32769, 36864, 31968, 28935, 26481, 24588, 23037, 21746, 20647]);
    // and it converges on 1/sqrt(count)
    expect(got[8]! / 65536).toBeCloseTo(1 / Math.sqrt(10), 2);
  });

  it('keeps the u64 wrap-around of a stale rec_inv_sqrt (count jumped to 9 from 1.0)', () => {
    const v = new CodelVars();
    v.count = 9;
    v.recInvSqrt = 0xffff;
    codelNewtonStep(v);
    expect(v.recInvSqrt).toBe(11);
    v.recInvSqrt = 20647;
    codelNewtonStep(v);
    expect(v.recInvSqrt).toBe(21748);
  });

  it('control_law is t + interval * rec_inv_sqrt / 2^16, truncated, in u32', () => {
    expect(codelControlLaw(0, INTERVAL, 0xffff)).toBe(97654);
    const incr = [0xffff, 32769, 36864, 31968, 28935, 26481, 24588, 23037, 21746, 20647].map((r) => codelControlLaw(1000, INTERVAL, r) - 1000);
    expect(incr).toEqual([97654, 48829, 54931, 47635, 43116, 39459, 36638, 34327, 32403, 30766]);
    // wraps as codel_time_t does
    expect(codelControlLaw(0xffffffff, INTERVAL, 0xffff)).toBe(97653);
  });
});

/**
 * A standing queue: 50 packets whose sojourn times are 50..1 ms at t = 1 s,
 * then every millisecond one packet arrives and the link asks for one.
 */
function standingQueue(opts: { ecn: boolean; ect: boolean; ms: number; ceThresholdNs?: number | null }) {
  const T0 = 1e9;
  let now = T0;
  const rec = recorder(() => Math.round((now - T0) / 1e6));
  const q = new Codel({ limit: 1000, target: 5e6, interval: 100e6, ecn: opts.ecn, ce_threshold: opts.ceThresholdNs ?? null }, rec);
  const ecn = opts.ect ? ECN.ECT_0 : ECN.NOT_ECT;
  let seg = 0;
  for (let i = 0; i < 50; i++) q.enqueue(pkt(0, seg++, T0 - 50e6 + i * 1e6, ecn));
  const sent: number[] = [];
  for (let k = 0; k < opts.ms; k++) {
    now = T0 + k * 1e6;
    q.enqueue(pkt(0, seg++, now, ecn));
    const p = q.dequeue(now);
    if (p !== null) sent.push(p.seg);
  }
  return { q, rec, sent };
}

// drop times (ms after the queue became standing), from the transcription of codel_dequeue
const SCHEDULE = [101, 201, 251, 308, 357, 401, 441, 479, 514, 547, 578, 608, 637, 665, 692, 717, 742, 767, 790];

describe('codel_dequeue on a synthetic standing queue', () => {
  it('drops first after one interval above target, then at interval/sqrt(count)', () => {
    const { q, rec } = standingQueue({ ecn: false, ect: false, ms: 800 });
    expect(rec.dropTimes).toEqual(SCHEDULE);
    expect(rec.marked).toEqual([]);
    expect(q.vars.count).toBe(19);
    expect(q.vars.dropping).toBe(true);
    expect(q.drops).toBe(19);
    expect(q.marks).toBe(0);
    // gaps shrink as 1/sqrt(count)
    const gaps = SCHEDULE.slice(1).map((t, i) => t - SCHEDULE[i]!);
    expect(gaps[0]).toBe(100);
    expect(gaps[gaps.length - 1]).toBeLessThan(100 / Math.sqrt(16));
  });

  it('drops at dequeue from the head (the oldest packet), keeping FIFO order of the rest', () => {
    const { rec, sent } = standingQueue({ ecn: false, ect: false, ms: 110 });
    expect(rec.dropped.map((p) => p.seg)).toEqual([101]);
    // segment 101 was at the head at t = 101 ms; the link got 102 instead
    expect(sent.slice(99, 103)).toEqual([99, 100, 102, 103]);
  });

  it('with ecn, marks ECT packets CE on the same schedule instead of dropping them', () => {
    const { q, rec, sent } = standingQueue({ ecn: true, ect: true, ms: 800 });
    expect(rec.markTimes).toEqual(SCHEDULE);
    expect(rec.dropped).toEqual([]);
    expect(rec.marked.every((p) => p.ecn === ECN.CE)).toBe(true);
    expect(q.marks).toBe(19);
    expect(q.drops).toBe(0);
    expect(sent.length).toBe(800); // nothing lost
  });

  it('with ecn, still drops Not-ECT packets', () => {
    const { rec } = standingQueue({ ecn: true, ect: false, ms: 800 });
    expect(rec.dropTimes).toEqual(SCHEDULE);
    expect(rec.marked).toEqual([]);
  });

  it('without ecn, drops ECT packets (no marking)', () => {
    const { rec } = standingQueue({ ecn: false, ect: true, ms: 300 });
    expect(rec.dropTimes).toEqual([101, 201, 251]);
    expect(rec.marked).toEqual([]);
  });

  it('ce_threshold marks every ECT packet whose sojourn exceeds it, without a dropping state', () => {
    // every packet of the standing queue waits 50 ms
    const below = standingQueue({ ecn: false, ect: true, ms: 50, ceThresholdNs: 20e6 });
    expect(below.rec.marked.length).toBe(50);
    expect(below.q.stats.ceMark).toBe(50);
    expect(below.rec.dropped).toEqual([]);
    expect(below.q.vars.dropping).toBe(false);
    const above = standingQueue({ ecn: false, ect: true, ms: 50, ceThresholdNs: 60e6 });
    expect(above.rec.marked.length).toBe(0);
    // Not-ECT packets are left alone
    const notEct = standingQueue({ ecn: false, ect: false, ms: 50, ceThresholdNs: 20e6 });
    expect(notEct.rec.marked.length).toBe(0);
  });

  it('does not drop while the backlog is one MTU or less, however old the packet', () => {
    const rec = recorder();
    const q = new Codel({ limit: 1000, target: 5e6, interval: 100e6, ecn: false, ce_threshold: null }, rec);
    // one packet at a time, each 200 ms old when it leaves, and one more behind it
    for (let k = 0; k < 20; k++) {
      const now = 1e9 + k * 50e6;
      q.enqueue(pkt(0, 2 * k, now - 200e6));
      q.enqueue(pkt(0, 2 * k + 1, now - 200e6));
      q.dequeue(now);
      q.dequeue(now);
    }
    expect(rec.dropped).toEqual([]);
  });

  it('leaves the dropping state when the sojourn time falls below target, and an empty queue resets it', () => {
    const { q } = standingQueue({ ecn: false, ect: false, ms: 150 });
    expect(q.vars.dropping).toBe(true);
    let now = 1e9 + 150e6;
    // the link drains the queue faster than it fills: fresh packets only
    while (q.backlogPackets > 0) q.dequeue((now += 1000));
    expect(q.dequeue((now += 1000))).toBeNull();
    expect(q.vars.dropping).toBe(false);
    q.enqueue(pkt(0, 9999, now));
    q.enqueue(pkt(0, 10000, now));
    q.dequeue(now + 1000);
    expect(q.vars.dropping).toBe(false);
    expect(q.vars.firstAboveTime).toBe(0);
  });
});

describe('codel_dequeue entering the dropping state', () => {
  function reenter(sinceLastDropIntervals: number) {
    const rec = recorder();
    const q = new Codel({ limit: 1000, target: 5e6, interval: 100e6, ecn: false, ce_threshold: null }, rec);
    const nowNs = 10e9;
    const now = codelTime(nowNs);
    // ten drops in the last cycle, which began at count 1
    q.vars.count = 10;
    q.vars.lastcount = 1;
    q.vars.recInvSqrt = 20647;
    q.vars.dropNext = (now - sinceLastDropIntervals * INTERVAL) >>> 0;
    q.vars.firstAboveTime = (now - 1) >>> 0; // above target for an interval already
    for (let i = 0; i < 10; i++) q.enqueue(pkt(0, i, nowNs - 30e6));
    q.dequeue(nowNs);
    return { q, rec, now };
  }

  it('soon after the last cycle, resumes at count - lastcount (here 9) with one Newton step', () => {
    const { q, rec, now } = reenter(2);
    expect(rec.dropped.length).toBe(1);
    expect(q.vars.dropping).toBe(true);
    expect(q.vars.count).toBe(9);
    expect(q.vars.lastcount).toBe(9);
    expect(q.vars.recInvSqrt).toBe(21748);
    expect(q.vars.dropNext).toBe(codelControlLaw(now, INTERVAL, 21748));
  });

  it('16 intervals or more after the last drop, starts again at count 1', () => {
    const { q, now } = reenter(16);
    expect(q.vars.count).toBe(1);
    expect(q.vars.recInvSqrt).toBe(0xffff);
    expect(q.vars.dropNext).toBe(now + 97654);
  });
});

describe('sch_codel enqueue', () => {
  it('drops arrivals beyond limit packets (drop_overlimit)', () => {
    const rec = recorder();
    const q = new Codel({ limit: 3, target: 5e6, interval: 100e6, ecn: false, ce_threshold: null }, rec);
    for (let i = 0; i < 5; i++) q.enqueue(pkt(0, i));
    expect(q.backlogPackets).toBe(3);
    expect(q.backlogBytes).toBe(3 * 1514);
    expect(rec.dropped.map((p) => p.seg)).toEqual([3, 4]);
    expect(q.dropOverlimit).toBe(2);
    expect(q.drops).toBe(2);
  });
});
