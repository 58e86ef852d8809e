/**
 * fq_codel's scheduler and overflow handling, by hand from
 * net/sched/sch_fq_codel.c (fq_codel_enqueue, fq_codel_drop,
 * fq_codel_dequeue): DRR with quantum 1514, new flows before old ones, a new
 * flow that runs empty going to the old list, drops from the fattest flow.
 */
import { describe, expect, it } from 'vitest';
import { FqCodel, type FqCodelParams } from '../../src/network/qdisc/fq_codel.js';
import { ECN, type Packet } from '../../src/network/packet.js';
import { env, pkt, recorder } from './qdisc-helpers.js';

const DEFAULTS: FqCodelParams = {
  limit: 10240,
  flows: 1024,
  target: 5e6,
  interval: 100e6,
  quantum: 1514,
  memory_limit: 32 * 1024 * 1024,
  drop_batch: 64,
  ecn: true,
  ce_threshold: null,
};

function make(over: Partial<FqCodelParams> = {}, seed = 1) {
  const rec = recorder();
  const q = new FqCodel({ ...DEFAULTS, ...over }, rec, env(rec, undefined, seed));
  return { q, rec };
}

/** Payload for a packet of `wire` bytes on the wire. */
const payload = (wire: number) => wire - 66;

const name = (p: Packet | null) => (p === null ? '-' : `${'ABCDEFGH'[p.flow]}${p.seg}`);

describe('fq_codel flow hashing', () => {
  it('puts flows into buckets by a seeded jhash, the same for the same seed', () => {
    const a = make({}, 1).q;
    const b = make({}, 1).q;
    const c = make({}, 2).q;
    const ids = [0, 1, 2, 3, 4, 5, 6, 7];
    expect(ids.map((i) => a.bucket(i))).toEqual(ids.map((i) => b.bucket(i)));
    expect(ids.map((i) => a.bucket(i))).not.toEqual(ids.map((i) => c.bucket(i)));
    for (const i of ids) expect(a.bucket(i)).toBeLessThan(1024);
  });

  it('spreads flows over the buckets like a random hash: collisions as often as chance says', () => {
    // 16 flows in 1024 buckets collide with probability ~11%; count seeds with a collision
    let withCollision = 0;
    for (let seed = 1; seed <= 400; seed++) {
      const q = make({}, seed).q;
      const buckets = new Set(Array.from({ length: 16 }, (_, i) => q.bucket(i)));
      if (buckets.size < 16) withCollision++;
    }
    expect(withCollision / 400).toBeGreaterThan(0.06);
    expect(withCollision / 400).toBeLessThan(0.17);
  });

  it('with flows = 1 every flow shares one queue, served in arrival order', () => {
    const { q } = make({ flows: 1 });
    q.enqueue(pkt(0, 0));
    q.enqueue(pkt(1, 0));
    q.enqueue(pkt(0, 1));
    expect([q.dequeue(0), q.dequeue(0), q.dequeue(0)].map(name)).toEqual(['A0', 'B0', 'A1']);
  });
});

