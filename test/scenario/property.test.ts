/**
 * Property test of every scenario input: scenario files generated from the
 * schema (every field, units, every registered congestion control and its
 * parameters, sweeps), then mutated (types, units, ranges, structure, the
 * YAML text itself). Every case must end within 10 s and 1 GB either valid
 * (exit 0, a result that keeps the promised bounds) or refused with exactly
 * one line (exit 2); anything else (an exception that is not an InputError,
 * a multi-line error, a result outside the bounds, a crash, a hang) fails.
 *
 * Most cases are checked in-process through the functions the CLI uses
 * (parseScenarioText + validateScenario for `cclab run`, planSweep for
 * `cclab sweep`); a sample of cheap ones runs the real CLI, whose time and
 * peak memory are measured. CI runs 1,000 cases; CCLAB_PROPERTY_RUNS=10000
 * runs more (CCLAB_PROPERTY_SEED picks another seed).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import YAML from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { ccNames, ccSpec } from '../../src/cc/index.js';
import { planSweep, MAX_SWEEP_POINTS } from '../../src/analysis/plan.js';
import { estimateCost } from '../../src/analysis/runner.js';
import { InputError } from '../../src/scenario/errors.js';
import { parseScenarioText, validateScenario } from '../../src/scenario/load.js';
import type { ResolvedScenario } from '../../src/scenario/resolve.js';
import { MAX_FLOWS, MAX_RTT_NS, plainNameProblem } from '../../src/scenario/schema.js';
import { MAX_RATE_BPS, MAX_TIME_NS } from '../../src/scenario/units.js';
import { runSummarySchema } from '../../src/results/schema.js';

const RUNS = Number(process.env.CCLAB_PROPERTY_RUNS ?? 1000);
const SEED = Number(process.env.CCLAB_PROPERTY_SEED ?? 20250614);
/** One case in this many (of those cheap enough to simulate quickly) also runs the CLI. */
const CLI_EVERY = 20;
/** A case that runs the CLI may simulate at most this much work (estimateCost: packets, weighted). */
const CLI_COST_BUDGET = 30_000;
const CASE_LIMIT_MS = 10_000;
const CASE_LIMIT_BYTES = 1024 ** 3;
const ROOT = resolve(import.meta.dirname, '../..');
const TIME_BIN = '/usr/bin/time';

// ---------------------------------------------------------------- generators

const num = (lo: number, hi: number) => fc.double({ min: lo, max: hi, noNaN: true, noDefaultInfinity: true }).map((x) => +x.toPrecision(4));
const withUnit = (lo: number, hi: number, units: string[]) => fc.tuple(num(lo, hi), fc.constantFrom(...units)).map(([v, u]) => `${v}${u}`);

/** The unit-valued kinds as the schema reads them, with values that are valid most of the time. */
const UNIT_ARB = {
  rate: withUnit(1, 200, ['mbit', 'kbit', 'M', 'mbps', 'gbit']),
  time: withUnit(0, 50, ['ms', 'us', 's']),
  size: withUnit(1, 4096, ['kb', 'b', 'mb']),
  percent: withUnit(0, 10, ['%']),
};

/** A CC's parameter block from its registry spec (cc/index.ts), so new CCs and parameters are covered. */
function ccBlock(cc: string): fc.Arbitrary<Record<string, unknown>> {
  const params = ccSpec(cc)?.params ?? {};
  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [k, p] of Object.entries(params)) {
    if (p.kind === 'bool') fields[k] = fc.boolean();
    else if (p.kind === 'int') fields[k] = fc.integer({ min: Number(p.min ?? 0) - 2, max: Number(p.max ?? 100) + 2 });
    else if (p.kind === 'number') fields[k] = num(Number(p.min ?? 0), Number(p.max ?? 100));
    else fields[k] = UNIT_ARB[p.kind];
  }
  return fc.record(fields, { requiredKeys: [] });
}

