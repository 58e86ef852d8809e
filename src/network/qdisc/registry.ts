/**
 * The queue disciplines cclab knows: one entry per qdisc, the only list.
 *
 * Each entry says, for its qdisc:
 *   - its parameters with tc's names, units and defaults, and a zod schema
 *     of the value in cclab's base units (ns, bytes, packets, bits/s,
 *     fractions) whose messages say what is allowed;
 *   - resolve: every parameter made explicit from what the scenario gave,
 *     tc's defaults and the link (a limit from link.queue, RED's derived
 *     thresholds), or a one-line reason tc or the kernel would refuse it;
 *   - create: the simulator's qdisc;
 *   - tcArgs: the `tc qdisc add dev DEV ... <kind> <params>` arguments that
 *     build the same qdisc on Linux, for the kernel harness.
 * The scenario schema, resolve, sweeps and docs derive from this table;
 * adding a qdisc is one file in this folder plus one entry here
 * (docs/architecture.md, "Add a qdisc").
 */
import { z } from 'zod';
import { Codel, type CodelQdiscParams } from './codel.js';
import { DropTail } from './droptail.js';
import { FqCodel, type FqCodelParams } from './fq_codel.js';
import { Pie, type PieParams } from './pie.js';
import type { Qdisc, QdiscEnv } from './qdisc.js';
import { Red, redCheckParams, tcRedParams, type RedParams } from './red.js';

/** How a parameter is written in a scenario: the unit parser the scenario layer applies before `schema`. */
export type QdiscParamUnit =
  /** a whole number of packets: 1000 */
  | 'packets'
  /** a size as tc writes it, converted to bytes: 32mb, 1514 */
  | 'bytes'
  /** a time as tc writes it, converted to ns: 5ms */
  | 'time'
  /** true or false (tc: ecn / noecn) */
  | 'bool'
  /** a plain whole number: flows 1024, alpha 2 */
  | 'count'
  /** a fraction as tc writes it (0.02) or a percentage (2%), converted to 0..1 */
  | 'fraction'
  /** a rate as tc writes it, converted to bits/s: 50mbit */
  | 'rate';

export type QdiscParamValue = number | boolean | null;
export type QdiscParamValues = Record<string, QdiscParamValue>;

export interface QdiscParamSpec {
  /** tc's name of the parameter; also its key under link.qdisc.<qdisc>. */
  readonly name: string;
  readonly unit: QdiscParamUnit;
  /** Checks the value in base units; its messages say what is allowed. */
  readonly schema: z.ZodType<number | boolean>;
  /** tc's default, as written in docs (base units in resolve). */
  readonly defaultText: string;
  /** One line for the docs. */
  readonly doc: string;
}

/** What a qdisc's defaults may depend on. */
export interface QdiscLinkContext {
  rateBps: number;
  /** Wire bytes of a full-size data packet (largest MSS + 66). */
  wireBytes: number;
  /** link.queue in packets (default 1bdp applied). */
  queuePackets: number;
  /** link.queue in bytes when it was written in bytes, else null. */
  queueBytes: number | null;
  /** Whether the scenario wrote link.queue: then it is the AQM's limit unless the qdisc's own limit is given. */
  queueGiven: boolean;
}

export interface ResolvedQdisc {
  /** Every parameter, explicit (an empty object for droptail: link.queue is its limit). */
  params: QdiscParamValues;
  /** The qdisc's hard limit in packets (for summaries and the model). */
  limitPackets: number;
  /** ... and in bytes when the limit is in bytes, else null. */
  limitBytes: number | null;
}

export interface QdiscIssue {
  /** The parameter at fault (a key of params), or null for the qdisc as a whole. */
  param: string | null;
  message: string;
}

