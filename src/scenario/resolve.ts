/**
 * From a parsed scenario to the fully explicit scenario that a backend runs.
 *
 * Everything is a number in base units (bits/s, ns, bytes, fractions), flows
 * with `count: N` are expanded into N flows, BDP-relative queues are turned
 * into packets, and defaults are filled in. The simulator and the kernel
 * harness both consume a ResolvedScenario, so they agree on every number.
 */
import { createHash } from 'node:crypto';
import { dataWireBytes } from '../network/wire.js';
import { ccBlockDefaults, type LossModel, type ParsedScenario } from './schema.js';
import { ccSpec, type ParamValue } from '../cc/index.js';
import type { BrutalConfig } from '../cc/brutal.js';
import type { CubicParams } from '../cc/cubic.js';
import type { QdiscParamValues, ResolvedQdisc } from '../network/qdisc/registry.js';
import { DEFAULT_QDISC, resolveQdisc } from './qdisc.js';
import { parseQueue } from './units.js';
import type { AppModel, ArrivalModel } from '../traffic/schedule.js';
import type { Dist } from '../traffic/dist.js';
import { hopNames, pathIndices } from './links.js';
import { QUIC_DEFAULT_PATH_MTU, QUIC_DEFAULT_PMTUD } from '../quic/mtu-discoverer.js';

export interface ResolvedLink {
  /** Bottleneck rate, bits per second. */
  rateBps: number;
  /** One-way propagation delay sender -> receiver (data direction), ns. */
  fwdDelayNs: number;
  /** One-way propagation delay receiver -> sender (ACK direction), ns. */
  revDelayNs: number;
  /** Base round-trip time, ns (fwd + rev). */
  rttNs: number;
  /** Bottleneck buffer in packets: the drop-tail limit, or the AQM's hard limit. */
  queuePackets: number;
  /** Byte limit when the queue is in bytes (bfifo, or RED's limit), else null. */
  queueBytes: number | null;
  /** The queue as the user wrote it, e.g. "1bdp", or the AQM's default limit ("10240p"). */
  queueSpec: string;
  /** The bottleneck's queue discipline (network/qdisc/registry.ts). */
  qdisc: string;
  /**
   * Every parameter of the qdisc, explicit, in base units (ns, bytes,
   * packets, bits/s, fractions); absent for droptail, whose limit is
   * queuePackets / queueBytes (so drop-tail scenarios keep their hashes).
   */
  qdiscParams?: QdiscParamValues;
  /** Random loss on the data direction, decided when a packet enters the bottleneck (as netem). */
  loss: LossModel;
  /** Bernoulli loss probability on the ACK direction. */
  ackLoss: number;
  /** Uniform delay jitter (+/-) on the data direction, ns; 0 = off. */
  jitterNs: number;
  /** Timing noise of the receiving host: each ACK leaves up to this much later (uniform, in order), ns. */
  hostJitterNs: number;
  /** Measured ACK lateness as (quantile, ns) points, rising to (1, max); replaces the uniform one for ACKs. */
  ackJitter?: [number, number][];
  /** Rate of the sender's access link, bits per second. */
  accessRateBps: number;
  /** Bandwidth-delay product in bytes (rate x base RTT). */
  bdpBytes: number;
  /**
   * A trace-driven link (mahimahi's delivery opportunities): the data
   * direction's (rateBps is then its mean) and/or the ACK direction's;
   * absent for a link of constant rate.
   */
  trace?: { forward?: ResolvedTrace; reverse?: ResolvedTrace };
}

/** A trace file as a resolved scenario names it: where, its content's hash (the scenario hash covers that, not the path), its shape. */
export interface ResolvedTrace {
  file: string;
  sha256: string;
  periodMs: number;
  opportunities: number;
}

/** Brutal's resolved parameters (bytes per second, tenths, slots): the `brutal` block of a flow. */
export type BrutalParams = BrutalConfig;
export type { CubicParams };

