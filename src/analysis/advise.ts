/**
 * `cclab advise`: which rate to give Brutal on a path.
 *
 * Model in plain words. Brutal sends at the rate it is told, whatever the
 * path does; set above what the path carries it fills the queue, its losses
 * become retransmissions, and a loss-based flow next to it starves. So the
 * right rate is found by trying rates on the path, not by formula:
 *   1. the path (a link: rate, RTT, loss, queue, qdisc) comes from --set,
 *      a scenario file's link, or a run's measured summary.json;
 *   2. a focused sweep in the simulator (analysis/sweep.ts, its worker pool)
 *      runs Brutal at rates from a quarter of to twice what the path carries
 *      (and, for TCP, at several cwnd gains), each next to one competing flow
 *      (Cubic, or --against bbr) and, as the sweep's harm baselines, each
 *      flow alone;
 *   3. every setting is measured: Brutal's goodput and p95 RTT alone, its
 *      retransmitted share (the worse of alone and competing), the queueing
 *      delay it causes (p95 RTT alone minus the base RTT) and the harm to the
 *      competitor (Ware et al., HotNets 2019: the share of its solo goodput it
 *      loses, (alone - competing) / alone);
 *   4. among the settings within the limits, the one with the most goodput
 *      alone is recommended; goodputs within GOODPUT_TIE of the best count as
 *      equal, and then the lowest rate wins (less queue, less harm).
 * A rate the user proposes (--propose) joins the grid; when it is above what
 * the path carries cclab warns and shows what it costs next to the advice.
 *
 * The transport is a table entry (TRANSPORTS): TCP Brutal (tcp_brutal: rate
 * and cwnd gain) and Hysteria's QUIC Brutal (rate only: brutal.go has no
 * gain), which needs the simulator's QUIC transport.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../scenario/errors.js';
import { applySets, readScenarioDoc, validateScenario } from '../scenario/load.js';
import { canonicalJson, type ResolvedScenario } from '../scenario/resolve.js';
import { formatRate, parsePercent, parseRate, parseTime, UnitError } from '../scenario/units.js';
import { parseBandwidth } from '../scenario/hysteria-rate.js';
import { DATA_OVERHEAD_BYTES } from '../network/wire.js';
import { AEAD_TAG_BYTES, INITIAL_MAX_DATAGRAM_SIZE, SHORT_HEADER_BYTES, streamFrameHeaderBytes, UDP_IP_ETH_BYTES } from '../quic/frames.js';
import { discoveredDatagramSize, QUIC_DEFAULT_PATH_MTU, QUIC_DEFAULT_PMTUD } from '../quic/mtu-discoverer.js';

/** The datagram size the advised QUIC flow sends at once path MTU discovery is done (its defaults: 1439 on a 1500-byte path). */
const QUIC_DATAGRAM_BYTES = discoveredDatagramSize(INITIAL_MAX_DATAGRAM_SIZE, QUIC_DEFAULT_PATH_MTU, QUIC_DEFAULT_PMTUD);
import { BRUTAL_DEFAULT_CWND_GAIN, BRUTAL_MAX_CWND_GAIN, BRUTAL_MIN_CWND_GAIN, BRUTAL_MIN_RATE_BYTES } from '../cc/brutal.js';
import { readSummary, toJson, writeFileAtomic } from '../results/io.js';
import { runSummarySchema, type RunSummary } from '../results/schema.js';
import { pointSummaries } from './aggregate.js';
import { meanLossRate } from '../scenario/schema.js';
import { pointKey } from './plan.js';
import { runSweep, type SweepOutcome } from './sweep.js';
import type { Progress } from './progress.js';

export const ADVISE_SCHEMA = 'cclab.advise/1';
/** The advice, next to the sweep's files in its folder (the report shows it). */
export const ADVISE_FILE = 'advise.json';

/** Rates tried, as multiples of what the path carries (payload rate x (1 - loss)). */
export const RATE_FACTORS = [0.25, 0.5, 0.7, 0.8, 0.85, 0.9, 0.95, 1, 1.05, 1.25, 1.5, 2] as const;
/** cwnd gains tried for TCP Brutal, tenths (tcp_brutal's cwnd_gain; 20 = 2.0x, its default). */
export const DEFAULT_GAINS = [10, 20, 30] as const;
/** Goodputs within this fraction of the best count as equal; the lowest rate among them wins. */
export const GOODPUT_TIE = 0.01;
/** Default limit on the retransmitted share: the path's random loss plus this much. */
export const DEFAULT_RETRANS_MARGIN = 0.05;
/** Default limit on queueing delay (p95 RTT minus base RTT), as a fraction of the base RTT. */
export const DEFAULT_DELAY_FRACTION = 0.5;
/**
 * Default limit on harm to the competing flow's goodput: 50%, what a second
 * flow of its own kind costs it (two flows sharing fairly each keep half);
 * Ware et al.'s bar is harm no worse than the incumbent does to itself.
 */
