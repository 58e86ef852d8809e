/**
 * PIE against values computed by hand from Linux 6.1's net/sched/sch_pie.c
 * (pie_calculate_probability, pie_drop_early, pie_process_dequeue) and
 * include/net/pie.h, with its u64 arithmetic: probabilities are fractions
 * of MAX_PROB = 2^56 - 1, times psched ticks of 64 ns (15625 per ms),
 * alpha = 2 and beta = 20 sixteenths scaled to 576460752 and 5764607522
 * per tick before the probability-dependent shifts.
 */
import { describe, expect, it } from 'vitest';
import { Simulator } from '../../src/engine/sim.js';
import {
  MAX_PROB,
  Pie,
  PieVars,
  pieCalculateProbability,
  pieDropEarly,
  pieKernelParams,
  pieProcessDequeue,
  type PieParams,
} from '../../src/network/qdisc/pie.js';
import { ECN } from '../../src/network/packet.js';
import { env, pkt, recorder } from './qdisc-helpers.js';

const DEFAULTS: PieParams = { limit: 1000, target: 15e6, tupdate: 15e6, alpha: 2, beta: 20, ecn: false, bytemode: false, dq_rate_estimator: false };
const K = pieKernelParams(DEFAULTS);
const MS = 15625n; // psched ticks per ms
const T = K.target;

function update(prob: bigint, qdelay: bigint, qdelayOld: bigint, backlog = 1): PieVars {
  const v = new PieVars();
  v.prob = prob;
  v.qdelay = qdelay;
  v.qdelayOld = qdelayOld;
  pieCalculateProbability(K, v, backlog);
  return v;
}

describe('PIE parameters in kernel units', () => {
  it('target in psched ticks; tupdate rounded up to jiffies (HZ 250: 15 ms -> 4 jiffies)', () => {
    expect(T).toBe(234375n);
    expect(K.tupdate).toBe(4);
    expect(pieKernelParams({ ...DEFAULTS, tupdate: 30e6 }).tupdate).toBe(8);
  });
});

describe('pie_calculate_probability', () => {
  it('scales alpha and beta down by decades of the probability (RFC 8033)', () => {
    // delay 1 ms above target, steady: delta = alpha x 15625 ticks
    const cases: [bigint, bigint][] = [
      [0n, 281474n], // p < 0.0001%: alpha / 2 / 4^5
      [MAX_PROB / 1000n, 72057594n], // p = 0.1%: alpha / 2 / 4
      [MAX_PROB / 100n, 288230376n], // p = 1%: alpha / 2
      [MAX_PROB / 10n, 576460752n], // p >= 10%: alpha
      [MAX_PROB / 2n, 576460752n],
    ];
    for (const [prob, alpha] of cases) {
      const v = update(prob, T + MS, T + MS);
      expect(v.prob - prob).toBe(alpha * MS);
    }
  });

  it('adds beta times the change of the delay', () => {
    const v = update(MAX_PROB / 100n, T, T - MS);
    expect(v.prob).toBe(765611936644904n); // + 2882303761 x 15625
  });

  it('caps an increase at 2% once the probability is 10% or more', () => {
    const v = update(MAX_PROB / 10n, T + 100n * MS, T);
    expect(v.prob - MAX_PROB / 10n).toBe((MAX_PROB / 100n) * 2n);
  });

  it('adds 2% at delays above 250 ms', () => {
    const v = update(MAX_PROB / 100n, 260n * MS, 260n * MS);
    expect(v.prob).toBe(3265109729262837n);
  });

  it('decays by 1/64 after two updates with no delay and no backlog', () => {
    const v = update(MAX_PROB / 2n, 0n, 0n, 0);
    const afterDelta = MAX_PROB / 2n - 576460752n * T;
    expect(v.prob).toBe(afterDelta - afterDelta / 64n);
    // with a backlog but no measured delay the update skips the decay
    const w = update(MAX_PROB / 2n, 0n, 0n, 3000);
    expect(w.prob).toBe(afterDelta);
  });

  it('does not go below zero', () => {
    const v = update(1000n, 0n, T, 0);
    expect(v.prob).toBe(0n);
  });

  it('restarts the measurement cycle (burst allowance) when the delay stays low and p is zero', () => {
    const v = new PieVars();
    v.burstTime = 0n;
    v.qdelay = 0n;
    v.qdelayOld = 0n;
    pieCalculateProbability(K, v, 0);
    expect(v.burstTime).toBe(2343750n); // 150 ms
  });
});

describe('pie_drop_early', () => {
  const busy = (prob: bigint) => {
    const v = new PieVars();
    v.burstTime = 0n;
    v.prob = prob;
    v.qdelay = T; // not below target / 2
    return v;
  };
  const never = () => MAX_PROB;
  const always = () => 0n;

  it('never drops while burst allowance remains', () => {
    const v = busy(MAX_PROB / 2n);
    v.burstTime = 1n;
    for (let i = 0; i < 50; i++) expect(pieDropEarly(K, v, 100_000, 1514, always)).toBe(false);
  });

  it('never drops with delay below target/2 and p < 20%, nor with under two MTUs queued', () => {
    const v = busy(MAX_PROB / 6n);
    v.qdelay = T / 2n - 1n;
    expect(pieDropEarly(K, v, 100_000, 1514, always)).toBe(false);
    const w = busy(MAX_PROB / 2n);
    expect(pieDropEarly(K, w, 2 * 1514 - 1, 1514, always)).toBe(false);
  });

  it('de-randomises: no drop until the accumulated probability reaches 0.85, always one at 8.5', () => {
    const v = busy(MAX_PROB / 2n);
    const drops: number[] = [];
    for (let i = 1; i <= 40; i++) if (pieDropEarly(K, v, 100_000, 1514, never)) drops.push(i);
    // 0.5 per packet: the 17th brings the sum to 8.5; the count starts again only after a drop by draw
    expect(drops[0]).toBe(17);
    const w = busy(MAX_PROB / 2n);
    expect(pieDropEarly(K, w, 100_000, 1514, always)).toBe(false); // 0.5 < 0.85
    expect(pieDropEarly(K, w, 100_000, 1514, always)).toBe(true); // 1.0: draw
    expect(w.accuProb).toBe(0n);
  });

  it('in bytemode scales the probability by packet size', () => {
    const k = { ...K, bytemode: true };
    const v = busy(MAX_PROB / 2n);
    pieDropEarly(k, v, 100_000, 757, never);
    expect(v.accuProb).toBe(757n * (MAX_PROB / 2n / 1514n));
  });
});

