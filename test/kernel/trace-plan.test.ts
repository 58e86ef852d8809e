/**
 * The kernel harness's side of trace links: the rate schedule it derives
 * from a trace (kernel/trace.ts) and the plan that runs it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeWith } from '../helpers/requires.js';
import { loadScenario } from '../../src/scenario/load.js';
import { executablePlan, generatePlan } from '../../src/kernel/plan.js';
import { buildHelper, PACER } from '../../src/kernel/helpers.js';
import { opportunitiesBefore, traceSchedule, TRACE_FLOOR_BPS, TRACE_WINDOW_MS, windowRateBps } from '../../src/kernel/trace.js';
import { parseTrace, type Trace } from '../../src/network/trace.js';
import { generateTrace, traceText, type TraceSpec } from '../../src/traffic/tracegen.js';

const gen = (spec: TraceSpec): Trace => parseTrace(traceText(generateTrace(spec)), spec.kind);
const stepTrace = (steps: { atMs: number; rateBps: number }[], durationMs: number) => gen({ kind: 'step', steps, durationMs });
const onOffTrace = (rateBps: number, onMs: number, offMs: number, durationMs: number) => gen({ kind: 'onoff', rateBps, onMs, offMs, durationMs });

const WIRE = 1514 / 1500;
const HINT = 'pass the module with --module <module>.ko';

describe('traceSchedule', () => {
  it('a step trace: one rate per step (in wire bytes), changing within a window of each step', () => {
    const t = stepTrace([{ atMs: 0, rateBps: 50e6 }, { atMs: 10_000, rateBps: 10e6 }, { atMs: 20_000, rateBps: 50e6 }], 30_000);
    const s = traceSchedule(t, 30e9, 1448);
    expect(s.length).toBeLessThanOrEqual(6);
    const rateAt = (ms: number) => [...s].reverse().find((c) => c.atMs <= ms)!.rateBps;
    expect(rateAt(5_000) / (50e6 * WIRE)).toBeCloseTo(1, 3);
    expect(rateAt(15_000) / (10e6 * WIRE)).toBeCloseTo(1, 3);
    expect(rateAt(25_000) / (50e6 * WIRE)).toBeCloseTo(1, 3);
    // each change lands within one window of the step
    for (const step of [10_000, 20_000]) expect(s.some((c) => Math.abs(c.atMs - step) <= TRACE_WINDOW_MS)).toBe(true);
    // a 30 s trace over a 60 s run: looped, the same changes again after 30 s
    const long = traceSchedule(t, 60e9, 1448);
    expect(long.some((c) => Math.abs(c.atMs - 40_000) <= TRACE_WINDOW_MS)).toBe(true);
  });

  it('windows without opportunities get the floor rate (tc has no rate 0)', () => {
    const t = onOffTrace(24e6, 2000, 500, 5000);
    const s = traceSchedule(t, 5e9, 1448);
    // on 0-2 s, off 2-2.5 s, on 2.5-4.5 s, off 4.5-5 s
    expect(s[0]!.rateBps / (24e6 * WIRE)).toBeCloseTo(1, 3);
    expect(s.find((c) => c.atMs === 2000)!.rateBps).toBe(TRACE_FLOOR_BPS);
    expect(s.find((c) => c.atMs === 2500)!.rateBps / (24e6 * WIRE)).toBeCloseTo(1, 3);
    expect(s.find((c) => c.atMs === 4500)!.rateBps).toBe(TRACE_FLOOR_BPS);
    expect(windowRateBps(0, 10, 1448)).toBe(TRACE_FLOOR_BPS);
    // a smaller MSS: the same IP bytes need more wire bytes
    expect(windowRateBps(10, 10, 1000) / windowRateBps(10, 10, 1448)).toBeCloseTo((1066 / 1052) / (1514 / 1500), 6);
  });

  it('a cellular trace: the schedule carries the trace\'s bytes', () => {
    const t = gen({ kind: 'cellular', meanBps: 12e6, minBps: 1e6, maxBps: 50e6, reversion: 0.5, volatility: 0.8, outageRate: 0.05, outageMs: 500, durationMs: 30_000, seed: 3 });
    const s = traceSchedule(t, 30e9, 1448);
    let bits = 0;
    s.forEach((c, i) => (bits += c.rateBps * (((s[i + 1]?.atMs ?? 30_000) - c.atMs) / 1000)));
    expect(bits / (t.ms.length * 1514 * 8)).toBeCloseTo(1, 2);
  });
});

describe('the plan of a trace link', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cclab-traceplan-'));
  writeFileSync(join(dir, 'step.trace'), traceText(generateTrace({ kind: 'step', steps: [{ atMs: 0, rateBps: 50e6 }, { atMs: 2_000, rateBps: 10e6 }], durationMs: 4_000 })));
  writeFileSync(join(dir, 's.yaml'), 'name: s\nduration: 8s\nlink: {trace: step.trace, rtt: 40ms, queue: 100}\nflows: [{cc: cubic}]\n');
  const s = loadScenario(join(dir, 's.yaml')).resolved;
  const plan = generatePlan(s, { runId: 'tr1', moduleHint: HINT });

  it('uses the shaper layout with drop-tail as pfifo under it, starting at the first rate', () => {
    expect(plan).toContain("AQM='pfifo limit 100'");
    expect(Number(/^SHAPER_RATE=(\d+)$/m.exec(plan)![1]) / (50e6 * WIRE)).toBeCloseTo(1, 2);
    expect(plan).toMatch(/^NETEM_DATA='netem limit \d+ delay 20000us'$/m);
    expect(plan).toMatch(/plan_clients\(\) \{\n {2}start_trace\n {2}start_client 0 0/);
    execFileSync('sh', ['-n'], { input: executablePlan(plan) });
  });

  it('feeds every change to tc -batch as a full tbf change (tbf_change replaces all its parameters), at t0 + its time, looped', async () => {
    // run the plan's own start_trace with the real cclab_pacer and a tc that records what it is fed
    const pacer = await buildHelper(PACER);
    const fn = plan.slice(plan.indexOf('start_trace() {'), plan.indexOf('\n}\n', plan.indexOf('start_trace() {')) + 3);
    const out = mkdtempSync(join(tmpdir(), 'cclab-traceplan-out-'));
    const tc = join(out, 'tc-stub');
    writeFileSync(tc, `#!/bin/sh\necho "$*" >${out}/tc-args\ncat >${out}/tc-batch\n`, { mode: 0o755 });
    // t0 in the past, so every change is due at once
    // ip netns exec NS CMD...: here, CMD... in this namespace (the kicks, if any, go to loopback)
    const ip = join(out, 'ip-stub');
    writeFileSync(ip, `#!/bin/sh\necho "$*" >${out}/ip-args\nshift 3\nexec "$@"\n`, { mode: 0o755 });
    const script = `${fn}\nfail() { echo "$*"; exit 9; }\nOUT=${out}\nTC=${tc}\nIP=${ip}\nNS_RTR=cclab-x-rtr\nT0=0.5\nRECEIVER_ADDR=127.0.0.1\nCCLAB_PACER=${pacer}\nstart_trace\nwait\n`;
    execFileSync('sh', ['-c', script]);
    expect(readFileSync(join(out, 'ip-args'), 'utf8')).toMatch(/^netns exec cclab-x-rtr /);
    expect(readFileSync(join(out, 'tc-args'), 'utf8').trim()).toBe('-force -batch -');
    const lines = readFileSync(join(out, 'tc-batch'), 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const l of lines) expect(l).toMatch(/^qdisc change dev to-rcv handle 1: tbf rate \d+bit burst 1514 limit 1514$/);
    const log = readFileSync(join(out, 'trace-pacer.txt'), 'utf8').trim().split('\n');
    expect(log[0]).toBe('t0 0.500000');
    const at = log.slice(2).map((l) => Number(l.split(' ')[0]));
    expect(at).toHaveLength(lines.length);
    // 50 -> 10 at 2 s, back at 4 s (the loop), down again at 6 s
    for (const ms of [2000, 4000, 6000]) expect(at.some((a) => Math.abs(a - ms) <= TRACE_WINDOW_MS)).toBe(true);
  });

  it('marks the changes up from a rate at which tbf may sleep through them, for the pacer to kick', () => {
    writeFileSync(join(dir, 'onoff.trace'), traceText(generateTrace({ kind: 'onoff', rateBps: 24e6, onMs: 2000, offMs: 500, durationMs: 5000 })));
    const p = generatePlan(loadScenario(join(dir, 's.yaml'), ['link.trace=onoff.trace']).resolved, { runId: 'tr3', moduleHint: HINT });
    const lines = p.slice(p.indexOf("<<'EOF' &\n") + 10, p.indexOf('\nEOF\n')).split('\n');
    // on 0-2 s (the first rate), off 2-2.5 s, on 2.5-4.5 s, ...
    expect(lines).toContain(`2000 ${TRACE_FLOOR_BPS}`);
    expect(lines).toContain('2500 !24224000');
    expect(lines).toContain(`4500 ${TRACE_FLOOR_BPS}`);
    expect(plan).not.toMatch(/^\d+ !/m);
  });

  it('a reverse trace adds its own pacer (test/kernel/plan-combos.test.ts) and leaves the forward one as it was', () => {
    const r = loadScenario(join(dir, 's.yaml'), ['link.trace={forward: step.trace, reverse: step.trace}']).resolved;
    expect(r.link.trace?.reverse).toBeDefined();
    const both = generatePlan(r, { runId: 'tr1', moduleHint: HINT });
    const fwdLine = plan.split('\n').find((l) => l.includes('"$OUT/trace-pacer.txt"'))!;
    expect(both).toContain(fwdLine);
    expect(both).toContain('"$OUT/trace-pacer-rev.txt"');
    // {forward: file} alone is the same link as the file
    const f = generatePlan(loadScenario(join(dir, 's.yaml'), ['link.trace={forward: step.trace}']).resolved, { runId: 'tr1', moduleHint: HINT });
    expect(f).toBe(plan);
  });

  describeWith('shellcheck', 'shellcheck', () => {
    it('the trace plan passes shellcheck as the script a target runs', () => {
      execFileSync('shellcheck', ['-s', 'sh', '-'], { input: executablePlan(plan), encoding: 'utf8' });
    });
  });

  it('constant-rate plans have none of it', () => {
    const c = generatePlan(loadScenario('scenarios/single-flow.yaml').resolved, { runId: 'tr2', moduleHint: HINT });
    expect(c).not.toContain('start_trace');
    expect(c).not.toContain('PACER_PATH');
  });
});

describe('opportunitiesBefore', () => {
  it('counts opportunities as TraceRate places them, over loops', () => {
    const t = parseTrace('1\n1\n5\n10\n', 'hand');
    expect(opportunitiesBefore(t, 0)).toBe(0);
    expect(opportunitiesBefore(t, 1e6)).toBe(0);
    expect(opportunitiesBefore(t, 1e6 + 1)).toBe(2);
    expect(opportunitiesBefore(t, 10e6)).toBe(3);
    expect(opportunitiesBefore(t, 10e6 + 1)).toBe(4);
    // the second loop: at 11 ms two more
    expect(opportunitiesBefore(t, 11e6 + 1)).toBe(6);
    expect(opportunitiesBefore(t, 20e6)).toBe(7);
  });
});

describe('reading the pacer log back', () => {
  it('gives the start offset and the lateness of the changes', async () => {
    const { parsePacerLog } = await import('../../src/kernel/convert.js');
    const p = parsePacerLog('t0 100.000000\nstart 100.012000\n10 57\n20000 536\n', '');
    expect(p).toEqual({ t0: 100, start: 100.012, changes: [{ atMs: 10, lateUs: 57 }, { atMs: 20000, lateUs: 536 }], tcErrors: '' });
  });
});