export interface QdiscEntry {
  readonly name: string;
  /** One line: what it is and where it comes from. */
  readonly summary: string;
  readonly params: readonly QdiscParamSpec[];
  resolve(given: Readonly<Record<string, number | boolean>>, link: QdiscLinkContext): ResolvedQdisc | QdiscIssue;
  create(r: ResolvedQdisc, env: QdiscEnv): Qdisc;
  /** Arguments after `tc qdisc add dev DEV <parent/handle>`. */
  tcArgs(r: ResolvedQdisc): string[];
}

// --- parameter schemas in base units ---

const U32_MAX = 4294967295;

function wholeIn(min: number, max: number, what: string) {
  const msg = `must be ${what} ${min}..${max}`;
  return z
    .number({ error: () => msg })
    .int({ error: () => msg })
    .min(min, { error: () => msg })
    .max(max, { error: () => msg });
}

const packetsLimit = wholeIn(1, U32_MAX, 'a whole number of packets');
/** A time tc sends in whole microseconds. */
function usTime(min: number) {
  const msg = `must be a time of ${min === 0 ? '0' : '1us'} or more, in whole microseconds (tc sends µs), up to 4294s`;
  return z
    .number({ error: () => msg })
    .refine((ns) => ns >= min * 1000 && ns % 1000 === 0 && ns / 1000 <= U32_MAX, { message: msg });
}
const bool = z.boolean({ error: () => 'expected true or false' });
function bytesIn(min: number, max: number) {
  return wholeIn(min, max, 'a size in bytes');
}

function param(name: string, unit: QdiscParamUnit, schema: z.ZodType<number | boolean>, defaultText: string, doc: string): QdiscParamSpec {
  return { name, unit, schema, defaultText, doc };
}

// --- tc's way of writing values ---

const tcTime = (ns: number) => `${ns / 1000}us`;
const tcFlag = (on: boolean, yes: string, no: string) => (on ? yes : no);

/** The limit an AQM takes when the scenario gives neither its own limit nor link.queue. */
function aqmLimit(given: number | undefined, link: QdiscLinkContext, tcDefault: number): number {
  if (given !== undefined) return given;
  return link.queueGiven ? link.queuePackets : tcDefault;
}

function num(v: QdiscParamValue): number {
  return v as number;
}

// --- the entries ---

const droptail: QdiscEntry = {
  name: 'droptail',
  summary: 'drop-tail FIFO, as pfifo (link.queue in packets or BDPs) or bfifo (link.queue in bytes); sch_fifo.c',
  params: [],
  resolve(_given, link) {
    return { params: {}, limitPackets: link.queuePackets, limitBytes: link.queueBytes };
  },
  create(r, env) {
    return new DropTail({ limitPackets: r.limitPackets, limitBytes: r.limitBytes }, env.hooks);
  },
  tcArgs(r) {
    return r.limitBytes !== null ? ['bfifo', 'limit', String(r.limitBytes)] : ['pfifo', 'limit', String(r.limitPackets)];
  },
};

const codelTimes = [
  param('target', 'time', usTime(1), '5ms', 'acceptable standing queue delay (sojourn time)'),
  param('interval', 'time', usTime(1), '100ms', 'width of the moving window; about the worst-case RTT'),
];
const ceThreshold = param('ce_threshold', 'time', usTime(0), 'off', 'mark ECT packets CE whose sojourn time exceeds this (DCTCP-style step marking), without dropping');

const codel: QdiscEntry = {
  name: 'codel',
  summary: 'CoDel (Nichols & Jacobson), sch_codel.c',
  params: [
    param('limit', 'packets', packetsLimit, '1000', 'hard limit in packets (link.queue when given)'),
    ...codelTimes,
    param('ecn', 'bool', bool, 'false', 'mark ECT packets CE instead of dropping them'),
    ceThreshold,
  ],
  resolve(g, link) {
    const params: CodelQdiscParams = {
      limit: aqmLimit(g.limit as number | undefined, link, 1000),
      target: (g.target as number | undefined) ?? 5e6,
      interval: (g.interval as number | undefined) ?? 100e6,
      ecn: (g.ecn as boolean | undefined) ?? false,
      ce_threshold: (g.ce_threshold as number | undefined) ?? null,
    };
    return { params: { ...params }, limitPackets: params.limit, limitBytes: null };
  },
  create(r, env) {
    return new Codel(r.params as unknown as CodelQdiscParams, env.hooks);
  },
  tcArgs(r) {
    const p = r.params;
    const args = ['codel', 'limit', String(p.limit), 'target', tcTime(num(p.target)), 'interval', tcTime(num(p.interval)), tcFlag(p.ecn === true, 'ecn', 'noecn')];
    if (p.ce_threshold !== null) args.push('ce_threshold', tcTime(num(p.ce_threshold)));
    return args;
  },
};

