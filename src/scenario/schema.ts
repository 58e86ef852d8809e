/**
 * The scenario language: what a user writes in a YAML/JSON scenario file.
 *
 * The schema validates the user's document and converts every field with a
 * unit into a number in cclab's base units (bits/s, nanoseconds, bytes,
 * fractions). `resolve.ts` then turns the parsed document into the fully
 * explicit ResolvedScenario that the simulator and the kernel harness run.
 *
 * Field reference: docs/scenario.md.
 */
import { z } from 'zod';
import { formatRate, formatTime, MAX_TIME_NS, parsePercent, parseQueue, parseRate, parseSize, parseTime, UnitError, type QueueSpec } from './units.js';
import { ccNames, ccRegistryVersion, ccSpec, type AnyCcSpec, type ParamSpec, type ParamValue } from '../cc/index.js';
import { qdiscSchema } from './qdisc.js';
import { resolveLinkQueue } from './resolve.js';
import { readTrace, tracePath } from './trace-file.js';
import { CdfError, readCdf } from './cdf-file.js';
import { checkChain, LINK_NAME_RE } from './links.js';
import { TraceError, traceMeanBps } from '../network/trace.js';
import { distMean, type Dist } from '../traffic/dist.js';
import { MAX_ONOFF_PERIODS } from '../traffic/schedule.js';
import { quicCcNames, quicCcSpec } from '../quic/cc/index.js';

/** A QUIC flow's path MTU (flows[].quic.mtu): quic-go's 1252-byte initial datagrams in UDP/IPv4 (1280) up to an IPv4 packet's largest. */
export const QUIC_MIN_PATH_MTU = 1280;
export const QUIC_MAX_PATH_MTU = 65535;

/** A strict object whose unknown-key error lists the keys that are allowed. */
function obj<T extends z.ZodRawShape>(shape: T) {
  const known = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (iss) => {
      if (iss.code === 'unrecognized_keys') {
        const keys = (iss as { keys: string[] }).keys;
        return `unknown field${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')}; known: ${known}`;
      }
      if (iss.code === 'invalid_type') {
        return (iss as { input?: unknown }).input === undefined ? 'missing' : `expected an object with fields ${known}`;
      }
      return undefined;
    },
  });
}

/** A scalar with a unit, converted by `parse`. */
function unit<T>(parse: (v: string | number) => T, what: string) {
  return z
    .union([z.string(), z.number()], {
      error: (iss) => ((iss as { input?: unknown }).input === undefined ? 'missing' : `expected a ${what}`),
    })
    .transform((v, ctx) => {
      try {
        return parse(v);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: e instanceof UnitError ? e.message : String(e) });
        return z.NEVER;
      }
    });
}

const rate = unit(parseRate, 'rate such as 50mbit');
const positiveRate = rate.refine((v) => v > 0, { message: 'rate must be greater than 0' });
const time = unit(parseTime, 'time such as 25ms');
const size = unit(parseSize, 'size such as 64kb');
const percent = unit(parsePercent, 'percentage such as 1%');
const queue = unit<QueueSpec>(parseQueue, 'queue size such as 100, 64kb or 1bdp');

function enumOf<const T extends readonly [string, ...string[]]>(values: T, what: string) {
  return z.enum(values, {
    error: (iss) => {
      const input = (iss as { input?: unknown }).input;
      return `unknown ${what} ${JSON.stringify(input)}; known: ${values.join(', ')}`;
    },
  });
}

/** netem's Gilbert-Elliott model: `loss gemodel p r 1-h 1-k`. */
const gemodel = obj({
  p: percent,
  r: percent,
  '1-h': percent.default(1),
  '1-k': percent.default(0),
});

export type LossModel =
  | { kind: 'bernoulli'; p: number }
  | { kind: 'gemodel'; p: number; r: number; oneMinusH: number; oneMinusK: number };

/**
 * The long-run fraction of packets a loss model drops: p for Bernoulli; for
 * netem's Gilbert-Elliott model the stationary mix of its good state (loss
 * 1-k) and bad state (loss 1-h), P(bad) = p / (p + r) (the good state's
 * when p + r = 0, where the chain starts).
 */
export function meanLossRate(loss: LossModel): number {
  if (loss.kind === 'bernoulli') return loss.p;
  const pBad = loss.p + loss.r > 0 ? loss.p / (loss.p + loss.r) : 0;
  return pBad * loss.oneMinusH + (1 - pBad) * loss.oneMinusK;
}

const LOSS_HELP = 'a percentage such as 1%, or {gemodel: {p: 1%, r: 20%, 1-h: 100%, 1-k: 0%}}';

/** Loss: a percentage (Bernoulli) or netem's gemodel; errors name the inner field. */
const lossSchema = z.unknown().transform((v, ctx): LossModel => {
  if (v === undefined || v === null) {
    ctx.addIssue({ code: 'custom', message: `expected ${LOSS_HELP}` });
    return z.NEVER;
  }
  if (typeof v === 'object') {
    const r = obj({ gemodel }).safeParse(v);
    if (!r.success) {
      for (const iss of r.error.issues) ctx.addIssue({ code: 'custom', path: iss.path as (string | number)[], message: iss.message });
      return z.NEVER;
    }
    const g = r.data.gemodel;
    return { kind: 'gemodel', p: g.p, r: g.r, oneMinusH: g['1-h'], oneMinusK: g['1-k'] };
  }
  if (typeof v !== 'string' && typeof v !== 'number') {
    ctx.addIssue({ code: 'custom', message: `expected ${LOSS_HELP}` });
    return z.NEVER;
  }
  try {
    return { kind: 'bernoulli', p: parsePercent(v) };
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: e instanceof UnitError ? e.message : String(e) });
    return z.NEVER;
  }
});

