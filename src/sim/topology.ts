/**
 * The simulated network of a scenario (a dumbbell):
 *
 *   senders -> access link -> random loss -> bottleneck (qdisc + serializer)
 *           -> propagation delay (+ jitter) -> receivers
 *   receivers -> ACK loss -> host timing noise + reverse propagation delay -> senders
 *
 * All flows share the access link (one sending host, as in the kernel
 * harness) and the bottleneck. The access link runs at link.accessRate
 * (default ten times the bottleneck) with an unlimited drop-tail queue; the
 * bottleneck runs the scenario's queue discipline (link.qdisc) at link.rate.
 * Both hosts negotiate ECN as net.ipv4.tcp_ecn = 1 would for a flow with
 * `ecn` on; its data leaves ECT(0), and an AQM with `ecn` marks it CE.
 *
 * With reverse flows (flows[].direction: reverse) the link is symmetric, as
 * an ns-3 point-to-point link or flent's rrul on a symmetric line: the
 * reverse direction becomes a bottleneck of its own (see buildReverse):
 *
 *   receiving host -> host timing noise (its ACKs) -> access link -> ACK-direction loss
 *                  -> reverse bottleneck (own qdisc instance) -> reverse delay -> sending host
 *
 * A reverse flow's sender sits on the receiving host and its receiver on the
 * sending host; its ACKs cross the forward direction (with the sending
 * host's timing noise), where forward data queues ahead of them, as reverse
 * data queues ahead of the forward flows' ACKs.
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
import { arrivalSchedule, type Arrival } from '../traffic/schedule.js';
import { hasReverseFlows, type ResolvedScenario } from '../scenario/resolve.js';
import { buildChain, chainPacketsInNetwork, type ChainHop } from './chain.js';
import { scheduleWorkloads } from './workloads.js';
import { QuicSender } from '../quic/sender.js';
import { QuicReceiver } from '../quic/receiver.js';
import { quicCcSpec } from '../quic/cc/index.js';
import { INITIAL_MAX_DATAGRAM_SIZE } from '../quic/frames.js';
import { QUIC_DEFAULT_PATH_MTU, QUIC_DEFAULT_PMTUD } from '../quic/mtu-discoverer.js';

/** A flow's sending end: TCP's, or a QUIC connection's (flows[].transport: quic). */
export type FlowSender = TcpSender | QuicSender;
export type FlowReceiver = TcpReceiver | QuicReceiver;

/** A QUIC flow's two ends (src/quic): its controller from the QUIC registry, the receiver's RTT the sender's. */
export function quicFlow(sim: Simulator, pool: PacketPool, f: ResolvedScenario['flows'][number]): { sender: QuicSender; receiver: QuicReceiver } {
  const spec = quicCcSpec(f.cc);
  if (spec === undefined) throw new Error(`internal error: unknown QUIC congestion control ${f.cc}`);
  const sender = new QuicSender(sim, pool, { flow: f.id, bytes: f.bytes, startNs: f.startNs, stopNs: f.stopNs, cc: spec, ccParams: f.brutal, maxDatagramSize: INITIAL_MAX_DATAGRAM_SIZE, pmtud: f.quic?.pmtud ?? QUIC_DEFAULT_PMTUD, pathMtu: f.quic?.mtuBytes ?? QUIC_DEFAULT_PATH_MTU });
  const receiver = new QuicReceiver(sim, pool, f.id, spec.windows, () => sender.handler.rtt.smoothedRttNs);
  return { sender, receiver };
}