export const DEFAULT_MAX_HARM = 0.5;
/** Each point's length and the warm-up left out of its metrics. */
export const DEFAULT_DURATION = '12s';
export const DEFAULT_WARMUP = '2s';
/** Competitors the advice can measure harm against. */
export const AGAINST = ['cubic', 'bbr', 'bbr3', 'reno'] as const;
export type Against = (typeof AGAINST)[number];
/** Rates added between the chosen rate and the next one up (which broke a limit) in the second, refining pass. */
export const REFINE_RATES = 3;
/** Rates rounded to this many bits/s in the grid. */
const RATE_STEP_BPS = 10_000;
const BRUTAL_MIN_RATE_BPS = BRUTAL_MIN_RATE_BYTES * 8;

export type Transport = 'tcp' | 'quic';

interface TransportSpec {
  /** Sweep the cwnd gain too (TCP); Hysteria's QUIC Brutal has none (cwnd = 2 x rate x srtt / ack rate). */
  sweepsGain: boolean;
  /** The Brutal flow's flows[] entry. */
  flow(rate: string, gain: number): Record<string, unknown>;
  /** The share of the link's bytes that is payload when the flow sends full packets (mss: the flow's TCP MSS). */
  payloadFraction(mss: number): number;
}

export const TRANSPORTS: Readonly<Record<Transport, TransportSpec>> = {
  tcp: {
    sweepsGain: true,
    flow: (rate, gain) => ({ cc: 'brutal', brutal: { rate, cwndGain: gain } }),
    // a full segment: mss payload bytes in mss + TCP/IP/Ethernet headers on the link
    payloadFraction: (mss) => mss / (mss + DATA_OVERHEAD_BYTES),
  },
  // Hysteria's Brutal over the simulator's QUIC transport (flows[].transport: quic, brutal: {rate})
  quic: {
    sweepsGain: false,
    flow: (rate) => ({ cc: 'brutal', transport: 'quic', brutal: { rate } }),
    // a full packet after path MTU discovery: its datagram less the short header, the AEAD tag and a
    // STREAM frame's header (an offset past 16 KB), in the datagram plus UDP/IP/Ethernet on the link
    payloadFraction: () =>
      (QUIC_DATAGRAM_BYTES - SHORT_HEADER_BYTES - AEAD_TAG_BYTES - streamFrameHeaderBytes(1 << 20)) / (QUIC_DATAGRAM_BYTES + UDP_IP_ETH_BYTES),
  },
};

const RATE_PATH = 'flows[0].brutal.rate';
const GAIN_PATH = 'flows[0].brutal.cwndGain';

export interface AdviseLimits {
  /** Most retransmitted share of the bytes Brutal sends (fraction). */
  maxRetrans: number;
  /** Most queueing delay Brutal causes: p95 RTT alone minus the base RTT, ms. */
  maxQueueDelayMs: number;
  /** Most harm to the competing flow's goodput (fraction). */
  maxHarm: number;
  /** The limits the user did not set (their defaults were used). */
  defaulted: ('maxRetrans' | 'maxQueueDelayMs' | 'maxHarm')[];
}

/** The path the advice is for. */
export interface AdvisePath {
  /** "--set", a scenario file, or a run's summary. */
  source: string;
  rateMbps: number;
  rttMs: number;
  /** Mean random loss on the data direction, percent. */
  lossPct: number;
  queuePackets: number;
  qdisc: string;
  mss: number;
  /** The Brutal flow's transport: what its packets carry decides the payload rate. */
  transport: Transport;
  /** Payload the link carries: rate x the transport's payload share of a full packet (TCP: mss / (mss + headers)), Mbit/s. */
  payloadMbps: number;
  /** What Brutal can be told to send: the payload rate x (1 - loss), Mbit/s. */
  carriesMbps: number;
}

/** One setting measured. Means over the seeds; null where no seed gave a value. */
export interface AdviseCandidate {
  rateMbps: number;
  /** The rate as written into the scenario (tc units). */
  rate: string;
  /** cwnd gain, tenths (null for a transport without one). */
  gain: number | null;
  /** Brutal alone: goodput (Mbit/s), retransmitted share, p95 RTT (ms). */
  goodputMbps: number | null;
  retransAlone: number | null;
  rttP95Ms: number | null;
  /** p95 RTT alone minus the base RTT, ms. */
  queueDelayMs: number | null;
  /** Next to the competitor: Brutal's goodput and retransmitted share. */
  goodputCompetingMbps: number | null;
  retransCompeting: number | null;
  /** The worse of retransAlone and retransCompeting. */
  retrans: number | null;
  /** The competitor's goodput alone and next to Brutal (Mbit/s), and its harm (fraction). */
  competitorAloneMbps: number | null;
  competitorMbps: number | null;
  harm: number | null;
  /** The limits this setting breaks (empty: within all); "failed" when its runs failed. */
  fails: ('retrans' | 'delay' | 'harm' | 'failed')[];
}

