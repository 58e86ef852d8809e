/**
 * Run a scenario in the simulator and produce the shared result schema.
 *
 * The run samples every flow and the bottleneck queue at the scenario's
 * sampling interval (timeseries.csv), logs every change of a flow's
 * congestion state and CC mode as it happens (transitions.csv), snapshots
 * each flow when its application stops, and at the end checks packet
 * conservation per flow: data packets sent = delivered + dropped + still in
 * the network.
 *
 * A warm-up (`warmup`, as iperf3 -O) is left out of every metric: at its end
 * the run snapshots each flow's and the link's counters and forgets the RTT
 * and queueing-delay samples so far; the summary counts what happened after
 * it, over each flow's time after it. A flow whose whole life lies within
 * the warm-up (a short flow that finished in it) is marked `inWarmup` and
 * left out of the aggregates.
 */
import type { ResolvedScenario } from '../scenario/resolve.js';
import { scenarioHash } from '../scenario/resolve.js';
import { SUMMARY_SCHEMA, type FlowSummary, type RunSummary } from '../results/schema.js';
import type { TimeseriesRow, TransitionRow } from '../results/write.js';
import { jainIndex, mbps, round6, rttStats } from '../results/metrics.js';
import { buildNetwork, dataPacketsInNetwork, type Network } from './topology.js';
import type { TcpSender } from '../tcp/sender.js';
import type { StateLog } from '../tcp/sock.js';
import { CA_STATE_NAMES } from '../tcp/types.js';
import { LogHistogram } from '../network/histogram.js';
import { fctBlock } from '../results/fct.js';
import { probeSummary, type ProbeRecord } from '../results/probe.js';

export interface SimResult {
  summary: RunSummary;
  timeseries: TimeseriesRow[];
  /** Every change of a flow's congestion state or CC mode, in time order. */
  transitions: TransitionRow[];
  /** The latency probe's requests (send time, round trip), when the scenario has one. */
  probe: ProbeRecord[] | null;
  events: number;
  dataPackets: number;
  /** Per-flow extra state for tests (cc info at the end). */
  network: Network;
}

interface FlowSnapshot {
  bytesDelivered: number;
  bytesSent: number;
  bytesRetrans: number;
  segsSent: number;
  segsRetrans: number;
  rtoCount: number;
  ceReceived: number;
  eceAcks: number;
  cwrSent: number;
}

function snapshot(net: Network, i: number): FlowSnapshot {
  const s = net.senders[i]!;
  return {
    bytesDelivered: net.receivers[i]!.bytesDelivered,
    bytesSent: s.stats.bytesSent,
    bytesRetrans: s.stats.bytesRetrans,
    segsSent: s.stats.segsSent,
    segsRetrans: s.stats.segsRetrans,
    rtoCount: s.stats.rtoCount,
    ceReceived: net.receivers[i]!.ceArrived,
    eceAcks: s.stats.eceAcks,
    cwrSent: s.stats.cwrSent,
  };
}

/** Counters of `a` since `b`. */
function minus(a: FlowSnapshot, b: FlowSnapshot): FlowSnapshot {
  return {
    bytesDelivered: a.bytesDelivered - b.bytesDelivered,
    bytesSent: a.bytesSent - b.bytesSent,
    bytesRetrans: a.bytesRetrans - b.bytesRetrans,
    segsSent: a.segsSent - b.segsSent,
    segsRetrans: a.segsRetrans - b.segsRetrans,
    rtoCount: a.rtoCount - b.rtoCount,
    ceReceived: a.ceReceived - b.ceReceived,
    eceAcks: a.eceAcks - b.eceAcks,
    cwrSent: a.cwrSent - b.cwrSent,
  };
}

/** Delivery rate as ss reports it (tcp_get_info: rate_delivered * mss / rate_interval), Mbit/s. */
function deliveryRateMbps(s: TcpSender): number {
  if (s.rateIntervalUs <= 0) return 0;
  return (s.rateDelivered * s.mss * 8) / s.rateIntervalUs;
}

export interface SimHooks {
  /** Called after the network is built, before the run: tests use it to inject faults or probes. */
  setup?(net: Network): void;
}