const DIST_HELP = (ex: string, cdf: boolean) =>
  `a ${ex}, or {exp: ${ex}}, {uniform: [${ex}, ${ex}]}${cdf ? ', {pareto: {mean: ' + ex + ', shape: 1.5}} or {cdf: file} (an empirical CDF)' : ` or {pareto: {mean: ${ex}, shape: 1.5}}`}`;

/**
 * A random variable of a traffic model (src/traffic/dist.ts), in the unit
 * `parse` reads: a constant, {exp: mean}, {uniform: [lo, hi]} or {pareto:
 * {mean, shape}} (shape above 1, so that the mean exists).
 */
function distSchema(parse: (v: string | number) => number, example: string, cdf = false) {
  const help = DIST_HELP(example, cdf);
  const one = (v: unknown, ctx: z.RefinementCtx, path: (string | number)[]): number => {
    if (typeof v !== 'string' && typeof v !== 'number') {
      ctx.addIssue({ code: 'custom', path, message: `expected ${help}` });
      return Number.NaN;
    }
    try {
      const x = parse(v);
      if (!(x > 0)) ctx.addIssue({ code: 'custom', path, message: `must be more than 0 (got ${JSON.stringify(v)})` });
      return x;
    } catch (e) {
      ctx.addIssue({ code: 'custom', path, message: e instanceof UnitError ? e.message : String(e) });
      return Number.NaN;
    }
  };
  return z.unknown().transform((v, ctx): Dist => {
    if (typeof v === 'string' || typeof v === 'number') return { kind: 'const', value: one(v, ctx, []) };
    const o = v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
    const keys = o ? Object.keys(o) : [];
    if (o === null || keys.length !== 1) {
      ctx.addIssue({ code: 'custom', message: `expected ${help}` });
      return z.NEVER;
    }
    const k = keys[0]!;
    const x = o[k];
    if (k === 'exp') return { kind: 'exp', mean: one(x, ctx, ['exp']) };
    if (k === 'uniform') {
      if (!Array.isArray(x) || x.length !== 2) {
        ctx.addIssue({ code: 'custom', path: ['uniform'], message: `expected two bounds, e.g. [${example}, ${example}]` });
        return z.NEVER;
      }
      const lo = one(x[0], ctx, ['uniform', 0]);
      const hi = one(x[1], ctx, ['uniform', 1]);
      if (hi < lo) ctx.addIssue({ code: 'custom', path: ['uniform'], message: 'the upper bound must not be below the lower' });
      return { kind: 'uniform', lo, hi };
    }
    if (k === 'pareto') {
      const r = obj({ mean: z.unknown(), shape: z.number({ error: () => 'expected a number above 1 (e.g. 1.5)' }).gt(1, { error: () => 'must be above 1 (the mean is infinite at 1 and below)' }).max(100, { error: () => 'must be at most 100' }) }).safeParse(x);
      if (!r.success) {
        for (const iss of r.error.issues) ctx.addIssue({ code: 'custom', path: ['pareto', ...(iss.path as (string | number)[])], message: iss.message });
        return z.NEVER;
      }
      return { kind: 'pareto', mean: one(r.data.mean, ctx, ['pareto', 'mean']), shape: r.data.shape };
    }
    if (k === 'cdf' && cdf) {
      if (typeof x !== 'string') {
        ctx.addIssue({ code: 'custom', path: ['cdf'], message: 'expected the path of a CDF file ("size fraction" per line)' });
        return z.NEVER;
      }
      const file = tracePath(x);
      try {
        const c = readCdf(file);
        return { kind: 'cdf', points: c.points, file, sha256: c.sha256 };
      } catch (e) {
        ctx.addIssue({ code: 'custom', path: ['cdf'], message: e instanceof CdfError ? e.message : String(e) });
        return z.NEVER;
      }
    }
    ctx.addIssue({ code: 'custom', message: `unknown distribution "${k}"; expected ${help}` });
    return z.NEVER;
  });
}

const timeDist = distSchema(parseTime, '1s');
const sizeDist = distSchema(parseSize, '100kb', true);

/**
 * A short-flow workload (src/traffic/schedule.ts): new connections arrive
 * as a Poisson process of `rate` per second, each sending a size drawn from
 * `size` and then closing.
 */
const arrivalsSchema = obj({
  process: enumOf(['poisson'] as const, 'arrival process').default('poisson'),
  rate: z
    .number({ error: () => 'expected new connections per second (e.g. 20)' })
    .gt(0, { error: () => 'must be more than 0 connections per second' })
    .max(100_000, { error: () => 'must be at most 100000 connections per second' }),
  size: sizeDist,
});

/**
 * A flow's application (src/traffic/schedule.ts): writes at `rate`, and/or
 * alternates on and off periods (ns-3's OnOffApplication); without it the
 * flow is a bulk sender, as iperf3.
 */
