/**
 * The simulated network of a chain of links (scenario `links:`, the
 * parking lot; src/scenario/links.ts):
 *
 *   senders@i -> access link i -> random loss i -> bottleneck i (qdisc + serializer)
 *             -> propagation delay i (+ jitter) -> router i+1 -> next link, or receivers@i+1
 *   receivers@j -> ACK loss j -> host timing noise + reverse delay j -> router j
 *             -> ACK loss j-1 -> reverse delay j-1 -> ... -> senders
 *
 * A flow's packets enter the chain at its path's first link and leave it
 * after its last; its ACKs come back over the reverse delays (and ACK
 * losses) of the same links, not rate-limited, as on the single link. Each
 * link is a complete single link: its own loss, queue discipline, rate
 * source (a forward trace too), forward delay and jitter, with random
 * streams named after it (so adding a link never changes another's draws).
 * The senders whose path starts at link i share one access link at its
 * accessRate (one sending host per router); the receivers whose path ends at
 * link j share one receiving host with its hostJitter / ackJitter. A flow's
 * own `rtt` beyond its path's adds delay on its ACKs' way back, after the
 * chain. The probe crosses the whole chain.
 *
 * The single link keeps its own code (topology.ts); this file is only used
 * for `links:`.
 */
import { Simulator } from '../engine/sim.js';
import { DelayLine } from '../engine/pipe.js';
import { Rng } from '../engine/rng.js';
import { Bottleneck } from '../network/bottleneck.js';
import { ConstantRate } from '../network/rate.js';
import { TraceRate } from '../network/trace.js';
import { readResolvedTrace } from '../scenario/trace-file.js';
import { DropTail } from '../network/qdisc/droptail.js';
import { qdiscEntry } from '../network/qdisc/registry.js';
import { LossStage } from '../network/loss.js';
import { HostJitter } from '../network/host.js';
import { PacketPool, type Packet, type PacketSink } from '../network/packet.js';
import { TcpReceiver } from '../tcp/receiver.js';
import { TcpSender } from '../tcp/sender.js';
import { ccSpec, createCc } from '../cc/index.js';
import { LatencyProbe } from './probe.js';
import { LogHistogram } from '../network/histogram.js';
import { arrivalSchedule } from '../traffic/schedule.js';
import type { ResolvedHop, ResolvedScenario } from '../scenario/resolve.js';
import type { Network } from './topology.js';
import { scheduleWorkloads } from './workloads.js';
import type { TimeseriesRow } from '../results/write.js';
import type { ChainLinkSummary } from '../results/schema.js';
import { round6 } from '../results/metrics.js';
import { ETHERNET_HEADER_BYTES } from '../network/wire.js';

/** One link of the chain and the stages that make it. */
export interface ChainHop {
  link: ResolvedHop;
  /** The access link of the senders whose path starts here; null when none does. */
  access: Bottleneck | null;
  dataLoss: LossStage;
  bottleneck: Bottleneck;
  fwdLine: DelayLine<Packet>;
  ackLoss: LossStage;
  revLine: DelayLine<Packet>;
  /** The receiving host of the flows whose path ends here; null when none does. */
  host: HostJitter | null;
  /** Data packets that reached the link (after its access link): counted for its conservation check. */
  arrived: number;
  /** Data packets the link passed on (to the next link or a receiver). */
  passed: number;
  /** Data packets the link dropped (random loss and queue). */
  dropped: number;
  /** The router after the link, forwarding to the next link (null after the last). */
  routerLine: DelayLine<Packet> | null;
}

/**
 * Forwarding noise of a router between two links: each packet leaves it up
 * to this much late (uniform, in order), as hostJitter's default for end
 * hosts: a Linux router's softirq forwarding is not perfectly periodic.
 * (It does not remove the phase lock described in docs/fidelity-notes.md,
 * "Parking lots": noise of the order of a packet's transmission time would.)
 */
export const ROUTER_JITTER_NS = 20_000;