function flowArb(cheap: boolean): fc.Arbitrary<Record<string, unknown>> {
  return fc.constantFrom(...ccNames()).chain((cc) =>
    fc.record(
      {
        cc: fc.constant(cc),
        start: withUnit(0, cheap ? 0.1 : 0.5, ['s']),
        stop: withUnit(0.6, cheap ? 1 : 30, ['s']),
        bytes: withUnit(1, 500, ['kb']),
        count: fc.integer({ min: 1, max: cheap ? 2 : 8 }),
        mss: fc.integer({ min: 500, max: 9100 }),
        rwnd: withUnit(2, 8192, ['kb']),
        pacing: fc.constantFrom('auto', 'fq'),
        [cc]: ccBlock(cc),
      },
      { requiredKeys: ['cc'] },
    ),
  );
}

const lossArb = fc.oneof(
  UNIT_ARB.percent,
  fc.constant(0),
  fc.record({ gemodel: fc.record({ p: UNIT_ARB.percent, r: withUnit(1, 100, ['%']), '1-h': withUnit(0, 100, ['%']), '1-k': withUnit(0, 5, ['%']) }, { requiredKeys: ['p', 'r'] }) }),
);

function linkArb(cheap: boolean): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .record(
      {
        rate: cheap ? withUnit(1, 50, ['mbit']) : UNIT_ARB.rate,
        rtt: withUnit(2, cheap ? 80 : 300, ['ms']),
        delay: fc.record({ forward: withUnit(1, 50, ['ms']), reverse: withUnit(0, 50, ['ms']) }),
        queue: fc.oneof(fc.integer({ min: 0, max: 2000 }), withUnit(0.1, 4, ['bdp']), withUnit(8, 512, ['kb'])),
        qdisc: fc.constantFrom('droptail', 'droptail', 'droptail', 'codel'),
        loss: lossArb,
        ackLoss: UNIT_ARB.percent,
        jitter: withUnit(0, 500, ['us']),
        hostJitter: withUnit(0, 100, ['us']),
        accessRate: withUnit(200, 2000, ['mbit']),
      },
      { requiredKeys: ['rate'] },
    )
    .map((l) => {
      // usually one of rtt and delay, as a user writes it; sometimes both or neither (errors)
      const o = { ...l };
      if (o.rtt !== undefined && o.delay !== undefined && (o.rate as string).length % 5 !== 0) delete o.delay;
      return o;
    });
}

const sweepArb = fc.record(
  {
    sweep: fc.dictionary(
      fc.constantFrom('link.loss', 'link.rtt', 'flows[0].cc', 'link.queue', 'link.rate', 'flows[0].start'),
      fc.array(fc.oneof(UNIT_ARB.percent, UNIT_ARB.time, fc.constantFrom(...ccNames()), UNIT_ARB.rate), { minLength: 1, maxLength: 4 }),
      { maxKeys: 3 },
    ),
    seeds: fc.integer({ min: 1, max: 4 }),
    harm: fc.boolean(),
  },
  { requiredKeys: [] },
);

function scenarioArb(cheap: boolean): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .record(
      {
        name: fc.stringMatching(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,20}$/),
        description: fc.string({ maxLength: 40 }),
        duration: withUnit(cheap ? 0.2 : 0.1, cheap ? 1 : 120, ['s']),
        seed: fc.integer({ min: 0, max: 1000 }),
        sampleInterval: withUnit(1, 500, ['ms']),
        link: linkArb(cheap),
        flows: fc.array(flowArb(cheap), { minLength: 1, maxLength: cheap ? 3 : 6 }),
        sweepFields: cheap ? fc.constant({}) : sweepArb,
      },
      { requiredKeys: ['duration', 'link', 'flows', 'sweepFields'] },
    )
    .map(({ sweepFields, ...doc }) => ({ ...doc, ...(sweepFields as object) }));
}

// ---------------------------------------------------------------- mutations

type Mutation =
  | { kind: 'type'; at: number; focus?: boolean; value: unknown }
  | { kind: 'unit'; at: number; number: string; unit: string }
  | { kind: 'range'; at: number; factor: number }
  | { kind: 'extreme'; at: number; number: string }
  | { kind: 'delete'; at: number }
  | { kind: 'add'; at: number; key: string; value: unknown }
  | { kind: 'wrap'; at: number; inArray: boolean }
  | { kind: 'many-flows'; n: number }
  | { kind: 'text-cut'; at: number }
  | { kind: 'text-garbage'; at: number; garbage: string };