const appSchema = obj({
  rate: positiveRate.optional(),
  on: timeDist.optional(),
  off: timeDist.optional(),
}).superRefine((a, ctx) => {
  if ((a.on === undefined) !== (a.off === undefined)) ctx.addIssue({ code: 'custom', path: [a.on === undefined ? 'on' : 'off'], message: 'give both on and off (an on/off application), or neither' });
  if (a.rate === undefined && a.on === undefined) ctx.addIssue({ code: 'custom', message: 'give a rate (e.g. {rate: 10mbit}), on and off periods (e.g. {on: 1s, off: {exp: 2s}}), or both' });
});

/** Default end-host timing noise, ns. */
export const HOST_JITTER_DEFAULT_NS = 20_000;

/** A trace file (mahimahi's format), read and parsed here; the link's rate becomes its mean. */
const traceFile = z.string({ error: () => 'expected the path of a trace file (mahimahi format: one time in ms per line)' }).transform((p, ctx) => {
  const file = tracePath(p);
  try {
    const t = readTrace(file);
    return { file, sha256: t.sha256, periodMs: t.periodMs, opportunities: t.ms.length, meanBps: traceMeanBps(t) };
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: e instanceof TraceError ? e.message : String(e) });
    return z.NEVER;
  }
});

/** The fields of a link (`link:`, and each entry of `links:`). */
const linkShape = {
  /** The bottleneck's rate; with a trace, the trace's mean (and not given). */
  rate: positiveRate.optional(),
  /**
   * A trace-driven link (mahimahi): the data direction's delivery
   * opportunities, or {forward, reverse} for either direction (network/trace.ts).
   */
  trace: z
    .union([z.string(), z.object({ forward: z.string().optional(), reverse: z.string().optional() })], {
      error: () => 'expected a trace file, or {forward: file, reverse: file}',
    })
    .transform((t) => (typeof t === 'string' ? { forward: t } : t))
    .pipe(obj({ forward: traceFile.optional(), reverse: traceFile.optional() }))
    .optional(),
  rtt: time.optional(),
  delay: obj({ forward: time, reverse: time }).optional(),
  /** Default 1bdp (applied in resolve: written or not matters to an AQM's limit). */
  queue: queue.optional(),
  /** A name or {name: {params}} from network/qdisc/registry.ts; default droptail. */
  qdisc: qdiscSchema.optional(),
  loss: lossSchema.optional().transform((l): LossModel => l ?? { kind: 'bernoulli', p: 0 }),
  ackLoss: percent.default(0),
  jitter: time.default(0),
  /** Timing noise of the receiving host's ACKs (see network/host.ts); 0 gives perfectly periodic hosts. */
  hostJitter: time.default(HOST_JITTER_DEFAULT_NS),
  /**
   * How late ACKs leave the receiving host, as quantiles measured on a test
   * host ({"50%": 0us, "99%": 120us, "100%": 2.5ms}); replaces hostJitter's
   * uniform lateness for ACKs. See network/host.ts.
   */
  ackJitter: z
    .record(z.string(), time)
    .transform((m, ctx) => {
      const pts: [number, number][] = [];
      for (const [k, ns] of Object.entries(m)) {
        try {
          pts.push([parsePercent(k), ns]);
        } catch (e) {
          ctx.addIssue({ code: 'custom', message: `quantile "${k}": ${e instanceof UnitError ? e.message : String(e)}` });
          return z.NEVER;
        }
      }
      pts.sort((a, b) => a[0] - b[0]);
      const bad = (msg: string) => {
        ctx.addIssue({ code: 'custom', message: `${msg} (write quantiles such as {"50%": 0us, "99%": 120us, "100%": 2ms})` });
        return z.NEVER;
      };
      if (pts.length === 0 || pts[pts.length - 1]![0] !== 1) return bad('needs a "100%" quantile');
      for (let i = 1; i < pts.length; i++) if (pts[i]![1] < pts[i - 1]![1]) return bad('quantile times must not decrease');
      return pts;
    })
    .optional(),
  accessRate: positiveRate.optional(),
};

/** A link of a chain (`links:`) has a name too (default l0, l1, ...). */
const hopShape = {
  ...linkShape,
  name: z
    .string({ error: () => 'expected a link name (letters, digits, "-" and "_")' })
    .regex(LINK_NAME_RE, { error: () => 'must be letters, digits, "-" and "_" only (e.g. a, hop-2)' })
    .max(32, { error: () => 'at most 32 characters' })
    .optional(),
};

/**
 * A link's schema: its fields' shape (a chain's with its name; `link:`
 * without, typed alike), then the checks every link gets (rate or trace,
 * rtt or delay, bounds).
 */
function linkSchemaOf(named: boolean) {
  return (named ? obj(hopShape) : (obj(linkShape) as unknown as ReturnType<typeof obj<typeof hopShape>>))
  .superRefine((l, ctx) => {
    if (l.rate !== undefined && l.trace?.forward !== undefined) ctx.addIssue({ code: 'custom', path: ['rate'], message: 'give either link.rate or a forward link.trace (whose mean is the rate), not both' });
    if (l.rate === undefined && l.trace?.forward === undefined) ctx.addIssue({ code: 'custom', path: ['rate'], message: 'missing: give link.rate (e.g. 50mbit) or link.trace (a mahimahi trace file)' });
  })
  .transform((l) => ({ ...l, rate: l.rate ?? l.trace?.forward?.meanBps ?? 0 }))
  .superRefine(checkLinkBounds).superRefine((l, ctx) => {
  if (l.rtt === undefined && l.delay === undefined) {
    ctx.addIssue({ code: 'custom', path: ['rtt'], message: 'missing: give link.rtt (e.g. 50ms) or link.delay {forward, reverse}' });
  }
  if (l.rtt !== undefined && l.delay !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['delay'], message: 'give either link.rtt or link.delay, not both' });
  }
});
}

