/**
 * RED against values computed by hand from iproute2's tc/tc_red.c and
 * tc/q_red.c (Wlog, Plog, Scell_log, Stab, max_P) and Linux 6.1's
 * include/net/red.h (the EWMA, the idle decay, red_action's count logic,
 * adaptive RED) and sch_red.c (mark or drop). The example parameters are
 * tc-red(8)'s: limit 400000 min 30000 max 90000 avpkt 1000 burst 55
 * probability 0.02 bandwidth 10Mbit.
 */
import { describe, expect, it } from 'vitest';
import { Simulator } from '../../src/engine/sim.js';
import { Rng } from '../../src/engine/rng.js';
import {
  RED_DONT_MARK,
  RED_HARD_MARK,
  RED_PROB_MARK,
  Red,
  RedVars,
  redAction,
  redCalcQavg,
  redSetParms,
  tcRedEvalEwma,
  tcRedEvalP,
  tcRedParams,
  type RedKernelParams,
  type RedParams,
} from '../../src/network/qdisc/red.js';
import { ECN } from '../../src/network/packet.js';
import type { QdiscEnv } from '../../src/network/qdisc/qdisc.js';
import { fixedRng, pkt, recorder } from './qdisc-helpers.js';

const EXAMPLE: RedParams = {
  limit: 400000,
  min: 30000,
  max: 90000,
  avpkt: 1000,
  burst: 55,
  probability: 0.02,
  bandwidth: 10e6,
  ecn: false,
  harddrop: false,
  nodrop: false,
  adaptive: false,
};

function kernel(p: RedParams = EXAMPLE): RedKernelParams {
  const k = tcRedParams(p);
  if (typeof k === 'string') throw new Error(k);
  return k;
}

describe("tc's RED parameter computations", () => {
  it('Wlog, Plog, Scell_log, max_P and the idle table of the tc-red(8) example', () => {
    const k = kernel();
    expect(k.wlog).toBe(5); // burst + 1 - min/avpkt = 26 <= (1 - (31/32)^55) * 32 = 26.4
    expect(k.plog).toBe(22);
    expect(k.scellLog).toBe(15);
    expect(k.maxP).toBe(85899345); // 0.02 * 2^32
    expect([k.stab[12], k.stab[13], k.stab[25], k.stab[37], k.stab[205], k.stab[255]]).toEqual([0, 1, 2, 3, 17, 31]);
  });

  it('Wlog of cclab\'s default RED at 50 Mbit/s, 50 ms, 1 BDP (tc\'s derived min, max, burst)', () => {
    // limit 206 x 1514; max = limit/4, min = max/3, burst = (2 min + max) / (3 avpkt)
    const k = kernel({ ...EXAMPLE, limit: 311884, max: 77971, min: 25990, avpkt: 1514, burst: 28, bandwidth: 50e6 });
    expect([k.wlog, k.plog, k.scellLog]).toEqual([4, 22, 12]);
  });

  it('refuses what tc refuses', () => {
    expect(tcRedEvalEwma(30000, 20, 1000)).toBe(-1); // burst too small for min/avpkt
    expect(tcRedEvalP(30000, 30000, 0.02)).toBe(-1); // max must be above min
    expect(typeof tcRedParams({ ...EXAMPLE, burst: 20 })).toBe('string');
  });
});

