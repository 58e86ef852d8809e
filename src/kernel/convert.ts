/**
 * From a kernel plan's raw files to the shared result schema (RunArtifacts).
 *
 * Per flow:
 *   goodputMbps      the receiver's count: iperf3 server bytes / its seconds
 *   bytesSent/Retrans, segsSent/Retrans
 *                    the sender socket's final tcp_info (tcpi_bytes_sent,
 *                    tcpi_bytes_retrans, tcpi_data_segs_out,
 *                    tcpi_total_retrans) from the shim's close log; the last
 *                    sample when that is missing
 *   srttMs           over the sampled smoothed RTT (srtt) of the socket
 *   dctcpAlphaMean   a DCTCP socket's alpha (INET_DIAG_DCTCPINFO) over its
 *                    established samples in the measured window
 *   rttMs            the same, but min is the kernel's own min_rtt (over
 *                    every RTT sample). The simulator's rttMs is over
 *                    per-ACK samples; srttMs is the like-for-like field.
 *   rtoCount         TcpExt.TCPTimeouts of the sender's namespace, exact for
 *                    one flow; with several flows Linux 6.1 has no per-socket
 *                    count, so each flow gets 0 and `rto-note.txt` says so.
 * Link:
 *   utilization      bytes netem sent on the bottleneck (wire bytes) x 8 /
 *                    (rate x duration)
 *   drops            netem counts random and queue-limit drops in one
 *                    counter: random = round(mean loss rate x arrivals),
 *                    queue = the rest (an estimate; exact when loss is 0)
 *   queuePkts        netem's qlen minus the packets in its delay line
 *                    (departure rate over the last interval x delay)
 * Warm-up (scenario `warmup`): the plan snapshots the router's qdiscs and
 * the sender's netstat at its end (tc-warmup.txt, netstat-warmup.txt, the
 * time in timeline.txt), and every metric counts from there: a flow's
 * sender counters less their value at that time (interpolated between its
 * samples), its delivered bytes less the bytes ACKed one reverse delay
 * later (what had reached the receiver by then), its RTT samples after it,
 * the link's counters less the snapshot's. The flow's min RTT stays the
 * kernel's own (tcpi_min_rtt, over the connection's life).
 * Flows that cclab_flow ran (byte-limited, paced, on/off, workloads; see
 * kernel/flow/cclab_flow.c) are read from its logs instead of iperf3's:
 *   completionS      a byte-limited flow's SYN (before connect()) to the
 *                    kernel's ACK timestamp of its last byte (or, rarely, a
 *                    1 ms poll of tcpi_bytes_acked); null when it had not
 *                    finished by the flow's stop. The shim's close line
 *                    (last_ack_recv, 4 ms jiffies) is the fallback of runs
 *                    from before the generator.
 *   goodputMbps      data bytes ACKed (tcpi_bytes_acked, when the last
 *                    byte was ACKed or at the stop) over the time from the
 *                    SYN to then, as the simulator counts delivered bytes
 *   bytesSent etc.   the connection's tcp_info at that moment
 *   a workload       its connections' counters added up over the flow's
 *                    life; each connection a row of connections.csv (start
 *                    = its SYN) and an FCT record; its time-series rows add
 *                    up the samples of the ports of its range.
 * Time series: delivered_bytes from each sample's tcpi_delivered (tcp_sock
 * delivered: segments SACKed or cumulatively ACKed, each once), less the
 * SYN, times tcpi_snd_mss; ca_state from each sample's tcpi_ca_state; cc_mode stays
 * empty (Linux 6.1's tcp_info does not expose BBR's mode). transitions.csv
 * lists the changes of ca_state between consecutive samples of a flow, at
 * the later sample's time (states shorter than the interval go unseen);
 * runs sampled before the sampler printed ca_state have neither.
 */
import { jainIndex, mbps, round6, rttStats } from '../results/metrics.js';
import { fctBlock } from '../results/fct.js';
import { SUMMARY_SCHEMA, type ChainLinkSummary, type FlowSummary, type LinkSummary, type ReverseLinkSummary, type RunSummary } from '../results/schema.js';
import type { RunArtifacts, TimeseriesRow, TransitionRow } from '../results/write.js';
import { CCLAB_VERSION } from '../results/version.js';
import { mean } from 'simple-statistics';
import { flowBottleneckBps, flowRttNs, scenarioHash, type ResolvedFlow, type ResolvedLink, type ResolvedScenario } from '../scenario/resolve.js';
import { CA_STATE_NAMES } from '../tcp/types.js';
import { DCTCP_MAX_ALPHA } from '../cc/dctcp.js';
import type { LoadedScenario } from '../scenario/load.js';
import { meanLossRate } from '../scenario/schema.js';
import { ETHERNET_HEADER_BYTES } from '../network/wire.js';
import { TRACE_OPPORTUNITY_BYTES } from '../network/trace.js';
import { CLIENT_PORT_BASE, genConnections, probeCount, usesGenerator, workloadPortRanges } from './plan.js';
import { parseFlowLog, parseFlowServerLog, type FlowConnLog, type FlowServerConnLog } from './parse/flow.js';
import { CONNECTION_COLUMNS, type ConnectionRow, type FctRecord } from '../results/fct.js';
import { csv } from '../results/write.js';
import { parsePing } from './parse/ping.js';
import { probeCsv, probeSummary, type ProbeRecord } from '../results/probe.js';
import { parseIperf3Json, type Iperf3Result } from './parse/iperf3.js';
import { parseSs, type SsSocket } from './parse/ss.js';
import { parseTcQdiscs, type TcQdisc } from './parse/tc.js';
import { parseEnv, parseNetstat, parseSamples, parseShimLog, parseTimeline, type QdiscSample, type ShimLog, type TcpSample, type TargetEnv } from './parse/harness.js';

/** Raw files of one plan run, by name (as the plan wrote them). */
export type RawFiles = Record<string, Buffer | string>;

export interface ParsedRun {
  env: TargetEnv;
  timeline: ReturnType<typeof parseTimeline>;
  clients: (Iperf3Result | null)[];
  servers: (Iperf3Result | null)[];
  shim: ShimLog[];
  /** cclab_flow's client and server logs, for the flows it ran (null for iperf3's). */
  flowConns: (FlowConnLog[] | null)[];
  flowServers: (FlowServerConnLog[] | null)[];
  tcp: TcpSample[];
  qdisc: QdiscSample[];
  /** Samples of the qdiscs under the root (the AQM under its shaper). */
  qdiscChildren: QdiscSample[];
  ss: SsSocket[];
  tcBefore: TcQdisc[];
  tcAfter: TcQdisc[];
  netstat: Record<string, number>;
  /** The receiving host's netstat (reverse flows' senders), empty without reverse flows. */
  netstatRcv: Record<string, number>;
  /** A trace link's rate changes as cclab_pacer wrote them (null for a constant-rate link). */
  trace: PacerLog | null;
  /** The other traced shapers' (a reverse trace's, a chain's trace links'), by the field they follow. */
  otherTraces: { field: string; suffix: string; log: PacerLog }[];
}

/** trace-pacer.txt: the schedule's origin and the pacer's start (uptime s) and, per change written, its schedule time and lateness. */
export interface PacerLog {
  t0: number;
  start: number;
  changes: { atMs: number; lateUs: number }[];
  /** What tc said (trace-tc.err); empty when every change applied. */
  tcErrors: string;
}