const linkSchema = linkSchemaOf(false);

/** Most links in a `links:` chain. */
export const MAX_LINKS = 16;

/** One link of a chain (`links:`). */
const hopSchema = linkSchemaOf(true);

/** Longest base RTT: 10 s (a geostationary satellite hop is 0.6 s). */
export const MAX_RTT_NS = 10e9;

/**
 * Link fields that make no physical sense together: an RTT beyond
 * MAX_RTT_NS, jitter larger than the one-way delay it varies (netem would cut
 * delays at 0, so the mean RTT falls below the base RTT), an access link
 * slower than the bottleneck behind it.
 */
function checkLinkBounds(
  l: { rate: number; rtt?: number | undefined; delay?: { forward: number; reverse: number } | undefined; jitter: number; accessRate?: number | undefined },
  ctx: z.RefinementCtx,
): void {
  const rtt = l.rtt ?? (l.delay ? l.delay.forward + l.delay.reverse : undefined);
  if (rtt !== undefined && rtt > MAX_RTT_NS) {
    ctx.addIssue({ code: 'custom', path: [l.rtt !== undefined ? 'rtt' : 'delay'], message: `base RTT ${formatTime(rtt)} is more than ${formatTime(MAX_RTT_NS)}` });
  }
  const fwd = l.delay ? l.delay.forward : l.rtt !== undefined ? Math.floor(l.rtt / 2) : undefined;
  if (fwd !== undefined && l.jitter > fwd) {
    const from = l.delay ? 'link.delay.forward' : 'link.rtt/2';
    ctx.addIssue({
      code: 'custom',
      path: ['jitter'],
      message: `${formatTime(l.jitter)} conflicts with the forward delay ${formatTime(fwd)} (${from}): jitter larger than the delay it varies would cut delays at 0 and put the mean RTT below the base RTT; use at most ${formatTime(fwd)}`,
    });
  }
  if (l.accessRate !== undefined && l.accessRate < l.rate) {
    ctx.addIssue({
      code: 'custom',
      path: ['accessRate'],
      message: `${formatRate(l.accessRate)} conflicts with link.rate ${formatRate(l.rate)}: the access link cannot be slower than the bottleneck behind it`,
    });
  }
}

/** Parsers of the unit kinds a parameter may have (ParamSpec.kind). */
const UNIT_PARSERS = { rate: parseRate, time: parseTime, size: parseSize, percent: parsePercent } as const;
const UNIT_WHAT = { rate: 'rate such as 50mbit', time: 'time such as 25ms', size: 'size such as 64kb', percent: 'percentage such as 1%' } as const;

/** The zod schema of one parameter of a registry entry (a CC's ParamSpec): units, range, default. */
export function paramSchema(p: ParamSpec) {
  const help = p.help ? ` (${p.help})` : '';
  if (p.kind === 'bool') return z.boolean({ error: () => `expected true or false${help}` }).default(p.default as boolean);
  if (p.kind === 'int' || p.kind === 'number') {
    const range = p.min !== undefined && p.max !== undefined ? ` ${p.min}..${p.max}` : '';
    const what = p.kind === 'int' ? `an integer${range}` : `a number${range}`;
    let n = z.number({ error: () => `expected ${what}${help}` });
    if (p.kind === 'int') n = n.int({ error: () => `must be ${what}${help}` });
    const between = p.min !== undefined && p.max !== undefined ? `must be between ${p.min} and ${p.max}${help}` : null;
    if (p.min !== undefined) n = n.min(Number(p.min), { error: () => between ?? `must be at least ${p.min}${help}` });
    if (p.max !== undefined) n = n.max(Number(p.max), { error: () => between ?? `must be at most ${p.max}${help}` });
    const checked = p.check ? n.superRefine((v, ctx) => void (p.check!(v) !== null && ctx.addIssue({ code: 'custom', message: p.check!(v)! }))) : n;
    return checked.default(p.default as number);
  }
  const parse = UNIT_PARSERS[p.kind];
  const lo = p.min !== undefined ? parse(p.min) : null;
  const hi = p.max !== undefined ? parse(p.max) : null;
  return unit(parse, UNIT_WHAT[p.kind])
    .superRefine((v, ctx) => {
      const msg =
        lo !== null && v < lo ? `must be at least ${p.min}${help}` : hi !== null && v > hi ? `must be at most ${p.max}${help}` : p.check ? p.check(v) : null;
      if (msg !== null) ctx.addIssue({ code: 'custom', message: msg });
    })
    .default(parse(p.default as string | number));
}

/** The schema of a CC's parameter block `flows[i].<name>: {...}` (empty for a CC without parameters). */
function ccBlockSchema(spec: AnyCcSpec) {
  return obj(Object.fromEntries(Object.entries(spec.params ?? {}).map(([k, p]) => [k, paramSchema(p)])));
}

/** A CC's parameter block with every default, in base units: what a flow without a block gets. */
export function ccBlockDefaults(spec: AnyCcSpec): Record<string, ParamValue> {
  return ccBlockSchema(spec).parse({}) as Record<string, ParamValue>;
}