describe('the average queue (red_calc_qavg)', () => {
  const parms = redSetParms(kernel());

  it('is an EWMA with W = 2^-Wlog in fixed point: avg += backlog - avg/32', () => {
    const v = new RedVars();
    v.qidlestart = -1;
    const seq: number[] = [];
    for (let i = 0; i < 3; i++) {
      v.qavg = redCalcQavg(parms, v, 1000, 0);
      seq.push(v.qavg);
    }
    expect(seq).toEqual([1000, 1969, 2908]); // scaled by 32: 31.25, 61.5, 90.9 bytes
    for (let i = 3; i < 32; i++) v.qavg = redCalcQavg(parms, v, 1000, 0);
    // after 32 arrivals: 1 - (31/32)^32 = 63.8% of the way
    expect(v.qavg / 32 / 1000).toBeCloseTo(1 - (31 / 32) ** 32, 2);
    for (let i = 0; i < 2000; i++) v.qavg = redCalcQavg(parms, v, 1000, 0);
    expect(Math.floor(v.qavg / 32)).toBe(1000);
  });

  it('decays over an idle period as Linux indexes Stab: by microseconds, not tc ticks', () => {
    const avgAfterIdle = (us: number) => {
      const v = new RedVars();
      v.qavg = 32000;
      v.qidlestart = 5e9;
      return redCalcQavg(parms, v, 0, 5e9 + us * 1000);
    };
    expect(avgAfterIdle(10_000)).toBe(32000 - Math.floor((32000 * 10000) / 2 ** 15)); // linear part: 22235
    expect(avgAfterIdle(20_000)).toBe(16000); // at most halved by the linear part
    expect(avgAfterIdle(500_000)).toBe(16000); // Stab[15] = 1
    expect(avgAfterIdle(1_000_000)).toBe(8000); // Stab[30] = 2
    expect(avgAfterIdle(10_000_000)).toBe(0); // beyond Scell_max: Stab[255] = 31
  });
});

describe('red_action: thresholds, probability and the count', () => {
  const parms = redSetParms(kernel());
  const mid = (60000 * 32) as number; // average 60000 bytes: halfway between min and max

  it('never marks below min and resets the count', () => {
    const v = new RedVars();
    v.qcount = 5;
    expect(redAction(parms, v, 29999 * 32, fixedRng([0]))).toBe(RED_DONT_MARK);
    expect(v.qcount).toBe(-1);
  });

  it('marks every packet at or above max (forced) and resets the count', () => {
    const v = new RedVars();
    v.qcount = 5;
    expect(redAction(parms, v, 90000 * 32, fixedRng([0]))).toBe(RED_HARD_MARK);
    expect(v.qcount).toBe(-1);
  });

  it('between the thresholds marks when (avg - min) * count reaches the random qR', () => {
    // max_P / (max - min) = 85899345 / 60000 = 1431; qR = u32 / 1431; (avg - min) = 30000 bytes
    const rng = fixedRng([210000 * 1431]); // qR = 210000 = 7 x 30000
    const v = new RedVars();
    const marks: number[] = [];
    for (let i = 1; i <= 30; i++) if (redAction(parms, v, mid, rng) === RED_PROB_MARK) marks.push(i);
    // the first packet only draws qR; then a mark every 7 packets
    expect(marks).toEqual([8, 15, 22, 29]);
  });

  it('marks about 2 x max_P x (avg - min) / (max - min) of the packets (uniform spacing)', () => {
    const rng = new Rng(7, 'red-test');
    const v = new RedVars();
    let marks = 0;
    const n = 200_000;
    for (let i = 0; i < n; i++) if (redAction(parms, v, mid, rng) === RED_PROB_MARK) marks++;
    // gaps are uniform in 1..100 packets: one mark per 50.5 packets
    expect(marks / n).toBeGreaterThan(0.0185);
    expect(marks / n).toBeLessThan(0.0211);
    // and a quarter of the way up, half as many
    const v2 = new RedVars();
    let marks2 = 0;
    for (let i = 0; i < n; i++) if (redAction(parms, v2, 45000 * 32, rng) === RED_PROB_MARK) marks2++;
    expect(marks2 / marks).toBeGreaterThan(0.45);
    expect(marks2 / marks).toBeLessThan(0.55);
  });
});

function redEnv(rec: ReturnType<typeof recorder>, sim = new Simulator(), values?: number[]): QdiscEnv {
  return { sim, rng: (name) => (values ? fixedRng(values) : new Rng(1, `qdisc/${name}`)), hooks: rec };
}