export interface ResolvedFlow {
  /** Flow index after expanding `count`. */
  id: number;
  /** Index of the `flows[]` entry this flow came from. */
  group: number;
  /** A registered congestion control (cc/index.ts). */
  cc: string;
  startNs: number;
  /** When the sender stops (scenario end if not given), ns. */
  stopNs: number;
  /** Application bytes to send, or null for a bulk (iperf3-like) sender. */
  bytes: number | null;
  mss: number;
  /** Receiver's maximum advertised window, bytes. */
  rwndBytes: number;
  /**
   * Propagation delay on the flow's own path beyond the link's (its `rtt`
   * less the link's base RTT), ns, on the way its ACKs come back; absent
   * when the flow has the link's RTT (so older scenarios keep their hashes).
   */
  extraDelayNs?: number;
  pacing: 'auto' | 'fq';
  /**
   * 'reverse': the flow's data goes from the receiving host to the sending
   * host, over the link's reverse direction (a bottleneck of its own then);
   * absent for a forward flow (so older scenarios keep their hashes).
   */
  direction?: 'reverse';
  /**
   * On a chain (`links`): the indices of the links the flow crosses, a
   * contiguous ascending run; absent for the single link.
   */
  path?: number[];
  /** ECN-capable (RFC 3168); absent when off. */
  ecn?: true;
  /** The application when it is not a bulk writer: a rate and/or on/off periods (src/traffic/schedule.ts). */
  app?: AppModel;
  /** A short-flow workload: new connections arriving as a Poisson process (src/traffic/schedule.ts). */
  arrivals?: ArrivalModel;
  /**
   * The CC's parameter block, in base units, under the CC's name (only when
   * the CC has parameters: its CcSpec.params, through resolveParams). The two
   * typed here are those the rest of cclab reads by name.
   */
  brutal?: BrutalParams;
  cubic?: CubicParams;
  /**
   * 'quic': the flow is a QUIC connection (src/quic) whose cc is a QUIC
   * controller (src/quic/cc: Hysteria's brutal, quic-go's cubic and
   * newreno); absent for TCP (so older scenarios keep their hashes).
   */
  transport?: 'quic';
  /**
   * A QUIC flow's datagram-size settings (flows[].quic), only when the
   * scenario gives the block: pmtud (path MTU discovery; quic-go's default
   * true) and the path's MTU in bytes (default 1500). Absent: pmtud on
   * over a 1500-byte path.
   */
  quic?: { pmtud: boolean; mtuBytes: number };
}

/** The suffix of a QUIC flow's ccKey. */
const QUIC_KEY_SUFFIX = '/quic';

/**
 * A flow's congestion control as tables, charts and the surrogate name it:
 * its cc for a TCP flow, `<cc>/quic` for a QUIC one (flows[].transport), so
 * that TCP Brutal and QUIC Brutal are never taken for one another.
 */
export function ccKey(f: { cc: string; transport?: string }): string {
  return f.transport === 'quic' ? `${f.cc}${QUIC_KEY_SUFFIX}` : f.cc;
}

/** A ccKey read back: the flow's cc, and whether it runs over QUIC. */
export function splitCcKey(key: string): { cc: string; quic: boolean } {
  return key.endsWith(QUIC_KEY_SUFFIX) ? { cc: key.slice(0, -QUIC_KEY_SUFFIX.length), quic: true } : { cc: key, quic: false };
}

/** The latency probe (scenario `probe`): ICMP echoes of sizeBytes payload every intervalNs, from startNs to stopNs. */
export interface ResolvedProbe {
  intervalNs: number;
  /** ICMP payload bytes (ping -s). */
  sizeBytes: number;
  startNs: number;
  stopNs: number;
}

export interface ResolvedScenario {
  name: string;
  durationNs: number;
  seed: number;
  sampleIntervalNs: number;
  /** Leading time left out of every metric (iperf3 -O), ns; absent when 0 (so older scenarios keep their hashes). */
  warmupNs?: number;
  /** The latency probe: an ICMP echo every intervalNs from startNs to stopNs; absent without one. */
  probe?: ResolvedProbe;
  /** The link; with a chain (`links`), its narrowest link (lowest rate, first of equals). */
  link: ResolvedLink;
  /** A chain of links (scenario `links:`, a parking lot), in order; absent for the single link (so older scenarios keep their hashes). */
  links?: ResolvedHop[];
  flows: ResolvedFlow[];
}

/** One link of a chain: a link and its name. */
export interface ResolvedHop extends ResolvedLink {
  name: string;
}

/** Default access-link rate: ten times the bottleneck. */
export const ACCESS_RATE_FACTOR = 10;

/**
 * A flow's CC parameter block in base units (the parsed block, or the
 * spec's defaults when the flow gave none), through the spec's
 * resolveParams; undefined for a CC without parameters.
 */
function resolveCcParams(cc: string, given: Record<string, ParamValue> | undefined): object | undefined {
  const spec = ccSpec(cc)!;
  if (!spec.params || Object.keys(spec.params).length === 0) return undefined;
  const block = given ?? ccBlockDefaults(spec);
  return spec.resolveParams ? spec.resolveParams(block) : { ...block };
}