export function parsePacerLog(log: string, tcErr: string): PacerLog {
  let t0 = NaN;
  let start = NaN;
  const changes: PacerLog['changes'] = [];
  for (const line of log.split('\n')) {
    const w = line.trim().split(/\s+/);
    if (w[0] === 't0' && w.length === 2) t0 = Number(w[1]);
    else if (w[0] === 'start' && w.length === 2) start = Number(w[1]);
    else if (w.length === 2 && /^\d+$/.test(w[0]!) && /^-?\d+$/.test(w[1]!)) changes.push({ atMs: Number(w[0]), lateUs: Number(w[1]) });
  }
  return { t0, start, changes, tcErrors: tcErr.trim() };
}

function text(files: RawFiles, name: string): string | null {
  const f = files[name];
  return f === undefined ? null : typeof f === 'string' ? f : f.toString('utf8');
}

function iperf(files: RawFiles, name: string): Iperf3Result | null {
  const t = text(files, name);
  if (t === null || t.trim() === '') return null;
  return parseIperf3Json(t);
}

/** Parse every raw file of a run. */
export function parseRun(s: ResolvedScenario, files: RawFiles): ParsedRun {
  const { tcp, qdisc, qdiscChildren } = s.links ? chainSamples(s, files) : parseSamples(text(files, 'samples.txt') ?? '');
  // reverse flows: their sockets (in rcv) and the reverse bottleneck (to-snd), from a second sampler
  const rev = text(files, 'samples-rev.txt');
  if (rev !== null) {
    const r = parseSamples(rev);
    tcp.push(...r.tcp);
    qdisc.push(...r.qdisc);
    qdiscChildren.push(...r.qdiscChildren);
  }
  return {
    env: parseEnv(text(files, 'env.txt') ?? ''),
    timeline: parseTimeline(text(files, 'timeline.txt') ?? ''),
    clients: s.flows.map((f) => iperf(files, `client-${f.id}.json`)),
    servers: s.flows.map((f) => iperf(files, `server-${f.id}.json`)),
    shim: s.flows.map((f) => parseShimLog(text(files, `shim-${f.id}.log`) ?? '')),
    // runs from before cclab_flow ran byte-limited flows with iperf3 -n: no flow log
    flowConns: s.flows.map((f) => (usesGenerator(f) && files[`flow-${f.id}.log`] !== undefined ? parseFlowLog(text(files, `flow-${f.id}.log`)!) : null)),
    flowServers: s.flows.map((f) => (usesGenerator(f) && files[`flow-server-${f.id}.log`] !== undefined ? parseFlowServerLog(text(files, `flow-server-${f.id}.log`)!) : null)),
    tcp,
    qdisc,
    qdiscChildren,
    ss: parseSs(text(files, 'ss.txt') ?? ''),
    tcBefore: parseTcQdiscs(text(files, 'tc-before.txt') ?? ''),
    tcAfter: parseTcQdiscs(text(files, 'tc-after.txt') ?? ''),
    netstat: parseNetstat(text(files, 'netstat-snd.txt') ?? ''),
    netstatRcv: parseNetstat(text(files, 'netstat-rcv.txt') ?? ''),
    // (a chain's link is its narrowest: its traces are the chain's own, below)
    trace: !s.links && s.link.trace?.forward !== undefined ? pacerLog(files, '') : null,
    otherTraces: [
      ...(s.link.trace?.reverse !== undefined ? [{ field: 'link.trace.reverse', suffix: '-rev', log: pacerLog(files, '-rev') }] : []),
      ...(s.links ?? []).flatMap((l, i) => (l.trace?.forward !== undefined ? [{ field: `links[${i}].trace`, suffix: `-${i}`, log: pacerLog(files, `-${i}`) }] : [])),
    ],
  };
}

/** A traced shaper's pacer log (trace-pacer<suffix>.txt) and what tc said (trace-tc<suffix>.err). */
function pacerLog(files: RawFiles, suffix: string): PacerLog {
  return parsePacerLog(text(files, `trace-pacer${suffix}.txt`) ?? '', text(files, `trace-tc${suffix}.err`) ?? '');
}

/**
 * How well a trace link's rate changes kept to their schedule (t0 +
 * their time): how long after t0 the pacer started, and the lateness of its
 * writes (ms). tc's own time to apply a change comes on top (one netlink
 * request).
 */
export function traceTiming(p: Pick<ParsedRun, 'trace'>): { startOffsetMs: number; changes: number; lateMs: { p50: number; p95: number; max: number } } | null {
  if (p.trace === null) return null;
  const late = p.trace.changes.map((c) => c.lateUs / 1000).sort((a, b) => a - b);
  return {
    startOffsetMs: round6((p.trace.start - p.trace.t0) * 1000),
    changes: late.length,
    lateMs: { p50: round6(quantile(late, 0.5)), p95: round6(quantile(late, 0.95)), max: round6(late.at(-1) ?? 0) },
  };
}

/** The bottleneck netem in a tc snapshot (drop-tail: the root; an AQM: the netem under the shaper). */
export function bottleneckQdisc(qs: readonly TcQdisc[]): TcQdisc | undefined {
  return qs.find((q) => q.kind === 'netem' && q.dev === 'to-rcv');
}

/** Handle of the AQM under the shaper (kernel/plan-lib.sh: tbf 1: -> netem 2: -> AQM 3:). */
export const AQM_HANDLE = '3:';

/** The bottleneck's AQM in a tc snapshot, or undefined for drop-tail. */
export function aqmQdisc(qs: readonly TcQdisc[]): TcQdisc | undefined {
  return qs.find((q) => q.dev === 'to-rcv' && q.handle === AQM_HANDLE);
}

/** The bottleneck's root qdisc in a tc snapshot (netem for drop-tail, the shaper for an AQM). */
export function bottleneckRoot(qs: readonly TcQdisc[]): TcQdisc | undefined {
  return qs.find((q) => q.dev === 'to-rcv' && q.parent === 'root');
}

export function ackQdisc(qs: readonly TcQdisc[]): TcQdisc | undefined {
  return qs.find((q) => q.kind === 'netem' && q.dev === 'to-snd');
}