describe('fq_codel DRR', () => {
  it('serves backlogged flows a quantum of bytes per round', () => {
    const { q } = make();
    expect(q.bucket(0)).not.toBe(q.bucket(1));
    for (let i = 0; i < 20; i++) q.enqueue(pkt(0, i, 0, ECN.NOT_ECT, payload(1514)));
    for (let i = 0; i < 60; i++) q.enqueue(pkt(1, i, 0, ECN.NOT_ECT, payload(514)));
    const order: string[] = [];
    for (let i = 0; i < 13; i++) order.push(name(q.dequeue(0)).slice(0, 1));
    // A: 1514 per round; B: three 514-byte packets (the third overdraws the deficit to -28)
    expect(order.join('')).toBe('ABBBABBBABBBA');
    expect(q.flowAt(q.bucket(1)).deficit).toBe(1514 - 3 * 514 + 1514 - 3 * 514 + 1514 - 3 * 514 + 1514);
    // over many rounds the byte counts stay within one quantum of each other
    const bytes = [0, 0];
    for (let i = 0; i < 40; i++) {
      const p = q.dequeue(0)!;
      bytes[p.flow]! += p.wireBytes;
    }
    expect(Math.abs(bytes[0]! - bytes[1]!)).toBeLessThanOrEqual(1514);
  });

  it('serves a new flow before old ones', () => {
    const { q } = make();
    for (let i = 0; i < 10; i++) q.enqueue(pkt(0, i));
    expect(name(q.dequeue(0))).toBe('A0');
    expect(name(q.dequeue(0))).toBe('A1'); // A's deficit ran out: it is an old flow now
    q.enqueue(pkt(2, 0));
    expect(name(q.dequeue(0))).toBe('C0');
    expect(q.newFlowCount).toBe(2);
  });

  it('moves a new flow that runs empty to the old list, behind the old flows', () => {
    const { q } = make();
    for (let i = 0; i < 20; i++) q.enqueue(pkt(0, i, 0, ECN.NOT_ECT, payload(514)));
    expect([q.dequeue(0), q.dequeue(0), q.dequeue(0), q.dequeue(0)].map(name)).toEqual(['A0', 'A1', 'A2', 'A3']);
    // A is old with 1486 - 514 = 972 bytes of deficit left
    q.enqueue(pkt(2, 0, 0, ECN.NOT_ECT, 0));
    expect(name(q.dequeue(0))).toBe('C0'); // new first
    expect(name(q.dequeue(0))).toBe('A4'); // C ran empty: moved behind A, not removed
    q.enqueue(pkt(2, 1, 0, ECN.NOT_ECT, 0));
    // C is still listed (old), so its packet waits for A's round to end
    expect(name(q.dequeue(0))).toBe('A5');
    expect(name(q.dequeue(0))).toBe('C1');
    expect(q.newFlowCount).toBe(2);
  });

  it('removes a flow that runs empty when no old flow waits; it comes back as new', () => {
    const { q } = make();
    q.enqueue(pkt(2, 0));
    expect(name(q.dequeue(0))).toBe('C0');
    expect(q.dequeue(0)).toBeNull();
    const c = q.flowAt(q.bucket(2));
    expect(c.listed).toBe(false);
    q.enqueue(pkt(2, 1));
    expect(q.newFlowCount).toBe(2);
    expect(c.deficit).toBe(1514);
  });
});

describe('fq_codel overflow: fq_codel_drop', () => {
  it('drops from the head of the fattest flow until half its backlog is gone', () => {
    const { q, rec } = make({ limit: 10 });
    for (let i = 0; i < 8; i++) q.enqueue(pkt(0, i));
    for (let i = 0; i < 3; i++) q.enqueue(pkt(1, i));
    // the 11th packet (B2) overflows: A holds 8 x 1514 bytes; half is 6056 = 4 packets
    expect(rec.dropped.map(name)).toEqual(['A0', 'A1', 'A2', 'A3']);
    expect(q.backlogPackets).toBe(7);
    expect(q.backlogBytes).toBe(7 * 1514);
    expect(q.dropOverlimit).toBe(4);
    expect(q.drops).toBe(4);
    // CoDel of that flow counts the drops (signal strength)
    expect(q.flowAt(q.bucket(0)).count).toBe(4);
    expect(q.flowAt(q.bucket(1)).count).toBe(0);
  });

  it('an overflow early in a run does not make CoDel resume at that count: it starts dropping at count 1', () => {
    // slow start overflows the limit 0.3 s into the run (fq_codel_drop adds 4 to the flow's count); the queue
    // then stands above target; Linux's clock is far past drop_next = 0, so CoDel enters its dropping state
    // with count = 1, not count - lastcount = 6 (which it would if its clock started at 0 with the run)
    const { q, rec } = make({ limit: 10 });
    for (let i = 0; i < 11; i++) q.enqueue(pkt(0, i, 300e6));
    expect(rec.dropped.length).toBe(6); // half of 11 x 1514 bytes
    const f = q.flowAt(q.bucket(0));
    expect(f.count).toBe(6);
    // first dequeue: above target for the first time; 101 ms later, still above: the first CoDel drop
    q.dequeue(320e6);
    q.dequeue(421e6);
    expect(rec.dropped.length).toBe(7);
    expect(f.dropping).toBe(true);
    expect(f.count).toBe(1);
  });

  it('drops at most drop_batch packets', () => {
    const { q, rec } = make({ limit: 10, drop_batch: 2 });
    for (let i = 0; i < 8; i++) q.enqueue(pkt(0, i));
    for (let i = 0; i < 3; i++) q.enqueue(pkt(1, i));
    expect(rec.dropped.map(name)).toEqual(['A0', 'A1']);
  });

  it('measures fatness in bytes, not packets', () => {
    const { q, rec } = make({ limit: 6 });
    for (let i = 0; i < 4; i++) q.enqueue(pkt(0, i, 0, ECN.NOT_ECT, 0)); // 4 x 66 bytes
    for (let i = 0; i < 3; i++) q.enqueue(pkt(1, i)); // 3 x 1514 bytes
    expect(rec.dropped.map(name)).toEqual(['B0', 'B1']);
  });

  it('drops when the packets\' memory exceeds memory_limit', () => {
    const { q, rec } = make({ memory_limit: 5 * 2176 });
    for (let i = 0; i < 6; i++) q.enqueue(pkt(0, i));
    expect(rec.dropped.length).toBe(3);
    expect(q.dropOvermemory).toBe(3);
    expect(q.memoryUsage).toBe(3 * 2176);
  });
});