export interface Network {
  sim: Simulator;
  pool: PacketPool;
  senders: FlowSender[];
  receivers: FlowReceiver[];
  /** Timing noise of the receiving host's ACKs. */
  receiverHost: HostJitter;
  access: Bottleneck;
  dataLoss: LossStage;
  bottleneck: Bottleneck;
  fwdPipe: DelayLine<Packet>;
  ackLoss: LossStage;
  /** The ACK path's delay line (of flows with the link's RTT). */
  revPipe: DelayLine<Packet>;
  /** Return lines by extra delay (ns; 0: revPipe), for flows with an RTT of their own. */
  revLines: Map<number, DelayLine<Packet>>;
  /** Per-flow data packets dropped in the network (random + queue). */
  dataDrops: Float64Array;
  /** Per-flow data packets dropped by random loss. */
  randomDrops: Float64Array;
  /** Per-flow data packets dropped at the bottleneck queue (tail, overflow and AQM drops). */
  queueDrops: Float64Array;
  /** Per-flow packets the bottleneck's qdisc marked CE. */
  ceMarks: Float64Array;
  /** The reverse direction's bottleneck and lines when flows send data that way (buildReverse); absent otherwise. */
  reverse?: ReverseDirection;
  /** The latency probe (scenario `probe`), whose packets carry flow id = number of flows; null without one. */
  probe: LatencyProbe | null;
  /** Per flow: its workload's connections when it is a workload (arrivals), else null. */
  workloads: (Workload | null)[];
  /** Packet ids in use: flows, the probe's, then every workload connection's (sizes the per-id counters). */
  ids: number;
  /** A chain of links (scenario `links:`, sim/chain.ts): every link's stages; the fields above are then its narrowest link's. */
  chain?: ChainHop[];
}

/** The link's reverse direction as a bottleneck (scenarios with reverse flows). */
export interface ReverseDirection {
  /** The receiving host's access link (every packet it sends). */
  access: Bottleneck;
  /** The reverse bottleneck: the link's rate (or reverse trace), its own instance of the link's qdisc. */
  bottleneck: Bottleneck;
  /** The forward direction's delay lines by extra delay (reverse flows' ACKs on their own path; 0: fwdPipe). */
  fwdLines: Map<number, DelayLine<Packet>>;
  /** Packets waiting out their host's timing noise before they leave it: the receiving host's ACKs, the sending host's. */
  receiverHostLine: DelayLine<Packet>;
  senderHostLine: DelayLine<Packet>;
  /** Per-packet-id: the flow sends data the reverse way. */
  isReverse: Uint8Array;
  /** Where the receiving host's and the sending host's ACKs (and the probe's replies) go: through the host's timing noise. */
  fromReceiver: PacketSink;
  fromSender: PacketSink;
}

/** One connection of a workload, created when it arrives. */
export interface Connection {
  /** Its packets' flow id (ids after the flows' and the probe's). */
  id: number;
  arrival: Arrival;
  sender: TcpSender | null;
  receiver: TcpReceiver | null;
}

/** A workload flow (scenario `arrivals`): its connections in arrival order, and the RTT samples they share. */
export interface Workload {
  conns: Connection[];
  rttUs: LogHistogram;
}

