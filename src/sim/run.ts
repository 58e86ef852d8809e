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
import { flowBottleneckBps, flowRttNs, scenarioHash } from '../scenario/resolve.js';
import { SUMMARY_SCHEMA, type FlowSummary, type RunSummary } from '../results/schema.js';
import type { TimeseriesRow, TransitionRow } from '../results/write.js';
import { jainIndex, mbps, round6, rttStats } from '../results/metrics.js';
import { buildNetwork, dataPacketsInNetwork, type FlowReceiver, type FlowSender, type Network } from './topology.js';
import { QuicSender } from '../quic/sender.js';
import { ChainStats } from './chain.js';
import type { StateLog } from '../tcp/sock.js';
import { CA_STATE_NAMES } from '../tcp/types.js';
import { mean } from 'simple-statistics';
import { DCTCP_MAX_ALPHA } from '../cc/dctcp.js';
import { LogHistogram } from '../network/histogram.js';
import { ETHERNET_HEADER_BYTES } from '../network/wire.js';
import { fctBlock, type ConnectionRow, type FctRecord } from '../results/fct.js';
import type { Workload } from './topology.js';
import { reverseSampler } from './reverse.js';
import { probeSummary, type ProbeRecord } from '../results/probe.js';

export interface SimResult {
  summary: RunSummary;
  timeseries: TimeseriesRow[];
  /** Every change of a flow's congestion state or CC mode, in time order. */
  transitions: TransitionRow[];
  /** The latency probe's requests (send time, round trip), when the scenario has one. */
  probe: ProbeRecord[] | null;
  /** Every workload connection (connections.csv), when the scenario has workloads. */
  connections: ConnectionRow[] | null;
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
  const w = net.workloads[i];
  if (w) {
    const sum: FlowSnapshot = { bytesDelivered: 0, bytesSent: 0, bytesRetrans: 0, segsSent: 0, segsRetrans: 0, rtoCount: 0, ceReceived: 0, eceAcks: 0, cwrSent: 0 };
    for (const c of w.conns) {
      if (c.sender === null) break; // connections are made in arrival order
      const x = connectionSnapshot(c.sender, c.receiver!);
      for (const k of Object.keys(sum) as (keyof FlowSnapshot)[]) sum[k] += x[k];
    }
    return sum;
  }
  return connectionSnapshot(net.senders[i]!, net.receivers[i]!);
}