/** Drops on the ACK path: its netem, or all of them (one per band) with flows of their own RTT. */
export function ackDrops(qs: readonly TcQdisc[]): number {
  return qs.filter((q) => q.kind === 'netem' && q.dev === 'to-snd').reduce((a, q) => a + q.dropped, 0);
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Estimated standing queue (packets, bytes) and departure rate at each bottleneck sample. */
export function queueEstimates(qs: readonly QdiscSample[], fwdDelayNs: number): { t: number; pkts: number; bytes: number; mbps: number }[] {
  const out: { t: number; pkts: number; bytes: number; mbps: number }[] = [];
  for (let i = 1; i < qs.length; i++) {
    const a = qs[i - 1]!;
    const b = qs[i]!;
    const dt = b.t - a.t;
    if (!(dt > 0)) continue;
    const delaySec = fwdDelayNs / 1e9;
    const inLinePkts = ((b.packets - a.packets) / dt) * delaySec;
    const inLineBytes = ((b.bytes - a.bytes) / dt) * delaySec;
    // link_mbps: wire bits netem sent over the interval, as the simulator counts bits leaving the bottleneck
    out.push({ t: b.t, pkts: Math.max(0, b.qlen - inLinePkts), bytes: Math.max(0, b.backlog - inLineBytes), mbps: ((b.bytes - a.bytes) * 8) / dt / 1e6 });
  }
  return out;
}

/**
 * The AQM's queue (packets, bytes) at each sample, and the link's departure
 * rate from the shaper's (the root's) byte counter.
 */
export function aqmQueueSamples(roots: readonly QdiscSample[], aqm: readonly QdiscSample[]): { t: number; pkts: number; bytes: number; mbps: number }[] {
  const out: { t: number; pkts: number; bytes: number; mbps: number }[] = [];
  const byTime = new Map(aqm.map((q) => [q.t, q])); // one dump of the device gives both lines the same time
  for (let i = 1; i < roots.length; i++) {
    const a = roots[i - 1]!;
    const b = roots[i]!;
    const q = byTime.get(b.t);
    const dt = b.t - a.t;
    if (!q || !(dt > 0)) continue;
    out.push({ t: b.t, pkts: q.qlen, bytes: q.backlog, mbps: ((b.bytes - a.bytes) * 8) / dt / 1e6 });
  }
  return out;
}

/** A cumulative counter of one socket's samples at uptime t, linear between samples (0 before the first). */
export function counterAt(samples: readonly TcpSample[], key: 'bytesSent' | 'bytesRetrans' | 'bytesAcked' | 'dataSegsOut' | 'totalRetrans', t: number): number {
  let prev: TcpSample | null = null;
  for (const x of samples) {
    if (x.t >= t) {
      if (prev === null) return x.t === t ? x[key] : 0;
      return prev[key] + ((x[key] - prev[key]) * (t - prev.t)) / (x.t - prev.t);
    }
    prev = x;
  }
  return prev === null ? 0 : prev[key];
}

/**
 * A short flow's completion on a kernel: from its data connection's
 * connect() (its SYN) to the ACK of its last byte, both from the shim's log
 * (CLOCK_BOOTTIME, the uptime clock): the close line's time less
 * tcpi_last_ack_recv, once nothing is unacknowledged. Null when the flow
 * had not finished by `deadline` (uptime, s), undefined when the log
 * predates these fields.
 */
export function shimCompletion(log: ShimLog, lport: number, deadline: number): { startS: number; doneS: number } | null | undefined {
  const conn = log.connects.filter((c) => c.lport === lport).at(-1);
  const close = closeInfo(log, lport);
  if (conn === undefined || close === undefined || close.t_us === undefined || close.last_ack_recv_ms === undefined) return undefined;
  if (Number(close.unacked) !== 0) return null;
  const doneS = (Number(close.t_us) - Number(close.last_ack_recv_ms) * 1000) / 1e6;
  return doneS <= deadline ? { startS: conn.tUs / 1e6, doneS } : null;
}

/** A flow's client ports: 40000+id, or its workload's range. */
export function flowPorts(f: ResolvedFlow, ranges: ReadonlyMap<number, { lo: number; hi: number }>): { lo: number; hi: number } {
  return ranges.get(f.id) ?? { lo: CLIENT_PORT_BASE + f.id, hi: CLIENT_PORT_BASE + f.id };
}

function closeInfo(log: ShimLog, lport: number): Record<string, string> | undefined {
  return log.closes.filter((c) => Number(c.lport) === lport).at(-1);
}

export interface ConvertOptions {
  target: string;
  wallSeconds: number;
  createdAt?: string;
  /** The plan script, kept with the raw files. */
  plan?: string;
}

/** A DCTCP socket's alpha (0..1) over its established samples from `fromS` on: the summary's dctcpAlphaMean, or nothing when the samples have none. */
function dctcpAlphaMean(samples: readonly TcpSample[], fromS: number): { dctcpAlphaMean?: number } {
  const alphas = samples.filter((x) => x.dctcpAlpha !== undefined && x.state === 1 && x.t >= fromS).map((x) => x.dctcpAlpha! / DCTCP_MAX_ALPHA);
  return alphas.length ? { dctcpAlphaMean: round6(mean(alphas)) } : {};
}

/** Turn one run's raw files into the shared result schema. */
export function convertRun(loaded: Pick<LoadedScenario, 'doc' | 'resolved' | 'file'>, files: RawFiles, opts: ConvertOptions): RunArtifacts {
  const s = loaded.resolved;
  const p = parseRun(s, files);
  const t0 = p.timeline.t0;
  const durationS = s.durationNs / 1e9;
  const singleFlow = s.flows.length === 1;
  // the warm-up's end (uptime), and the counters the plan snapshotted then
  const warmupS = (s.warmupNs ?? 0) / 1e9;
  let wAbs = Number.NEGATIVE_INFINITY;
  let tcWarm: TcQdisc[] = [];
  let timeoutsWarm = 0;
  if (warmupS > 0) {
    const tcText = text(files, 'tc-warmup.txt');
    if (tcText === null || p.timeline.warmup === undefined) throw new Error('the kernel run has no warm-up snapshot (tc-warmup.txt and a "warmup" line in timeline.txt): its metrics cannot leave the warm-up out');
    wAbs = p.timeline.warmup;
    tcWarm = parseTcQdiscs(tcText);
    timeoutsWarm = s.links ? chainTimeouts(s, files, 'netstat-warmup') : parseNetstat(text(files, 'netstat-warmup.txt') ?? '')['TcpExt.TCPTimeouts'] ?? 0;
  }
  const timeouts = (s.links ? chainTimeouts(s, files, 'netstat-snd') : p.netstat['TcpExt.TCPTimeouts'] ?? 0) - timeoutsWarm;
  const revDelayS = s.link.revDelayNs / 1e9;
  // reverse flows: their senders' namespace is rcv; a flow alone in its direction gets its namespace's RTO count
  const nRev = s.flows.filter((f) => f.direction === 'reverse').length;
  const timeoutsRcv = (p.netstatRcv['TcpExt.TCPTimeouts'] ?? 0) - (warmupS > 0 ? (parseNetstat(text(files, 'netstat-rcv-warmup.txt') ?? '')['TcpExt.TCPTimeouts'] ?? 0) : 0);
  const rtoOf = (f: ResolvedFlow): number => (f.direction === 'reverse' ? (nRev === 1 ? timeoutsRcv : 0) : s.flows.length - nRev === 1 ? timeouts : 0);
  // the delay from a flow's receiver back to its sender (its ACKs' way)
  const ackDelayS = (f: ResolvedFlow): number => (f.direction === 'reverse' ? s.link.fwdDelayNs / 1e9 : revDelayS);

  // the flows cclab_flow ran: their connections from its log
  const ranges = workloadPortRanges(s);
  const connectionRows: ConnectionRow[] = [];
  const connectionRecords: FctRecord[] = [];
  const genFlowSummary = (f: ResolvedFlow, conns: readonly FlowConnLog[]): FlowSummary => {
    const range = flowPorts(f, ranges);
    const samples = p.tcp.filter((x) => x.lport >= range.lo && x.lport <= range.hi);
    const stopAbs = t0 + f.stopNs / 1e9;
    const finished = (c: FlowConnLog): boolean => c.bytes > 0 && c.doneS !== null && c.synS !== null && c.doneS <= stopAbs;
    const counters = { bytesSent: 0, bytesRetrans: 0, segsSent: 0, segsRetrans: 0, delivered: 0 };
    let minRttUs = Infinity;
    for (const c of conns) {
      if (c.minRttUs > 0 && c.minRttUs < minRttUs) minRttUs = c.minRttUs;
      // with a warm-up: each connection's counters from its end (none of one that ended within it)
      if (warmupS > 0 && (c.doneS ?? c.stopS ?? c.endS) <= wAbs) continue;
      const own = warmupS > 0 ? samples.filter((x) => x.lport === c.lport) : [];
      const since = (total: number, key: Parameters<typeof counterAt>[1], less = 0): number => (warmupS > 0 ? Math.max(0, total - Math.max(0, Math.round(counterAt(own, key, wAbs)) - less)) : total);
      counters.bytesSent += since(c.bytesSent, 'bytesSent');
      counters.bytesRetrans += since(c.bytesRetrans, 'bytesRetrans');
      counters.segsSent += since(c.dataSegsOut, 'dataSegsOut');
      counters.segsRetrans += since(c.totalRetrans, 'totalRetrans');
      counters.delivered += since(c.deliveredBytes, 'bytesAcked', 1); // tcpi_bytes_acked counts the SYN
    }
    let startS = f.startNs / 1e9;
    let endS = f.stopNs / 1e9;
    let completionS: number | null = null;
    let connections: FlowSummary['connections'];
    if (f.arrivals === undefined) {
      const c = conns.find((x) => x.lport === range.lo);
      if (c?.synS != null) startS = round6(c.synS - t0);
      const doneS = c && finished(c) ? c.doneS! : null;
      const lastS = doneS ?? c?.stopS ?? null;
      if (lastS !== null) endS = round6(lastS - t0);
      if (f.bytes !== null && doneS !== null) completionS = round6(doneS - c!.synS!);
    } else {
      // every scheduled connection is a row: one that never ran counts as unfinished
      const byPort = new Map(conns.map((c) => [c.lport, c]));
      let started = 0;
      let done = 0;
      for (const sc of genConnections(s, f, ranges)) {
        const c = byPort.get(sc.lport);
        const fin = c !== undefined && finished(c);
        if (c?.synS != null) started++;
        if (fin) done++;
        const fctS = fin ? c!.doneS! - c!.synS! : null;
        connectionRows.push({ flow: f.id, start_s: round6(c?.synS != null ? c.synS - t0 : sc.startNs / 1e9), bytes: sc.bytes, ...(fctS !== null ? { fct_ms: round6(fctS * 1000) } : {}) });
        if (sc.startNs / 1e9 >= warmupS) connectionRecords.push({ bytes: sc.bytes, mss: f.mss, completionS: fctS, baseRttS: flowRttNs(s, f) / 1e9, bottleneckBps: flowBottleneckBps(s, f) });
      }
      connections = { started, finished: done };
    }
    const inWarmup = warmupS > 0 && endS <= warmupS;
    const activeS = inWarmup ? 0 : endS - Math.max(startS, warmupS);
    const c = inWarmup ? { bytesSent: 0, bytesRetrans: 0, segsSent: 0, segsRetrans: 0, delivered: 0 } : counters;
    const srtt = rttStats(samples.filter((x) => x.rttUs > 0 && x.state === 1 && x.t >= wAbs).map((x) => x.rttUs / 1000));
    const rtt = { ...srtt };
    if (Number.isFinite(minRttUs) && minRttUs < 0xffffffff) rtt.min = round6(minRttUs / 1000);
    return {
      id: f.id,
      group: f.group,
      cc: f.cc,
      ...(f.extraDelayNs || f.path ? { baseRttMs: round6(flowRttNs(s, f) / 1e6) } : {}),
      ...(f.direction === 'reverse' ? { direction: 'reverse' as const } : {}),
      startS,
      endS,
      goodputMbps: mbps(c.delivered, activeS),
      throughputMbps: mbps(c.bytesSent, activeS),
      bytesSent: c.bytesSent,
      bytesRetrans: c.bytesRetrans,
      bytesDelivered: c.delivered,
      retransRatio: c.bytesSent > 0 ? round6(c.bytesRetrans / c.bytesSent) : 0,
      segsSent: c.segsSent,
      segsRetrans: c.segsRetrans,
      rttMs: rtt,
      srttMs: srtt,
      rtoCount: rtoOf(f),
      completionS,
      ...(inWarmup ? { inWarmup: true as const } : {}),
      ...(connections ? { connections } : {}),
      ...(inWarmup ? {} : dctcpAlphaMean(samples, wAbs)),
    };
  };

  const flows: FlowSummary[] = s.flows.map((f, i) => {
    const conns = p.flowConns[i];
    if (conns) return genFlowSummary(f, conns);
    const lport = CLIENT_PORT_BASE + f.id;
    const server = p.servers[i];
    const client = p.clients[i];
    const samples = p.tcp.filter((x) => x.lport === lport);
    const last = samples.at(-1);
    const close = closeInfo(p.shim[i]!, lport);
    const fromClose = (k: string): number | null => (close && close[k] !== undefined ? Number(close[k]) : null);
    const start = p.timeline.start.get(f.id);
    const end = p.timeline.end.get(f.id);
    const startS = start !== undefined && Number.isFinite(t0) ? round6(start - t0) : f.startNs / 1e9;
    // a short flow ends with the ACK of its last byte (the shim's log); older logs: when iperf3 ended
    const done = f.bytes !== null && Number.isFinite(t0) ? shimCompletion(p.shim[i]!, lport, t0 + f.stopNs / 1e9) : undefined;
    const endS = done ? round6(done.doneS - t0) : end !== undefined && Number.isFinite(t0) ? round6(end.t - t0) : f.stopNs / 1e9;
    // with a warm-up: counts from its end; a flow that ended within it is not measured
    const inWarmup = warmupS > 0 && endS <= warmupS;
    const atWarm = (key: Parameters<typeof counterAt>[1], t = wAbs): number => (warmupS > 0 ? counterAt(samples, key, t) : 0);
    const recvSecondsAll = server?.received?.seconds ?? client?.received?.seconds ?? 0;
    const recvSeconds = inWarmup ? 0 : Math.max(0, recvSecondsAll - Math.max(0, warmupS - startS));
    const delivered = inWarmup ? 0 : Math.max(0, (server?.received?.bytes ?? client?.received?.bytes ?? 0) - Math.round(atWarm('bytesAcked', wAbs + (s.links ? chainRevDelayNs(s, f) / 1e9 : ackDelayS(f)) + (f.extraDelayNs ?? 0) / 1e9)));
    const since = (total: number, key: Parameters<typeof counterAt>[1]): number => (inWarmup ? 0 : Math.max(0, total - Math.round(atWarm(key))));
    const bytesSent = since(fromClose('bytes_sent') ?? last?.bytesSent ?? client?.sent?.bytes ?? 0, 'bytesSent');
    const bytesRetrans = since(fromClose('bytes_retrans') ?? last?.bytesRetrans ?? 0, 'bytesRetrans');
    const segsSent = since(fromClose('data_segs_out') ?? last?.dataSegsOut ?? 0, 'dataSegsOut');
    const segsRetrans = since(fromClose('total_retrans') ?? last?.totalRetrans ?? client?.sent?.retransmits ?? 0, 'totalRetrans');
    const rttSamples = samples.filter((x) => x.rttUs > 0 && x.state === 1 && x.t >= wAbs).map((x) => x.rttUs / 1000);
    const srtt = rttStats(rttSamples);
    const rtt = { ...srtt };
    const minRtt = fromClose('min_rtt_us') ?? last?.minRttUs ?? null;
    if (minRtt !== null && minRtt > 0 && minRtt < 0xffffffff) rtt.min = round6(minRtt / 1000);
    return {
      id: f.id,
      group: f.group,
      cc: f.cc,
      ...(f.extraDelayNs || f.path ? { baseRttMs: round6(flowRttNs(s, f) / 1e6) } : {}),
      ...(f.direction === 'reverse' ? { direction: 'reverse' as const } : {}),
      startS,
      endS,
      goodputMbps: mbps(delivered, recvSeconds),
      throughputMbps: mbps(bytesSent, recvSeconds),
      bytesSent,
      bytesRetrans,
      bytesDelivered: delivered,
      retransRatio: bytesSent > 0 ? round6(bytesRetrans / bytesSent) : 0,
      segsSent,
      segsRetrans,
      rttMs: rtt,
      srttMs: srtt,
      rtoCount: rtoOf(f),
      completionS: f.bytes === null || done === null ? null : done !== undefined ? round6(done.doneS - done.startS) : round6(endS - startS),
      ...(inWarmup ? { inWarmup: true as const } : dctcpAlphaMean(samples, wAbs)),
    };
  });
  const measured = flows.filter((f) => f.inWarmup !== true);

  const lastEnd = Math.max(...[...p.timeline.end.values()].map((e) => e.t), t0 + durationS);
  const win: LinkWindow = { t0, wAbs, lastEnd, durationS, warmupS };
  const chain = s.links ? chainLinkBlocks(s, p, files, tcWarm, win) : null;
  // the reverse direction as a bottleneck (reverse flows): the same measures on to-snd
  const reverse = nRev > 0 ? reverseLinkBlock(s, p, tcWarm, t0, wAbs, lastEnd, warmupS > 0 ? lastEnd - wAbs : durationS) : null;

  // the latency probe: request i left i intervals after ping started
  let probeRecords: ProbeRecord[] | null = null;
  if (s.probe) {
    if (p.timeline.probe === undefined || !Number.isFinite(t0)) throw new Error('the kernel run has no latency probe output (no "probe" line in timeline.txt): see raw/ping.err');
    const replies = parsePing(text(files, 'ping.txt') ?? '');
    const startS = p.timeline.probe - t0;
    const intervalS = s.probe.intervalNs / 1e9;
    probeRecords = Array.from({ length: probeCount(s.probe) }, (_, i) => ({ tS: startS + i * intervalS, rttMs: replies.get(i) ?? null }));
  }

  const summary: RunSummary = {
    schema: SUMMARY_SCHEMA,
    source: 'kernel',
    scenario: s.name,
    scenarioHash: scenarioHash(s),
    seed: s.seed,
    durationS,
    ...(warmupS > 0 ? { warmupS: round6(warmupS) } : {}),
    // on a chain: the narrowest link's block (as the simulator's), and every link's
    link: chain ? narrowBlock(s, chain) : withReverse(linkBlock(s.link, { after: p.tcAfter, warm: tcWarm, ackAfter: p.tcAfter, ackWarm: tcWarm }, p.qdisc, p.qdiscChildren, win), reverse),
    ...(chain ? { links: chain } : {}),
    flows,
    aggregate: {
      goodputMbps: round6(measured.reduce((a, f) => a + f.goodputMbps, 0)),
      jain: round6(jainIndex(measured.map((f) => f.goodputMbps))),
    },
    ...fctBlock(s, flows, connectionRecords),
    ...(probeRecords ? { probe: probeSummary(probeRecords, warmupS, durationS) } : {}),
  };

  const extra: Record<string, string | Uint8Array> = {};
  for (const [name, content] of Object.entries(files)) extra[`raw/${name}`] = content;
  if (opts.plan) extra['raw/plan.sh'] = opts.plan;
  if (connectionRows.length > 0) extra['connections.csv'] = csv(CONNECTION_COLUMNS, connectionRows.sort((a, b) => a.flow - b.flow || a.start_s - b.start_s));
  if (probeRecords) extra['probe.csv'] = probeCsv(probeRecords);
  const timing = traceTiming(p);
  if (timing !== null) extra['trace-timing.json'] = `${JSON.stringify(timing, null, 2)}\n`;
  // a reverse trace's (trace-timing-rev.json), a chain link's (trace-timing-<i>.json)
  for (const o of p.otherTraces) extra[`trace-timing${o.suffix}.json`] = `${JSON.stringify(traceTiming({ trace: o.log }), null, 2)}\n`;
  if (!singleFlow && nRev === 0) {
    extra['rto-note.txt'] = `rtoCount is 0 per flow: Linux ${p.env.release} has no per-socket RTO counter; the sender namespace counted TcpExt.TCPTimeouts = ${timeouts} over all ${s.flows.length} flows.\n`;
  } else if (nRev > 0 && (nRev > 1 || s.flows.length - nRev > 1)) {
    extra['rto-note.txt'] = `rtoCount is 0 per flow in a direction with several flows: Linux ${p.env.release} has no per-socket RTO counter; the sending host's namespace counted TcpExt.TCPTimeouts = ${timeouts} over ${s.flows.length - nRev} forward flow(s), the receiving host's ${timeoutsRcv} over ${nRev} reverse flow(s).\n`;
  }

  const transitions = transitionRows(s, p, t0);
  const pressureMs = tcpMemoryPressureMs(s, files, p);
  return {
    summary,
    timeseries: s.links ? withChainRows(s, files, timeseriesRows(s, p, t0), p, t0) : timeseriesRows(s, p, t0),
    ...(transitions !== null ? { transitions } : {}),
    meta: {
      cclabVersion: CCLAB_VERSION,
      backend: 'kernel',
      seed: s.seed,
      scenarioFile: loaded.file ?? null,
      createdAt: opts.createdAt ?? new Date().toISOString(),
      wallSeconds: round6(opts.wallSeconds),
      kernel: {
        target: opts.target,
        release: p.env.release,
        modules: p.env.modules,
        availableCc: p.env.availableCc,
        ...(pressureMs > 0 ? { tcpMemoryPressureMs: pressureMs } : {}),
      },
    },
    scenarioDoc: loaded.doc,
    resolved: s,
    extra,
  };
}

/**
 * Is a direction of the single link the shaper layout (tbf -> netem ->
 * queue 3:)? An AQM, or a trace link: forward, its forward trace; reverse
 * (reverse flows), either trace (kernel/plan-lib.sh, setup_reverse_bottleneck).
 */
function directionShaped(link: ResolvedLink, dev: string): boolean {
  if (link.qdisc !== 'droptail') return true;
  return dev === 'to-rcv' ? link.trace?.forward !== undefined : link.trace !== undefined;
}

/**
 * A direction's standing queue at each sample (dev: to-rcv forward, to-snd
 * reverse): an AQM's own samples, or netem's less its delay line.
 */
function directionQueue(s: ResolvedScenario, p: ParsedRun, dev: string, delayNs: number): { t: number; pkts: number; bytes: number; mbps: number }[] {
  return directionShaped(s.link, dev)
    ? aqmQueueSamples(p.qdisc.filter((q) => q.dev === dev), p.qdiscChildren.filter((q) => q.dev === dev && q.handle === AQM_HANDLE))
    : queueEstimates(p.qdisc.filter((q) => q.dev === dev), delayNs);
}

/**
 * The link's reverse direction as a bottleneck (reverse flows), as the
 * forward direction is measured: to-snd's netem (drop-tail: random and
 * queue drops in one counter, the random share estimated from ackLoss) or
 * its tbf -> netem -> AQM, the counters less the warm-up's snapshot.
 */
function reverseLinkBlock(s: ResolvedScenario, p: ParsedRun, tcWarm: readonly TcQdisc[], t0: number, wAbs: number, lastEnd: number, measuredS: number): ReverseLinkSummary {
  const dev = 'to-snd';
  const netem = (qs: readonly TcQdisc[]) => qs.find((q) => q.kind === 'netem' && q.dev === dev);
  const aqmOf = (qs: readonly TcQdisc[]) => (directionShaped(s.link, dev) ? qs.find((q) => q.dev === dev && q.handle === AQM_HANDLE) : undefined);
  const root = (qs: readonly TcQdisc[]) => qs.find((q) => q.dev === dev && q.parent === 'root');
  const bn = netem(p.tcAfter);
  const bnW = netem(tcWarm);
  const aqm = aqmOf(p.tcAfter);
  const aqmW = aqmOf(tcWarm);
  const arrivals = bn ? bn.sentPackets + bn.dropped + bn.backlogPackets - (bnW ? bnW.sentPackets + bnW.dropped + bnW.backlogPackets : 0) : 0;
  const totalDrops = (bn?.dropped ?? 0) - (bnW?.dropped ?? 0);
  const aqmDrops = (aqm?.dropped ?? 0) - (aqmW?.dropped ?? 0);
  const random = aqm ? totalDrops - aqmDrops : Math.min(totalDrops, Math.round(s.link.ackLoss * arrivals));
  const sent = aqm ? (root(p.tcAfter)?.sentBytes ?? 0) - (root(tcWarm)?.sentBytes ?? 0) : (bn?.sentBytes ?? 0) - (bnW?.sentBytes ?? 0);
  const qp = directionQueue(s, p, dev, s.link.revDelayNs)
    .filter((q) => q.t >= t0 && q.t >= wAbs && q.t <= lastEnd)
    .map((q) => q.pkts)
    .sort((a, b) => a - b);
  // a reverse trace: its mean is the direction's rate, and its capacity counts IP bytes (as the simulator's)
  const revTrace = s.link.trace?.reverse ?? null;
  const rateBps = revTrace === null ? s.link.rateBps : (revTrace.opportunities * TRACE_OPPORTUNITY_BYTES * 8) / (revTrace.periodMs / 1000);
  const ipSent = revTrace === null ? sent : sent - ETHERNET_HEADER_BYTES * ((root(p.tcAfter)?.sentPackets ?? 0) - (root(tcWarm)?.sentPackets ?? 0));
  return {
    rateMbps: round6(rateBps / 1e6),
    queuePackets: s.link.queuePackets,
    utilization: round6((ipSent * 8) / (rateBps * measuredS)),
    drops: { queue: totalDrops - random, random },
    ...(s.link.qdisc !== 'droptail' ? { marks: (aqm?.marks ?? 0) - (aqmW?.marks ?? 0) } : {}),
    queuePkts: {
      mean: round6(qp.length ? qp.reduce((a, b) => a + b, 0) / qp.length : 0),
      p95: round6(quantile(qp, 0.95)),
      max: round6(qp.at(-1) ?? 0),
    },
    queueDelayMs: null,
  };
}

/** The single link's block with its reverse direction (reverse flows): ACK losses are the reverse direction's random drops. */
function withReverse(b: LinkSummary, r: ReverseLinkSummary | null): LinkSummary {
  return r ? { ...b, drops: { ...b.drops, ack: r.drops.random }, reverse: r } : b;
}

/** The time a link block covers: the run's t0, the warm-up's end (uptime), the flows' last end, durations (s). */
interface LinkWindow {
  t0: number;
  wAbs: number;
  lastEnd: number;
  durationS: number;
  warmupS: number;
}

/** tc snapshots of a link: its bottleneck's qdiscs and its ACK direction's, at the end and at the warm-up's end. */
interface LinkTc {
  after: readonly TcQdisc[];
  warm: readonly TcQdisc[];
  ackAfter: readonly TcQdisc[];
  ackWarm: readonly TcQdisc[];
}

/**
 * A link's summary block from its qdiscs (the bottleneck on the device
 * to-rcv, the ACK direction's netem on to-snd) and its queue samples.
 */
function linkBlock(link: ResolvedLink, tc: LinkTc, qdisc: readonly QdiscSample[], children: readonly QdiscSample[], win: LinkWindow): LinkSummary {
  const { t0, wAbs, lastEnd, durationS, warmupS } = win;
  const bn = bottleneckQdisc(tc.after);
  // a trace link has the shaper layout too (kernel/trace.ts), drop-tail as pfifo/bfifo under it
  const shaped = link.qdisc !== 'droptail' || link.trace?.forward !== undefined;
  const aqm = shaped ? aqmQdisc(tc.after) : undefined;
  // drop-tail: netem drops both randomly and at its limit, the random share estimated from the loss rate;
  // an AQM: netem (above the AQM) drops randomly, and counts the AQM's drops below it too (a child's
  // drops reach its parents' counters), so random = netem's less the AQM's
  // the same qdiscs at the warm-up's end (none: all counters from 0)
  const bnW = bottleneckQdisc(tc.warm);
  const aqmW = shaped ? aqmQdisc(tc.warm) : undefined;
  const arrivals = bn ? bn.sentPackets + bn.dropped + bn.backlogPackets - (bnW ? bnW.sentPackets + bnW.dropped + bnW.backlogPackets : 0) : 0;
  const totalDrops = (bn?.dropped ?? 0) - (bnW?.dropped ?? 0);
  const aqmDrops = (aqm?.dropped ?? 0) - (aqmW?.dropped ?? 0);
  const random = aqm ? totalDrops - aqmDrops : Math.min(totalDrops, Math.round(meanLossRate(link.loss) * arrivals));
  const sent = aqm ? (bottleneckRoot(tc.after)?.sentBytes ?? 0) - (bottleneckRoot(tc.warm)?.sentBytes ?? 0) : (bn?.sentBytes ?? 0) - (bnW?.sentBytes ?? 0);
  // a trace link's rate counts IP bytes (1500 per opportunity), as the simulator does
  const linkBytes = link.trace?.forward !== undefined ? sent - ETHERNET_HEADER_BYTES * ((bottleneckRoot(tc.after)?.sentPackets ?? 0) - (bottleneckRoot(tc.warm)?.sentPackets ?? 0)) : sent;
  // the standing queue: an AQM's own samples (its queue holds no delay line); netem's less its delay line
  const queue = (
    aqm
      ? aqmQueueSamples(qdisc.filter((q) => q.dev === 'to-rcv'), children.filter((q) => q.dev === 'to-rcv' && q.handle === AQM_HANDLE))
      : queueEstimates(qdisc.filter((q) => q.dev === 'to-rcv'), link.fwdDelayNs)
  ).filter((q) => q.t >= t0 && q.t >= wAbs && q.t <= lastEnd);
  const qp = queue.map((q) => q.pkts).sort((a, b) => a - b);
  return {
    rateMbps: round6(link.rateBps / 1e6),
    rttMs: round6(link.rttNs / 1e6),
    queuePackets: link.queuePackets,
    ...(link.qdisc !== 'droptail' ? { qdisc: link.qdisc } : {}),
    // with a warm-up: over the time from its snapshot to the flows' end (iperf3 runs a little past the duration)
    utilization: round6((linkBytes * 8) / (link.rateBps * (warmupS > 0 ? lastEnd - wAbs : durationS))),
    drops: { queue: totalDrops - random, random, ack: ackDrops(tc.ackAfter) - ackDrops(tc.ackWarm) },
    ...(link.qdisc !== 'droptail' ? { marks: (aqm?.marks ?? 0) - (aqmW?.marks ?? 0) } : {}),
    queuePkts: {
      mean: round6(qp.length ? qp.reduce((a, b) => a + b, 0) / qp.length : 0),
      p95: round6(quantile(qp, 0.95)),
      max: round6(qp.at(-1) ?? 0),
    },
    queueDelayMs: null,
  };
}

/**
 * A chain's per-link blocks (scenario links:, kernel/plan-lib.sh): link i's
 * bottleneck is router r<i>'s to-rcv, its ACK direction r<i+1>'s to-snd, its
 * queue samples those of samples-<i>.txt.
 */
function chainLinkBlocks(s: ResolvedScenario, p: ParsedRun, files: RawFiles, tcWarm: readonly TcQdisc[], win: LinkWindow): ChainLinkSummary[] {
  const at = (qs: readonly TcQdisc[], r: number) => qs.filter((q) => q.ns !== null && q.ns.endsWith(`-r${r}`));
  return s.links!.map((l, i) => {
    const samples = parseSamples(text(files, `samples-${i}.txt`) ?? '');
    const tc = { after: at(p.tcAfter, i), warm: at(tcWarm, i), ackAfter: at(p.tcAfter, i + 1), ackWarm: at(tcWarm, i + 1) };
    return { name: l.name, ...linkBlock(l, tc, samples.qdisc, samples.qdiscChildren, win) };
  });
}

/** The narrowest link's index on a chain: the lowest rate, the first of equals (resolve.ts's `link`). */
function narrowIndex(s: ResolvedScenario): number {
  return s.links!.findIndex((l) => l.rateBps === s.link.rateBps);
}

function narrowBlock(s: ResolvedScenario, chain: readonly ChainLinkSummary[]): LinkSummary {
  const { name: _name, ...block } = chain[narrowIndex(s)]!;
  return block;
}

/** A chain's samples: every sender's sockets (one sampler per link), and the narrowest link's qdisc as the run's. */
function chainSamples(s: ResolvedScenario, files: RawFiles): ReturnType<typeof parseSamples> {
  const parsed = s.links!.map((_l, i) => parseSamples(text(files, `samples-${i}.txt`) ?? ''));
  const tcp = parsed.flatMap((x) => x.tcp).sort((a, b) => a.t - b.t);
  const narrow = parsed[narrowIndex(s)]!;
  return { ...narrow, tcp };
}

/**
 * How long the target's TCP was under memory pressure during the run (ms):
 * TcpExt.TCPMemoryPressuresChrono, counted in the namespace of the socket
 * that entered pressure (tcp_enter_memory_pressure), so the largest of the
 * hosts' netstats. The budget is machine-wide (net.ipv4.tcp_mem).
 */
function tcpMemoryPressureMs(s: ResolvedScenario, files: RawFiles, p: ParsedRun): number {
  const key = 'TcpExt.TCPMemoryPressuresChrono';
  const snd = s.links
    ? s.links.map((_l, i) => parseNetstat(text(files, `netstat-snd-${i}.txt`) ?? '')[key] ?? 0)
    : [p.netstat[key] ?? 0];
  return Math.max(0, ...snd, p.netstatRcv[key] ?? 0);
}

/** TcpExt.TCPTimeouts over a chain's senders (PREFIX-<i>.txt, one per sender namespace). */
function chainTimeouts(s: ResolvedScenario, files: RawFiles, prefix: string): number {
  return s.links!.reduce((a, _l, i) => a + (parseNetstat(text(files, `${prefix}-${i}.txt`) ?? '')['TcpExt.TCPTimeouts'] ?? 0), 0);
}

/** A chain flow's reverse propagation delay: its links' (ns). */
function chainRevDelayNs(s: ResolvedScenario, f: ResolvedFlow): number {
  return f.path!.reduce((a, i) => a + s.links![i]!.revDelayNs, 0);
}

/** A chain's time series: the rows of the run, and each link's as flow "link:<name>" (the simulator's rows). */
function withChainRows(s: ResolvedScenario, files: RawFiles, rows: TimeseriesRow[], p: ParsedRun, t0: number): TimeseriesRow[] {
  const base = Number.isFinite(t0) ? t0 : (p.tcp[0]?.t ?? 0);
  s.links!.forEach((l, i) => {
    const { qdisc, qdiscChildren } = parseSamples(text(files, `samples-${i}.txt`) ?? '');
    // a trace link: the queue under its shaper, as sampled (its rate varies, so netem's delay line cannot be estimated from it)
    const queue =
      l.trace?.forward !== undefined
        ? aqmQueueSamples(qdisc.filter((x) => x.dev === 'to-rcv'), qdiscChildren.filter((x) => x.dev === 'to-rcv' && x.handle === AQM_HANDLE))
        : queueEstimates(qdisc.filter((x) => x.dev === 'to-rcv'), l.fwdDelayNs);
    for (const q of queue) {
      rows.push({ time_s: round6(q.t - base), flow: `link:${l.name}`, queue_pkts: round6(q.pkts), queue_bytes: Math.round(q.bytes), link_mbps: round6(q.mbps) });
    }
  });
  rows.sort((a, b) => Number(a.time_s) - Number(b.time_s));
  return rows;
}

/** timeseries.csv rows: per sample and flow, plus the bottleneck's queue as flow "link". */
function timeseriesRows(s: ResolvedScenario, p: ParsedRun, t0: number): TimeseriesRow[] {
  const rows: TimeseriesRow[] = [];
  const base = Number.isFinite(t0) ? t0 : (p.tcp[0]?.t ?? 0);
  const ranges = workloadPortRanges(s);
  for (const f of s.flows) {
    const range = ranges.get(f.id);
    if (range !== undefined) {
      const ticks = [...new Set([...p.tcp, ...p.qdisc].map((x) => x.t))].filter((t) => t >= (p.timeline.start.get(f.id) ?? -Infinity));
      rows.push(...workloadRows(f.id, ticks, p.tcp.filter((x) => x.lport >= range.lo && x.lport <= range.hi), p.flowConns[f.id] ?? [], base));
      continue;
    }
    const lport = CLIENT_PORT_BASE + f.id;
    let prev: TcpSample | null = null;
    // delivered_bytes: tcpi_delivered (segments, the SYN's 1 included) less the SYN, each new segment at its sample's MSS
    let deliveredSegs = 1;
    let deliveredBytes = 0;
    for (const x of p.tcp) {
      if (x.lport !== lport) continue;
      const dt = prev ? x.t - prev.t : 0;
      if (x.delivered > deliveredSegs) {
        deliveredBytes += (x.delivered - deliveredSegs) * x.mss;
        deliveredSegs = x.delivered;
      }
      rows.push({
        time_s: round6(x.t - base),
        flow: f.id,
        cwnd_pkts: x.cwnd,
        pacing_mbps: round6((x.pacingRate * 8) / 1e6),
        inflight_pkts: Math.max(0, x.unacked - x.sacked - x.lost + x.retrans),
        delivery_mbps: round6((x.deliveryRate * 8) / 1e6),
        srtt_ms: round6(x.rttUs / 1000),
        goodput_mbps: prev && dt > 0 ? round6(((x.bytesAcked - prev.bytesAcked) * 8) / dt / 1e6) : 0,
        retrans_segs: x.totalRetrans,
        ...(x.caState !== undefined ? { ca_state: caStateName(x.caState) } : {}),
        ...(Number.isFinite(x.delivered) ? { delivered_bytes: deliveredBytes } : {}),
        ...(x.dctcpAlpha !== undefined ? { dctcp_alpha: round6(x.dctcpAlpha / DCTCP_MAX_ALPHA) } : {}),
      });
      prev = x;
    }
  }
  // a trace link: the queue under the shaper, as sampled (its rate varies, so netem's delay line cannot be estimated from it)
  const linkSamples =
    s.link.trace?.forward !== undefined
      ? aqmQueueSamples(p.qdisc.filter((q) => q.dev === 'to-rcv'), p.qdiscChildren.filter((q) => q.dev === 'to-rcv' && q.handle === AQM_HANDLE))
      : queueEstimates(p.qdisc.filter((x) => x.dev === 'to-rcv'), s.link.fwdDelayNs);
  for (const q of linkSamples) {
    rows.push({ time_s: round6(q.t - base), flow: 'link', queue_pkts: round6(q.pkts), queue_bytes: Math.round(q.bytes), link_mbps: round6(q.mbps) });
  }
  if (s.flows.some((f) => f.direction === 'reverse')) {
    for (const q of directionQueue(s, p, 'to-snd', s.link.revDelayNs)) {
      rows.push({ time_s: round6(q.t - base), flow: 'link-reverse', queue_pkts: round6(q.pkts), queue_bytes: Math.round(q.bytes), link_mbps: round6(q.mbps) });
    }
  }
  rows.sort((a, b) => Number(a.time_s) - Number(b.time_s));
  return rows;
}


/**
 * A workload's time-series rows, as the simulator writes them: per sampler
 * tick its open connections added up (cwnd, pacing, in flight, delivery
 * rate; srtt averaged; zeros when none is open), goodput from every connection's ACKed bytes since
 * the previous tick, retransmissions and delivered data (tcpi_delivered less
 * the SYN, x MSS) over all its connections so far. A
 * connection shorter than the sampling interval may never be sampled: its
 * bytes (and retransmissions) from cclab_flow's log count at the first tick
 * after it ended, so the series adds up to what the workload delivered.
 */
function workloadRows(flow: number, tickTimes: readonly number[], samples: readonly TcpSample[], conns: readonly FlowConnLog[], base: number): TimeseriesRow[] {
  const ended = conns.map((c) => ({ c, t: c.doneS ?? c.stopS ?? c.endS })).sort((a, b) => a.t - b.t);
  let next = 0;
  // every tick of the sampler from the client's launch, with or without a socket of the workload
  const ticks = new Map<number, TcpSample[]>(tickTimes.map((t) => [t, []]));
  for (const x of samples) {
    const list = ticks.get(x.t);
    if (list) list.push(x);
    else ticks.set(x.t, [x]);
  }
  const acked = new Map<number, number>();
  const delivered = new Map<number, number>();
  // samples from a sampler that printed tcpi_delivered (every one cclab has run so far): else the column stays empty
  const haveDelivered = samples.every((x) => Number.isFinite(x.delivered));
  const retrans = new Map<number, number>();
  let prevT: number | null = null;
  let prevAcked = 0;
  const rows: TimeseriesRow[] = [];
  for (const [t, xs] of [...ticks].sort((a, b) => a[0] - b[0])) {
    let cwnd = 0;
    let pacing = 0;
    let inflight = 0;
    let delivery = 0;
    let srttSum = 0;
    let open = 0;
    for (const x of xs) {
      acked.set(x.lport, Math.max(0, x.bytesAcked - 1));
      if (haveDelivered) delivered.set(x.lport, Math.max(delivered.get(x.lport) ?? 0, (x.delivered - 1) * x.mss));
      retrans.set(x.lport, x.totalRetrans);
      if (x.state !== 1) continue;
      open++;
      cwnd += x.cwnd;
      pacing += x.pacingRate;
      inflight += Math.max(0, x.unacked - x.sacked - x.lost + x.retrans);
      delivery += x.deliveryRate;
      srttSum += x.rttUs / 1000;
    }
    for (; next < ended.length && ended[next]!.t <= t; next++) {
      const { c } = ended[next]!;
      acked.set(c.lport, Math.max(acked.get(c.lport) ?? 0, c.deliveredBytes));
      delivered.set(c.lport, Math.max(delivered.get(c.lport) ?? 0, c.deliveredBytes));
      retrans.set(c.lport, Math.max(retrans.get(c.lport) ?? 0, c.totalRetrans));
    }
    const total = [...acked.values()].reduce((a, b) => a + b, 0);
    const dt = prevT === null ? 0 : t - prevT;
    rows.push({
      time_s: round6(t - base),
      flow,
      cwnd_pkts: cwnd,
      pacing_mbps: round6((pacing * 8) / 1e6),
      inflight_pkts: inflight,
      delivery_mbps: round6((delivery * 8) / 1e6),
      srtt_ms: open > 0 ? round6(srttSum / open) : 0,
      goodput_mbps: dt > 0 ? round6(((total - prevAcked) * 8) / dt / 1e6) : 0,
      retrans_segs: [...retrans.values()].reduce((a, b) => a + b, 0),
      ...(haveDelivered ? { delivered_bytes: [...delivered.values()].reduce((a, b) => a + b, 0) } : {}),
    });
    prevT = t;
    prevAcked = total;
  }
  return rows;
}

/** tcpi_ca_state as the time series names it. */
function caStateName(n: number): string {
  return CA_STATE_NAMES[n as 0 | 1 | 2 | 3 | 4] ?? String(n);
}

/**
 * transitions.csv rows: each change of a flow's tcpi_ca_state between two
 * consecutive samples, at the later one's time. Null when the samples do
 * not carry ca_state (runs sampled before the sampler printed it).
 */
function transitionRows(s: ResolvedScenario, p: ParsedRun, t0: number): TransitionRow[] | null {
  if (!p.tcp.some((x) => x.caState !== undefined)) return null;
  const rows: TransitionRow[] = [];
  const base = Number.isFinite(t0) ? t0 : (p.tcp[0]?.t ?? 0);
  for (const f of s.flows) {
    const lport = CLIENT_PORT_BASE + f.id;
    let prev: number | undefined;
    for (const x of p.tcp) {
      if (x.lport !== lport || x.caState === undefined) continue;
      if (prev !== undefined && x.caState !== prev) {
        rows.push({ time_s: round6(x.t - base), flow: f.id, kind: 'ca_state', from: caStateName(prev), to: caStateName(x.caState) });
      }
      prev = x.caState;
    }
  }
  return rows.sort((a, b) => a.time_s - b.time_s);
}