const fqCodel: QdiscEntry = {
  name: 'fq_codel',
  summary: 'Fair Queue CoDel: flow hashing, DRR, CoDel per flow; sch_fq_codel.c',
  params: [
    param('limit', 'packets', packetsLimit, '10240', 'hard limit in packets over all flows (link.queue when given)'),
    param('flows', 'count', wholeIn(1, 65536, 'a whole number of hash buckets'), '1024', 'hash buckets flows are spread over'),
    ...codelTimes,
    param('quantum', 'bytes', bytesIn(256, 1 << 20), '1514', 'bytes a flow may send per DRR round'),
    param('memory_limit', 'bytes', bytesIn(1, 2 ** 31), '32mb', 'limit on the packets\' memory (skb truesize)'),
    param('drop_batch', 'count', wholeIn(1, U32_MAX, 'a whole number of packets'), '64', 'packets dropped at most from the fattest flow per overflow'),
    param('ecn', 'bool', bool, 'true', 'mark ECT packets CE instead of dropping them'),
    ceThreshold,
  ],
  resolve(g, link) {
    const params: FqCodelParams = {
      limit: aqmLimit(g.limit as number | undefined, link, 10240),
      flows: (g.flows as number | undefined) ?? 1024,
      target: (g.target as number | undefined) ?? 5e6,
      interval: (g.interval as number | undefined) ?? 100e6,
      quantum: (g.quantum as number | undefined) ?? 1514,
      memory_limit: (g.memory_limit as number | undefined) ?? 32 * 1024 * 1024,
      drop_batch: (g.drop_batch as number | undefined) ?? 64,
      ecn: (g.ecn as boolean | undefined) ?? true,
      ce_threshold: (g.ce_threshold as number | undefined) ?? null,
    };
    return { params: { ...params }, limitPackets: params.limit, limitBytes: null };
  },
  create(r, env) {
    return new FqCodel(r.params as unknown as FqCodelParams, env.hooks, env);
  },
  tcArgs(r) {
    const p = r.params;
    const args = [
      'fq_codel',
      'limit', String(p.limit),
      'flows', String(p.flows),
      'target', tcTime(num(p.target)),
      'interval', tcTime(num(p.interval)),
      'quantum', String(p.quantum),
      'memory_limit', String(p.memory_limit),
      'drop_batch', String(p.drop_batch),
      tcFlag(p.ecn === true, 'ecn', 'noecn'),
    ];
    if (p.ce_threshold !== null) args.push('ce_threshold', tcTime(num(p.ce_threshold)));
    return args;
  },
};

