/**
 * Simulator versus kernel: match the points of two result trees and compare
 * their metrics.
 *
 * A result tree is any directory holding run directories (summary.json +
 * resolved.json), e.g. a sweep's output or results/reference/linux-<rel>/.
 * Two runs are the same point when their resolved scenarios are equal apart
 * from name, seed, duration, sampling interval and fields only one backend
 * has (pointKey; so a 20 s kernel run matches a 30 s simulation of the same
 * network and flows). Runs of one point (its seeds or repetitions) are
 * averaged on each side.
 *
 * Metrics per point: aggregate goodput (Mbit/s), retransmission ratio (all
 * flows' retransmitted bytes / sent bytes) and mean RTT (mean over flows of
 * each flow's mean smoothed RTT at the sample times, `srttMs`, which both
 * backends measure alike; `rttMs` for runs without it). The error of a metric is relative to the kernel:
 * (sim - kernel) / kernel. A metric is within tolerance when its relative
 * error or its absolute difference is within the limit (the absolute limit
 * keeps near-zero values, such as a retransmission ratio at no loss, from
 * failing on noise).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../scenario/errors.js';
import { canonicalJson, flowRttNs, type ResolvedScenario } from '../scenario/resolve.js';
import { formatTime } from '../scenario/units.js';
import { qdiscEntry } from '../network/qdisc/registry.js';
import { dataWireBytes } from '../network/wire.js';
import type { RunSummary } from '../results/schema.js';
import { isRunDir, readResolvedInput, readRunSummaryInput } from '../results/read.js';

export const METRICS = ['goodputMbps', 'retransRatio', 'rttMeanMs'] as const;
export type Metric = (typeof METRICS)[number];
export type MetricValues = Record<Metric, number>;

export const METRIC_LABELS: Record<Metric, string> = {
  goodputMbps: 'goodput (Mbit/s)',
  retransRatio: 'retransmission ratio',
  rttMeanMs: 'mean RTT (ms)',
};

const METRIC_ALIASES: Record<string, Metric> = {
  goodput: 'goodputMbps',
  goodputmbps: 'goodputMbps',
  retrans: 'retransRatio',
  retransratio: 'retransRatio',
  rtt: 'rttMeanMs',
  rttms: 'rttMeanMs',
  rttmeanms: 'rttMeanMs',
};

export interface MetricTolerance {
  /** Largest allowed |relative error| (0.2 = 20%). */
  rel: number;
  /** Largest allowed |difference| in the metric's unit that passes whatever the relative error. */
  abs: number;
}
export type Tolerance = Record<Metric, MetricTolerance>;

/** Defaults: goodput 25%; retransmission ratio 50% or 0.005; mean RTT 25% or 2 ms. */
export const DEFAULT_TOLERANCE: Tolerance = {
  goodputMbps: { rel: 0.25, abs: 0 },
  retransRatio: { rel: 0.5, abs: 0.005 },
  rttMeanMs: { rel: 0.25, abs: 2 },
};

const TOLERANCE_HELP = 'write e.g. 20% (all metrics) or goodput=15%,retrans=50%|0.005,rtt=20%|2 (relative %, then |absolute in the metric\'s unit)';

function parseLimit(text: string, where: string): MetricTolerance {
  const m = /^\s*([0-9]*\.?[0-9]+)%\s*(?:\|\s*([0-9]*\.?[0-9]+)\s*)?$/.exec(text);
  if (!m) throw new InputError(`--tolerance ${where}: cannot read "${text}"; ${TOLERANCE_HELP}`);
  return { rel: Number(m[1]) / 100, abs: m[2] !== undefined ? Number(m[2]) : 0 };
}

/** Parse `--tolerance`: "20%" for every metric, or "goodput=15%,retrans=50%|0.005,rtt=20%|2". */
export function parseTolerance(spec: string | undefined): Tolerance {
  const tol: Tolerance = structuredClone(DEFAULT_TOLERANCE);
  if (spec === undefined || spec.trim() === '') return tol;
  if (!spec.includes('=')) {
    const t = parseLimit(spec, spec);
    for (const k of METRICS) tol[k] = { rel: t.rel, abs: t.abs || DEFAULT_TOLERANCE[k].abs };
    return tol;
  }
  for (const part of spec.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new InputError(`--tolerance ${part}: expected metric=limit; ${TOLERANCE_HELP}`);
    const name = part.slice(0, eq).trim();
    const metric = METRIC_ALIASES[name.toLowerCase()];
    if (!metric) throw new InputError(`--tolerance ${part}: unknown metric "${name}"; known: goodput, retrans, rtt`);
    tol[metric] = parseLimit(part.slice(eq + 1), part);
  }
  return tol;
}