const oddValue = fc.oneof(
  fc.constantFrom(null, true, false, [], {}, -1, 0, 1e308, -1e308, 'NaN', 'Infinity', '-Infinity', '', ' ', '0x10', '1e999', '50', '1', '..', '.', 'a/b', '__proto__'),
  fc.jsonValue({ maxDepth: 2 }),
);

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('type' as const), at: fc.nat(), value: oddValue }),
  fc.record({
    kind: fc.constant('unit' as const),
    at: fc.nat(),
    number: fc.constantFrom('1e999', '-5', '0', '1e-9', '99999999999', '3.7', '.5', '1e20', '1e9', '86401', '2'),
    unit: fc.constantFrom('', 'xyz', 'mbit', 'tbit', 'ms', 's', '%', 'kb', 'gb', 'bdp', 'K', 'min', 'p', 'bps', ' mbit', 'MBIT'),
  }),
  fc.record({ kind: fc.constant('range' as const), at: fc.nat(), factor: fc.constantFrom(-1, 0, 1e3, 1e6, 1e12, 1e300, 0.001, 1.5) }),
  fc.record({ kind: fc.constant('extreme' as const), at: fc.nat(), number: fc.constantFrom('1e999', '1e20', '1e9', '99999999', '-1', '0') }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('add' as const), at: fc.nat(), key: fc.constantFrom('__proto__', 'constructor', 'prototype', 'x-anchor', 'extra', 'rate', '<<', 'flows'), value: oddValue }),
  fc.record({ kind: fc.constant('wrap' as const), at: fc.nat(), inArray: fc.boolean() }),
  fc.record({ kind: fc.constant('many-flows' as const), n: fc.constantFrom(1025, 2000, 5000) }),
  fc.record({ kind: fc.constant('text-cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('text-garbage' as const), at: fc.nat(), garbage: fc.constantFrom('\t', ':', '- ', '{', ']', '&a', '*b', '!!binary ', '\u0000', '"', '<<: *x') }),
);

type Container = Record<string, unknown> | unknown[];
interface Slot {
  parent: Container;
  key: string | number;
}

/** Every (parent, key) of a document, in a stable order. */
function slots(doc: unknown, out: Slot[] = []): Slot[] {
  if (doc === null || typeof doc !== 'object') return out;
  const c = doc as Container;
  for (const k of Array.isArray(c) ? c.keys() : Object.keys(c)) {
    out.push({ parent: c, key: k });
    slots((c as Record<string | number, unknown>)[k], out);
  }
  return out;
}

function setSlot(s: Slot, v: unknown): void {
  (s.parent as Record<string | number, unknown>)[s.key] = v;
}

function getSlot(s: Slot): unknown {
  return (s.parent as Record<string | number, unknown>)[s.key];
}

/** Apply the document-level mutations; returns the text mutations for later. */
function mutate(doc: Record<string, unknown>, ms: readonly Mutation[]): Mutation[] {
  const text: Mutation[] = [];
  for (const m of ms) {
    // half of the mutations hit the fields every scenario has (top level, link, the first flow)
    const every = slots(doc);
    const focused = every.filter((x) => x.parent === doc || x.parent === doc.link || (Array.isArray(doc.flows) && x.parent === doc.flows[0]));
    const all = 'at' in m && m.at % 2 === 1 && focused.length > 0 ? focused : every;
    const s = 'at' in m && all.length > 0 ? all[Math.floor(m.at / 2) % all.length]! : null;
    switch (m.kind) {
      case 'type':
        if (s) setSlot(s, structuredClone(m.value));
        break;
      case 'unit':
        if (s) setSlot(s, `${m.number}${m.unit}`);
        break;
      case 'range': {
        if (!s) break;
        const v = getSlot(s);
        if (typeof v === 'number') setSlot(s, v * m.factor);
        else if (typeof v === 'string') {
          const r = /^(-?[0-9.]+(?:e[+-]?\d+)?)(.*)$/.exec(v);
          if (r) setSlot(s, `${Number(r[1]) * m.factor}${r[2]}`);
        }
        break;
      }
      case 'extreme': {
        // a value with a unit, at the top level or in the link, pushed to an extreme and its unit kept
        const withUnits = slots(doc).filter((x) => (x.parent === doc || x.parent === doc.link) && typeof getSlot(x) === 'string' && /^-?[0-9.]+(e[+-]?\d+)?[a-z%]+$/i.test(getSlot(x) as string));
        if (withUnits.length === 0) break;
        const t = withUnits[m.at % withUnits.length]!;
        setSlot(t, (getSlot(t) as string).replace(/^-?[0-9.]+(e[+-]?\d+)?/i, m.number));
        break;
      }
      case 'delete':
        if (s) {
          if (Array.isArray(s.parent)) s.parent.splice(Number(s.key), 1);
          else delete (s.parent as Record<string, unknown>)[s.key as string];
        }
        break;
      case 'add': {
        const target = s && getSlot(s) !== null && typeof getSlot(s) === 'object' && !Array.isArray(getSlot(s)) ? (getSlot(s) as Record<string, unknown>) : doc;
        // defineProperty: a plain assignment of __proto__ would change the object's prototype instead of adding a field
        Object.defineProperty(target, m.key, { value: structuredClone(m.value), enumerable: true, configurable: true, writable: true });
        break;
      }
      case 'wrap':
        if (s) setSlot(s, m.inArray ? [getSlot(s)] : { value: getSlot(s) });
        break;
      case 'many-flows':
        if (Array.isArray(doc.flows) && doc.flows.length > 0) doc.flows = Array.from({ length: m.n }, (_, i) => (doc.flows as unknown[])[i % (doc.flows as unknown[]).length]);
        break;
      default:
        text.push(m);
    }
  }
  return text;
}

function mutateText(text: string, ms: readonly Mutation[]): string {
  for (const m of ms) {
    if (m.kind === 'text-cut') text = text.slice(0, m.at % (text.length + 1));
    else if (m.kind === 'text-garbage') {
      const at = m.at % (text.length + 1);
      text = text.slice(0, at) + m.garbage + text.slice(at);
    }
  }
  return text;
}

// ---------------------------------------------------------------- the oracle

/** What a valid result must keep: every number finite and inside the bounds the schema promises. */
export function resultProblem(r: ResolvedScenario): string | null {
  const nonFinite: string[] = [];
  const walk = (v: unknown, path: string): void => {
    if (typeof v === 'number' && !Number.isFinite(v)) nonFinite.push(path);
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
  };
  walk(r, 'resolved');
  if (nonFinite.length) return `not finite: ${nonFinite.join(', ')}`;
  if (!(r.durationNs > 0 && r.durationNs <= MAX_TIME_NS)) return `durationNs ${r.durationNs}`;
  if (!(r.link.rateBps > 0 && r.link.rateBps <= MAX_RATE_BPS)) return `rateBps ${r.link.rateBps}`;
  if (!(r.link.accessRateBps >= r.link.rateBps && r.link.accessRateBps <= MAX_RATE_BPS * 10)) return `accessRateBps ${r.link.accessRateBps}`;
  if (!(r.link.rttNs <= MAX_RTT_NS)) return `rttNs ${r.link.rttNs}`;
  if (!(r.link.jitterNs <= r.link.fwdDelayNs)) return `jitterNs ${r.link.jitterNs} > fwdDelayNs ${r.link.fwdDelayNs}`;
  if (!(r.flows.length >= 1 && r.flows.length <= MAX_FLOWS)) return `${r.flows.length} flows`;
  if (plainNameProblem(r.name) !== null) return `name ${JSON.stringify(r.name)}`;
  for (const f of r.flows) if (f.brutal && !(f.brutal.rateBytesPerSec * 8 <= MAX_RATE_BPS)) return `brutal rate ${f.brutal.rateBytesPerSec}`;
  return null;
}

type Validate = (text: string) => ResolvedScenario;
const realValidate: Validate = (text) => validateScenario(parseScenarioText(text, 'case.yaml'), 'case').resolved;

export type Outcome = { ok: true; resolved: ResolvedScenario } | { ok: false; error: string };

/** One case in-process; throws (fails the property) on any outcome other than valid-and-bounded or a one-line InputError. */
export function checkInProcess(text: string, validate: Validate = realValidate): Outcome {
  const t0 = performance.now();
  let outcome: Outcome;
  try {
    const resolved = validate(text);
    const why = resultProblem(resolved);
    if (why !== null) throw new Error(`accepted a scenario outside the bounds (${why}):\n${text}`);
    outcome = { ok: true, resolved };
  } catch (e) {
    if (!(e instanceof InputError)) throw new Error(`not an InputError (${(e as Error)?.name}: ${(e as Error)?.message}):\n${text}`);
    if (e.message.includes('\n') || e.message.length === 0) throw new Error(`error is not exactly one line: ${JSON.stringify(e.message)}`);
    outcome = { ok: false, error: e.message };
  }
  const ms = performance.now() - t0;
  if (ms > CASE_LIMIT_MS) throw new Error(`took ${ms.toFixed(0)} ms:\n${text.slice(0, 500)}`);
  return outcome;
}

/** `cclab sweep`'s planning, in-process: a plan within the point limit, or a one-line InputError. */
function checkPlan(text: string): void {
  let doc: Record<string, unknown>;
  try {
    doc = parseScenarioText(text, 'case.yaml');
  } catch {
    return; // the run check covered the text
  }
  const t0 = performance.now();
  try {
    const plan = planSweep(doc, 'case');
    if (plan.points.length > MAX_SWEEP_POINTS) throw new Error(`planned ${plan.points.length} points`);
    for (const c of plan.combos) {
      const why = resultProblem(c.resolved);
      if (why !== null) throw new Error(`a sweep point outside the bounds (${why})`);
    }
  } catch (e) {
    if (!(e instanceof InputError)) throw new Error(`sweep planning: not an InputError (${(e as Error)?.message}):\n${text}`);
    if (e.message.includes('\n')) throw new Error(`sweep planning: error is not one line: ${JSON.stringify(e.message)}`);
  }
  if (performance.now() - t0 > CASE_LIMIT_MS) throw new Error(`sweep planning took over ${CASE_LIMIT_MS} ms`);
}

const work = mkdtempSync(join(tmpdir(), 'cclab-property-'));
let cliRuns = 0;
const cliCodes = { ok: 0, refused: 0 };

/** One case through the built CLI, as a user runs it: time, peak memory, exit code and output. */
function checkCli(text: string, i: number, expected: Outcome): void {
  const file = join(work, `case-${i}.yaml`);
  const out = join(work, `out-${i}`);
  const rss = join(work, `rss-${i}`);
  writeFileSync(file, text);
  const node = [process.execPath, join(ROOT, 'dist/cli/main.js'), 'run', file, '--json', '--out', out];
  const withTime = existsSync(TIME_BIN);
  const t0 = Date.now();
  const r = spawnSync(withTime ? TIME_BIN : node[0]!, withTime ? ['-f', '%M', '-o', rss, ...node] : node.slice(1), {
    encoding: 'utf8',
    timeout: CASE_LIMIT_MS,
    killSignal: 'SIGKILL',
    env: { ...process.env, CCLAB_DEBUG: '' },
  });
  const ms = Date.now() - t0;
  cliRuns++;
  const where = `case ${i} (${ms} ms, exit ${r.status}, signal ${r.signal}):\n${text}\nstderr: ${r.stderr}`;
  if (r.signal !== null || ms > CASE_LIMIT_MS) throw new Error(`did not end within ${CASE_LIMIT_MS} ms: ${where}`);
  if (withTime) {
    const kb = Number(readFileSync(rss, 'utf8').trim().split('\n').at(-1));
    if (!(kb * 1024 < CASE_LIMIT_BYTES)) throw new Error(`peak memory ${kb} kB: ${where}`);
  }
  if (r.status === 0) {
    cliCodes.ok++;
    if (!expected.ok) throw new Error(`the CLI accepted what validation refused (${expected.error}): ${where}`);
    const summary = runSummarySchema.safeParse(JSON.parse(r.stdout));
    if (!summary.success) throw new Error(`exit 0 without a valid summary: ${where}`);
    if (readFileSync(join(out, 'summary.json'), 'utf8') !== r.stdout) throw new Error(`summary.json differs from what was printed: ${where}`);
  } else if (r.status === 2) {
    cliCodes.refused++;
    const lines = r.stderr.trimEnd().split('\n');
    if (lines.length !== 1 || !lines[0]!.startsWith('cclab: ')) throw new Error(`exit 2 without exactly one line: ${where}`);
    if (expected.ok) throw new Error(`the CLI refused what validation accepted: ${where}`);
    if (lines[0] !== `cclab: ${expected.error.replace(/case\.yaml/g, file)}`) throw new Error(`the CLI's line differs from validation's (${expected.error}): ${where}`);
    if (existsSync(out)) throw new Error(`exit 2 but ${out} was written: ${where}`);
  } else throw new Error(`exit ${r.status}: ${where}`);
  rmSync(out, { recursive: true, force: true });
}

const caseArb = fc.tuple(fc.boolean(), fc.nat()).chain(([cheap, n]) =>
  fc.tuple(
    fc.constant(cheap),
    fc.constant(n),
    scenarioArb(cheap),
    // a third of the cases as generated, the rest with one to three mutations
    fc.oneof({ arbitrary: fc.constant([] as Mutation[]), weight: 1 }, { arbitrary: fc.array(mutationArb, { minLength: 1, maxLength: cheap ? 2 : 3 }), weight: 2 }),
  ),
);

function textOf(doc: Record<string, unknown>, ms: Mutation[]): string {
  const d = structuredClone(doc);
  const textMs = mutate(d, ms);
  return mutateText(YAML.stringify(d), textMs);
}

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('scenario files, generated and mutated', () => {
  it(`every case is valid and bounded, or refused in one line (${RUNS} cases, CLI on a sample)`, () => {
    let i = 0;
    const seen = { valid: 0, refused: 0 };
    fc.assert(
      fc.property(caseArb, ([cheap, n, doc, ms]) => {
        const text = textOf(doc, ms);
        const outcome = checkInProcess(text);
        if (outcome.ok) seen.valid++;
        else seen.refused++;
        checkPlan(text);
        const cheapEnough = cheap && outcome.ok ? estimateCost(outcome.resolved) <= CLI_COST_BUDGET : cheap;
        if (cheapEnough && n % CLI_EVERY === 0) checkCli(text, i, outcome);
        i++;
        if (process.memoryUsage().rss > CASE_LIMIT_BYTES * 1.5) throw new Error(`the test process grew to ${process.memoryUsage().rss} bytes`);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    // the generator reaches both sides, and the CLI ran on a real sample of each
    expect(seen.valid).toBeGreaterThan(RUNS / 10);
    expect(seen.refused).toBeGreaterThan(RUNS / 10);
    expect(cliRuns).toBeGreaterThanOrEqual(RUNS / CLI_EVERY / 4);
    expect(cliCodes.ok).toBeGreaterThan(0);
    expect(cliCodes.refused).toBeGreaterThan(0);
  }, Math.max(120_000, RUNS * 60));

  it('catches planted bugs: a crash that is not an InputError, and a bound that is not enforced', () => {
    // bug 1: the validator throws a plain error on some input (as `xs is not iterable` did)
    const crashes: Validate = (text) => {
      if (text.includes('jitter')) throw new TypeError('xs is not iterable');
      return realValidate(text);
    };
    // bug 2: the duration bound is gone (as `--set duration=1e999s` once passed)
    const unbounded: Validate = (text) => {
      const doc = parseScenarioText(text, 'case.yaml');
      const raw = typeof doc.duration === 'string' ? /^([0-9.e+]+)s$/.exec(doc.duration) : null;
      if (raw) doc.duration = '1s';
      const resolved = validateScenario(doc, 'case').resolved;
      return raw ? { ...resolved, durationNs: Number(raw[1]) * 1e9 } : resolved;
    };
    for (const [bug, validate] of [['crash', crashes], ['unbounded', unbounded]] as const) {
      const r = fc.check(
        fc.property(caseArb, ([, , doc, ms]) => void checkInProcess(textOf(doc, ms), validate)),
        // in-process only: cheap, so enough cases that the generator reaches the bug whatever the seed
        { numRuns: Math.max(RUNS, 3000), seed: SEED },
      );
      expect(r.failed, bug).toBe(true);
    }
  });
});