const red: QdiscEntry = {
  name: 'red',
  summary: 'Random Early Detection (Floyd & Jacobson), sch_red.c with tc\'s parameter computations',
  params: [
    param('limit', 'bytes', bytesIn(1, U32_MAX), 'link.queue in bytes', 'hard limit of the bfifo under RED, bytes (tc requires it)'),
    param('min', 'bytes', bytesIn(1, U32_MAX), 'max/3', 'average backlog (bytes) where marking starts'),
    param('max', 'bytes', bytesIn(1, U32_MAX), 'limit/4 (3 x min when min is given)', 'average backlog (bytes) where the probability reaches `probability`; above it every packet is marked'),
    param('avpkt', 'bytes', bytesIn(1, U32_MAX), 'a full-size packet (MSS + 66)', 'average packet size, for the EWMA weight and the idle decay (tc requires it)'),
    param('burst', 'count', wholeIn(1, U32_MAX, 'a whole number of packets'), '(2 min + max) / (3 avpkt)', 'packets of burst the average lets through; sets the EWMA weight'),
    param(
      'probability',
      'fraction',
      z.number({ error: () => 'must be above 0 and below 1 (100%)' }).refine((p) => p > 0 && p < 1, { message: 'must be above 0 and below 1 (100%)' }),
      '0.02',
      'marking probability at max',
    ),
    param('bandwidth', 'rate', z.number().refine((b) => b >= 8 && Math.floor(b / 8) <= U32_MAX, { message: 'must be between 8bit and 34gbit (tc keeps bytes/s in 32 bits)' }), 'the link rate', 'rate for the idle-time decay of the average'),
    param('ecn', 'bool', bool, 'false', 'mark ECT packets CE instead of dropping them'),
    param('harddrop', 'bool', bool, 'false', 'with ecn: drop instead of marking above max'),
    param('nodrop', 'bool', bool, 'false', 'with ecn: queue Not-ECT packets RED would drop'),
    param('adaptive', 'bool', bool, 'false', 'Adaptive RED: move the probability every 500 ms to keep the average between the thresholds'),
  ],
  resolve(g, link) {
    const limit = (g.limit as number | undefined) ?? link.queueBytes ?? link.queuePackets * link.wireBytes;
    const avpkt = (g.avpkt as number | undefined) ?? link.wireBytes;
    // tc/q_red.c: Sally Floyd's recommendations for the missing thresholds
    let min = g.min as number | undefined;
    let max = g.max as number | undefined;
    if (max === undefined) max = min !== undefined ? min * 3 : Math.floor(limit / 4);
    if (min === undefined) min = Math.floor(max / 3);
    const burst = (g.burst as number | undefined) ?? Math.floor((2 * min + max) / (3 * avpkt));
    const params: RedParams = {
      limit,
      min,
      max,
      avpkt,
      burst,
      probability: (g.probability as number | undefined) ?? 0.02,
      bandwidth: (g.bandwidth as number | undefined) ?? link.rateBps,
      ecn: (g.ecn as boolean | undefined) ?? false,
      harddrop: (g.harddrop as boolean | undefined) ?? false,
      nodrop: (g.nodrop as boolean | undefined) ?? false,
      adaptive: (g.adaptive as boolean | undefined) ?? false,
    };
    if (params.nodrop && !params.ecn) return { param: 'nodrop', message: 'nodrop is only meaningful with ecn (the kernel refuses it)' };
    if (min < 1) return { param: 'min', message: `resolves to ${min} bytes; give min (bytes) or a larger limit` };
    if (max <= min) return { param: 'max', message: `must be above min (${min} bytes), as tc requires; for step marking write max = min + 1` };
    if (min <= avpkt) {
      const what = g.min !== undefined ? 'min' : g.max !== undefined ? 'max' : 'limit';
      return { param: what, message: `gives min = ${min} bytes, not above avpkt (${avpkt}): tc cannot size RED's average for that (min must exceed one packet); give a larger ${what === 'limit' ? 'limit or link.queue' : what}` };
    }
    if (burst < 1 && g.burst === undefined) return { param: 'burst', message: `resolves to 0 packets from min, max and avpkt; give burst (packets) of at least ${1 + Math.floor(min / avpkt)}` };
    const k = tcRedParams(params);
    if (typeof k === 'string') {
      if (!k.startsWith('burst')) return { param: k.includes('idle') ? 'bandwidth' : 'max', message: k };
      const derived = g.burst === undefined ? ` (derived as (2 min + max) / (3 avpkt) = ${burst}; give burst)` : '';
      return { param: 'burst', message: `${k}${derived}` };
    }
    if (!redCheckParams(k)) return { param: 'max', message: `thresholds too large for the EWMA weight 2^-${k.wlog} (the kernel's red_check_params refuses them)` };
    return { params: { ...params }, limitPackets: Math.max(1, Math.floor(limit / link.wireBytes)), limitBytes: limit };
  },
  create(r, env) {
    return new Red(r.params as unknown as RedParams, env);
  },
  tcArgs(r) {
    const p = r.params;
    const args = [
      'red',
      'limit', String(p.limit),
      'min', String(p.min),
      'max', String(p.max),
      'avpkt', String(p.avpkt),
      'burst', String(p.burst),
      'probability', String(p.probability),
      'bandwidth', `${Math.floor(num(p.bandwidth) / 8)}bps`,
    ];
    for (const f of ['ecn', 'harddrop', 'nodrop', 'adaptive']) if (p[f] === true) args.push(f);
    return args;
  },
};

