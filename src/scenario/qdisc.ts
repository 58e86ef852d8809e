/**
 * The `link.qdisc` field of a scenario, derived from the qdisc registry
 * (network/qdisc/registry.ts): the accepted names, each qdisc's parameters
 * with tc's names, units and defaults.
 *
 *   qdisc: fq_codel                               # tc's defaults
 *   qdisc: {fq_codel: {target: 2ms, ecn: false}}  # with parameters (tc's names and units)
 *
 * The field is parsed here (units converted, every parameter checked on
 * its own); resolveQdisc then fills the defaults that depend on the link
 * and checks the combinations tc or the kernel refuse. Documented in
 * docs/scenario.md.
 */
import { z } from 'zod';
import { QDISC_NAMES, QDISCS, qdiscEntry, type QdiscEntry, type QdiscLinkContext, type QdiscParamUnit, type ResolvedQdisc } from '../network/qdisc/registry.js';
import { parsePercent, parseRate, parseSize, parseTime, UnitError } from './units.js';

/** The qdisc a scenario chose, with the parameters it wrote (in base units). */
export interface QdiscChoice {
  name: string;
  params: Record<string, number | boolean>;
}

export const DEFAULT_QDISC: QdiscChoice = { name: 'droptail', params: {} };

const HELP = 'a queue discipline such as fq_codel, or {fq_codel: {target: 5ms, ecn: true}}';

function converted(parse: (v: string | number) => number, what: string) {
  return z.union([z.string(), z.number()], { error: () => `expected ${what}` }).transform((v, ctx) => {
    try {
      return parse(v);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: e instanceof UnitError ? e.message : String(e) });
      return z.NEVER;
    }
  });
}

/** A fraction as tc writes it (0.02) or a percentage ("2%"). */
function parseFraction(v: string | number): number {
  if (typeof v === 'number') return v;
  if (/^\s*[0-9]*\.?[0-9]+(e[+-]?[0-9]+)?\s*$/i.test(v)) return Number(v);
  return parsePercent(v);
}

/** The user's way of writing a value of this unit, converted to base units. */
function inputOf(unit: QdiscParamUnit): z.ZodType<number | boolean> {
  switch (unit) {
    case 'time':
      return converted(parseTime, 'a time such as 5ms');
    case 'bytes':
      return converted(parseSize, 'a size such as 1514 or 32mb');
    case 'rate':
      return converted(parseRate, 'a rate such as 50mbit');
    case 'fraction':
      return converted(parseFraction, 'a probability such as 0.02 or 2%');
    case 'packets':
      return z.number({ error: () => 'expected a whole number of packets such as 1000' });
    case 'count':
      return z.number({ error: () => 'expected a whole number' });
    case 'bool':
      return z.boolean({ error: () => 'expected true or false' });
  }
}

function paramsSchema(entry: QdiscEntry) {
  const shape: Record<string, z.ZodType> = {};
  for (const p of entry.params) shape[p.name] = inputOf(p.unit).pipe(p.schema as z.ZodType<number | boolean, number | boolean>).optional();
  const known = entry.params.map((p) => p.name).join(', ');
  return z.strictObject(shape, {
    error: (iss) => {
      if (iss.code === 'unrecognized_keys') {
        const keys = (iss as { keys: string[] }).keys;
        if (known === '') return `${entry.name} takes no parameters (its limit is link.queue)`;
        return `unknown parameter${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')} of ${entry.name}; known: ${known}`;
      }
      if (iss.code === 'invalid_type') return `expected the parameters of ${entry.name} as a mapping, e.g. {${entry.params[0]?.name ?? ''}: ...}`;
      return undefined;
    },
  });
}

const PARAM_SCHEMAS = new Map(QDISCS.map((q) => [q.name, paramsSchema(q)]));

function unknownName(v: unknown): string {
  return `unknown queue discipline ${JSON.stringify(v)}; known: ${QDISC_NAMES.join(', ')}`;
}

/** link.qdisc: a name, or a mapping {name: {params}}; errors name the inner field. */
export const qdiscSchema = z.unknown().transform((v, ctx): QdiscChoice => {
  if (typeof v === 'string') {
    if (qdiscEntry(v) === undefined) {
      ctx.addIssue({ code: 'custom', message: unknownName(v) });
      return z.NEVER;
    }
    return { name: v, params: {} };
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    ctx.addIssue({ code: 'custom', message: `expected ${HELP}` });
    return z.NEVER;
  }
  const keys = Object.keys(v);
  if (keys.length !== 1) {
    ctx.addIssue({ code: 'custom', message: `give one queue discipline, got ${keys.length === 0 ? 'none' : keys.join(' and ')}; write ${HELP}` });
    return z.NEVER;
  }
  const name = keys[0]!;
  const schema = PARAM_SCHEMAS.get(name);
  if (schema === undefined) {
    ctx.addIssue({ code: 'custom', message: unknownName(name) });
    return z.NEVER;
  }
  const raw = (v as Record<string, unknown>)[name];
  const r = schema.safeParse(raw === null || raw === undefined ? {} : raw);
  if (!r.success) {
    for (const iss of r.error.issues) ctx.addIssue({ code: 'custom', path: [name, ...(iss.path as (string | number)[])], message: iss.message });
    return z.NEVER;
  }
  const params: Record<string, number | boolean> = {};
  for (const [k, val] of Object.entries(r.data as Record<string, number | boolean | undefined>)) if (val !== undefined) params[k] = val;
  return { name, params };
});

/** Every parameter of the chosen qdisc made explicit, or the parameter at fault with a one-line reason. */
export function resolveQdisc(choice: QdiscChoice, link: QdiscLinkContext): ResolvedQdisc | { path: (string | number)[]; message: string } {
  const entry = qdiscEntry(choice.name)!;
  const r = entry.resolve(choice.params, link);
  if ('message' in r) return { path: r.param === null ? [] : [choice.name, r.param], message: r.message };
  return r;
}