export interface AdviseProposal {
  input: string;
  rateMbps: number;
  /** rate / what the path carries. */
  ratio: number;
  above: boolean;
  /** The measured setting at the proposed rate (gain: the default, or the nearest swept). */
  candidate: AdviseCandidate | null;
}

export interface AdviseResult {
  schema: typeof ADVISE_SCHEMA;
  transport: Transport;
  against: Against;
  path: AdvisePath;
  limits: AdviseLimits;
  grid: { rates: string[]; gains: number[] | null; seeds: number; duration: string; warmup: string };
  candidates: AdviseCandidate[];
  recommendation: AdviseCandidate | null;
  proposal: AdviseProposal | null;
  /** The sweep folder. */
  dir: string;
}

export interface AdviseInput {
  /** A scenario file, a run directory or a summary.json (absent: --set only). */
  from?: string;
  sets: readonly string[];
  transport?: string;
  against?: string;
  maxRetrans?: string;
  maxDelay?: string;
  maxHarm?: string;
  propose?: string;
  rates?: string;
  gains?: string;
  seeds?: number;
  duration?: string;
  out?: string;
  results?: string;
  jobs?: number;
  progress?: Progress;
  log?: (line: string) => void;
}

/** A unit error from an option, as one line naming the option. */
function optionValue<T>(flag: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof UnitError || e instanceof InputError) throw new InputError(`${flag}: ${e.message}`);
    throw e;
  }
}

export function parseTransport(v: string | undefined): Transport {
  const t = (v ?? 'tcp').trim().toLowerCase();
  if (t !== 'tcp' && t !== 'quic') throw new InputError(`--transport: expected tcp or quic, got "${v}"`);
  return t;
}

export function parseAgainst(v: string | undefined): Against {
  const a = (v ?? 'cubic').trim().toLowerCase();
  if (!(AGAINST as readonly string[]).includes(a)) throw new InputError(`--against: expected one of ${AGAINST.join(', ')}, got "${v}"`);
  return a as Against;
}

/** --rates: a comma-separated list of rates (Hysteria's or tc's units), each at least 500kbit. */
export function parseRateList(v: string): number[] {
  const parts = v.split(',').map((s) => s.trim());
  if (parts.length === 0 || parts.some((s) => s === '')) throw new InputError(`--rates: expected a comma-separated list of rates, e.g. 20mbit,40mbit or "30 mbps, 45 mbps", got "${v}"`);
  const out = parts.map((p) => optionValue('--rates', () => parseBandwidth(p)));
  out.forEach((r, i) => {
    if (r < BRUTAL_MIN_RATE_BPS) throw new InputError(`--rates: "${parts[i]}" is below Brutal's smallest rate, 500kbit`);
  });
  return [...new Set(out)].sort((a, b) => a - b);
}

/** --gains: cwnd gains in tenths (as tcp_brutal's cwnd_gain and the scenario's brutal.cwndGain), 5..80. */
export function parseGainList(v: string): number[] {
  const parts = v.split(',').map((s) => s.trim());
  const out = parts.map((p) => {
    if (!/^\d+$/.test(p) || Number(p) < BRUTAL_MIN_CWND_GAIN || Number(p) > BRUTAL_MAX_CWND_GAIN) {
      throw new InputError(`--gains: expected whole numbers from ${BRUTAL_MIN_CWND_GAIN} to ${BRUTAL_MAX_CWND_GAIN} (tenths: 20 = 2.0x), comma-separated, got "${v}"`);
    }
    return Number(p);
  });
  return [...new Set(out)].sort((a, b) => a - b);
}

/** Whether `file` is a run's measured results (a run directory, or its summary.json) rather than a scenario. */
function isRunSummary(file: string): string | null {
  if (existsSync(file) && statSync(file).isDirectory()) {
    if (existsSync(join(file, 'summary.json'))) return file;
    throw new InputError(`${file}: a folder without summary.json; give a run directory (cclab run), its summary.json, or a scenario file`);
  }
  if (!/\.json$/i.test(file)) return null;
  try {
    const j = JSON.parse(readFileSync(file, 'utf8')) as { schema?: unknown };
    return j.schema === runSummarySchema.shape.schema.value ? join(file, '..') : null;
  } catch {
    return null;
  }
}

/** The link block of a run's measured summary: its rate, base RTT, buffer, qdisc, and the random loss it counted. */
export function linkFromSummary(s: RunSummary, where: string): Record<string, unknown> {
  if (s.links !== undefined) throw new InputError(`${where}: a chain of ${s.links.length} links; advise takes one bottleneck (a run with link:)`);
  const sent = s.flows.reduce((a, f) => a + f.segsSent, 0);
  const loss = sent > 0 ? s.link.drops.random / sent : 0;
  return {
    rate: formatRate(Math.round(s.link.rateMbps * 1e6)),
    rtt: `${+s.link.rttMs.toFixed(3)}ms`,
    queue: s.link.queuePackets,
    ...(s.link.qdisc ? { qdisc: s.link.qdisc } : {}),
    loss: `${+(loss * 100).toFixed(3)}%`,
  };
}