const pie: QdiscEntry = {
  name: 'pie',
  summary: 'PIE (RFC 8033), sch_pie.c',
  params: [
    param('limit', 'packets', packetsLimit, '1000', 'hard limit in packets (link.queue when given)'),
    param('target', 'time', usTime(1), '15ms', 'target queueing delay'),
    param('tupdate', 'time', usTime(1), '15ms', 'interval between probability updates (the kernel rounds up to jiffies: 16ms at HZ 250)'),
    param('alpha', 'count', wholeIn(1, 32, 'a whole number (sixteenths)'), '2', 'weight of the delay error, in 1/16 (tc sends 0 as "unset")'),
    param('beta', 'count', wholeIn(1, 32, 'a whole number (sixteenths)'), '20', 'weight of the delay trend, in 1/16 (tc sends 0 as "unset")'),
    param('ecn', 'bool', bool, 'false', 'mark ECT packets CE instead of dropping them while the probability is at most 10%'),
    param('bytemode', 'bool', bool, 'false', 'scale the drop probability by packet size'),
    param('dq_rate_estimator', 'bool', bool, 'false', 'estimate the delay from the departure rate (Little\'s law) instead of timestamps'),
  ],
  resolve(g, link) {
    const params: PieParams = {
      limit: aqmLimit(g.limit as number | undefined, link, 1000),
      target: (g.target as number | undefined) ?? 15e6,
      tupdate: (g.tupdate as number | undefined) ?? 15e6,
      alpha: (g.alpha as number | undefined) ?? 2,
      beta: (g.beta as number | undefined) ?? 20,
      ecn: (g.ecn as boolean | undefined) ?? false,
      bytemode: (g.bytemode as boolean | undefined) ?? false,
      dq_rate_estimator: (g.dq_rate_estimator as boolean | undefined) ?? false,
    };
    return { params: { ...params }, limitPackets: params.limit, limitBytes: null };
  },
  create(r, env) {
    return new Pie(r.params as unknown as PieParams, env);
  },
  tcArgs(r) {
    const p = r.params;
    return [
      'pie',
      'limit', String(p.limit),
      'target', tcTime(num(p.target)),
      'tupdate', tcTime(num(p.tupdate)),
      'alpha', String(p.alpha),
      'beta', String(p.beta),
      tcFlag(p.ecn === true, 'ecn', 'noecn'),
      tcFlag(p.bytemode === true, 'bytemode', 'nobytemode'),
      tcFlag(p.dq_rate_estimator === true, 'dq_rate_estimator', 'no_dq_rate_estimator'),
    ];
  },
};

/** Every qdisc, by name, in the order the docs list them. */
export const QDISCS: readonly QdiscEntry[] = [droptail, codel, fqCodel, red, pie];

export const QDISC_NAMES = QDISCS.map((q) => q.name) as readonly string[];

export function qdiscEntry(name: string): QdiscEntry | undefined {
  return QDISCS.find((q) => q.name === name);
}