describe('sch_red enqueue: drop, mark or queue', () => {
  function above(over: Partial<RedParams>) {
    const rec = recorder();
    const q = new Red({ ...EXAMPLE, ...over }, redEnv(rec));
    q.vars.qidlestart = -1;
    q.vars.qavg = 200000 * 32; // far above max, and stays there for a few packets
    return { q, rec };
  }

  it('above max: drops without ecn, marks ECT packets with ecn, drops with harddrop', () => {
    const plain = above({});
    plain.q.enqueue(pkt(0, 0, 0, ECN.ECT_0), 0);
    expect([plain.rec.dropped.length, plain.rec.marked.length, plain.q.forcedDrop]).toEqual([1, 0, 1]);

    const ecn = above({ ecn: true });
    ecn.q.enqueue(pkt(0, 0, 0, ECN.ECT_0), 0);
    ecn.q.enqueue(pkt(0, 1, 0, ECN.NOT_ECT), 0);
    expect(ecn.rec.marked.map((p) => p.seg)).toEqual([0]);
    expect(ecn.rec.dropped.map((p) => p.seg)).toEqual([1]);
    expect(ecn.q.backlogPackets).toBe(1);
    expect([ecn.q.forcedMark, ecn.q.forcedDrop, ecn.q.marks, ecn.q.drops]).toEqual([1, 1, 1, 1]);

    const hard = above({ ecn: true, harddrop: true });
    hard.q.enqueue(pkt(0, 0, 0, ECN.ECT_0), 0);
    expect([hard.rec.dropped.length, hard.rec.marked.length]).toEqual([1, 0]);

    const nodrop = above({ ecn: true, nodrop: true });
    nodrop.q.enqueue(pkt(0, 0, 0, ECN.NOT_ECT), 0);
    expect([nodrop.rec.dropped.length, nodrop.q.backlogPackets]).toEqual([0, 1]);
  });

  it('between the thresholds: a probabilistic drop, or a CE mark with ecn', () => {
    for (const ecn of [false, true]) {
      const rec = recorder();
      const q = new Red({ ...EXAMPLE, ecn }, redEnv(rec, new Simulator(), [0]));
      q.vars.qidlestart = -1;
      for (let i = 0; i < 40; i++) {
        q.vars.qavg = 60000 * 32; // hold the average between the thresholds
        q.enqueue(pkt(0, i, 0, ECN.ECT_0), 0);
      }
      // qR = 0: the second packet between the thresholds is marked, and every one after it
      expect(ecn ? q.probMark : q.probDrop).toBe(39);
      expect(ecn ? rec.marked.length : rec.dropped.length).toBe(39);
    }
  });

  it('drops arrivals that do not fit the bfifo of `limit` bytes (pdrop)', () => {
    const rec = recorder();
    const q = new Red({ ...EXAMPLE, limit: 3 * 1514 + 100, min: 100000, max: 300000, burst: 200 }, redEnv(rec));
    for (let i = 0; i < 5; i++) q.enqueue(pkt(0, i), 0);
    expect(q.backlogPackets).toBe(3);
    expect(q.pdrop).toBe(2);
    expect(rec.dropped.map((p) => p.seg)).toEqual([3, 4]);
  });

  it('starts an idle period when the link finds it empty, and decays the average on the next arrival', () => {
    const rec = recorder();
    const q = new Red(EXAMPLE, redEnv(rec));
    expect(q.vars.qidlestart).toBe(0); // empty at set-up: idle
    q.enqueue(pkt(0, 0), 1000);
    expect(q.vars.qidlestart).toBe(-1);
    q.vars.qavg = 32000;
    expect(q.dequeue(2000)).not.toBeNull();
    expect(q.vars.qidlestart).toBe(-1); // a packet left: not idle yet
    expect(q.dequeue(3000)).toBeNull();
    expect(q.vars.qidlestart).toBe(3000);
    q.enqueue(pkt(0, 1), 3000 + 1_000_000_000);
    expect(q.vars.qavg).toBe(8000); // Stab[30] = 2 after 1 s
  });
});

describe('adaptive RED (red_adaptative_algo every 500 ms)', () => {
  it('raises max_P by min(1%, max_P/4) while the average is above the target band, lowers it by 10% below', () => {
    const sim = new Simulator();
    const rec = recorder();
    const q = new Red({ ...EXAMPLE, adaptive: true }, redEnv(rec, sim));
    q.vars.qidlestart = -1;
    q.vars.qavg = 70000 * 32; // above target_max = 30000 + 3 * 12000 = 66000
    sim.run(500e6);
    expect(q.parms.maxP).toBe(85899345 + 21474836);
    expect(q.parms.maxPDelta).toBe(Math.round(107374181 / 60000)); // DIV_ROUND_CLOSEST: 1790
    q.vars.qavg = 40000 * 32; // below target_min = 54000
    sim.run(1000e6);
    expect(q.parms.maxP).toBe(Math.floor(107374181 / 10) * 9);
  });
});