/** A flow; its `cc` and parameter blocks come from the CC registry (cc/index.ts). */
function flowSchema(names: [string, ...string[]]) {
  const quicNames = quicCcNames();
  return z.unknown().superRefine(quicBlockCheck).pipe(obj({
  // a registered TCP CC, or a QUIC one (src/quic/cc) for a transport: quic flow (checked with the flow)
  cc: z.unknown().superRefine((v, ctx) => {
    if (typeof v !== 'string' || (!names.includes(v) && !quicNames.includes(v))) ctx.addIssue({ code: 'custom', message: `unknown congestion control ${JSON.stringify(v)}; known: ${names.join(', ')}`, continue: false });
  }).transform((v) => v as string),
  /**
   * The transport: tcp (default) or quic, a QUIC connection as quic-go and
   * Hysteria run it (src/quic; docs/quic.md), simulator only.
   */
  transport: enumOf(['tcp', 'quic'] as const, 'transport').optional(),
  /**
   * A QUIC flow's datagram size (docs/quic.md "Datagram size"): pmtud,
   * quic-go's path MTU discovery (default true, Hysteria's default; false is
   * Hysteria's disablePathMTUDiscovery: true), and mtu, the path's MTU in
   * bytes (the largest IP packet it carries; default 1500).
   */
  quic: obj({
    pmtud: z.boolean({ error: () => 'expected true or false (false: as Hysteria\'s disablePathMTUDiscovery: true)' }).optional(),
    mtu: z
      .number({ error: () => `expected a whole number of bytes, ${QUIC_MIN_PATH_MTU}..${QUIC_MAX_PATH_MTU}` })
      .int({ error: () => `must be a whole number of bytes, ${QUIC_MIN_PATH_MTU}..${QUIC_MAX_PATH_MTU}` })
      .min(QUIC_MIN_PATH_MTU, { error: () => `must be at least ${QUIC_MIN_PATH_MTU} bytes: quic-go's first datagrams are 1252 bytes, 1280 with UDP and IPv4 headers` })
      .max(QUIC_MAX_PATH_MTU, { error: () => `must be at most ${QUIC_MAX_PATH_MTU} bytes (an IPv4 packet)` })
      .optional(),
  }).optional(),
  start: time.default(0),
  stop: time.optional(),
  bytes: size.refine((b) => b > 0, { message: 'must be more than 0 bytes' }).optional(),
  /**
   * The flow's base RTT, when it is longer than the link's: the difference is
   * propagation delay on the flow's own path (its ACKs' way back), so flows
   * of different RTTs share the bottleneck. Default: the link's RTT.
   */
  rtt: time.optional(),
  /**
   * The links the flow crosses (with `links:`): a contiguous run of link
   * names in list order; default every link.
   */
  path: z.array(z.string({ error: () => 'expected link names' }), { error: () => 'expected a list of link names, e.g. [a, b]' }).min(1, { error: () => 'needs at least one link' }).optional(),
  count: z
    .number({ error: () => `expected a whole number of flows, 1..${MAX_FLOWS}` })
    .int({ error: () => `must be a whole number of flows, 1..${MAX_FLOWS}` })
    .min(1, { error: () => 'must be an integer of at least 1' })
    .max(MAX_FLOWS, { error: () => `must be at most ${MAX_FLOWS} (flows in a scenario, counts added up)` })
    .default(1),
  mss: z.number().int().min(536, { error: () => 'must be between 536 and 9000 bytes' }).max(9000, { error: () => 'must be between 536 and 9000 bytes' }).default(1448),
  /**
   * The receiver's maximum advertised window. Default 3mb: Linux 6.1's
   * tcp_rmem[2] = 6 MB with tcp_adv_win_scale = 1 leaves half for data.
   */
  rwnd: size.refine((b) => b >= 1448, { message: 'must be at least one segment (1448 bytes)' }).default(3 * 1024 * 1024),
  /** auto: paced by the stack only when the CC asks (BBR, Brutal), as Linux; fq: an fq qdisc on the sender paces every flow. */
  pacing: enumOf(['auto', 'fq'] as const, 'pacing mode').default('auto'),
  /**
   * ECN (RFC 3168 as Linux does it): the sender asks for it in its SYN, as
   * net.ipv4.tcp_ecn = 1 would, and marks its data ECT(0); the receiver
   * echoes CE marks as ECE until the sender's CWR. Default: off, except for
   * a congestion control that needs it (DCTCP).
   */
  ecn: z.boolean({ error: () => 'expected true or false' }).optional(),
  /**
   * Which way the flow's data goes: forward (the sending host to the
   * receiving host, default) or reverse (the receiving host to the sending
   * host, over the link's reverse direction, which then becomes a bottleneck
   * of its own; docs/scenario.md "Reverse traffic").
   */
  direction: enumOf(['forward', 'reverse'] as const, 'direction').optional(),
  /** The application: a rate and/or on/off periods (src/traffic/schedule.ts); default bulk. */
  app: appSchema.optional(),
  /** A short-flow workload: Poisson arrivals of new connections with drawn sizes (src/traffic/schedule.ts). */
  arrivals: arrivalsSchema.optional(),
  ...Object.fromEntries(names.map((n) => [n, ccBlockSchema(ccSpec(n)!).optional()])),
}));
}

/**
 * A QUIC flow's parameter block as given (before defaults): only the fields
 * its QUIC controller has (Hysteria's Brutal: rate; no cwndGain or slots).
 */
