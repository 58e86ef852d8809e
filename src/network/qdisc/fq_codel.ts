/**
 * fq_codel: Fair Queue CoDel, as Linux 6.1's net/sched/sch_fq_codel.c.
 *
 * The model in plain words: packets are hashed by flow into `flows` (1024)
 * buckets, each a FIFO with its own CoDel state (codel.ts). A deficit round
 * robin serves the buckets `quantum` bytes (1514) at a time: a bucket that
 * becomes active joins the list of *new* flows with a full quantum, and new
 * flows are served before *old* ones, so a sparse flow's packets overtake
 * the queues of bulk flows. A bucket whose deficit is spent gets another
 * quantum and moves to the tail of the old list; a new bucket that runs
 * empty moves to the old list (so it cannot come back as new at once and
 * starve the old ones), an old one that runs empty leaves the lists.
 *
 * When the qdisc holds more than `limit` packets (10240) or its packets'
 * memory (skb->truesize) exceeds `memory_limit` (32 MB), fq_codel_drop finds
 * the bucket with the largest backlog in bytes and drops packets from its
 * head, up to `drop_batch` (64) or until half that backlog is gone, and adds
 * their number to that bucket's CoDel count. ECN is on by default: CoDel
 * marks ECT packets instead of dropping them; `ce_threshold` marks at a
 * sojourn time without dropping.
 *
 * Flow hashing: Linux uses skb_get_hash() (in 6.1 a siphash of the flow
 * dissector's keys, the 5-tuple, with a random key drawn once per boot)
 * scaled into the buckets (reciprocal_scale). The simulator has no
 * 5-tuples; it hashes the flow id with jhash_3words and a key drawn from the
 * run's seed ("qdisc/fq_codel/hashrnd"). The function differs, the property
 * that matters does not: each run places flows in buckets as a random hash
 * does, so, as on a real host, two flows may share a bucket (with n flows
 * and b buckets the chance is about n(n-1)/2b: 11% for 16 flows in 1024),
 * and which flows collide changes with the seed, not with the flows' order.
 *
 * Memory per packet is modelled as the truesize of a received skb
 * (kmath.skbTruesize: 2176 bytes for a full-size frame), not measured.
 */
import { CodelStats, CodelVars, codelDequeue, codelParamsFrom, type CodelParams, type CodelQueue } from './codel.js';
import { PacketFifo } from './fifo.js';
import { jhash3words, reciprocalScale, skbTruesize } from './kmath.js';
import type { Qdisc, QdiscEnv, QdiscHooks } from './qdisc.js';
import type { Packet } from '../packet.js';

export interface FqCodelParams {
  /** Packet limit of the whole qdisc (default 10240). */
  limit: number;
  /** Hash buckets (default 1024, 1..65536). */
  flows: number;
  /** ns (default 5ms). */
  target: number;
  /** ns (default 100ms). */
  interval: number;
  /** DRR quantum in bytes (default psched_mtu = 1514). */
  quantum: number;
  /** Bytes of skb truesize (default 32mb). */
  memory_limit: number;
  /** Packets dropped at most per overflow (default 64). */
  drop_batch: number;
  /** Mark instead of drop (default on). */
  ecn: boolean;
  /** ns, or null when off. */
  ce_threshold: number | null;
}

/** One bucket: struct fq_codel_flow (its CoDel state is the object itself). */
export class FqFlow extends CodelVars {
  readonly q = new PacketFifo(16);
  deficit = 0;
  /** In new_flows or old_flows (!list_empty(&flow->flowchain)). */
  listed = false;
  /** Next flow in the list this flow is in. */
  nextInList: FqFlow | null = null;
  /** Bytes queued (q->backlogs[idx]). */
  backlog = 0;
  constructor(readonly index: number) {
    super();
  }
}

/** A FIFO list of flows (new_flows / old_flows): only its head is ever removed. */
class FlowList {
  head: FqFlow | null = null;
  tail: FqFlow | null = null;

  get empty(): boolean {
    return this.head === null;
  }

  pushTail(f: FqFlow): void {
    f.nextInList = null;
    if (this.tail === null) this.head = f;
    else this.tail.nextInList = f;
    this.tail = f;
  }

  popHead(): FqFlow {
    const f = this.head!;
    this.head = f.nextInList;
    if (this.head === null) this.tail = null;
    f.nextInList = null;
    return f;
  }
}

export class FqCodel implements Qdisc, CodelQueue {
  readonly kind = 'fq_codel';
  readonly canBypass = false;
  drops = 0;
  readonly cparams: CodelParams;
  readonly cstats = new CodelStats();
  /** Packets dropped because of the limit or memory_limit (drop_overlimit). */
  dropOverlimit = 0;
  dropOvermemory = 0;
  /** Flows that became active (new_flow_count). */
  newFlowCount = 0;
  /** Bytes of truesize held (memory_usage). */
  memoryUsage = 0;

  private readonly flowsCnt: number;
  private readonly quantum: number;
  private readonly limit: number;
  private readonly memoryLimit: number;
  private readonly dropBatchSize: number;
  private readonly hashrnd: number;
  private readonly flowTable: (FqFlow | undefined)[];
  /** Bucket of each flow id, computed once. */
  private readonly bucketOf: number[] = [];
  readonly newFlows = new FlowList();
  readonly oldFlows = new FlowList();
  private qlen = 0;
  private backlog = 0;