export function buildNetwork(s: ResolvedScenario): Network {
  if (s.links !== undefined) return buildChain(s);
  const sim = new Simulator();
  const pool = new PacketPool();
  const nFlows = s.flows.length;
  const l = s.link;
  // packet ids: the flows, the probe, then the workloads' connections
  const schedules = s.flows.map((f) => (f.arrivals ? arrivalSchedule(f.arrivals, s.seed, f.id, f.startNs, f.stopNs) : null));
  const ids = nFlows + 1 + schedules.reduce((a, x) => a + (x?.length ?? 0), 0);
  const dataDrops = new Float64Array(ids);
  const randomDrops = new Float64Array(ids);
  const queueDrops = new Float64Array(ids);
  const ceMarks = new Float64Array(ids);

  const senders: FlowSender[] = [];
  const receivers: FlowReceiver[] = [];

  const receiverHost = new HostJitter(sim, l.hostJitterNs, s.seed, 'host/receiver', l.ackJitter ?? null);
  const access = new Bottleneck(sim, pool, new ConstantRate(l.accessRateBps), (env) => new DropTail({ limitPackets: Number.MAX_SAFE_INTEGER, limitBytes: null }, env.hooks));
  const dataLoss = new LossStage(pool, l.loss, s.seed, 'loss/data');
  const qdisc = qdiscEntry(l.qdisc);
  if (qdisc === undefined) throw new Error(`internal error: unknown qdisc ${l.qdisc}`);
  const resolvedQdisc = { params: l.qdiscParams ?? {}, limitPackets: l.queuePackets, limitBytes: l.queueBytes };
  // a trace-driven link follows its delivery opportunities (network/trace.ts)
  const rate = l.trace?.forward ? new TraceRate(readResolvedTrace(l.trace.forward)) : new ConstantRate(l.rateBps);
  const bottleneck = new Bottleneck(sim, pool, rate, (env) => qdisc.create(resolvedQdisc, env), { recordDelay: true }, s.seed, 'qdisc');
  // where each flow's packets arrive at either end (the probe's at index nFlows)
  let fwdSinks: PacketSink[] = receivers;
  let revSinks: PacketSink[] = senders;
  const fwdPipe = new DelayLine<Packet>(sim, (p) => fwdSinks[p.flow]!.receive(p), 4096);
  const ackLoss = new LossStage(pool, { kind: 'bernoulli', p: l.ackLoss }, s.seed, 'loss/ack');
  const revPipe = new DelayLine<Packet>(sim, (p) => revSinks[p.flow]!.receive(p), 4096);
  // flows with an RTT of their own: a return line per extra delay (each stays in time order)
  const revLines = new Map<number, DelayLine<Packet>>([[0, revPipe]]);
  const extraOf = (f: ResolvedScenario['flows'][number]) => f.extraDelayNs ?? 0;
  for (const f of s.flows) {
    if (!revLines.has(extraOf(f))) revLines.set(extraOf(f), new DelayLine<Packet>(sim, (p) => revSinks[p.flow]!.receive(p), 4096));
  }

  dataLoss.onDrop = (p) => {
    dataDrops[p.flow]!++;
    randomDrops[p.flow]!++;
  };
  bottleneck.onDrop = (p) => {
    dataDrops[p.flow]!++;
    queueDrops[p.flow]!++;
  };
  bottleneck.onMark = (p) => {
    ceMarks[p.flow]!++;
  };

  access.next = dataLoss;
  dataLoss.next = bottleneck;
  const fwdDelay = l.fwdDelayNs;
  const jitter = l.jitterNs;
  if (jitter > 0) {
    // netem jitter: uniform in [-jitter, +jitter); packets leave in time order, so they can reorder
    const rngs: Rng[] = [];
    bottleneck.next = {
      receive(p: Packet) {
        let r = rngs[p.flow];
        if (r === undefined) {
          r = new Rng(s.seed, `jitter/flow${p.flow}`);
          rngs[p.flow] = r;
        }
        const d = Math.max(0, fwdDelay + Math.floor(r.next() * 2 * jitter) - jitter);
        fwdPipe.push(p, sim.now + d);
      },
    };
  } else {
    bottleneck.next = { receive: (p: Packet) => fwdPipe.push(p, sim.now + fwdDelay) };
  }
  const revDelay = l.revDelayNs;
  // a reverse trace: the ACK direction is a trace-driven link too, with mahimahi's unlimited drop-tail queue
  let revLink: Bottleneck | null = null;
  if (l.trace?.reverse) {
    revLink = new Bottleneck(sim, pool, new TraceRate(readResolvedTrace(l.trace.reverse)), (env) => new DropTail({ limitPackets: Number.MAX_SAFE_INTEGER, limitBytes: null }, env.hooks));
    ackLoss.next = revLink;
  }
  const ackExit: { next: PacketSink } = revLink ?? ackLoss;
  if (revLines.size === 1) {
    ackExit.next = { receive: (p: Packet) => revPipe.push(p, receiverHost.exitTime(p.flow) + revDelay) };
  } else {
    // each packet id's return line and its delay (the probe's: the link's)
    const lineOf: DelayLine<Packet>[] = new Array(ids).fill(revPipe);
    const delayOf = new Float64Array(ids).fill(revDelay);
    let id = nFlows + 1;
    s.flows.forEach((f, i) => {
      const n = 1 + (schedules[i]?.length ?? 0);
      for (let k = 0; k < n; k++) {
        const at = k === 0 ? i : id++;
        lineOf[at] = revLines.get(extraOf(f))!;
        delayOf[at] = revDelay + extraOf(f);
      }
    });
    ackExit.next = { receive: (p: Packet) => lineOf[p.flow]!.push(p, receiverHost.exitTime(p.flow) + delayOf[p.flow]!) };
  }

  for (const f of s.flows) {
    if (f.transport === 'quic') {
      // a QUIC connection (src/quic): its packets cross the same stages as TCP's
      const { sender, receiver } = quicFlow(sim, pool, f);
      sender.out = access;
      receiver.out = ackLoss as PacketSink;
      senders.push(sender);
      receivers.push(receiver);
      continue;
    }
    // a workload's own slot never connects: its connections do the work
    const sender = new TcpSender(sim, pool, createCc(f), {
      flow: f.id,
      mss: f.mss,
      bytes: f.bytes,
      startNs: f.arrivals ? s.durationNs + 1 : f.startNs,
      stopNs: f.arrivals ? s.durationNs + 1 : f.stopNs,
      fqPacing: f.pacing === 'fq',
      timerSlackNs: l.hostJitterNs,
      ecn: f.ecn === true,
      ...(f.app ? { app: f.app } : {}),
      seed: s.seed,
    });
    sender.out = access;
    const receiver = new TcpReceiver(sim, pool, f.id, f.mss, f.rwndBytes);
    // the receiving socket runs the flow's CC too (iperf3 -C sets it on both ends); only one that
    // needs ECN acts there (DCTCP's CE echo)
    if (ccSpec(f.cc)?.ecn === 'required') receiver.ca = createCc(f);
    receiver.out = ackLoss as PacketSink;
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
    probe.out = access;
    probe.replyOut = ackLoss;
    fwdSinks[nFlows] = probe.responder;
    revSinks[nFlows] = probe;
  }

  // workloads: each connection is made when it arrives, with a sender and receiver of its own
  const workloads = scheduleWorkloads(sim, pool, s, schedules, nFlows + 1, () => l.hostJitterNs, (f, id, sender, receiver) => {
    sender.out = access;
    receiver.out = ackLoss as PacketSink;
    fwdSinks[id] = receiver;
    revSinks[id] = sender;
    if (net.reverse) placeConnection(net.reverse, id, sender, receiver, f.direction === 'reverse', fwdSinks, revSinks);
  });

  const net: Network = { sim, pool, senders, receivers, receiverHost, access, dataLoss, bottleneck, fwdPipe, ackLoss, revPipe, dataDrops, randomDrops, queueDrops, ceMarks, probe, workloads, ids, revLines };
  if (hasReverseFlows(s)) {
    // the sinks become per-id tables of their own, as with a probe or workloads
    if (fwdSinks === receivers) {
      fwdSinks = [...receivers];
      revSinks = [...senders];
    }
    net.reverse = buildReverse(s, net, schedules, fwdSinks, revSinks);
  }
  return net;
}