/** The base link of the advice, as a scenario link block, and where it came from. */
export function readPathLink(from: string | undefined): { link: Record<string, unknown>; source: string } {
  if (from === undefined) return { link: {}, source: '--set' };
  if (!existsSync(from)) throw new InputError(`${from}: no such file or directory; give a scenario file, a run directory or its summary.json`);
  const run = isRunSummary(from);
  if (run !== null) {
    let s: RunSummary;
    try {
      s = readSummary(run);
    } catch (e) {
      throw new InputError(`${join(run, 'summary.json')}: not a cclab run summary (${(e as Error).message.split('\n')[0]})`);
    }
    return { link: linkFromSummary(s, from), source: `measured by ${s.source === 'kernel' ? 'a kernel' : 'a simulator'} run (${join(run, 'summary.json')})` };
  }
  const doc = readScenarioDoc(from);
  if (doc.links !== undefined) throw new InputError(`${from}: links: a chain of links; advise takes one bottleneck (link:)`);
  if (doc.link === null || typeof doc.link !== 'object' || Array.isArray(doc.link)) throw new InputError(`${from}: link: missing; advise needs the scenario's link`);
  return { link: structuredClone(doc.link) as Record<string, unknown>, source: `the link of ${from}` };
}

/** The path's numbers from a resolved point. */
export function describePath(r: ResolvedScenario, source: string, transport: Transport = 'tcp'): AdvisePath {
  const l = r.link;
  const mss = r.flows[0]!.mss;
  const payload = l.rateBps * TRANSPORTS[transport].payloadFraction(mss);
  const loss = meanLossRate(l.loss);
  const round = (x: number, d = 3) => +x.toFixed(d);
  return {
    source,
    rateMbps: round(l.rateBps / 1e6, 6),
    rttMs: round(l.rttNs / 1e6),
    lossPct: round(loss * 100, 4),
    queuePackets: l.queuePackets,
    qdisc: l.qdisc,
    mss,
    transport,
    payloadMbps: round(payload / 1e6),
    carriesMbps: round((payload * (1 - loss)) / 1e6),
  };
}

/** The rates tried: RATE_FACTORS x what the path carries, rounded, at least Brutal's 500kbit. */
export function rateGrid(carriesBps: number): number[] {
  const rates = RATE_FACTORS.map((f) => Math.max(BRUTAL_MIN_RATE_BPS, Math.round((f * carriesBps) / RATE_STEP_BPS) * RATE_STEP_BPS));
  return [...new Set(rates)].sort((a, b) => a - b);
}

/**
 * The second pass: REFINE_RATES rates evenly between the chosen rate and the
 * next rate tried above it (which broke a limit, else it would have been
 * chosen), so the advice is not a coarse grid step below the limit. None
 * when nothing was chosen or nothing lies above.
 */
export function refineRates(rates: readonly number[], chosen: AdviseCandidate | null): number[] {
  if (chosen === null) return [];
  const lo = chosen.rateMbps * 1e6;
  const hi = rates.find((r) => r > lo + RATE_STEP_BPS / 2);
  if (hi === undefined) return [];
  const out: number[] = [];
  for (let i = 1; i <= REFINE_RATES; i++) {
    const r = Math.round((lo + ((hi - lo) * i) / (REFINE_RATES + 1)) / RATE_STEP_BPS) * RATE_STEP_BPS;
    if (r > lo && r < hi && !rates.includes(r) && !out.includes(r)) out.push(r);
  }
  return out;
}

/** The limits: the user's, else the defaults for this path. */
export function resolveLimits(path: AdvisePath, o: Pick<AdviseInput, 'maxRetrans' | 'maxDelay' | 'maxHarm'>): AdviseLimits {
  const defaulted: AdviseLimits['defaulted'] = [];
  const pct = (flag: string, v: string | undefined) => (v === undefined ? undefined : optionValue(flag, () => parsePercent(v)));
  let maxRetrans = pct('--max-retrans', o.maxRetrans);
  if (maxRetrans === undefined) {
    maxRetrans = +(path.lossPct / 100 + DEFAULT_RETRANS_MARGIN).toFixed(6);
    defaulted.push('maxRetrans');
  }
  let maxQueueDelayMs = o.maxDelay === undefined ? undefined : optionValue('--max-delay', () => parseTime(o.maxDelay!)) / 1e6;
  if (maxQueueDelayMs === undefined) {
    maxQueueDelayMs = +(path.rttMs * DEFAULT_DELAY_FRACTION).toFixed(3);
    defaulted.push('maxQueueDelayMs');
  }
  let maxHarm = pct('--max-harm', o.maxHarm);
  if (maxHarm === undefined) {
    maxHarm = DEFAULT_MAX_HARM;
    defaulted.push('maxHarm');
  }
  return { maxRetrans, maxQueueDelayMs, maxHarm, defaulted };
}