  constructor(
    p: FqCodelParams,
    private readonly hooks: QdiscHooks,
    env: Pick<QdiscEnv, 'rng'>,
  ) {
    this.flowsCnt = p.flows;
    this.quantum = p.quantum;
    this.limit = p.limit;
    this.memoryLimit = Math.min(2 ** 31, p.memory_limit);
    this.dropBatchSize = Math.max(1, p.drop_batch);
    this.cparams = codelParamsFrom(p);
    this.hashrnd = env.rng('fq_codel/hashrnd').nextU32();
    this.flowTable = new Array(p.flows);
  }

  get backlogPackets(): number {
    return this.qlen;
  }

  get backlogBytes(): number {
    return this.backlog;
  }

  get marks(): number {
    return this.cstats.ecnMark + this.cstats.ceMark;
  }

  /** fq_codel_hash: the bucket of a flow id (skb_get_hash scaled into flows_cnt). */
  bucket(flowId: number): number {
    let b = this.bucketOf[flowId];
    if (b === undefined) {
      let h = jhash3words(flowId >>> 0, 0, 0, this.hashrnd);
      if (h === 0) h = 1; // __flow_hash_from_keys never returns 0
      b = reciprocalScale(h, this.flowsCnt);
      this.bucketOf[flowId] = b;
    }
    return b;
  }

  /** The bucket object at index i (created on first use; Linux allocates all of them). */
  flowAt(i: number): FqFlow {
    let f = this.flowTable[i];
    if (f === undefined) {
      f = new FqFlow(i);
      this.flowTable[i] = f;
    }
    return f;
  }

  enqueue(p: Packet): void {
    const idx = this.bucket(p.flow);
    const flow = this.flowAt(idx);
    flow.q.push(p); // codel_set_enqueue_time: the link stamped p.enqueueNs
    flow.backlog += p.wireBytes;
    this.backlog += p.wireBytes;
    if (!flow.listed) {
      this.newFlows.pushTail(flow);
      flow.listed = true;
      this.newFlowCount++;
      flow.deficit = this.quantum;
    }
    this.memoryUsage += skbTruesize(p.wireBytes);
    const memoryLimited = this.memoryUsage > this.memoryLimit;
    if (++this.qlen <= this.limit && !memoryLimited) return;

    const prevQlen = this.qlen;
    this.fqCodelDrop(this.dropBatchSize);
    const dropped = prevQlen - this.qlen;
    this.dropOverlimit += dropped;
    if (memoryLimited) this.dropOvermemory += dropped;
  }

  /**
   * fq_codel_drop: find the fattest bucket (largest byte backlog, the first
   * one on ties) and drop from its head until half its backlog is gone or
   * maxPackets were dropped. Returns the bucket index.
   */
  fqCodelDrop(maxPackets: number): number {
    let maxbacklog = 0;
    let idx = 0;
    for (let i = 0; i < this.flowsCnt; i++) {
      const f = this.flowTable[i];
      if (f !== undefined && f.backlog > maxbacklog) {
        maxbacklog = f.backlog;
        idx = i;
      }
    }
    // our goal is to drop half of this fat flow's backlog
    const threshold = maxbacklog >>> 1;
    const flow = this.flowAt(idx);
    let len = 0;
    let mem = 0;
    let i = 0;
    do {
      const p = flow.q.shift();
      len += p.wireBytes;
      mem += skbTruesize(p.wireBytes);
      this.drops++;
      this.hooks.drop(p);
    } while (++i < maxPackets && len < threshold);
    // tell codel to increase its signal strength also
    flow.count = (flow.count + i) >>> 0;
    flow.backlog -= len;
    this.memoryUsage -= mem;
    this.backlog -= len;
    this.qlen -= i;
    return idx;
  }

  dequeue(nowNs: number): Packet | null {
    for (;;) {
      let list = this.newFlows;
      if (list.empty) {
        list = this.oldFlows;
        if (list.empty) return null;
      }
      const flow = list.head!;
      if (flow.deficit <= 0) {
        flow.deficit += this.quantum;
        list.popHead();
        this.oldFlows.pushTail(flow);
        continue;
      }
      const p = codelDequeue(this, flow, this.cparams, this.cstats, nowNs);
      if (p === null) {
        // force a pass through old_flows to prevent starvation
        list.popHead();
        if (list === this.newFlows && !this.oldFlows.empty) this.oldFlows.pushTail(flow);
        else flow.listed = false;
        continue;
      }
      flow.deficit -= p.wireBytes;
      return p;
    }
  }

  forEach(fn: (p: Packet) => void): void {
    for (const f of this.flowTable) if (f !== undefined) f.q.forEach(fn);
  }

  // --- CodelQueue, for the flow being served ---

  codelDequeueHead(vars: CodelVars): Packet | null {
    const flow = vars as FqFlow;
    if (flow.q.length === 0) return null;
    const p = flow.q.shift();
    flow.backlog -= p.wireBytes;
    this.memoryUsage -= skbTruesize(p.wireBytes);
    this.qlen--;
    this.backlog -= p.wireBytes;
    return p;
  }

  codelDrop(p: Packet): void {
    this.drops++;
    this.hooks.drop(p);
  }

  codelMark(p: Packet): void {
    this.hooks.mark(p);
  }
}