describe('fq_codel: CoDel per flow', () => {
  /** Flow A keeps a standing queue; flow B sends a packet every 10 ms; the link takes one packet per ms. */
  function mixed(ect: boolean) {
    const { q, rec } = make();
    let a = 0;
    for (; a < 100; a++) q.enqueue(pkt(0, a, 0, ect ? ECN.ECT_0 : ECN.NOT_ECT));
    const served: { p: Packet; t: number }[] = [];
    for (let ms = 0; ms < 600; ms++) {
      const now = ms * 1e6;
      q.enqueue(pkt(0, a++, now, ect ? ECN.ECT_0 : ECN.NOT_ECT));
      if (ms % 10 === 0) q.enqueue(pkt(1, ms, now, ect ? ECN.ECT_0 : ECN.NOT_ECT));
      const p = q.dequeue(now);
      if (p !== null) served.push({ p, t: now });
    }
    return { q, rec, served };
  }

  it('drops only from the flow with the standing queue; the sparse flow passes at once', () => {
    const { rec, served } = mixed(false);
    expect(rec.dropped.length).toBeGreaterThan(3);
    expect(rec.dropped.every((p) => p.flow === 0)).toBe(true);
    const b = served.filter((s) => s.p.flow === 1);
    expect(b.length).toBe(60);
    // the sparse flow's packets leave at the first dequeue after they arrive, ahead of A's backlog
    // (the very first one after A's first packet: both were new, A first)
    expect(b[0]!.t - b[0]!.p.enqueueNs).toBe(1e6);
    for (const s of b.slice(1)) expect(s.t - s.p.enqueueNs).toBe(0);
    // while A's packets wait for about 100 ms
    const aWait = served.filter((s) => s.p.flow === 0 && s.t > 300e6).map((s) => s.t - s.p.enqueueNs);
    expect(Math.min(...aWait)).toBeGreaterThan(20e6);
  });

  it('marks ECT packets CE instead (ecn is on by default), and drops Not-ECT ones', () => {
    const marked = mixed(true);
    const dropped = mixed(false);
    expect(marked.rec.dropped).toEqual([]);
    expect(marked.rec.marked.length).toBeGreaterThan(3);
    expect(marked.rec.marked.every((p) => p.flow === 0 && p.ecn === ECN.CE)).toBe(true);
    expect(marked.q.marks).toBe(marked.rec.marked.length);
    expect(dropped.rec.marked).toEqual([]);
  });
});