export function buildChain(s: ResolvedScenario): Network {
  const sim = new Simulator();
  const pool = new PacketPool();
  const nFlows = s.flows.length;
  const links = s.links!;
  const last = links.length - 1;
  const schedules = s.flows.map((f) => (f.arrivals ? arrivalSchedule(f.arrivals, s.seed, f.id, f.startNs, f.stopNs) : null));
  const ids = nFlows + 1 + schedules.reduce((a, x) => a + (x?.length ?? 0), 0);
  const dataDrops = new Float64Array(ids);
  const randomDrops = new Float64Array(ids);
  const queueDrops = new Float64Array(ids);
  const ceMarks = new Float64Array(ids);

  // each packet id's first and last link and its extra return delay (the probe's: the whole chain)
  const firstOf = new Int32Array(ids);
  const lastOf = new Int32Array(ids).fill(last);
  const extraOf = new Float64Array(ids);
  let nextConn = nFlows + 1;
  s.flows.forEach((f, i) => {
    const n = 1 + (schedules[i]?.length ?? 0);
    for (let k = 0; k < n; k++) {
      const at = k === 0 ? i : nextConn++;
      firstOf[at] = f.path![0]!;
      lastOf[at] = f.path![f.path!.length - 1]!;
      extraOf[at] = f.extraDelayNs ?? 0;
    }
  });
  const starts = new Set<number>([0, ...s.flows.map((f) => f.path![0]!)]);
  const ends = new Set<number>([last, ...s.flows.map((f) => f.path![f.path!.length - 1]!)]);

  const senders: TcpSender[] = [];
  const receivers: TcpReceiver[] = [];
  let fwdSinks: PacketSink[] = receivers;
  let revSinks: PacketSink[] = senders;

  // ACKs that have crossed the chain back: to the sender, after the flow's own extra delay
  const extraLine = new DelayLine<Packet>(sim, (p) => revSinks[p.flow]!.receive(p), 4096);
  const toSender = (p: Packet) => {
    const x = extraOf[p.flow]!;
    if (x > 0) extraLine.push(p, sim.now + x);
    else revSinks[p.flow]!.receive(p);
  };

  const hops: ChainHop[] = [];
  for (let i = 0; i <= last; i++) {
    const l = links[i]!;
    const qdisc = qdiscEntry(l.qdisc);
    if (qdisc === undefined) throw new Error(`internal error: unknown qdisc ${l.qdisc}`);
    const resolvedQdisc = { params: l.qdiscParams ?? {}, limitPackets: l.queuePackets, limitBytes: l.queueBytes };
    const rate = l.trace?.forward ? new TraceRate(readResolvedTrace(l.trace.forward)) : new ConstantRate(l.rateBps);
    const hop: ChainHop = {
      link: l,
      access: starts.has(i) ? new Bottleneck(sim, pool, new ConstantRate(l.accessRateBps), (env) => new DropTail({ limitPackets: Number.MAX_SAFE_INTEGER, limitBytes: null }, env.hooks)) : null,
      dataLoss: new LossStage(pool, l.loss, s.seed, `loss/data/${l.name}`),
      bottleneck: new Bottleneck(sim, pool, rate, (env) => qdisc.create(resolvedQdisc, env), { recordDelay: true }, s.seed, `qdisc/${l.name}`),
      fwdLine: null as unknown as DelayLine<Packet>,
      ackLoss: new LossStage(pool, { kind: 'bernoulli', p: l.ackLoss }, s.seed, `loss/ack/${l.name}`),
      revLine: null as unknown as DelayLine<Packet>,
      host: ends.has(i) ? new HostJitter(sim, l.hostJitterNs, s.seed, `host/receiver/${l.name}`, l.ackJitter ?? null) : null,
      arrived: 0,
      passed: 0,
      dropped: 0,
      routerLine: null,
    };
    hops.push(hop);
  }
  for (let i = 0; i <= last; i++) {
    const hop = hops[i]!;
    const l = hop.link;
    // forward: after this link's delay, the next link (through the router's forwarding noise) or the receiver
    const next = hops[i + 1];
    const router = next ? new HostJitter(sim, ROUTER_JITTER_NS, s.seed, `router/${next.link.name}`, null) : null;
    const routerLine = next
      ? new DelayLine<Packet>(
          sim,
          (p) => {
            if (!p.isAck) next.arrived++;
            next.dataLoss.receive(p);
          },
          4096,
        )
      : null;
    hop.fwdLine = new DelayLine<Packet>(
      sim,
      (p) => {
        if (!p.isAck) hop.passed++;
        if (lastOf[p.flow] === i) fwdSinks[p.flow]!.receive(p);
        else routerLine!.push(p, router!.exitTime(p.flow));
      },
      4096,
    );
    hop.routerLine = routerLine;
    // reverse: after this link's reverse delay, the previous link's ACK loss or the sender
    hop.revLine = new DelayLine<Packet>(sim, (p) => (firstOf[p.flow] === i ? toSender(p) : hops[i - 1]!.ackLoss.receive(p)), 4096);
    if (hop.access) {
      hop.access.next = {
        receive(p: Packet) {
          if (!p.isAck) hop.arrived++;
          hop.dataLoss.receive(p);
        },
      };
    }
    hop.dataLoss.next = hop.bottleneck;
    hop.dataLoss.onDrop = (p) => {
      if (!p.isAck) hop.dropped++;
      dataDrops[p.flow]!++;
      randomDrops[p.flow]!++;
    };
    hop.bottleneck.onDrop = (p) => {
      if (!p.isAck) hop.dropped++;
      dataDrops[p.flow]!++;
      queueDrops[p.flow]!++;
    };
    hop.bottleneck.onMark = (p) => {
      ceMarks[p.flow]!++;
    };
    const fwdDelay = l.fwdDelayNs;
    const jitter = l.jitterNs;
    if (jitter > 0) {
      const rngs: Rng[] = [];
      hop.bottleneck.next = {
        receive(p: Packet) {
          let r = rngs[p.flow];
          if (r === undefined) {
            r = new Rng(s.seed, `jitter/${l.name}/flow${p.flow}`);
            rngs[p.flow] = r;
          }
          hop.fwdLine.push(p, Math.max(sim.now, sim.now + fwdDelay + Math.floor(r.next() * 2 * jitter) - jitter));
        },
      };
    } else {
      hop.bottleneck.next = { receive: (p: Packet) => hop.fwdLine.push(p, sim.now + fwdDelay) };
    }
    const revDelay = l.revDelayNs;
    const host = hop.host;
    // an ACK from this link's receiving host leaves it with the host's timing noise
    hop.ackLoss.next = { receive: (p: Packet) => hop.revLine.push(p, (host !== null && lastOf[p.flow] === i ? host.exitTime(p.flow) : sim.now) + revDelay) };
  }

  for (const f of s.flows) {
    const first = hops[f.path![0]!]!;
    const end = hops[f.path![f.path!.length - 1]!]!;
    const sender = new TcpSender(sim, pool, createCc(f), {
      flow: f.id,
      mss: f.mss,
      bytes: f.bytes,
      startNs: f.arrivals ? s.durationNs + 1 : f.startNs,
      stopNs: f.arrivals ? s.durationNs + 1 : f.stopNs,
      fqPacing: f.pacing === 'fq',
      timerSlackNs: first.link.hostJitterNs,
      ecn: f.ecn === true,
      ...(f.app ? { app: f.app } : {}),
      seed: s.seed,
    });
    sender.out = first.access!;
    const receiver = new TcpReceiver(sim, pool, f.id, f.mss, f.rwndBytes);
    if (ccSpec(f.cc)?.ecn === 'required') receiver.ca = createCc(f);
    receiver.out = end.ackLoss as PacketSink;
    senders.push(sender);
    receivers.push(receiver);
  }

  let probe: LatencyProbe | null = null;
  if (s.probe || ids > nFlows + 1) {
    fwdSinks = [...receivers];
    revSinks = [...senders];
  }
  if (s.probe) {
    probe = new LatencyProbe(sim, pool, nFlows, s.probe);
    probe.out = hops[0]!.access!;
    probe.replyOut = hops[last]!.ackLoss;
    fwdSinks[nFlows] = probe.responder;
    revSinks[nFlows] = probe;
  }

  const workloads = scheduleWorkloads(sim, pool, s, schedules, nFlows + 1, (f) => hops[f.path![0]!]!.link.hostJitterNs, (f, id, sender, receiver) => {
    sender.out = hops[f.path![0]!]!.access!;
    receiver.out = hops[f.path![f.path!.length - 1]!]!.ackLoss as PacketSink;
    fwdSinks[id] = receiver;
    revSinks[id] = sender;
  });

  // the fields of a single link's network: the narrowest link's stages (what single-link readers see)
  const narrow = hops[links.findIndex((l) => l.rateBps === s.link.rateBps)]!;
  return {
    sim,
    pool,
    senders,
    receivers,
    receiverHost: hops[last]!.host!,
    access: hops[0]!.access!,
    dataLoss: narrow.dataLoss,
    bottleneck: narrow.bottleneck,
    fwdPipe: narrow.fwdLine,
    ackLoss: narrow.ackLoss,
    revPipe: narrow.revLine,
    revLines: new Map([[0, narrow.revLine]]),
    dataDrops,
    randomDrops,
    queueDrops,
    ceMarks,
    probe,
    workloads,
    ids,
    chain: hops,
  };
}

