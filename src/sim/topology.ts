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
 */
import { Simulator } from '../engine/sim.js';
import { DelayLine } from '../engine/pipe.js';
import { Rng } from '../engine/rng.js';
import { Bottleneck } from '../network/bottleneck.js';
import { ConstantRate } from '../network/rate.js';
import { DropTail } from '../network/qdisc/droptail.js';
import { qdiscEntry } from '../network/qdisc/registry.js';
import { LossStage } from '../network/loss.js';
import { HostJitter } from '../network/host.js';
import { PacketPool, type Packet, type PacketSink } from '../network/packet.js';
import { TcpReceiver } from '../tcp/receiver.js';
import { TcpSender } from '../tcp/sender.js';
import { ccSpec, createCc } from '../cc/index.js';
import { LatencyProbe } from './probe.js';
import type { ResolvedScenario } from '../scenario/resolve.js';

export interface Network {
  sim: Simulator;
  pool: PacketPool;
  senders: TcpSender[];
  receivers: TcpReceiver[];
  /** Timing noise of the receiving host's ACKs. */
  receiverHost: HostJitter;
  access: Bottleneck;
  dataLoss: LossStage;
  bottleneck: Bottleneck;
  fwdPipe: DelayLine<Packet>;
  ackLoss: LossStage;
  revPipe: DelayLine<Packet>;
  /** Per-flow data packets dropped in the network (random + queue). */
  dataDrops: Float64Array;
  /** Per-flow data packets dropped by random loss. */
  randomDrops: Float64Array;
  /** Per-flow data packets dropped at the bottleneck queue (tail, overflow and AQM drops). */
  queueDrops: Float64Array;
  /** Per-flow packets the bottleneck's qdisc marked CE. */
  ceMarks: Float64Array;
  /** The latency probe (scenario `probe`), whose packets carry flow id = number of flows; null without one. */
  probe: LatencyProbe | null;
}

export function buildNetwork(s: ResolvedScenario): Network {
  const sim = new Simulator();
  const pool = new PacketPool();
  const nFlows = s.flows.length;
  const l = s.link;
  const dataDrops = new Float64Array(nFlows);
  const randomDrops = new Float64Array(nFlows);
  const queueDrops = new Float64Array(nFlows);
  const ceMarks = new Float64Array(nFlows);

  const senders: TcpSender[] = [];
  const receivers: TcpReceiver[] = [];

  const receiverHost = new HostJitter(sim, l.hostJitterNs, s.seed, 'host/receiver', l.ackJitter ?? null);
  const access = new Bottleneck(sim, pool, new ConstantRate(l.accessRateBps), (env) => new DropTail({ limitPackets: Number.MAX_SAFE_INTEGER, limitBytes: null }, env.hooks));
  const dataLoss = new LossStage(pool, l.loss, s.seed, 'loss/data');
  const qdisc = qdiscEntry(l.qdisc);
  if (qdisc === undefined) throw new Error(`internal error: unknown qdisc ${l.qdisc}`);
  const resolvedQdisc = { params: l.qdiscParams ?? {}, limitPackets: l.queuePackets, limitBytes: l.queueBytes };
  const bottleneck = new Bottleneck(sim, pool, new ConstantRate(l.rateBps), (env) => qdisc.create(resolvedQdisc, env), { recordDelay: true }, s.seed, 'qdisc');
  // where each flow's packets arrive at either end (the probe's at index nFlows)
  let fwdSinks: PacketSink[] = receivers;
  let revSinks: PacketSink[] = senders;
  const fwdPipe = new DelayLine<Packet>(sim, (p) => fwdSinks[p.flow]!.receive(p), 4096);
  const ackLoss = new LossStage(pool, { kind: 'bernoulli', p: l.ackLoss }, s.seed, 'loss/ack');
  const revPipe = new DelayLine<Packet>(sim, (p) => revSinks[p.flow]!.receive(p), 4096);

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
  ackLoss.next = { receive: (p: Packet) => revPipe.push(p, receiverHost.exitTime(p.flow) + revDelay) };

  for (const f of s.flows) {
    const sender = new TcpSender(sim, pool, createCc(f), {
      flow: f.id,
      mss: f.mss,
      bytes: f.bytes,
      startNs: f.startNs,
      stopNs: f.stopNs,
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
  if (s.probe) {
    probe = new LatencyProbe(sim, pool, nFlows, s.probe);
    probe.out = access;
    probe.replyOut = ackLoss;
    fwdSinks = [...receivers, probe.responder];
    revSinks = [...senders, probe];
  }

  return { sim, pool, senders, receivers, receiverHost, access, dataLoss, bottleneck, fwdPipe, ackLoss, revPipe, dataDrops, randomDrops, queueDrops, ceMarks, probe };
}

/** Data packets of each flow currently inside the network (queues, wires, pipes). */
export function dataPacketsInNetwork(net: Network, nFlows: number): Float64Array {
  const counts = new Float64Array(nFlows);
  const count = (p: Packet) => {
    if (!p.isAck) counts[p.flow]!++;
  };
  net.access.forEach(count);
  net.bottleneck.forEach(count);
  net.fwdPipe.forEach(count);
  return counts;
}