/** Which limits a measured setting breaks. */
export function limitFailures(c: Omit<AdviseCandidate, 'fails'>, l: AdviseLimits): AdviseCandidate['fails'] {
  if (c.goodputMbps === null || c.retrans === null || c.queueDelayMs === null || c.harm === null) return ['failed'];
  const fails: AdviseCandidate['fails'] = [];
  if (c.retrans > l.maxRetrans) fails.push('retrans');
  if (c.queueDelayMs > l.maxQueueDelayMs) fails.push('delay');
  if (c.harm > l.maxHarm) fails.push('harm');
  return fails;
}

/**
 * The recommendation: among the settings within every limit, the most
 * goodput alone; within GOODPUT_TIE of it the lowest rate, then the gain
 * nearest tcp_brutal's default (2.0x), then the lower gain. Null when no
 * setting is within the limits.
 */
export function chooseSetting(candidates: readonly AdviseCandidate[]): AdviseCandidate | null {
  const ok = candidates.filter((c) => c.fails.length === 0);
  if (ok.length === 0) return null;
  const best = Math.max(...ok.map((c) => c.goodputMbps!));
  const near = ok.filter((c) => c.goodputMbps! >= best * (1 - GOODPUT_TIE));
  const gainKey = (g: number | null) => (g === null ? 0 : Math.abs(g - BRUTAL_DEFAULT_CWND_GAIN));
  near.sort((a, b) => a.rateMbps - b.rateMbps || gainKey(a.gain) - gainKey(b.gain) || (a.gain ?? 0) - (b.gain ?? 0));
  return near[0]!;
}

/** The gain a proposal is measured at: tcp_brutal's default when swept, else the nearest swept gain. */
export function proposalGain(gains: readonly number[] | null): number | null {
  if (gains === null) return null;
  return [...gains].sort((a, b) => Math.abs(a - BRUTAL_DEFAULT_CWND_GAIN) - Math.abs(b - BRUTAL_DEFAULT_CWND_GAIN) || a - b)[0]!;
}

function mean(xs: readonly (number | null | undefined)[]): number | null {
  const v = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return v.length === 0 ? null : v.reduce((a, b) => a + b, 0) / v.length;
}

const r6 = (x: number | null) => (x === null ? null : +x.toFixed(6));

/** The settings measured by an advise sweep, from its point files. */
export function readCandidates(o: SweepOutcome, baseRttMs: number, limits: AdviseLimits): AdviseCandidate[] {
  const load = pointSummaries(join(o.dir, 'points'));
  const out: AdviseCandidate[] = [];
  for (const c of o.plan.combos) {
    const rate = String(c.params[RATE_PATH]);
    const gain = c.params[GAIN_PATH] === undefined ? null : Number(c.params[GAIN_PATH]);
    const brutalSolo = c.solo.find((b) => b.group === 0)!;
    const rivalSolo = c.solo.find((b) => b.group === 1)!;
    const seeds = o.plan.seeds.map((s) => ({ comp: load(pointKey(c.hash, s)), alone: load(pointKey(brutalSolo.hash, s)), rival: load(pointKey(rivalSolo.hash, s)) }));
    const alone = seeds.map((x) => x.alone?.flows[0] ?? null);
    const comp = seeds.map((x) => x.comp?.flows[0] ?? null);
    const rivalComp = seeds.map((x) => x.comp?.flows[1] ?? null);
    const rivalAlone = seeds.map((x) => x.rival?.flows[0] ?? null);
    const retransAlone = mean(alone.map((f) => f?.retransRatio));
    const retransCompeting = mean(comp.map((f) => f?.retransRatio));
    const rttP95Ms = mean(alone.map((f) => f?.rttMs.p95));
    const harm = mean(rivalAlone.map((a, i) => (a && rivalComp[i] && a.goodputMbps > 0 ? (a.goodputMbps - rivalComp[i]!.goodputMbps) / a.goodputMbps : null)));
    const cand: Omit<AdviseCandidate, 'fails'> = {
      // from the value swept (whatever block the transport resolves it into)
      rateMbps: +(parseRate(rate) / 1e6).toFixed(6),
      rate,
      gain,
      goodputMbps: r6(mean(alone.map((f) => f?.goodputMbps))),
      retransAlone: r6(retransAlone),
      rttP95Ms: r6(rttP95Ms),
      queueDelayMs: r6(rttP95Ms === null ? null : rttP95Ms - baseRttMs),
      goodputCompetingMbps: r6(mean(comp.map((f) => f?.goodputMbps))),
      retransCompeting: r6(retransCompeting),
      retrans: r6(retransAlone === null || retransCompeting === null ? null : Math.max(retransAlone, retransCompeting)),
      competitorAloneMbps: r6(mean(rivalAlone.map((f) => f?.goodputMbps))),
      competitorMbps: r6(mean(rivalComp.map((f) => f?.goodputMbps))),
      harm: r6(harm),
    };
    out.push({ ...cand, fails: limitFailures(cand, limits) });
  }
  return out.sort((a, b) => a.rateMbps - b.rateMbps || (a.gain ?? 0) - (b.gain ?? 0));
}