function quicBlockCheck(raw: unknown, ctx: z.RefinementCtx): void {
  if (raw === null || typeof raw !== 'object') return;
  const f = raw as Record<string, unknown>;
  if (f.transport !== 'quic' || typeof f.cc !== 'string') return;
  const spec = quicCcSpec(f.cc);
  const block = f[f.cc];
  if (spec === undefined || block === null || typeof block !== 'object') return;
  for (const k of Object.keys(block)) {
    if (spec.allowedParams.includes(k)) continue;
    const why = f.cc === 'brutal' ? `Hysteria's Brutal has no ${k} (its window is rate x smoothed RTT x 2 / ackRate, over 5 one-second slots); give only rate` : `quic-go's ${f.cc} has no parameters; leave the ${f.cc} block out`;
    ctx.addIssue({ code: 'custom', path: [f.cc, k], message: `${why} (transport: quic)`, continue: false });
  }
}

/**
 * The sweep fields (sweep, zip, seeds, harm) are only checked for their
 * shape here; `cclab run` ignores them and runs the base scenario. Their
 * meaning and full validation (paths, values, zip lengths) live in
 * src/analysis/spec.ts and plan.ts; see docs/analysis.md.
 */
const sweepSchema = z.record(z.string(), z.array(z.unknown(), { error: () => 'expected a list of values, e.g. [0, 1%, 5%]' }), {
  error: () => 'expected a mapping of scenario paths to lists of values',
});

/** Longest scenario: one day, as iperf3 (`-t` up to 86400). */
export const MAX_DURATION_NS = MAX_TIME_NS;
/** Most flows in a scenario, after expanding `count`. */
export const MAX_FLOWS = 1024;
/** Most time-series rows a run may write (samples x (flows + link)): about 1 GB of CSV. */
export const MAX_TIMESERIES_ROWS = 10_000_000;
/** Most connections a workload (arrivals) may expect in a run: each is a TCP connection of its own in the simulator. */
export const MAX_CONNECTIONS = 20_000;
/** Most latency probes in a run (their round trips are kept in memory and in probe.csv). */
export const MAX_PROBES = 1_000_000;
/** Largest seed: 32 bits. */
export const MAX_SEED = 2 ** 32 - 1;
/** Longest scenario name (it names a folder). */
export const MAX_NAME_LENGTH = 100;

/**
 * Why `name` cannot name a results folder, or null: a plain file name of
 * letters, digits, ".", "_" and "-", not "." or "..", not hidden.
 */
export function plainNameProblem(name: string): string | null {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) return 'letters, digits, ".", "_" and "-" only';
  if (name === '.' || name === '..') return `"${name}" is not a plain file name`;
  if (name.startsWith('.')) return 'must not start with "." (it names a results folder)';
  if (name.length > MAX_NAME_LENGTH) return `at most ${MAX_NAME_LENGTH} characters`;
  return null;
}