/** Data packets of each packet id currently inside the network (queues, wires, pipes). */
export function dataPacketsInNetwork(net: Network): Float64Array {
  if (net.chain !== undefined) return chainPacketsInNetwork(net.chain, net.ids);
  const counts = new Float64Array(net.ids);
  const count = (p: Packet) => {
    if (!p.isAck) counts[p.flow]!++;
  };
  net.access.forEach(count);
  net.bottleneck.forEach(count);
  net.fwdPipe.forEach(count);
  const r = net.reverse;
  if (r) {
    // reverse data, and every line a packet may be in (ACKs are not counted)
    for (const line of r.fwdLines.values()) if (line !== net.fwdPipe) line.forEach(count);
    r.access.forEach(count);
    r.bottleneck.forEach(count);
    for (const line of net.revLines.values()) line.forEach(count);
  }
  return counts;
}

/**
 * Make the link's reverse direction a bottleneck (scenarios with reverse
 * flows) and put each reverse flow's sender on the receiving host and its
 * receiver on the sending host.
 *
 * The two directions are alike: the host's access link, random loss
 * (link.loss forward, link.ackLoss reverse: every packet the direction
 * carries, data or ACK, as netem on the router's two egresses), the
 * bottleneck (link.rate, or the reverse trace, and the link's qdisc and
 * buffer, an instance each), the one-way delay (jitter forward only). ACKs
 * leave their host after its timing noise (receiverHost, and a sending-host
 * twin for the reverse flows' ACKs), now before the access link rather
 * than added to the delay. A flow's extra delay (flows[].rtt) lies on its
 * ACKs' way: the reverse direction for a forward flow, the forward
 * direction for a reverse flow.
 */