/** The sweep scenario of an advice (the base path with Brutal and its competitor, and the sweep fields). */
export function adviseSweepDoc(
  base: Record<string, unknown>,
  transport: Transport,
  against: Against,
  rates: readonly string[],
  gains: readonly number[] | null,
  seeds: number,
): Record<string, unknown> {
  const t = TRANSPORTS[transport];
  const doc = structuredClone(base);
  const flows = doc.flows as Record<string, unknown>[];
  flows[0] = { ...flows[0], ...t.flow(rates[0]!, gains?.[0] ?? BRUTAL_DEFAULT_CWND_GAIN) };
  flows[1] = { ...flows[1], cc: against };
  doc.sweep = { [RATE_PATH]: [...rates], ...(t.sweepsGain && gains ? { [GAIN_PATH]: [...gains] } : {}) };
  doc.harm = true;
  doc.seeds = seeds;
  return doc;
}

/**
 * A folder name for the advice: the path in words plus a short hash of the
 * base scenario (path, competitor, transport, seeds; not the rates, so a
 * second --propose on the same path reuses the points already run).
 */
function defaultName(path: AdvisePath, doc: Record<string, unknown>): string {
  const hash = createHash('sha256').update(canonicalJson(doc)).digest('hex').slice(0, 6);
  const loss = `${+path.lossPct.toFixed(3)}`.replace('.', 'p');
  return `advise-${formatRate(Math.round(path.rateMbps * 1e6))}-${+path.rttMs.toFixed(3)}ms-loss${loss}pct-${hash}`.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** Run the advice: build the path, sweep, read the settings, decide; writes advise.json into the sweep folder. */
export async function runAdvise(input: AdviseInput): Promise<AdviseResult> {
  const transport = parseTransport(input.transport);
  const against = parseAgainst(input.against);
  const spec = TRANSPORTS[transport];
  const seeds = input.seeds ?? 1;
  const { link, source } = readPathLink(input.from);
  const duration = input.duration ?? DEFAULT_DURATION;
  if (optionValue('--duration', () => parseTime(duration)) <= parseTime(DEFAULT_WARMUP)) {
    throw new InputError(`--duration: must be longer than the ${DEFAULT_WARMUP} warm-up left out of every run, e.g. ${DEFAULT_DURATION}`);
  }
  const base: Record<string, unknown> = {
    name: 'advise',
    duration,
    seed: 1,
    warmup: DEFAULT_WARMUP,
    link,
    flows: [{ ...spec.flow('1mbit', BRUTAL_DEFAULT_CWND_GAIN) }, { cc: against }],
  };
  applySets(base, input.sets);
  const l = base.link as Record<string, unknown> | undefined;
  if (l === null || typeof l !== 'object' || (l.rate === undefined && l.trace === undefined)) {
    throw new InputError('link.rate: missing; give the path, e.g. --set link.rate=50mbit --set link.rtt=50ms --set link.loss=1%, a scenario file, or a run directory');
  }
  if (base.links !== undefined) throw new InputError('links: advise takes one bottleneck (link:), not a chain');
  if (!Array.isArray(base.flows) || base.flows.length !== 2) throw new InputError('flows: advise sets the flows itself (Brutal and --against); set flows[0].mss or flows[1].* only');
  const { resolved } = validateScenario(base, 'advise');
  const path = describePath(resolved, source, transport);
  const limits = resolveLimits(path, input);

  const gains = spec.sweepsGain ? (input.gains !== undefined ? parseGainList(input.gains) : [...DEFAULT_GAINS]) : null;
  if (!spec.sweepsGain && input.gains !== undefined) throw new InputError(`--gains: --transport ${transport} has no cwnd gain (Hysteria's Brutal: cwnd = 2 x rate x srtt / ack rate)`);
  let rateBps = input.rates !== undefined ? parseRateList(input.rates) : rateGrid(path.carriesMbps * 1e6);
  let proposal: Omit<AdviseProposal, 'candidate'> | null = null;
  if (input.propose !== undefined) {
    const p = optionValue('--propose', () => parseBandwidth(input.propose!));
    if (p < BRUTAL_MIN_RATE_BPS) throw new InputError(`--propose: "${input.propose}" is below Brutal's smallest rate, 500kbit`);
    const ratio = p / (path.carriesMbps * 1e6);
    proposal = { input: input.propose, rateMbps: +(p / 1e6).toFixed(6), ratio: +ratio.toFixed(4), above: ratio > 1 };
    rateBps = [...new Set([...rateBps, p])].sort((a, b) => a - b);
  }
  const name = defaultName(path, { ...base, transport, against, seeds });
  const sweep = async (rb: readonly number[]) => {
    const rates = rb.map((r) => formatRate(r));
    const outcome = await runSweep(adviseSweepDoc(base, transport, against, rates, gains, seeds), name, null, {
      out: input.out ?? join(input.results ?? 'results', name),
      ...(input.jobs !== undefined ? { jobs: input.jobs } : {}),
      ...(input.progress ? { progress: input.progress } : {}),
      ...(input.log ? { log: input.log } : {}),
      command: 'cclab advise',
    });
    if (outcome.meta.failures.length === outcome.plan.points.length) {
      throw new Error(`every run of the advice failed: ${outcome.meta.failures[0]?.error ?? 'unknown error'}`);
    }
    const candidates = readCandidates(outcome, path.rttMs, limits);
    return { rates, outcome, candidates, recommendation: chooseSetting(candidates) };
  };
  let s = await sweep(rateBps);
  // the default grid is coarse: refine once between the choice and the next rate up (the user's --rates are kept as given)
  const finer = input.rates === undefined ? refineRates(rateBps, s.recommendation) : [];
  if (finer.length > 0) {
    rateBps = [...rateBps, ...finer].sort((a, b) => a - b);
    s = await sweep(rateBps);
  }
  const { rates, outcome, candidates, recommendation } = s;
  let prop: AdviseProposal | null = null;
  if (proposal !== null) {
    const g = proposalGain(gains);
    const at = candidates.find((c) => Math.abs(c.rateMbps - proposal!.rateMbps) < 1e-6 && c.gain === g) ?? null;
    prop = { ...proposal, candidate: at };
  }
  const result: AdviseResult = {
    schema: ADVISE_SCHEMA,
    transport,
    against,
    path,
    limits,
    grid: { rates, gains, seeds, duration: String(base.duration), warmup: String(base.warmup) },
    candidates,
    recommendation,
    proposal: prop,
    dir: outcome.dir,
  };
  writeFileAtomic(join(outcome.dir, ADVISE_FILE), toJson(result));
  return result;
}

// ---- text output ----

const f1 = (x: number | null, d = 1) => (x === null ? '-' : x.toFixed(d));
const pct = (x: number | null, d = 1) => (x === null ? '-' : (x * 100).toFixed(d));
const gainText = (g: number | null) => (g === null ? '' : `${(g / 10).toFixed(1)}x`);

/** A rate as Hysteria's config would say it (1024-based megabits, whole). */
export function hysteriaText(rateMbps: number): string {
  return `${Math.floor((rateMbps * 1e6) / 1024 ** 2)} mbps`;
}

/** One line: a setting's predicted goodput, overhead, p95 RTT and harm. */
export function settingLine(c: AdviseCandidate, against: string): string {
  return (
    `goodput ${f1(c.goodputMbps, 2)} Mbit/s, retransmitted ${pct(c.retrans, 2)}% of the bytes sent, ` +
    `p95 RTT ${f1(c.rttP95Ms)} ms (${f1(c.queueDelayMs)} ms of queueing), harm to ${against} ${pct(c.harm, 0)}% ` +
    `(${f1(c.competitorMbps, 2)} of its ${f1(c.competitorAloneMbps, 2)} Mbit/s alone)`
  );
}

const FAIL_TEXT: Record<AdviseCandidate['fails'][number], string> = { retrans: 'retrans', delay: 'delay', harm: 'harm', failed: 'run failed' };

/** The trade-off table, the limits, the recommendation and the proposal's cost, as text. */
export function formatAdvice(a: AdviseResult, table: (rows: (string | number)[][]) => string): string {
  const p = a.path;
  const gainCol = a.grid.gains !== null;
  const rows: (string | number)[][] = [
    ['rate Mbit/s', ...(gainCol ? ['gain'] : []), 'goodput Mbit/s', 'retrans %', 'p95 RTT ms', 'queueing ms', `with ${a.against} Mbit/s`, `${a.against} Mbit/s`, 'harm %', 'verdict'],
  ];
  for (const c of a.candidates) {
    const chosen = c === a.recommendation || (a.recommendation !== null && c.rateMbps === a.recommendation.rateMbps && c.gain === a.recommendation.gain);
    const proposed = a.proposal?.candidate !== null && a.proposal?.candidate !== undefined && c.rateMbps === a.proposal.candidate.rateMbps && c.gain === a.proposal.candidate.gain;
    const verdict = `${c.fails.length === 0 ? 'ok' : `over: ${c.fails.map((x) => FAIL_TEXT[x]).join(', ')}`}${chosen ? '  <- advice' : ''}${proposed ? '  <- proposed' : ''}`;
    rows.push([
      f1(c.rateMbps, 2),
      ...(gainCol ? [gainText(c.gain)] : []),
      f1(c.goodputMbps, 2),
      pct(c.retrans, 2),
      f1(c.rttP95Ms),
      f1(c.queueDelayMs),
      f1(c.goodputCompetingMbps, 2),
      f1(c.competitorMbps, 2),
      pct(c.harm, 0),
      verdict,
    ]);
  }
  const L = a.limits;
  const dflt = (k: AdviseLimits['defaulted'][number], text: string) => (L.defaulted.includes(k) ? ` (default: ${text})` : '');
  const lines = [
    `path: ${p.rateMbps} Mbit/s, RTT ${p.rttMs} ms, loss ${p.lossPct}%, ${p.qdisc === 'droptail' ? 'drop-tail' : p.qdisc} queue ${p.queuePackets} packets (${p.source})`,
    `it carries ${p.carriesMbps} Mbit/s of payload (${p.payloadMbps} Mbit/s in full ${p.transport === 'quic' ? `${QUIC_DATAGRAM_BYTES}-byte QUIC datagrams (after path MTU discovery)` : `segments of MSS ${p.mss}`}, less ${p.lossPct}% random loss)`,
    `${a.transport.toUpperCase()} Brutal, each setting alone and next to one ${a.against} flow (${a.grid.duration}, first ${a.grid.warmup} left out, ${a.grid.seeds} seed${a.grid.seeds === 1 ? '' : 's'}); goodput, p95 RTT and queueing: Brutal alone; retrans: the worse of alone and competing`,
    '',
    table(rows),
    '',
    `limits: retransmitted <= ${pct(L.maxRetrans)}%${dflt('maxRetrans', `the path's loss + ${DEFAULT_RETRANS_MARGIN * 100}%`)}, ` +
      `queueing delay (p95 RTT - base RTT) <= ${f1(L.maxQueueDelayMs)} ms${dflt('maxQueueDelayMs', 'half the base RTT')}, ` +
      `harm to ${a.against} <= ${pct(L.maxHarm, 0)}%${dflt('maxHarm', 'what a second flow of its own kind costs it')}`,
  ];
  const r = a.recommendation;
  if (r !== null) {
    lines.push(
      `advice: rate ${f1(r.rateMbps, 2)} Mbit/s (${r.rate}; in Hysteria's config: ${hysteriaText(r.rateMbps)})${r.gain !== null ? `, cwndGain ${r.gain} (${gainText(r.gain)})` : ''}`,
      `  predicted: ${settingLine(r, a.against)}`,
    );
  } else {
    lines.push(`advice: no setting tried meets every limit; loosen --max-retrans, --max-delay or --max-harm (the table shows which each breaks), or try --rates below ${f1(a.candidates[0]?.rateMbps ?? 0, 2)} Mbit/s`);
  }
  const q = a.proposal;
  if (q !== null) {
    const at = q.candidate;
    if (q.above) {
      lines.push(
        `warning: --propose ${q.input} (${f1(q.rateMbps, 2)} Mbit/s) is ${q.ratio.toFixed(2)}x what this path carries (${p.carriesMbps} Mbit/s); Brutal will not slow down, so the excess becomes queueing, losses and retransmissions`,
      );
    } else {
      lines.push(`--propose ${q.input} (${f1(q.rateMbps, 2)} Mbit/s) is within what this path carries (${(q.ratio * 100).toFixed(0)}% of ${p.carriesMbps} Mbit/s)`);
    }
    if (at !== null) {
      lines.push(`  cost at ${f1(q.rateMbps, 2)} Mbit/s${at.gain !== null ? ` (gain ${gainText(at.gain)})` : ''}: ${settingLine(at, a.against)}`);
      if (at.fails.length > 0) lines.push(`  over the limits on: ${at.fails.map((x) => FAIL_TEXT[x]).join(', ')}`);
      if (r !== null && at !== r) {
        const dg = (at.goodputMbps ?? 0) - (r.goodputMbps ?? 0);
        lines.push(
          `  against the advice: ${dg >= 0 ? '+' : ''}${dg.toFixed(2)} Mbit/s goodput for ${((at.retrans ?? 0) * 100 - (r.retrans ?? 0) * 100).toFixed(1)} points more retransmission, ` +
            `${((at.queueDelayMs ?? 0) - (r.queueDelayMs ?? 0)).toFixed(1)} ms more queueing and ${((at.harm ?? 0) * 100 - (r.harm ?? 0) * 100).toFixed(0)} points more harm to ${a.against}`,
        );
      }
    }
  }
  lines.push(`sweep: ${a.dir} (advise.json, summary.csv; cclab report ${a.dir} draws the charts)`);
  return `${lines.join('\n')}\n`;
}