export interface RunRecord {
  /** The run directory (for an archived run, where it would be unpacked). */
  dir: string;
  summary: RunSummary;
  resolved: ResolvedScenario;
  /** The scenario document as run, when the record already holds it (else scenario.yaml in dir). */
  scenarioDoc?: Record<string, unknown>;
  /** Kernel runs: the release that ran them (meta.json), when the reader looked. */
  kernelRelease?: string;
}

/** Every run directory under root (root itself may be one); dot-directories are skipped. */
export function findRuns(root: string): RunRecord[] {
  const out: RunRecord[] = [];
  const walk = (dir: string): void => {
    if (isRunDir(dir)) {
      const summary = readRunSummaryInput(join(dir, 'summary.json'));
      out.push({ dir, summary, resolved: readResolvedInput(join(dir, 'resolved.json'), summary.flows.length) });
      return;
    }
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory() && !e.name.startsWith('.')) walk(join(dir, e.name));
    }
  };
  if (existsSync(root) && statSync(root).isDirectory()) walk(root);
  return out;
}

/** findRuns for a directory the user named: it must exist and hold runs. */
export function loadRuns(root: string, what: string): RunRecord[] {
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new InputError(`${what} ${root}: no such directory`);
  const out = findRuns(root);
  if (out.length === 0) throw new InputError(`${what} ${root}: no run directories (summary.json + resolved.json) found`);
  return out;
}

/**
 * What makes two runs the same point: the emulated network and the flows
 * (rate, delays, queue, loss, jitter; per flow cc, start, stop, bytes, MSS,
 * pacing, Brutal's parameters, ECN, own RTT, direction; the qdisc and its
 * parameters when not drop-tail). Name, seed, duration, sampling interval and
 * simulator-only fields are left out, so runs written by different versions
 * of either backend still match.
 */
export function pointKey(r: ResolvedScenario): string {
  const l = r.link;
  return canonicalJson({
    link: {
      rateBps: l.rateBps,
      fwdDelayNs: l.fwdDelayNs,
      revDelayNs: l.revDelayNs,
      queuePackets: l.queuePackets,
      queueBytes: l.queueBytes,
      loss: l.loss,
      ackLoss: l.ackLoss,
      jitterNs: l.jitterNs,
      // the queue discipline, only when not drop-tail (keys of drop-tail points stay as they were)
      qdisc: l.qdisc === 'droptail' ? undefined : l.qdisc,
      qdiscParams: l.qdisc === 'droptail' ? undefined : l.qdiscParams,
    },
    // a chain of links (links:), only then: keys of single-link points stay as they were
    links: r.links?.map((h) => ({
      rateBps: h.rateBps,
      fwdDelayNs: h.fwdDelayNs,
      revDelayNs: h.revDelayNs,
      queuePackets: h.queuePackets,
      queueBytes: h.queueBytes,
      loss: h.loss,
      ackLoss: h.ackLoss,
      jitterNs: h.jitterNs,
      qdisc: h.qdisc === 'droptail' ? undefined : h.qdisc,
      qdiscParams: h.qdisc === 'droptail' ? undefined : h.qdiscParams,
    })),
    flows: r.flows.map((f) => ({
      cc: f.cc,
      startNs: f.startNs,
      stopNs: f.stopNs - r.durationNs === 0 ? 'end' : f.stopNs,
      bytes: f.bytes,
      mss: f.mss,
      pacing: f.pacing,
      brutal: f.brutal ? { rate: f.brutal.rateBytesPerSec, cwndGain: f.brutal.cwndGain } : null,
      ecn: f.ecn,
      // a flow's own RTT (flows[].rtt), only when it has one: keys of other points stay as they were
      extraDelayNs: f.extraDelayNs,
      // a reverse flow (flows[].direction), only when reverse: keys of other points stay as they were
      direction: f.direction,
      path: f.path,
    })),
  });
}