function buildReverse(s: ResolvedScenario, net: Network, schedules: (Arrival[] | null)[], fwdSinks: PacketSink[], revSinks: PacketSink[]): ReverseDirection {
  const { sim, pool } = net;
  const l = s.link;
  const nFlows = s.flows.length;
  const isReverse = new Uint8Array(net.ids);
  const extraOfId = new Float64Array(net.ids);
  let id = nFlows + 1;
  s.flows.forEach((f, i) => {
    const n = 1 + (schedules[i]?.length ?? 0);
    for (let k = 0; k < n; k++) {
      const at = k === 0 ? i : id++;
      isReverse[at] = f.direction === 'reverse' ? 1 : 0;
      extraOfId[at] = f.extraDelayNs ?? 0;
    }
  });

  // counters: only data counts against a flow (ACKs of the other direction cross these stages too)
  net.dataLoss.onDrop = (p) => {
    if (p.isAck) return;
    net.dataDrops[p.flow]!++;
    net.randomDrops[p.flow]!++;
  };
  net.ackLoss.onDrop = net.dataLoss.onDrop;
  const queueDrop = (p: Packet) => {
    if (p.isAck) return;
    net.dataDrops[p.flow]!++;
    net.queueDrops[p.flow]!++;
  };
  net.bottleneck.onDrop = queueDrop;

  // the reverse direction: access link -> ACK-direction loss -> bottleneck -> delay lines
  const access = new Bottleneck(sim, pool, new ConstantRate(l.accessRateBps), (env) => new DropTail({ limitPackets: Number.MAX_SAFE_INTEGER, limitBytes: null }, env.hooks));
  const qdisc = qdiscEntry(l.qdisc)!;
  const resolvedQdisc = { params: l.qdiscParams ?? {}, limitPackets: l.queuePackets, limitBytes: l.queueBytes };
  const rate = l.trace?.reverse ? new TraceRate(readResolvedTrace(l.trace.reverse)) : new ConstantRate(l.rateBps);
  const bottleneck = new Bottleneck(sim, pool, rate, (env) => qdisc.create(resolvedQdisc, env), { recordDelay: true }, s.seed, 'qdisc-rev');
  bottleneck.onDrop = queueDrop;
  bottleneck.onMark = (p) => {
    net.ceMarks[p.flow]!++;
  };
  access.next = net.ackLoss;
  net.ackLoss.next = bottleneck;
  // forward flows' ACKs on their own path's delay; reverse data on the link's
  const revDelay = l.revDelayNs;
  const revLineOf: DelayLine<Packet>[] = new Array(net.ids).fill(net.revPipe);
  const revDelayOf = new Float64Array(net.ids).fill(revDelay);
  for (let i = 0; i < net.ids; i++) {
    if (isReverse[i] || extraOfId[i] === 0) continue;
    revLineOf[i] = net.revLines.get(extraOfId[i]!)!;
    revDelayOf[i] = revDelay + extraOfId[i]!;
  }
  bottleneck.next = { receive: (p: Packet) => revLineOf[p.flow]!.push(p, sim.now + revDelayOf[p.flow]!) };

  // the forward direction's exit: reverse flows' ACKs on their own path's delay
  const fwdLines = new Map<number, DelayLine<Packet>>([[0, net.fwdPipe]]);
  const fwdLineOf: DelayLine<Packet>[] = new Array(net.ids).fill(net.fwdPipe);
  const fwdExtraOf = new Float64Array(net.ids);
  for (let i = 0; i < net.ids; i++) {
    if (!isReverse[i] || extraOfId[i] === 0) continue;
    const extra = extraOfId[i]!;
    if (!fwdLines.has(extra)) fwdLines.set(extra, new DelayLine<Packet>(sim, (p) => fwdSinks[p.flow]!.receive(p), 4096));
    fwdLineOf[i] = fwdLines.get(extra)!;
    fwdExtraOf[i] = extra;
  }
  const fwdDelay = l.fwdDelayNs;
  const jitter = l.jitterNs;
  const jitterRngs: Rng[] = [];
  net.bottleneck.next = {
    receive(p: Packet) {
      let d = fwdDelay;
      if (jitter > 0) {
        // netem jitter on every packet of the forward direction, as in buildNetwork
        let r = jitterRngs[p.flow];
        if (r === undefined) {
          r = new Rng(s.seed, `jitter/flow${p.flow}`);
          jitterRngs[p.flow] = r;
        }
        d = Math.max(0, fwdDelay + Math.floor(r.next() * 2 * jitter) - jitter);
      }
      fwdLineOf[p.flow]!.push(p, sim.now + d + fwdExtraOf[p.flow]!);
    },
  };

  // the hosts' timing noise: ACKs leave after it, into their host's access link
  const receiverHostLine = new DelayLine<Packet>(sim, (p) => access.receive(p), 4096);
  const senderHost = new HostJitter(sim, l.hostJitterNs, s.seed, 'host/sender', l.ackJitter ?? null);
  const senderHostLine = new DelayLine<Packet>(sim, (p) => net.access.receive(p), 4096);
  const fromReceiver: PacketSink = { receive: (p) => receiverHostLine.push(p, net.receiverHost.exitTime(p.flow)) };
  const fromSender: PacketSink = { receive: (p) => senderHostLine.push(p, senderHost.exitTime(p.flow)) };

  const r: ReverseDirection = { access, bottleneck, fwdLines, receiverHostLine, senderHostLine, isReverse, fromReceiver, fromSender };
  s.flows.forEach((f, i) => {
    const sender = net.senders[i]!;
    const receiver = net.receivers[i]!;
    // QUIC flows are forward only (the schema refuses direction on them): their ACKs leave as TCP's do
    if (sender instanceof QuicSender) receiver.out = r.fromReceiver;
    else placeConnection(r, i, sender, receiver as TcpReceiver, f.direction === 'reverse', fwdSinks, revSinks);
  });
  if (net.probe) net.probe.replyOut = fromReceiver;
  return r;
}

/**
 * Put a connection (id: its packets' flow id) in a network with a reverse
 * bottleneck: a forward one's ACKs leave through the receiving host's timing
 * noise; a reverse one's sender sits on the receiving host and its receiver
 * on the sending host.
 */
function placeConnection(r: ReverseDirection, id: number, sender: TcpSender, receiver: TcpReceiver, reverse: boolean, fwdSinks: PacketSink[], revSinks: PacketSink[]): void {
  if (!reverse) {
    receiver.out = r.fromReceiver;
    return;
  }
  sender.out = r.access;
  receiver.out = r.fromSender;
  fwdSinks[id] = sender;
  revSinks[id] = receiver;
}
