/**
 * Every scenario input is bounded: values that are not finite, too large,
 * ambiguous or physically contradictory get one line naming the field (exit
 * 2), before anything runs; YAML merge keys work; `--set` cannot reach
 * Object.prototype.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applySets, parseScenarioText, validateScenario } from '../../src/scenario/load.js';
import { InputError } from '../../src/scenario/errors.js';
import { cclab } from '../helpers/cli.js';

const BASE = { duration: '5s', link: { rate: '50mbit', rtt: '50ms' }, flows: [{ cc: 'cubic' }] };

/** The one-line error of a document changed by --set style overrides, or null when it is valid. */
function problem(sets: string[], base: Record<string, unknown> = BASE): string | null {
  const doc = structuredClone(base);
  try {
    applySets(doc, sets);
    validateScenario(doc, 'bounds');
    return null;
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
}

describe('bounds on scenario values', () => {
  it('duration: finite and at most one day (iperf3 refuses more than 86400 s)', () => {
    expect(problem(['duration=1e999s'])).toBe('duration: time "1e999s" is not a finite number');
    expect(problem(['duration=1e9s'])).toBe('duration: time must be at most 86400s, one day (got "1e9s")');
    expect(problem(['duration=86401s'])).toMatch(/^duration: time must be at most 86400s/);
    expect(problem(['duration=86400s', 'sampleInterval=1s'])).toBeNull();
  });

  it('rates: finite, at most 10 tbit, and a bare number is ambiguous like a bare loss', () => {
    expect(problem(['link.rate=1e999mbit'])).toBe('link.rate: rate "1e999mbit" is not a finite number');
    expect(problem(['link.rate=11tbit'])).toBe('link.rate: rate must be at most 10tbit (got "11tbit")');
    expect(problem(['link.rate=10tbit'])).toBeNull();
    expect(problem(['link.rate=50'])).toBe('link.rate: "50" is ambiguous; write a rate with its unit such as 50mbit or 50kbit');
    expect(problem(['link.loss=1'])).toMatch(/^link\.loss: "1" is ambiguous/);
    // Brutal's rate is a u64 of bytes/s in the kernel: 1e99mbit would wrap
    expect(problem(['flows[0].cc=brutal', 'flows[0].brutal={rate: 1e99mbit}'])).toBe('flows[0].brutal.rate: rate must be at most 10tbit (got "1e99mbit")');
    expect(problem(['link.accessRate=1e999gbit'])).toMatch(/^link\.accessRate: rate "1e999gbit" is not a finite number/);
  });

  it('sizes, queues and seeds are bounded', () => {
    expect(problem(['flows[0].rwnd=2048gb'])).toBe('flows[0].rwnd: size must be at most 1024gb (got "2048gb")');
    expect(problem(['link.queue=5000000000'])).toMatch(/^link\.queue: queue must be at most 4294967295 packets/);
    expect(problem(['link.queue=2000bdp'])).toMatch(/^link\.queue: queue must be at most 1000bdp/);
    expect(problem(['seed=1e300'])).toMatch(/^seed: /);
  });

  it('at most 1024 flows in all, checked before any flow is expanded', () => {
    expect(problem(['flows[0].count=2000'])).toMatch(/^flows\[0\]\.count: must be at most 1024/);
    const many = { ...BASE, flows: Array.from({ length: 100_000 }, () => ({ cc: 'cubic' })) };
    const t0 = Date.now();
    expect(problem([], many)).toBe('flows: at most 1024 flows');
    expect(Date.now() - t0).toBeLessThan(30_000);
    const counted = { ...BASE, flows: Array.from({ length: 3 }, () => ({ cc: 'cubic', count: 500 })) };
    expect(problem([], counted)).toBe('flows: 1500 flows in all (counts added up); at most 1024');
  });

  it('the time series of a run is bounded (samples x flows)', () => {
    expect(problem(['duration=86400s', 'sampleInterval=1ms'])).toMatch(
      /^sampleInterval: 1ms over 86400s with 1 flow\(s\) gives 172800002 time-series rows; at most 10000000 \(use at least 18ms\)$/,
    );
  });

  it('names are plain file names', () => {
    expect(problem(['name=..'])).toBe('name: ".." is not a plain file name');
    expect(problem(['name=.'])).toBe('name: "." is not a plain file name');
    expect(problem(['name=.hidden'])).toMatch(/^name: must not start with "\."/);
    expect(problem(['name=a/b'])).toMatch(/^name: letters, digits/);
    // a scenario without name takes its file's: that must be plain too
    const doc = structuredClone(BASE);
    expect(() => validateScenario(doc, '..')).toThrow(/^name: the scenario has no name and its file name gives "\.\."/);
  });

  it('jitter larger than the delay it varies, and an access link slower than the bottleneck, are conflicts naming both fields', () => {
    expect(problem(['link.jitter=10s'])).toBe(
      'link.jitter: 10s conflicts with the forward delay 25ms (link.rtt/2): jitter larger than the delay it varies would cut delays at 0 and put the mean RTT below the base RTT; use at most 25ms',
    );
    expect(problem(['link.jitter=25ms'])).toBeNull();
    expect(problem(['link.delay={forward: 5ms, reverse: 45ms}', 'link.jitter=6ms'])).toMatch(/^link\.jitter: 6ms conflicts with the forward delay 5ms \(link\.delay\.forward\)/);
    expect(problem(['link.accessRate=10mbit'])).toBe('link.accessRate: 10mbit conflicts with link.rate 50mbit: the access link cannot be slower than the bottleneck behind it');
    expect(problem(['link.accessRate=50mbit'])).toBeNull();
    expect(problem(['link.rtt=11s'])).toBe('link.rtt: base RTT 11s is more than 10s');
  });

  it('__proto__, constructor and prototype are never path segments', () => {
    for (const seg of ['__proto__', 'constructor', 'prototype']) {
      expect(problem([`${seg}.polluted=1`])).toBe(`--set ${seg}.polluted: "${seg}" cannot be part of a scenario path`);
      expect(problem([`link.${seg}.x=1`])).toBe(`--set link.${seg}.x: "${seg}" cannot be part of a scenario path`);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('YAML merge keys work; top-level x- fields hold the anchors', () => {
    const doc = parseScenarioText('x-link: &l\n  rate: 20mbit\n  rtt: 40ms\nduration: 2s\nlink:\n  <<: *l\n  loss: 1%\nflows: [{cc: cubic}]\n', 'merge.yaml');
    const { resolved } = validateScenario(doc, 'merge');
    expect(resolved.link.rateBps).toBe(20e6);
    expect(resolved.link.rttNs).toBe(40e6);
    expect(resolved.link.loss).toEqual({ kind: 'bernoulli', p: 0.01 });
  });

  it('through the CLI: exit 2 and one line, nothing written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cclab-bounds-'));
    const file = join(dir, 'merge.yaml');
    writeFileSync(file, 'x-d: &d {rate: 20mbit, rtt: 40ms}\nduration: 1s\nlink: {<<: *d}\nflows: [{cc: cubic}]\n');
    const ok = cclab(['run', file, '--json', '--out', join(dir, 'ok')]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).link.rateMbps).toBe(20);
    for (const set of ['duration=1e999s', 'link.rate=1e999mbit', 'name=..', '__proto__.polluted=1']) {
      const r = cclab(['run', 'scenarios/single-flow.yaml', '--set', set, '--out', join(dir, 'bad')]);
      expect(r.code, set).toBe(2);
      expect(r.stderr.trim().split('\n'), set).toHaveLength(1);
      expect(r.stdout).toBe('');
    }
  });
});