export function runSimulation(sc: ResolvedScenario, hooks: SimHooks = {}): SimResult {
  const net = buildNetwork(sc);
  hooks.setup?.(net);
  const { sim } = net;
  const n = sc.flows.length;
  const rows: TimeseriesRow[] = [];
  const snaps: (FlowSnapshot | null)[] = new Array(n).fill(null);
  const queueSamples = new LogHistogram();
  let queueMax = 0;

  // the transition log: every sender reports its state changes here
  const transitions: TransitionRow[] = [];
  const stateLog: StateLog = {
    record(timeNs, flow, kind, from, to) {
      transitions.push({ time_s: round6(timeNs / 1e9), flow, kind, from, to });
    },
  };
  for (const s of net.senders) s.stateLog = stateLog;

  // the warm-up's end: counters so far are subtracted, samples so far forgotten
  const warmupNs = sc.warmupNs ?? 0;
  const zero: FlowSnapshot = { bytesDelivered: 0, bytesSent: 0, bytesRetrans: 0, segsSent: 0, segsRetrans: 0, rtoCount: 0, ceReceived: 0, eceAcks: 0, cwrSent: 0 };
  const warm: FlowSnapshot[] = sc.flows.map(() => zero);
  const linkWarm = { deliveredBytes: 0, queueDrops: 0, randomDrops: 0, ackDrops: 0, marks: 0 };
  if (warmupNs > 0) {
    sim.timer(() => {
      for (let i = 0; i < n; i++) {
        warm[i] = snapshot(net, i);
        net.senders[i]!.stats.rttUs.reset();
      }
      linkWarm.deliveredBytes = net.bottleneck.deliveredBytes;
      linkWarm.queueDrops = net.bottleneck.drops;
      linkWarm.randomDrops = net.dataLoss.drops;
      linkWarm.ackDrops = net.ackLoss.drops;
      linkWarm.marks = net.bottleneck.marks;
      net.bottleneck.queueDelayUs!.reset();
    }).at(warmupNs);
  }

  // flow-end snapshots at each flow's stop time
  sc.flows.forEach((f, i) => {
    const t = sim.timer(() => {
      snaps[i] = snapshot(net, i);
    });
    t.at(f.stopNs);
  });

  // periodic sampling
  const interval = sc.sampleIntervalNs;
  const lastDelivered = new Float64Array(n);
  const srttSamples: number[][] = sc.flows.map(() => []);
  let lastLinkBytes = 0;
  const sampler = sim.timer(() => {
    const t = sim.now;
    const ts = round6(t / 1e9);
    for (let i = 0; i < n; i++) {
      const s = net.senders[i]!;
      const r = net.receivers[i]!;
      const f = sc.flows[i]!;
      if (t < f.startNs || t > f.stopNs + interval) {
        lastDelivered[i] = r.bytesDelivered;
        continue;
      }
      if (t <= f.stopNs && t > warmupNs && s.srttUs8 > 0) srttSamples[i]!.push(s.srttUs / 1000);
      const delivered = r.bytesDelivered - lastDelivered[i]!;
      lastDelivered[i] = r.bytesDelivered;
      rows.push({
        time_s: ts,
        flow: i,
        cwnd_pkts: s.sndCwnd,
        pacing_mbps: s.pacingStatus === 0 && s.pacingRate === 0 ? 0 : round6((s.pacingRate * 8) / 1e6),
        inflight_pkts: s.inFlight,
        delivery_mbps: round6(deliveryRateMbps(s)),
        srtt_ms: round6(s.srttUs / 1000),
        goodput_mbps: round6((delivered * 8) / (interval / 1e9) / 1e6),
        retrans_segs: s.stats.segsRetrans,
        ca_state: CA_STATE_NAMES[s.caState],
        cc_mode: s.ccMode,
      });
    }
    const q = net.bottleneck.queuedPackets;
    if (t > warmupNs) {
      queueSamples.record(q);
      if (q > queueMax) queueMax = q;
    }
    const linkBytes = net.bottleneck.deliveredBytes - lastLinkBytes;
    lastLinkBytes = net.bottleneck.deliveredBytes;
    rows.push({
      time_s: ts,
      flow: 'link',
      queue_pkts: q,
      queue_bytes: net.bottleneck.queuedBytes,
      link_mbps: round6((linkBytes * 8) / (interval / 1e9) / 1e6),
    });
    if (t + interval <= sc.durationNs) sampler.after(interval);
  });
  sampler.at(interval);

  sim.run(sc.durationNs);

  const flows: FlowSummary[] = sc.flows.map((f, i) => {
    const s = net.senders[i]!;
    // a byte-limited flow is active until its last byte is ACKed (as iperf3 -n times it)
    const endNs = s.completionNs >= 0 ? Math.min(s.completionNs, f.stopNs) : f.stopNs;
    // measured after the warm-up; a flow that ended within it is not measured at all
    const inWarmup = warmupNs > 0 && endNs <= warmupNs;
    const snap = inWarmup ? zero : minus(snaps[i] ?? snapshot(net, i), warm[i]!);
    const activeS = inWarmup ? 0 : (endNs - Math.max(f.startNs, warmupNs)) / 1e9;
    const h = s.stats.rttUs;
    return {
      id: f.id,
      group: f.group,
      cc: f.cc,
      startS: round6(f.startNs / 1e9),
      endS: round6(endNs / 1e9),
      goodputMbps: mbps(snap.bytesDelivered, activeS),
      throughputMbps: mbps(snap.bytesSent, activeS),
      bytesSent: snap.bytesSent,
      bytesRetrans: snap.bytesRetrans,
      bytesDelivered: snap.bytesDelivered,
      retransRatio: snap.bytesSent > 0 ? round6(snap.bytesRetrans / snap.bytesSent) : 0,
      segsSent: snap.segsSent,
      segsRetrans: snap.segsRetrans,
      rttMs: {
        min: round6(h.count ? h.min / 1000 : 0),
        mean: round6(h.mean() / 1000),
        p50: round6(h.quantile(0.5) / 1000),
        p95: round6(h.quantile(0.95) / 1000),
        p99: round6(h.quantile(0.99) / 1000),
      },
      srttMs: rttStats(srttSamples[i]!),
      rtoCount: snap.rtoCount,
      // finished: every byte ACKed by the flow's stop time (the run's end unless given)
      completionS: s.completionNs >= 0 && s.completionNs <= f.stopNs ? round6((s.completionNs - f.startNs) / 1e9) : null,
      ...(inWarmup ? { inWarmup: true } : {}),
      // only for a flow that negotiated ECN: other summaries keep their bytes
      ...(s.ecnOk ? { ecn: { ceReceived: snap.ceReceived, eceAcks: snap.eceAcks, cwrSent: snap.cwrSent } } : {}),
    };
  });

  const inNet = dataPacketsInNetwork(net, n);
  const conservation = sc.flows.map((_f, i) => ({
    flow: i,
    sent: net.senders[i]!.stats.packetsToNetwork,
    delivered: net.receivers[i]!.packetsArrived + net.receivers[i]!.synsArrived,
    dropped: net.dataDrops[i]!,
    inFlight: inNet[i]!,
  }));
  for (const c of conservation) {
    if (c.delivered + c.dropped + c.inFlight !== c.sent) {
      throw new Error(`internal error: flow ${c.flow} sent ${c.sent} packets but ${c.delivered} arrived, ${c.dropped} were dropped and ${c.inFlight} are in flight`);
    }
  }

  const durationS = sc.durationNs / 1e9;
  const pr = net.probe;
  const probeRecords: ProbeRecord[] | null = pr ? pr.sentNs.map((t, i) => ({ tS: t / 1e9, rttMs: Number.isNaN(pr.rttNs[i]!) ? null : pr.rttNs[i]! / 1e6 })) : null;
  const measuredS = (sc.durationNs - warmupNs) / 1e9;
  const measured = flows.filter((f) => f.inWarmup !== true);
  const qd = net.bottleneck.queueDelayUs!;
  // drop-tail summaries keep their shape (and the golden files their bytes)
  const aqm = sc.link.qdisc !== 'droptail';
  const summary: RunSummary = {
    schema: SUMMARY_SCHEMA,
    source: 'sim',
    scenario: sc.name,
    scenarioHash: scenarioHash(sc),
    seed: sc.seed,
    durationS: round6(durationS),
    ...(warmupNs > 0 ? { warmupS: round6(warmupNs / 1e9) } : {}),
    link: {
      rateMbps: round6(sc.link.rateBps / 1e6),
      rttMs: round6(sc.link.rttNs / 1e6),
      queuePackets: sc.link.queuePackets,
      ...(aqm ? { qdisc: sc.link.qdisc } : {}),
      utilization: round6(((net.bottleneck.deliveredBytes - linkWarm.deliveredBytes) * 8) / (sc.link.rateBps * measuredS)),
      drops: {
        queue: net.bottleneck.drops - linkWarm.queueDrops,
        random: net.dataLoss.drops - linkWarm.randomDrops,
        ack: net.ackLoss.drops - linkWarm.ackDrops,
      },
      ...(aqm ? { marks: net.bottleneck.marks - linkWarm.marks } : {}),
      queuePkts: { mean: round6(queueSamples.mean()), p95: round6(queueSamples.quantile(0.95)), max: queueMax },
      queueDelayMs: qd.count > 0 ? { mean: round6(qd.mean() / 1000), p95: round6(qd.quantile(0.95) / 1000) } : null,
    },
    flows,
    aggregate: {
      goodputMbps: round6(measured.reduce((a, f) => a + f.goodputMbps, 0)),
      jain: round6(jainIndex(measured.map((f) => f.goodputMbps))),
    },
    ...fctBlock(sc, flows),
    ...(probeRecords ? { probe: probeSummary(probeRecords, warmupNs / 1e9, durationS) } : {}),
    conservation,
  };

  const dataPackets = net.senders.reduce((a, s) => a + s.stats.packetsToNetwork, 0);
  return { summary, timeseries: rows, transitions, probe: probeRecords, events: sim.events, dataPackets, network: net };
}