/** The bottleneck's buffer and queue discipline, from a parsed link and the flows' largest MSS. */
export function resolveLinkQueue(p: Pick<ParsedScenario, 'link' | 'flows'>): {
  fwd: number;
  rev: number;
  bdpBytes: number;
  queue: { queuePackets: number; queueBytes: number | null; queueSpec: string };
  qdisc: ResolvedQdisc | { path: (string | number)[]; message: string };
} {
  return resolveQueueOf(p.link!, Math.max(...p.flows.map((f) => f.mss)), null);
}

/**
 * A link's delays, buffer and queue discipline, from its parsed fields, the
 * largest MSS crossing it, and the RTT its BDP is taken at (null: its own
 * base RTT, as for the single link; a chain's link gives the largest base
 * RTT of the flows crossing it).
 */
export function resolveQueueOf(l: ParsedLink, mss: number, bdpRttNs: number | null): ReturnType<typeof resolveLinkQueue> {
  const fwd = l.delay ? l.delay.forward : Math.floor(l.rtt! / 2);
  const rev = l.delay ? l.delay.reverse : l.rtt! - Math.floor(l.rtt! / 2);
  const rtt = bdpRttNs ?? fwd + rev;
  const bdpBytes = (l.rate / 8) * (rtt / 1e9);
  const wire = dataWireBytes(mss);
  const spec = l.queue ?? parseQueue('1bdp');
  let queuePackets: number;
  let queueBytes: number | null = null;
  let queueSpec: string;
  switch (spec.kind) {
    case 'packets':
      queuePackets = spec.value;
      queueSpec = `${spec.value}p`;
      break;
    case 'bytes':
      queueBytes = spec.value;
      queuePackets = Math.max(1, Math.floor(spec.value / wire));
      queueSpec = `${spec.value}b`;
      break;
    case 'bdp':
      queuePackets = Math.max(1, Math.round((bdpBytes * spec.value) / wire));
      queueSpec = `${spec.value}bdp`;
      break;
  }
  const choice = l.qdisc ?? DEFAULT_QDISC;
  const qdisc = resolveQdisc(choice, { rateBps: l.rate, wireBytes: wire, queuePackets, queueBytes, queueGiven: l.queue !== undefined });
  if (choice.name !== 'droptail' && !('message' in qdisc)) {
    // an AQM's buffer is its own hard limit
    queuePackets = qdisc.limitPackets;
    queueBytes = qdisc.limitBytes;
    // link.queue as written when it set the limit; else the limit itself
    if (l.queue === undefined || choice.params.limit !== undefined) queueSpec = queueBytes !== null ? `${queueBytes}b` : `${queuePackets}p`;
  }
  return { fwd, rev, bdpBytes, queue: { queuePackets, queueBytes, queueSpec }, qdisc };
}

/** The parsed fields of one link (`link:` or an entry of `links:`). */
export type ParsedLink = NonNullable<ParsedScenario['link']>;

export function resolveScenario(p: ParsedScenario, fallbackName = 'scenario'): ResolvedScenario {
  if (p.links !== undefined) return resolveChainScenario(p, fallbackName);
  const l = p.link!;
  const { fwd, rev, bdpBytes, queue, qdisc } = resolveLinkQueue(p);
  if ('message' in qdisc) throw new Error(`internal error: link.qdisc passed the schema but does not resolve: ${qdisc.message}`);
  const rtt = fwd + rev;
  const link = resolvedLinkOf(l, fwd, rev, bdpBytes, queue, qdisc);
  return scenarioOf(p, fallbackName, link, resolveFlows(p, () => rtt, null));
}

/**
 * The flows after expanding `count`: `baseRttOf(group)` gives the base RTT
 * of the links an entry crosses (a flow's own rtt adds the rest), `pathOf`
 * the links it crosses (null for the single link).
 */