/** Data packets of each packet id currently inside the chain (access links, queues, delay lines). */
export function chainPacketsInNetwork(hops: readonly ChainHop[], ids: number): Float64Array {
  const counts = new Float64Array(ids);
  const count = (p: Packet) => {
    if (!p.isAck) counts[p.flow]!++;
  };
  for (const h of hops) {
    h.access?.forEach(count);
    h.bottleneck.forEach(count);
    h.fwdLine.forEach(count);
    h.routerLine?.forEach(count);
  }
  return counts;
}

/**
 * A link's packet conservation: data packets that reached it = passed on +
 * dropped (random and queue) + inside it (queue, wire, delay line). A
 * packet in the router's line after it has been passed on already (it
 * counts as passed when it leaves the delay line, and as the next link's
 * arrival when it leaves the router), so it is not inside.
 */
export function hopConservation(h: ChainHop): { arrived: number; passed: number; dropped: number; inside: number } {
  let inside = 0;
  const count = (p: Packet) => {
    if (!p.isAck) inside++;
  };
  h.bottleneck.forEach(count);
  h.fwdLine.forEach(count);
  return { arrived: h.arrived, passed: h.passed, dropped: h.dropped, inside };
}

/** A chain link's counters at the warm-up's end. */
interface HopWarm {
  deliveredBytes: number;
  deliveredPackets: number;
  queueDrops: number;
  randomDrops: number;
  ackDrops: number;
  marks: number;
}