/** The parameters a reader uses to tell points apart. */
export function pointParams(r: ResolvedScenario): Record<string, string | number> {
  const l = r.link;
  const loss = l.loss.kind === 'bernoulli' ? l.loss.p * 100 : `ge(${l.loss.p},${l.loss.r},${l.loss.oneMinusH},${l.loss.oneMinusK})`;
  const p: Record<string, string | number> = {
    rateMbps: l.rateBps / 1e6,
    rttMs: l.rttNs / 1e6,
    queuePkts: l.queuePackets,
    lossPct: loss,
    ackLossPct: l.ackLoss * 100,
    jitterMs: l.jitterNs / 1e6,
    cc: r.flows.map((f) => f.cc).join('+'),
    flows: r.flows.length,
  };
  if (l.qdisc !== 'droptail') p.qdisc = qdiscLabel(r);
  // at an AQM, ECN on or off tells points apart (so every AQM point names it); drop-tail points name it only when on
  if (l.qdisc !== 'droptail' || r.flows.some((f) => f.ecn)) p.ecn = r.flows.map((f) => (f.ecn ? 'on' : 'off')).join('+');
  // flows with RTTs of their own (flows[].rtt): each flow's base RTT, e.g. 20+100
  if (r.flows.some((f) => f.extraDelayNs !== undefined)) p.flowRttMs = r.flows.map((f) => flowRttNs(r, f) / 1e6).join('+');
  // reverse flows (flows[].direction): each flow's direction, e.g. fwd+rev
  if (r.flows.some((f) => f.direction === 'reverse')) p.dir = r.flows.map((f) => (f.direction === 'reverse' ? 'rev' : 'fwd')).join('+');
  // a chain: each link's rate/RTT/loss, e.g. a:20mbit/10ms+b:10mbit/20ms/1%, and each flow's path, e.g. a-b+a+b
  if (r.links) {
    p.links = r.links.map((h) => `${h.name}:${h.rateBps / 1e6}mbit/${h.rttNs / 1e6}ms${h.loss.kind === 'bernoulli' && h.loss.p > 0 ? `/${h.loss.p * 100}%` : ''}`).join('+');
    p.paths = r.flows.map((f) => f.path!.map((i) => r.links![i]!.name).join('-')).join('+');
  }
  const brutal = r.flows.find((f) => f.brutal);
  if (brutal?.brutal) p.brutalMbps = (brutal.brutal.rateBytesPerSec * 8) / 1e6;
  return p;
}

/**
 * An AQM's name with the parameters set away from its defaults on this link,
 * e.g. "fq_codel(ecn,ce_threshold=5ms)", so that two settings of one qdisc
 * have different labels. Defaults are the registry's for the same limit.
 */
function qdiscLabel(r: ResolvedScenario): string {
  const l = r.link;
  const entry = qdiscEntry(l.qdisc);
  const params = l.qdiscParams;
  if (entry === undefined || params === undefined) return l.qdisc;
  const mss = Math.max(...r.flows.map((f) => f.mss));
  const dflt = entry.resolve({}, { rateBps: l.rateBps, wireBytes: dataWireBytes(mss), queuePackets: l.queuePackets, queueBytes: l.queueBytes, queueGiven: true });
  if ('message' in dflt) return l.qdisc;
  const set: string[] = [];
  for (const spec of entry.params) {
    const v = params[spec.name];
    if (v === undefined || v === dflt.params[spec.name]) continue;
    if (typeof v === 'boolean' || v === null) set.push(v === true ? spec.name : `no${spec.name}`);
    else if (spec.unit === 'time') set.push(`${spec.name}=${formatTime(v)}`);
    else if (spec.unit === 'bytes') set.push(`${spec.name}=${v}b`);
    else set.push(`${spec.name}=${v}`);
  }
  return set.length ? `${l.qdisc}(${set.join(',')})` : l.qdisc;
}

export function runMetrics(s: RunSummary): MetricValues {
  const sent = s.flows.reduce((a, f) => a + f.bytesSent, 0);
  const retrans = s.flows.reduce((a, f) => a + f.bytesRetrans, 0);
  return {
    goodputMbps: s.aggregate.goodputMbps,
    retransRatio: sent > 0 ? retrans / sent : 0,
    // srttMs (smoothed RTT at each sample) is measured alike on both backends; older runs have only rttMs
    rttMeanMs: s.flows.length ? s.flows.reduce((a, f) => a + (f.srttMs ?? f.rttMs).mean, 0) / s.flows.length : 0,
  };
}

function meanMetrics(runs: readonly RunRecord[]): MetricValues {
  const m = { goodputMbps: 0, retransRatio: 0, rttMeanMs: 0 };
  for (const r of runs) {
    const v = runMetrics(r.summary);
    for (const k of METRICS) m[k] += v[k] / runs.length;
  }
  return m;
}

export interface ComparedPoint {
  key: string;
  params: Record<string, string | number>;
  /** Only the parameters that differ between points, e.g. "rttMs=50 lossPct=1 cc=bbr". */
  label: string;
  sim: { n: number; mean: MetricValues };
  kernel: { n: number; mean: MetricValues };
  /** (sim - kernel) / kernel; NaN when the kernel value is 0. */
  relErr: MetricValues;
  ok: Record<Metric, boolean>;
  pass: boolean;
}

export interface Comparison {
  points: ComparedPoint[];
  /** Points found on one side only. */
  simOnly: number;
  kernelOnly: number;
  /** Parameters that vary between the matched points. */
  varying: string[];
  tolerance: Tolerance;
}

function groupBy(runs: readonly RunRecord[]): Map<string, RunRecord[]> {
  const m = new Map<string, RunRecord[]>();
  for (const r of runs) {
    const k = pointKey(r.resolved);
    m.set(k, [...(m.get(k) ?? []), r]);
  }
  return m;
}