function resolveFlows(p: ParsedScenario, baseRttOf: (group: number) => number, pathOf: ((group: number) => number[]) | null): ResolvedFlow[] {
  const flows: ResolvedFlow[] = [];
  p.flows.forEach((f, group) => {
    const rtt = baseRttOf(group);
    for (let k = 0; k < f.count; k++) {
      const rf: ResolvedFlow = {
        id: flows.length,
        group,
        cc: f.cc,
        startNs: f.start,
        stopNs: Math.min(f.stop ?? p.duration, p.duration),
        bytes: f.bytes ?? null,
        mss: f.mss,
        rwndBytes: f.rwnd,
        ...(f.rtt !== undefined && f.rtt > rtt ? { extraDelayNs: f.rtt - rtt } : {}),
        pacing: f.pacing,
        ...(f.direction === 'reverse' ? { direction: 'reverse' as const } : {}),
        // only when on: scenarios without ECN keep their hashes
        ...((f.ecn ?? ccSpec(f.cc)?.ecn === 'required') ? { ecn: true as const } : {}),
        ...(f.app ? { app: resolveApp(f.app) } : {}),
        ...(f.arrivals ? { arrivals: { process: f.arrivals.process, ratePerS: f.arrivals.rate, size: f.arrivals.size } } : {}),
        ...(pathOf ? { path: pathOf(group) } : {}),
        ...(f.transport === 'quic' ? { transport: 'quic' as const } : {}),
        ...(f.quic !== undefined ? { quic: { pmtud: f.quic.pmtud ?? QUIC_DEFAULT_PMTUD, mtuBytes: f.quic.mtu ?? QUIC_DEFAULT_PATH_MTU } } : {}),
      };
      // a QUIC flow keeps only Brutal's block (its rate; cwndGain 20 and slots 5 are Hysteria's fixed 2x and 5 slots)
      const params = f.transport === 'quic' && f.cc !== 'brutal' ? undefined : resolveCcParams(f.cc, (f as Record<string, unknown>)[f.cc] as Record<string, ParamValue> | undefined);
      if (params !== undefined) (rf as unknown as Record<string, unknown>)[f.cc] = params;
      flows.push(rf);
    }
  });
  return flows;
}

function scenarioOf(p: ParsedScenario, fallbackName: string, link: ResolvedLink, flows: ResolvedFlow[], links?: ResolvedHop[]): ResolvedScenario {
  return {
    name: p.name ?? fallbackName,
    durationNs: p.duration,
    seed: p.seed,
    sampleIntervalNs: p.sampleInterval,
    ...(p.warmup > 0 ? { warmupNs: p.warmup } : {}),
    ...(p.probe ? { probe: { intervalNs: p.probe.interval, sizeBytes: p.probe.size, startNs: p.probe.start, stopNs: Math.min(p.probe.stop ?? p.duration, p.duration) } } : {}),
    link,
    ...(links ? { links } : {}),
    flows,
  };
}

/**
 * A chain of links (`links:`, a parking lot). Each link's BDP (for `queue:
 * Nbdp` and an AQM's defaults) is its rate times the largest base RTT of the
 * flows crossing it (the whole chain's RTT when none does). `link` is the
 * narrowest link (the lowest rate, the first of equals), what readers of a
 * single link see; `links` has every one, and each flow its `path`.
 */
function resolveChainScenario(p: ParsedScenario, fallbackName: string): ResolvedScenario {
  const parsed = p.links!;
  const names = hopNames(parsed);
  const own = parsed.map((l) => (l.delay ? l.delay.forward + l.delay.reverse : l.rtt!));
  const paths = p.flows.map((f) => {
    const r = pathIndices(f.path, names);
    if (!Array.isArray(r)) throw new Error(`internal error: a path passed the schema but does not resolve: ${r.message}`);
    return r;
  });
  const pathRtt = (g: number) => paths[g]!.reduce((a, i) => a + own[i]!, 0);
  const links: ResolvedHop[] = parsed.map((l, i) => {
    const crossing = p.flows.map((f, g) => ({ f, g })).filter(({ g }) => paths[g]!.includes(i));
    const bdpRtt = crossing.length > 0 ? Math.max(...crossing.map(({ f, g }) => Math.max(f.rtt ?? 0, pathRtt(g)))) : own.reduce((a, x) => a + x, 0);
    const mss = Math.max(...(crossing.length > 0 ? crossing : p.flows.map((f, g) => ({ f, g }))).map(({ f }) => f.mss));
    const { fwd, rev, bdpBytes, queue, qdisc } = resolveQueueOf(l, mss, bdpRtt);
    if ('message' in qdisc) throw new Error(`internal error: links[${i}].qdisc passed the schema but does not resolve: ${qdisc.message}`);
    return { name: names[i]!, ...resolvedLinkOf(l, fwd, rev, bdpBytes, queue, qdisc) };
  });
  let narrow = 0;
  links.forEach((l, i) => {
    if (l.rateBps < links[narrow]!.rateBps) narrow = i;
  });
  const { name: _name, ...link } = links[narrow]!;
  return scenarioOf(p, fallbackName, link, resolveFlows(p, pathRtt, (g) => paths[g]!), links);
}