function buildScenarioSchema() {
  const names = ccNames() as [string, ...string[]];
  return obj({
  name: z.string().superRefine((n, ctx) => void (plainNameProblem(n) !== null && ctx.addIssue({ code: 'custom', message: plainNameProblem(n)! }))).optional(),
  description: z.string().max(10_000, { error: () => 'at most 10000 characters' }).optional(),
  duration: time.refine((t) => t > 0, { message: 'must be longer than 0' }).refine((t) => t <= MAX_DURATION_NS, { message: 'must be at most 86400s (one day, as iperf3)' }),
  seed: z.number().int().min(0, { error: () => 'must be a non-negative integer' }).max(MAX_SEED, { error: () => `must be at most ${MAX_SEED}` }).default(1),
  sampleInterval: time.refine((t) => t >= 1e6, { message: 'must be at least 1ms' }).default(100e6),
  /**
   * The first part of the run left out of every metric and chart (as
   * iperf3 -O leaves out its first seconds); default 0s.
   */
  warmup: time.default(0),
  /** A latency probe (flent's ping): an ICMP echo every interval from the sending host (src/sim/probe.ts). */
  probe: obj({
    interval: time.refine((t) => t >= 1e6, { message: 'must be at least 1ms' }),
    size: z
      .number({ error: () => 'expected ICMP payload bytes, 16..1400 (ping -s; default 56)' })
      .int({ error: () => 'must be whole bytes, 16..1400' })
      .min(16, { error: () => 'must be between 16 and 1400 bytes' })
      .max(1400, { error: () => 'must be between 16 and 1400 bytes' })
      .default(56),
    start: time.default(0),
    stop: time.optional(),
  }).optional(),
  link: linkSchema.optional(),
  /** A chain of links (a parking lot): flows cross a contiguous run of them (flows[].path); see links.ts. */
  links: z
    .array(hopSchema, { error: () => 'expected a list of links, e.g. [{name: a, rate: 50mbit, rtt: 10ms}, ...]' })
    .min(1, { error: () => 'needs at least one link' })
    .max(MAX_LINKS, { error: () => `at most ${MAX_LINKS} links` })
    .optional(),
  flows: z
    .array(flowSchema(names), { error: () => 'expected a list of flows' })
    .min(1, { error: () => 'needs at least one flow' })
    .max(MAX_FLOWS, { error: () => `at most ${MAX_FLOWS} flows` }),
  sweep: sweepSchema.optional(),
  zip: z.array(z.array(z.string()), { error: () => 'expected a list of groups of sweep paths, e.g. [[link.rtt, link.queue]]' }).optional(),
  seeds: z
    .number({ error: () => 'expected a whole number of seeds, 1..1000' })
    .int({ error: () => 'expected a whole number of seeds, 1..1000' })
    .min(1, { error: () => 'must be between 1 and 1000' })
    .max(1000, { error: () => 'must be between 1 and 1000' })
    .optional(),
  harm: z.boolean({ error: () => 'expected true or false' }).optional(),
}).superRefine((s, ctx) => {
  if ((s.link === undefined) === (s.links === undefined)) {
    ctx.addIssue({ code: 'custom', path: [s.link === undefined ? 'link' : 'links'], message: s.link === undefined ? 'missing: give link (one link every flow crosses) or links (a chain, with flows[].path)' : 'give either link (one link) or links (a chain), not both' });
    return;
  }
  if (s.links !== undefined) {
    checkChain(s as Parameters<typeof checkChain>[0], ctx);
    // a chain's links have no reverse bottlenecks yet (sim/chain.ts, the kernel's chain of routers)
    s.flows.forEach((f, i) => {
      if (f.direction === 'reverse') ctx.addIssue({ code: 'custom', path: ['flows', i, 'direction'], message: 'reverse flows run on a single link (link:); a chain of links (links:) carries forward flows only' });
    });
  } else if (s.link!.rtt !== undefined || s.link!.delay !== undefined) {
    // the qdisc's parameters that depend on the link and flows (limits, RED's thresholds)
    const q = resolveLinkQueue(s as Parameters<typeof resolveLinkQueue>[0]).qdisc;
    if ('message' in q) ctx.addIssue({ code: 'custom', path: ['link', 'qdisc', ...q.path], message: q.message });
  }
  const link = s.link;
  const total = s.flows.reduce((n, f) => n + f.count, 0);
  if (total > MAX_FLOWS) {
    ctx.addIssue({ code: 'custom', path: ['flows'], message: `${total} flows in all (counts added up); at most ${MAX_FLOWS}` });
  }
  // a chain writes a row per link and sample (and the summary link's again)
  const linkRows = s.links !== undefined ? s.links.length + 1 : 1;
  const rows = (Math.floor(s.duration / s.sampleInterval) + 1) * (Math.min(total, MAX_FLOWS) + linkRows);
  if (rows > MAX_TIMESERIES_ROWS) {
    const min = Math.ceil(s.duration / (MAX_TIMESERIES_ROWS / (Math.min(total, MAX_FLOWS) + linkRows)) / 1e6);
    ctx.addIssue({
      code: 'custom',
      path: ['sampleInterval'],
      message: `${formatTime(s.sampleInterval)} over ${formatTime(s.duration)} with ${total} flow(s) gives ${rows} time-series rows; at most ${MAX_TIMESERIES_ROWS} (use at least ${min}ms)`,
    });
  }
  if (s.probe !== undefined) {
    const stop = Math.min(s.probe.stop ?? s.duration, s.duration);
    if (s.probe.start >= stop) ctx.addIssue({ code: 'custom', path: ['probe', s.probe.stop !== undefined ? 'stop' : 'start'], message: 'the probe must start before it stops and before the end of the run' });
    else if ((stop - s.probe.start) / s.probe.interval > MAX_PROBES) {
      ctx.addIssue({ code: 'custom', path: ['probe', 'interval'], message: `${formatTime(s.probe.interval)} over ${formatTime(stop - s.probe.start)} gives more than ${MAX_PROBES} probes; use a longer interval` });
    }
  }
  if (s.warmup >= s.duration) {
    ctx.addIssue({ code: 'custom', path: ['warmup'], message: `${formatTime(s.warmup)} leaves nothing to measure of a ${formatTime(s.duration)} run; must be shorter than duration` });
  }
  const linkRtt = link === undefined ? undefined : link.rtt ?? (link.delay ? link.delay.forward + link.delay.reverse : undefined);
  s.flows.forEach((f, i) => {
    if (link !== undefined && f.path !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['flows', i, 'path'], message: 'a path needs a chain of links (links:); with link: every flow crosses the one link' });
    }
    if (f.rtt !== undefined && linkRtt !== undefined && link !== undefined) {
      if (f.rtt < linkRtt) {
        const from = link.rtt !== undefined ? 'link.rtt' : 'link.delay';
        ctx.addIssue({ code: 'custom', path: ['flows', i, 'rtt'], message: `${formatTime(f.rtt)} is less than the link's base RTT ${formatTime(linkRtt)} (${from}); a flow's rtt adds delay on its own path to the link's` });
      } else if (f.rtt > MAX_RTT_NS) {
        ctx.addIssue({ code: 'custom', path: ['flows', i, 'rtt'], message: `${formatTime(f.rtt)} is more than ${formatTime(MAX_RTT_NS)}` });
      }
    }
    if (s.warmup > 0 && f.stop !== undefined && f.bytes === undefined && f.stop <= s.warmup) {
      ctx.addIssue({ code: 'custom', path: ['flows', i, 'stop'], message: `${formatTime(f.stop)} ends the flow within the warm-up (warmup: ${formatTime(s.warmup)}), so none of it would be measured; stop later or shorten warmup` });
    }
    if (f.arrivals !== undefined) {
      for (const k of ['bytes', 'app'] as const) {
        if (f[k] !== undefined) ctx.addIssue({ code: 'custom', path: ['flows', i, k], message: `a workload (arrivals) draws each connection's size itself; leave ${k} out` });
      }
      if (f.count !== 1) ctx.addIssue({ code: 'custom', path: ['flows', i, 'count'], message: 'a workload (arrivals) is one entry; raise arrivals.rate for more connections' });
      const expected = f.arrivals.rate * (((f.stop ?? s.duration) - f.start) / 1e9);
      if (expected > MAX_CONNECTIONS) {
        ctx.addIssue({ code: 'custom', path: ['flows', i, 'arrivals', 'rate'], message: `${f.arrivals.rate}/s over the flow's life gives about ${Math.round(expected)} connections; at most ${MAX_CONNECTIONS} in a run` });
      }
    }
    if (f.app?.on !== undefined && f.app.off !== undefined) {
      const periods = ((f.stop ?? s.duration) - f.start) / (distMean(f.app.on) + distMean(f.app.off));
      if (periods > MAX_ONOFF_PERIODS / 2) {
        ctx.addIssue({ code: 'custom', path: ['flows', i, 'app'], message: `about ${Math.round(periods)} on/off periods over the flow's life; at most ${MAX_ONOFF_PERIODS / 2} on average (use longer on and off times)` });
      }
    }
    if (f.stop !== undefined && f.stop <= f.start) {
      ctx.addIssue({ code: 'custom', path: ['flows', i, 'stop'], message: 'must be later than start' });
    }
    if (f.start >= s.duration) {
      ctx.addIssue({ code: 'custom', path: ['flows', i, 'start'], message: 'must be earlier than the scenario duration' });
    }
    if (f.ecn === false && ccSpec(f.cc)?.ecn === 'required') {
      ctx.addIssue({ code: 'custom', path: ['flows', i, 'ecn'], message: `${f.cc} needs ECN (Linux marks every packet of a ${f.cc} flow ECT); leave ecn out or set it to true` });
    }
    if (f.transport === 'quic') {
      for (const msg of quicFlowProblems(f, link === undefined)) ctx.addIssue({ code: 'custom', path: ['flows', i, msg[0]], message: msg[1] });
    } else if (f.quic !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['flows', i, 'quic'], message: "the quic block (pmtud, mtu) is for QUIC flows only; set transport: quic or leave quic out" });
    } else if (!names.includes(f.cc)) {
      ctx.addIssue({ code: 'custom', path: ['flows', i, 'cc'], message: `${f.cc} is quic-go's, for QUIC flows (transport: quic); TCP's is reno` });
    }
    for (const k of names) {
      if ((f as Record<string, unknown>)[k] !== undefined && f.cc !== k) {
        ctx.addIssue({ code: 'custom', path: ['flows', i, k], message: `parameters for ${k} given but cc is ${f.cc}` });
      }
    }
  });
});
}