/** Match points and compare their means. */
export function compareRuns(sim: readonly RunRecord[], kernel: readonly RunRecord[], tolerance: Tolerance = DEFAULT_TOLERANCE): Comparison {
  const s = groupBy(sim);
  const k = groupBy(kernel);
  const keys = [...k.keys()].filter((key) => s.has(key));
  const params = new Map(keys.map((key) => [key, pointParams(k.get(key)![0]!.resolved)]));
  // every parameter some point has (Brutal's rate, flows' own RTTs: not every point of a group has them)
  const names = [...new Set(keys.flatMap((key) => Object.keys(params.get(key)!)))];
  const varying = names.filter((n) => new Set(keys.map((key) => String(params.get(key)![n]))).size > 1);
  const points: ComparedPoint[] = keys.map((key) => {
    const sm = meanMetrics(s.get(key)!);
    const km = meanMetrics(k.get(key)!);
    const relErr = {} as MetricValues;
    const ok = {} as Record<Metric, boolean>;
    for (const m of METRICS) {
      relErr[m] = km[m] !== 0 ? (sm[m] - km[m]) / km[m] : sm[m] === 0 ? 0 : NaN;
      ok[m] = Math.abs(sm[m] - km[m]) <= tolerance[m].abs || Math.abs(relErr[m]) <= tolerance[m].rel;
    }
    const p = params.get(key)!;
    return {
      key,
      params: p,
      label: varying.filter((n) => p[n] !== undefined).map((n) => `${n}=${p[n]}`).join(' ') || String(p.cc),
      sim: { n: s.get(key)!.length, mean: sm },
      kernel: { n: k.get(key)!.length, mean: km },
      relErr,
      ok,
      pass: METRICS.every((m) => ok[m]),
    };
  });
  const num = (v: string | number): number => (typeof v === 'number' ? v : NaN);
  points.sort((a, b) => {
    for (const n of varying) {
      const x = a.params[n] ?? '';
      const y = b.params[n] ?? '';
      if (x === y) continue;
      return Number.isFinite(num(x)) && Number.isFinite(num(y)) ? num(x) - num(y) : String(x) < String(y) ? -1 : 1;
    }
    return 0;
  });
  return { points, simOnly: [...s.keys()].filter((key) => !k.has(key)).length, kernelOnly: [...k.keys()].filter((key) => !s.has(key)).length, varying, tolerance };
}

function fmt(m: Metric, v: number): string {
  if (!Number.isFinite(v)) return '-';
  return m === 'retransRatio' ? v.toFixed(4) : v.toFixed(2);
}

function pct(v: number): string {
  return Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)}%` : 'n/a';
}

/** Rows of the comparison table (header first). */
export function comparisonRows(c: Comparison): string[][] {
  const rows: string[][] = [['point', 'n sim', 'n kernel', ...METRICS.flatMap((m) => [`${m} sim`, `${m} kernel`, `${m} err`]), 'within tolerance']];
  for (const p of c.points) {
    rows.push([
      p.label,
      String(p.sim.n),
      String(p.kernel.n),
      ...METRICS.flatMap((m) => [fmt(m, p.sim.mean[m]), fmt(m, p.kernel.mean[m]), `${pct(p.relErr[m])}${p.ok[m] ? '' : ' !'}`]),
      p.pass ? 'yes' : `no (${METRICS.filter((m) => !p.ok[m]).join(', ')})`,
    ]);
  }
  return rows;
}

/** A fixed-width text table for the terminal. */
export function formatComparison(c: Comparison): string {
  const rows = comparisonRows(c);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  const failed = c.points.filter((p) => !p.pass).length;
  const tol = METRICS.map((m) => `${m} ${(c.tolerance[m].rel * 100).toFixed(0)}%${c.tolerance[m].abs ? ` or ${c.tolerance[m].abs}` : ''}`).join(', ');
  return [
    line(rows[0]!),
    ...rows.slice(1).map(line),
    '',
    `${c.points.length} point(s) matched, ${failed} outside tolerance (${tol}); unmatched: ${c.simOnly} sim, ${c.kernelOnly} kernel`,
  ].join('\n');
}

/** The table as CSV. */
export function comparisonCsv(c: Comparison): string {
  const rows = comparisonRows(c);
  return `${rows.map((r) => r.map((cell) => (/[",]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell)).join(',')).join('\n')}\n`;
}

/** The table as Markdown. */
export function comparisonMarkdown(c: Comparison): string {
  const rows = comparisonRows(c);
  return `${[rows[0]!, rows[0]!.map(() => '---'), ...rows.slice(1)].map((r) => `| ${r.join(' | ')} |`).join('\n')}\n`;
}