/** A ResolvedLink from a parsed link and its resolved delays, BDP, buffer and qdisc. */
export function resolvedLinkOf(l: ParsedLink, fwd: number, rev: number, bdpBytes: number, queue: { queuePackets: number; queueBytes: number | null; queueSpec: string }, qdisc: ResolvedQdisc): ResolvedLink {
  const rtt = fwd + rev;
  const qdiscName = (l.qdisc ?? DEFAULT_QDISC).name;
  return {
    rateBps: l.rate,
    fwdDelayNs: fwd,
    revDelayNs: rev,
    rttNs: rtt,
    queuePackets: queue.queuePackets,
    queueBytes: queue.queueBytes,
    queueSpec: queue.queueSpec,
    qdisc: qdiscName,
    ...(qdiscName !== 'droptail' ? { qdiscParams: qdisc.params } : {}),
    loss: l.loss,
    ackLoss: l.ackLoss,
    jitterNs: l.jitter,
    hostJitterNs: l.hostJitter,
    ...(l.ackJitter ? { ackJitter: l.ackJitter } : {}),
    accessRateBps: l.accessRate ?? l.rate * ACCESS_RATE_FACTOR,
    bdpBytes,
    ...(l.trace ? { trace: { ...(l.trace.forward ? { forward: traceOf(l.trace.forward) } : {}), ...(l.trace.reverse ? { reverse: traceOf(l.trace.reverse) } : {}) } } : {}),
  };
}

/** A flow's application in base units, only the fields given (so the hash covers what was written). */
function resolveApp(a: NonNullable<ParsedScenario['flows'][number]['app']>): AppModel {
  return { ...(a.rate !== undefined ? { rateBps: a.rate } : {}), ...(a.on !== undefined ? { on: a.on, off: a.off! } : {}) };
}

function traceOf(t: ResolvedTrace & { meanBps: number }): ResolvedTrace {
  return { file: t.file, sha256: t.sha256, periodMs: t.periodMs, opportunities: t.opportunities };
}

/** Stable JSON (sorted keys) for hashing. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .filter((k) => o[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
    .join(',')}}`;
}

/** Hash of everything that determines a run except the seed (12 hex digits). */
export function scenarioHash(s: ResolvedScenario): string {
  const { seed: _seed, ...rest } = s;
  // a trace counts by its content, wherever its file lies
  if (s.link.trace) {
    const strip = (t: ResolvedTrace | undefined): ResolvedTrace | undefined => (t ? ({ ...t, file: undefined } as unknown as ResolvedTrace) : undefined);
    rest.link = { ...s.link, trace: { forward: strip(s.link.trace.forward), reverse: strip(s.link.trace.reverse) } };
  }
  if (s.links?.some((l) => l.trace)) {
    const strip = (t: ResolvedTrace | undefined): ResolvedTrace | undefined => (t ? ({ ...t, file: undefined } as unknown as ResolvedTrace) : undefined);
    rest.links = s.links.map((l) => (l.trace ? { ...l, trace: { forward: strip(l.trace.forward), reverse: strip(l.trace.reverse) } } : l));
  }
  // so does a workload's size CDF
  if (s.flows.some((f) => f.arrivals?.size.kind === 'cdf')) {
    rest.flows = s.flows.map((f) => (f.arrivals?.size.kind === 'cdf' ? { ...f, arrivals: { ...f.arrivals, size: { ...f.arrivals.size, file: undefined } as unknown as Dist } } : f));
  }
  return createHash('sha256').update(canonicalJson(rest)).digest('hex').slice(0, 12);
}

/** A flow's base (propagation) RTT, ns: its links' (the link's, or its path's on a chain), plus the delay on its own path. */
export function flowRttNs(s: ResolvedScenario, f: ResolvedFlow): number {
  if (s.links !== undefined && f.path !== undefined) return f.path.reduce((a, i) => a + s.links![i]!.rttNs, 0) + (f.extraDelayNs ?? 0);
  return s.link.rttNs + (f.extraDelayNs ?? 0);
}

/** The rate of a flow's narrowest link, bit/s: the slowest link of its path on a chain, else the link's. */
export function flowBottleneckBps(s: ResolvedScenario, f: ResolvedFlow): number {
  if (s.links !== undefined && f.path !== undefined) return Math.min(...f.path.map((i) => s.links![i]!.rateBps));
  return s.link.rateBps;
}

/**
 * Whether the link's reverse direction is a bottleneck of its own: when a
 * flow sends data that way. It then runs at the link's rate (or its reverse
 * trace) with its own instance of the link's queue discipline and buffer,
 * as a symmetric point-to-point link; else it carries only ACKs, unshaped.
 */
export function hasReverseFlows(s: Pick<ResolvedScenario, 'flows'>): boolean {
  return s.flows.some((f) => f.direction === 'reverse');
}