/**
 * What a run measures on every link of a chain: the link rows of
 * timeseries.csv (flow = "link:<name>") and the summary's `links` blocks,
 * each as the single link's `link` block (plus its name and queueing-delay
 * percentiles), after the warm-up.
 */
export class ChainStats {
  private readonly warmAt: HopWarm[];
  private readonly lastBytes: number[];
  private readonly queueSamples: LogHistogram[];
  private readonly queueMax: number[];

  constructor(private readonly hops: readonly ChainHop[]) {
    this.warmAt = hops.map(() => ({ deliveredBytes: 0, deliveredPackets: 0, queueDrops: 0, randomDrops: 0, ackDrops: 0, marks: 0 }));
    this.lastBytes = hops.map(() => 0);
    this.queueSamples = hops.map(() => new LogHistogram());
    this.queueMax = hops.map(() => 0);
  }

  /** At the warm-up's end: counters so far are subtracted, queueing delays so far forgotten. */
  warm(): void {
    this.hops.forEach((h, i) => {
      this.warmAt[i] = {
        deliveredBytes: h.bottleneck.deliveredBytes,
        deliveredPackets: h.bottleneck.deliveredPackets,
        queueDrops: h.bottleneck.drops,
        randomDrops: h.dataLoss.drops,
        ackDrops: h.ackLoss.drops,
        marks: h.bottleneck.marks,
      };
      h.bottleneck.queueDelayUs!.reset();
    });
  }

  /** One sample of every link: a row each, and the queue occupancy after the warm-up. */
  sample(measured: boolean, ts: number, intervalNs: number, rows: TimeseriesRow[]): void {
    this.hops.forEach((h, i) => {
      const q = h.bottleneck.queuedPackets;
      if (measured) {
        this.queueSamples[i]!.record(q);
        if (q > this.queueMax[i]!) this.queueMax[i] = q;
      }
      const bytes = h.bottleneck.deliveredBytes - this.lastBytes[i]!;
      this.lastBytes[i] = h.bottleneck.deliveredBytes;
      rows.push({ time_s: ts, flow: `link:${h.link.name}`, queue_pkts: q, queue_bytes: h.bottleneck.queuedBytes, link_mbps: round6((bytes * 8) / (intervalNs / 1e9) / 1e6) });
    });
  }

  /** Every link's summary block, after checking each link conserved its packets. */
  blocks(measuredS: number): ChainLinkSummary[] {
    return this.hops.map((h, i) => {
      const c = hopConservation(h);
      if (c.passed + c.dropped + c.inside !== c.arrived) {
        throw new Error(`internal error: link ${h.link.name} received ${c.arrived} data packets but passed on ${c.passed}, dropped ${c.dropped} and holds ${c.inside}`);
      }
      const l = h.link;
      const w = this.warmAt[i]!;
      const aqm = l.qdisc !== 'droptail';
      const qd = h.bottleneck.queueDelayUs!;
      const qs = this.queueSamples[i]!;
      const bytes = h.bottleneck.deliveredBytes - w.deliveredBytes - (l.trace?.forward ? ETHERNET_HEADER_BYTES * (h.bottleneck.deliveredPackets - w.deliveredPackets) : 0);
      return {
        name: l.name,
        rateMbps: round6(l.rateBps / 1e6),
        rttMs: round6(l.rttNs / 1e6),
        queuePackets: l.queuePackets,
        ...(aqm ? { qdisc: l.qdisc } : {}),
        utilization: round6((bytes * 8) / (l.rateBps * measuredS)),
        drops: { queue: h.bottleneck.drops - w.queueDrops, random: h.dataLoss.drops - w.randomDrops, ack: h.ackLoss.drops - w.ackDrops },
        ...(aqm ? { marks: h.bottleneck.marks - w.marks } : {}),
        queuePkts: { mean: round6(qs.mean()), p95: round6(qs.quantile(0.95)), max: this.queueMax[i]! },
        queueDelayMs:
          qd.count > 0
            ? { mean: round6(qd.mean() / 1000), p95: round6(qd.quantile(0.95) / 1000), p50: round6(qd.quantile(0.5) / 1000), p99: round6(qd.quantile(0.99) / 1000) }
            : null,
      };
    });
  }
}