/**
 * What a QUIC flow (transport: quic) may not have: a TCP-only congestion
 * control, or a feature the QUIC transport does not model. [field, message] pairs.
 */
function quicFlowProblems(f: ParsedFlowShape, chain: boolean): [string, string][] {
  const out: [string, string][] = [];
  const known = quicCcNames().join(', ');
  if (quicCcSpec(f.cc) === undefined) out.push(['cc', `${f.cc} runs on TCP only; a QUIC flow (transport: quic) takes ${known}`]);
  const unsupported: [keyof ParsedFlowShape, string][] = [
    ['arrivals', 'workloads (arrivals)'],
    ['app', 'an application model (app)'],
    ['direction', 'reverse flows (direction)'],
    ['ecn', 'ECN (ecn)'],
    ['path', 'a chain of links (path)'],
  ];
  for (const [k, what] of unsupported) if (f[k] !== undefined) out.push([k, `${what} is not supported on QUIC flows (transport: quic); leave ${k} out`]);
  if (chain) out.push(['transport', 'QUIC flows run on a single link (link:), not a chain (links:)']);
  if (f.pacing === 'fq') out.push(['pacing', 'fq pacing is not supported on QUIC flows (transport: quic): quic-go paces itself; leave pacing out']);
  if (f.mss !== 1448) out.push(['mss', "a QUIC flow's packets are 1252-byte datagrams (quic-go's and Hysteria's) until path MTU discovery raises them; leave mss out (the path's MTU is quic.mtu)"]);
  if (f.rwnd !== 3 * 1024 * 1024) out.push(['rwnd', "a QUIC flow's receive windows are its implementation's (Hysteria: 8 MiB stream, 20 MiB connection; quic-go: 512 KiB auto-tuned to 6 MiB); leave rwnd out"]);
  return out;
}

interface ParsedFlowShape {
  cc: string;
  mss: number;
  rwnd: number;
  pacing: string;
  arrivals?: unknown;
  app?: unknown;
  direction?: unknown;
  ecn?: unknown;
  path?: unknown;
}

let built: { version: number; schema: ReturnType<typeof buildScenarioSchema> } | null = null;

/** The scenario schema, built from the registries as they are now (rebuilt after a plugin registers a CC). */
export function scenarioSchema(): ReturnType<typeof buildScenarioSchema> {
  if (built === null || built.version !== ccRegistryVersion()) built = { version: ccRegistryVersion(), schema: buildScenarioSchema() };
  return built.schema;
}

export type ScenarioInput = z.input<ReturnType<typeof buildScenarioSchema>>;
export type ParsedScenario = z.output<ReturnType<typeof buildScenarioSchema>>;
export type ParsedFlow = ParsedScenario['flows'][number];