describe('pie_process_dequeue', () => {
  it('measures the delay from timestamps and spends the burst allowance', () => {
    const v = new PieVars();
    pieProcessDequeue(pkt(0, 0, 0), K, v, 50_000, 1e9);
    expect(v.qdelay).toBe(15625000n); // 1 s in ticks
    expect(v.burstTime).toBe(2343750n); // first dequeue: no time elapsed yet
    pieProcessDequeue(pkt(0, 1, 990e6), K, v, 50_000, 1e9 + 10e6);
    expect(v.qdelay).toBe(20n * MS);
    expect(v.burstTime).toBe(2343750n - 10n * MS);
    pieProcessDequeue(pkt(0, 2, 1e9), K, v, 0, 1e9 + 20e6);
    expect(v.qdelay).toBe(0n); // the queue ran empty
  });

  it('with dq_rate_estimator, measures the departure rate over 16 KB cycles (Little\'s law)', () => {
    const k = { ...K, dqRateEstimator: true };
    const v = new PieVars();
    // 1514-byte packets leaving at 1 Gbit/s (12112 ns apart) with 100 queued
    for (let i = 0; i <= 10; i++) pieProcessDequeue(pkt(0, i), k, v, 100 * 1514, 1e9 + i * 12112);
    // 11 packets = 16654 bytes over 10 gaps (1892 ticks): (16654 << 8) / 1892
    expect(v.avgDqRate).toBe(Math.floor((16654 * 256) / 1892));
    const rate = v.avgDqRate;
    v.prob = MAX_PROB / 100n; // (so that the update does not restart the measurement cycle)
    pieCalculateProbability(k, v, 100 * 1514);
    expect(v.qdelay).toBe(BigInt(Math.floor((100 * 1514 * 256) / rate))); // 17203 ticks: 1.1 ms
    expect(v.avgDqRate).toBe(rate);
  });
});

describe('sch_pie enqueue and timer', () => {
  it('updates the probability first HZ/2 after set-up, then every tupdate (16 ms)', () => {
    const sim = new Simulator();
    const rec = recorder();
    const q = new Pie(DEFAULTS, env(rec, sim));
    const seen: bigint[] = [];
    q.vars.qdelay = T + 10n * MS;
    q.vars.qdelayOld = T + 10n * MS;
    for (const t of [499, 500, 515, 516, 531, 532]) {
      sim.run(t * 1e6);
      seen.push(q.vars.prob);
    }
    const step = 281474n * 10n * MS;
    expect(seen[0]).toBe(0n);
    expect(seen[1]).toBe(step);
    expect(seen[2]).toBe(step);
    expect(seen[3]! > step).toBe(true);
    expect(seen[4]).toBe(seen[3]);
    expect(seen[5]! > seen[4]!).toBe(true);
  });

  it('marks ECT packets while p <= 10% with ecn, drops them above; always drops Not-ECT ones', () => {
    const run = (prob: bigint, ecnOn: boolean, ecn: 0 | 2) => {
      const rec = recorder();
      const q = new Pie({ ...DEFAULTS, ecn: ecnOn }, env(rec));
      for (let i = 0; i < 10; i++) q.enqueue(pkt(0, i, 0, ecn));
      q.vars.burstTime = 0n;
      q.vars.qdelay = T;
      q.vars.prob = prob;
      q.vars.accuProb = MAX_PROB * 9n; // past 8.5: the next early check drops
      q.enqueue(pkt(0, 10, 0, ecn));
      return { rec, q };
    };
    const mark = run(MAX_PROB / 10n, true, ECN.ECT_0);
    expect([mark.rec.marked.length, mark.rec.dropped.length, mark.q.backlogPackets, mark.q.marks]).toEqual([1, 0, 11, 1]);
    const high = run(MAX_PROB / 10n + 1n, true, ECN.ECT_0);
    expect([high.rec.marked.length, high.rec.dropped.length]).toEqual([0, 1]);
    const notEct = run(MAX_PROB / 20n, true, ECN.NOT_ECT);
    expect([notEct.rec.marked.length, notEct.rec.dropped.length]).toEqual([0, 1]);
    const off = run(MAX_PROB / 20n, false, ECN.ECT_0);
    expect([off.rec.marked.length, off.rec.dropped.length]).toEqual([0, 1]);
    expect(off.q.vars.accuProb).toBe(0n);
  });

  it('drops arrivals beyond limit packets (overlimit)', () => {
    const rec = recorder();
    const q = new Pie({ ...DEFAULTS, limit: 4 }, env(rec));
    for (let i = 0; i < 6; i++) q.enqueue(pkt(0, i));
    expect(q.backlogPackets).toBe(4);
    expect([q.overlimit, q.drops]).toEqual([2, 2]);
  });
});