function connectionSnapshot(s: FlowSender, r: FlowReceiver): FlowSnapshot {
  return {
    bytesDelivered: r.bytesDelivered,
    bytesSent: s.stats.bytesSent,
    bytesRetrans: s.stats.bytesRetrans,
    segsSent: s.stats.segsSent,
    segsRetrans: s.stats.segsRetrans,
    rtoCount: s.stats.rtoCount,
    ceReceived: r.ceArrived,
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
function deliveryRateMbps(s: FlowSender): number {
  if (s.rateIntervalUs <= 0) return 0;
  return (s.rateDelivered * s.mss * 8) / s.rateIntervalUs;
}

/**
 * The time series' delivered_bytes: data the receiver has got so far, as
 * Linux counts it for tcpi_delivered. TCP: tp->delivered (segments SACKed or
 * cumulatively ACKed, each once when it first is; D-SACKed spurious
 * retransmissions too) less the SYN, times the MSS. QUIC: the stream bytes
 * of the packets acknowledged so far.
 */
function deliveredBytes(s: FlowSender): number {
  if (s instanceof QuicSender) return s.deliveredStreamBytes;
  return Math.max(0, s.delivered - 1) * s.mss;
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
  const linkWarm = { deliveredBytes: 0, deliveredPackets: 0, queueDrops: 0, randomDrops: 0, ackDrops: 0, marks: 0 };
  const rev = net.reverse ? reverseSampler(net.reverse.bottleneck) : null;
  // a chain of links (sim/chain.ts): every link measured; `link` is its narrowest
  const chainStats = net.chain ? new ChainStats(net.chain) : null;
  if (warmupNs > 0) {
    sim.timer(() => {
      chainStats?.warm();
      for (let i = 0; i < n; i++) {
        warm[i] = snapshot(net, i);
        (net.workloads[i]?.rttUs ?? net.senders[i]!.stats.rttUs).reset();
      }
      linkWarm.deliveredBytes = net.bottleneck.deliveredBytes;
      linkWarm.deliveredPackets = net.bottleneck.deliveredPackets;
      linkWarm.queueDrops = net.bottleneck.drops;
      linkWarm.randomDrops = net.dataLoss.drops;
      linkWarm.ackDrops = net.ackLoss.drops;
      linkWarm.marks = net.bottleneck.marks;
      net.bottleneck.queueDelayUs!.reset();
      rev?.warmupEnds();
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
  // a DCTCP flow's alpha at each sample in the measured window (dctcpAlphaMean)
  const alphaSamples: number[][] = sc.flows.map(() => []);
  let lastLinkBytes = 0;
  const sampler = sim.timer(() => {
    const t = sim.now;
    const ts = round6(t / 1e9);
    for (let i = 0; i < n; i++) {
      const w = net.workloads[i];
      if (w) {
        const f = sc.flows[i]!;
        const row = workloadRow(w, i, ts, interval, lastDelivered);
        if (t < f.startNs || t > f.stopNs + interval) continue;
        if (row.srtt !== null && t <= f.stopNs && t > warmupNs) srttSamples[i]!.push(row.srtt);
        rows.push(row.row);
        continue;
      }
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
      const dctcp = s.ca.name === 'dctcp' ? dctcpColumns(s.ca.info!()) : {};
      if (dctcp.dctcp_alpha !== undefined && t <= f.stopNs && t > warmupNs) alphaSamples[i]!.push(dctcp.dctcp_alpha);
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
        delivered_bytes: deliveredBytes(s),
        ...(s.ca.name === 'bbr3' ? bbr3Columns(s.ca.info!()) : {}),
        ...dctcp,
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
    if (rev) rows.push(rev.sample(ts, t > warmupNs, interval));
    chainStats?.sample(t > warmupNs, ts, interval, rows);
    if (t + interval <= sc.durationNs) sampler.after(interval);
  });
  sampler.at(interval);

  sim.run(sc.durationNs);

  const flows: FlowSummary[] = sc.flows.map((f, i) => {
    const w = net.workloads[i];
    if (w) return workloadSummary(f, w, minus(snaps[i] ?? snapshot(net, i), warm[i]!), (f.stopNs - Math.max(f.startNs, warmupNs)) / 1e9, rttStats(srttSamples[i]!), flowRttNs(sc, f) - (f.extraDelayNs ?? 0));
    const s = net.senders[i]!;
    // a byte-limited flow is active until its last byte is ACKed (as iperf3 -n times it)
    const endNs = s.completionNs >= 0 ? Math.min(s.completionNs, f.stopNs) : f.stopNs;
    // measured after the warm-up; a flow that ended within it is not measured at all
    const inWarmup = warmupNs > 0 && endNs <= warmupNs;
    const snap = inWarmup ? zero : minus(snaps[i] ?? snapshot(net, i), warm[i]!);
    const activeS = inWarmup ? 0 : (endNs - Math.max(f.startNs, warmupNs)) / 1e9;
    return {
      id: f.id,
      group: f.group,
      cc: f.cc,
      ...(f.extraDelayNs || f.path ? { baseRttMs: round6(flowRttNs(sc, f) / 1e6) } : {}),
      ...(f.direction === 'reverse' ? { direction: 'reverse' as const } : {}),
      ...(f.transport === 'quic' ? { transport: 'quic' as const } : {}),
      ...(s instanceof QuicSender ? { datagramBytes: s.maxDatagramSize, mtuProbes: s.stats.mtuProbes } : {}),
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
      rttMs: histogramRttStats(s.stats.rttUs),
      srttMs: rttStats(srttSamples[i]!),
      rtoCount: snap.rtoCount,
      // finished: every byte ACKed by the flow's stop time (the run's end unless given)
      completionS: s.completionNs >= 0 && s.completionNs <= f.stopNs ? round6((s.completionNs - f.startNs) / 1e9) : null,
      ...(inWarmup ? { inWarmup: true } : {}),
      // only for a flow that negotiated ECN: other summaries keep their bytes
      ...(s.ecnOk ? { ecn: { ceReceived: snap.ceReceived, eceAcks: snap.eceAcks, cwrSent: snap.cwrSent } } : {}),
      ...(alphaSamples[i]!.length ? { dctcpAlphaMean: round6(mean(alphaSamples[i]!)) } : {}),
    };
  });

  // packet conservation, for every flow and every workload connection
  const inNet = dataPacketsInNetwork(net);
  const account = (id: number, s: FlowSender, r: FlowReceiver) => {
    const c = { sent: s.stats.packetsToNetwork, delivered: r.packetsArrived + r.synsArrived, dropped: net.dataDrops[id]!, inFlight: inNet[id]! };
    if (c.delivered + c.dropped + c.inFlight !== c.sent) {
      throw new Error(`internal error: flow ${id} sent ${c.sent} packets but ${c.delivered} arrived, ${c.dropped} were dropped and ${c.inFlight} are in flight`);
    }
    return c;
  };
  const conservation = sc.flows.map((_f, i) => {
    const w = net.workloads[i];
    const c = { flow: i, ...account(i, net.senders[i]!, net.receivers[i]!) };
    for (const x of w?.conns ?? []) {
      if (x.sender === null) break;
      const a = account(x.id, x.sender, x.receiver!);
      c.sent += a.sent;
      c.delivered += a.delivered;
      c.dropped += a.dropped;
      c.inFlight += a.inFlight;
    }
    return c;
  });

  const durationS = sc.durationNs / 1e9;
  // the workloads' connections: each a short flow for the completion times
  const connections: ConnectionRow[] = [];
  const connectionRecords: FctRecord[] = [];
  sc.flows.forEach((f, i) => {
    for (const c of net.workloads[i]?.conns ?? []) {
      const done = c.sender !== null && c.sender.completionNs >= 0 && c.sender.completionNs <= f.stopNs;
      const completionS = done ? (c.sender!.completionNs - c.arrival.startNs) / 1e9 : null;
      connections.push({ flow: i, start_s: round6(c.arrival.startNs / 1e9), bytes: c.arrival.bytes, ...(completionS !== null ? { fct_ms: round6(completionS * 1000) } : {}) });
      if (c.arrival.startNs >= warmupNs) connectionRecords.push({ bytes: c.arrival.bytes, mss: f.mss, completionS, baseRttS: flowRttNs(sc, f) / 1e9, bottleneckBps: flowBottleneckBps(sc, f) });
    }
  });
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
      // a trace's capacity counts IP bytes (mahimahi's), so its utilisation does too
      utilization: round6(
        ((net.bottleneck.deliveredBytes - linkWarm.deliveredBytes - (sc.link.trace?.forward ? ETHERNET_HEADER_BYTES * (net.bottleneck.deliveredPackets - linkWarm.deliveredPackets) : 0)) * 8) /
          (sc.link.rateBps * measuredS),
      ),
      drops: {
        queue: net.bottleneck.drops - linkWarm.queueDrops,
        random: net.dataLoss.drops - linkWarm.randomDrops,
        ack: net.ackLoss.drops - linkWarm.ackDrops,
      },
      ...(aqm ? { marks: net.bottleneck.marks - linkWarm.marks } : {}),
      queuePkts: { mean: round6(queueSamples.mean()), p95: round6(queueSamples.quantile(0.95)), max: queueMax },
      queueDelayMs: qd.count > 0 ? { mean: round6(qd.mean() / 1000), p95: round6(qd.quantile(0.95) / 1000) } : null,
      ...(rev ? { reverse: rev.summary(sc, net.ackLoss.drops - linkWarm.ackDrops, measuredS) } : {}),
    },
    ...(chainStats ? { links: chainStats.blocks(measuredS) } : {}),
    flows,
    aggregate: {
      goodputMbps: round6(measured.reduce((a, f) => a + f.goodputMbps, 0)),
      jain: round6(jainIndex(measured.map((f) => f.goodputMbps))),
    },
    ...fctBlock(sc, flows, connectionRecords),
    ...(probeRecords ? { probe: probeSummary(probeRecords, warmupNs / 1e9, durationS) } : {}),
    conservation,
  };

  const dataPackets = net.senders.reduce((a, s) => a + s.stats.packetsToNetwork, 0);
  return { summary, timeseries: rows, transitions, probe: probeRecords, connections: connections.length > 0 ? connections : null, events: sim.events, dataPackets, network: net };
}

/**
 * A workload's time-series row: its active connections together (cwnd,
 * pacing, in-flight and delivery rate added up, smoothed RTT averaged),
 * goodput from all its connections' in-order bytes, delivered_bytes their
 * delivered data added up. Its mean srtt (ms) is returned for the flow's
 * srtt statistics, null when no connection is active.
 */
function workloadRow(w: Workload, i: number, ts: number, intervalNs: number, lastDelivered: Float64Array): { row: TimeseriesRow; srtt: number | null } {
  let cwnd = 0;
  let pacing = 0;
  let inflight = 0;
  let delivery = 0;
  let srttSum = 0;
  let active = 0;
  let delivered = 0;
  let deliveredAll = 0;
  let retrans = 0;
  for (const c of w.conns) {
    if (c.sender === null) break;
    const s = c.sender;
    delivered += c.receiver!.bytesDelivered;
    deliveredAll += deliveredBytes(s);
    retrans += s.stats.segsRetrans;
    if (s.finished || s.stopped || !s.established) continue;
    active++;
    cwnd += s.sndCwnd;
    pacing += s.pacingRate;
    inflight += s.inFlight;
    delivery += deliveryRateMbps(s);
    srttSum += s.srttUs / 1000;
  }
  const goodput = delivered - lastDelivered[i]!;
  lastDelivered[i] = delivered;
  const srtt = active > 0 ? srttSum / active : null;
  return {
    row: {
      time_s: ts,
      flow: i,
      cwnd_pkts: cwnd,
      pacing_mbps: round6((pacing * 8) / 1e6),
      inflight_pkts: inflight,
      delivery_mbps: round6(delivery),
      srtt_ms: srtt === null ? 0 : round6(srtt),
      goodput_mbps: round6((goodput * 8) / (intervalNs / 1e9) / 1e6),
      retrans_segs: retrans,
      ca_state: '',
      cc_mode: '',
      delivered_bytes: deliveredAll,
    },
    srtt,
  };
}

/** RTT statistics (ms) of a flow's RTT samples (a histogram in us). */
function histogramRttStats(h: LogHistogram): FlowSummary['rttMs'] {
  return {
    min: round6(h.count ? h.min / 1000 : 0),
    mean: round6(h.mean() / 1000),
    p50: round6(h.quantile(0.5) / 1000),
    p95: round6(h.quantile(0.95) / 1000),
    p99: round6(h.quantile(0.99) / 1000),
  };
}

/** A workload's flow summary: its connections' counters together, over the workload's time after the warm-up. */
function workloadSummary(f: ResolvedScenario['flows'][number], w: Workload, snap: FlowSnapshot, activeS: number, srtt: FlowSummary['rttMs'], rttNs: number): FlowSummary {
  const started = w.conns.filter((c) => c.sender !== null);
  return {
    id: f.id,
    group: f.group,
    cc: f.cc,
    ...(f.extraDelayNs || f.path ? { baseRttMs: round6((rttNs + (f.extraDelayNs ?? 0)) / 1e6) } : {}),
    ...(f.direction === 'reverse' ? { direction: 'reverse' as const } : {}),
    startS: round6(f.startNs / 1e9),
    endS: round6(f.stopNs / 1e9),
    goodputMbps: mbps(snap.bytesDelivered, activeS),
    throughputMbps: mbps(snap.bytesSent, activeS),
    bytesSent: snap.bytesSent,
    bytesRetrans: snap.bytesRetrans,
    bytesDelivered: snap.bytesDelivered,
    retransRatio: snap.bytesSent > 0 ? round6(snap.bytesRetrans / snap.bytesSent) : 0,
    segsSent: snap.segsSent,
    segsRetrans: snap.segsRetrans,
    rttMs: histogramRttStats(w.rttUs),
    srttMs: srtt,
    rtoCount: snap.rtoCount,
    completionS: null,
    connections: { started: started.length, finished: started.filter((c) => c.sender!.completionNs >= 0 && c.sender!.completionNs <= f.stopNs).length },
  };
}

/** DCTCP's optional time-series column from its get_info: alpha (0..1) while it uses ECN, nothing after a fall-back to Reno (as dctcp_get_info). */
function dctcpColumns(info: Record<string, number | string>): { dctcp_alpha?: number } {
  return info.enabled === 1 ? { dctcp_alpha: round6((info.alpha as number) / DCTCP_MAX_ALPHA) } : {};
}

/** bbr3's optional time-series columns from its get_info (bytes/s to Mbit/s; unset bounds, -1, stay empty). */
function bbr3Columns(info: Record<string, number | string>): TimeseriesRow {
  const n = (k: string) => info[k] as number;
  const mbps = (bytesPerSec: number) => round6((bytesPerSec * 8) / 1e6);
  return {
    bbr_phase: info.phase as string,
    bw_hi_mbps: mbps(n('bwHi')),
    ...(n('bwLo') >= 0 ? { bw_lo_mbps: mbps(n('bwLo')) } : {}),
    ...(n('inflightHi') >= 0 ? { inflight_hi_pkts: n('inflightHi') } : {}),
    ...(n('inflightLo') >= 0 ? { inflight_lo_pkts: n('inflightLo') } : {}),
    ecn_alpha: round6(n('ecnAlpha') / 256),
  };
}
