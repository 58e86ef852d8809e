/**
 * link.qdisc in the scenario language: syntax, tc's units and defaults,
 * one-line errors, link.queue as an AQM's limit, sweeps over the qdisc and
 * over a parameter, and the tc arguments the kernel harness will use.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { planSweep } from '../../src/analysis/plan.js';
import { QDISCS, qdiscEntry } from '../../src/network/qdisc/registry.js';
import { InputError } from '../../src/scenario/errors.js';
import { applySets, validateScenario } from '../../src/scenario/load.js';
import { scenarioHash, type ResolvedScenario } from '../../src/scenario/resolve.js';

function doc(link: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 't', duration: '5s', link: { rate: '50mbit', rtt: '50ms', ...link }, flows: [{ cc: 'cubic' }] };
}

function resolved(link: Record<string, unknown> = {}): ResolvedScenario {
  return validateScenario(doc(link), 't').resolved;
}

function errorOf(link: Record<string, unknown>): string {
  try {
    validateScenario(doc(link), 't');
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    const m = (e as Error).message;
    expect(m).not.toContain('\n');
    return m;
  }
  throw new Error('expected an error');
}

describe('link.qdisc syntax and defaults', () => {
  it('droptail by default, with no parameters recorded (drop-tail hashes are unchanged)', () => {
    const r = resolved();
    expect(r.link.qdisc).toBe('droptail');
    expect(r.link.qdiscParams).toBeUndefined();
    expect(r.link.queuePackets).toBe(206);
    expect(scenarioHash(r)).toBe(scenarioHash(resolved({ qdisc: 'droptail' })));
  });

  it('a name gives tc\'s defaults, every one recorded explicitly', () => {
    expect(resolved({ qdisc: 'codel' }).link.qdiscParams).toEqual({ limit: 1000, target: 5e6, interval: 100e6, ecn: false, ce_threshold: null });
    expect(resolved({ qdisc: 'fq_codel' }).link.qdiscParams).toEqual({
      limit: 10240,
      flows: 1024,
      target: 5e6,
      interval: 100e6,
      quantum: 1514,
      memory_limit: 33554432,
      drop_batch: 64,
      ecn: true,
      ce_threshold: null,
    });
    expect(resolved({ qdisc: 'pie' }).link.qdiscParams).toEqual({
      limit: 1000,
      target: 15e6,
      tupdate: 15e6,
      alpha: 2,
      beta: 20,
      ecn: false,
      bytemode: false,
      dq_rate_estimator: false,
    });
  });

  it('parameters with tc\'s names and units, as {qdisc: {param: value}}', () => {
    const p = resolved({ qdisc: { fq_codel: { target: '2ms', interval: '50ms', memory_limit: '4mb', quantum: 300, ecn: false, ce_threshold: '1ms' } } }).link.qdiscParams!;
    expect([p.target, p.interval, p.memory_limit, p.quantum, p.ecn, p.ce_threshold, p.limit]).toEqual([2e6, 50e6, 4 * 1048576, 300, false, 1e6, 10240]);
    expect(resolved({ qdisc: { codel: null } }).link.qdiscParams!.target).toBe(5e6);
  });

  it('RED: limit from link.queue (tc requires one), thresholds and burst derived as tc derives them', () => {
    const r = resolved({ qdisc: 'red' });
    // 1 BDP = 206 packets of 1514 bytes
    expect(r.link.qdiscParams).toEqual({
      limit: 311884,
      min: 25990,
      max: 77971,
      avpkt: 1514,
      burst: 28,
      probability: 0.02,
      bandwidth: 50e6,
      ecn: false,
      harddrop: false,
      nodrop: false,
      adaptive: false,
    });
    expect(r.link.queueBytes).toBe(311884);
    const s = resolved({ qdisc: { red: { limit: '400kb', min: '30kb', probability: '1%', ecn: true } } }).link.qdiscParams!;
    expect([s.limit, s.min, s.max, s.probability, s.ecn]).toEqual([409600, 30720, 92160, 0.01, true]);
  });

  it('the hash covers every parameter', () => {
    const a = scenarioHash(resolved({ qdisc: 'codel' }));
    expect(scenarioHash(resolved({ qdisc: { codel: { target: '5ms' } } }))).toBe(a);
    expect(scenarioHash(resolved({ qdisc: { codel: { target: '6ms' } } }))).not.toBe(a);
    expect(scenarioHash(resolved({ qdisc: 'fq_codel' }))).not.toBe(a);
  });
});

describe('link.queue and an AQM\'s limit', () => {
  it('without link.queue an AQM keeps tc\'s limit', () => {
    expect(resolved({ qdisc: 'fq_codel' }).link.queuePackets).toBe(10240);
    expect(resolved({ qdisc: 'codel' }).link.queueSpec).toBe('1000p');
  });

  it('a written link.queue is the AQM\'s limit (compare qdiscs with one buffer, sweep the buffer)', () => {
    const r = resolved({ qdisc: 'fq_codel', queue: '1bdp' });
    expect(r.link.qdiscParams!.limit).toBe(206);
    expect(r.link.queuePackets).toBe(206);
    expect(r.link.queueSpec).toBe('1bdp');
    expect(resolved({ qdisc: 'pie', queue: '64kb' }).link.qdiscParams!.limit).toBe(43);
    expect(resolved({ qdisc: 'red', queue: 100 }).link.qdiscParams!.limit).toBe(151400);
  });

  it('the qdisc\'s own limit wins over link.queue', () => {
    const r = resolved({ qdisc: { codel: { limit: 50 } }, queue: '1bdp' });
    expect(r.link.qdiscParams!.limit).toBe(50);
    expect(r.link.queueSpec).toBe('50p');
  });
});

describe('link.qdisc errors: one line naming the field and what is allowed', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ qdisc: 'sfq' }, /^link\.qdisc: unknown queue discipline "sfq"; known: droptail, codel, fq_codel, red, pie$/],
    [{ qdisc: { codel: { tgt: '5ms' } } }, /^link\.qdisc\.codel: unknown parameter "tgt" of codel; known: limit, target, interval, ecn, ce_threshold$/],
    [{ qdisc: { codel: { target: 5 } } }, /^link\.qdisc\.codel\.target: time "5" needs a unit/],
    [{ qdisc: { codel: { target: '5.5us' } } }, /^link\.qdisc\.codel\.target: must be a time of 1us or more, in whole microseconds/],
    [{ qdisc: { codel: { limit: 0 } } }, /^link\.qdisc\.codel\.limit: must be a whole number of packets 1\.\./],
    [{ qdisc: { fq_codel: { flows: 70000 } } }, /^link\.qdisc\.fq_codel\.flows: must be a whole number of hash buckets 1\.\.65536$/],
    [{ qdisc: { fq_codel: { quantum: 100 } } }, /^link\.qdisc\.fq_codel\.quantum: must be a size in bytes 256\.\.1048576$/],
    [{ qdisc: { fq_codel: { ecn: 'on' } } }, /^link\.qdisc\.fq_codel\.ecn: expected true or false$/],
    [{ qdisc: { fq_codel: { memory_limit: '32 parsecs' } } }, /^link\.qdisc\.fq_codel\.memory_limit: unknown size unit "parsecs"/],
    [{ qdisc: { pie: { beta: 33 } } }, /^link\.qdisc\.pie\.beta: must be a whole number \(sixteenths\) 1\.\.32$/],
    [{ qdisc: { red: { max: '20kb', min: '30kb' } } }, /^link\.qdisc\.red\.max: must be above min \(30720 bytes\)/],
    [{ qdisc: { red: { probability: 1.5 } } }, /^link\.qdisc\.red\.probability: must be above 0 and below 1/],
    [{ qdisc: { red: { nodrop: true } } }, /^link\.qdisc\.red\.nodrop: nodrop is only meaningful with ecn/],
    [{ qdisc: { red: { burst: 2 } } }, /^link\.qdisc\.red\.burst: burst 2 is too small for min 25990 and avpkt 1514; try burst 18/],
    [{ qdisc: 'red', queue: 3 }, /^link\.qdisc\.red\.limit: gives min = 378 bytes, not above avpkt \(1514\): .*give a larger limit or link\.queue$/],
    [{ qdisc: { red: { limit: '20kb' } } }, /^link\.qdisc\.red\.burst: burst 1 is too small .*\(derived as \(2 min \+ max\) \/ \(3 avpkt\) = 1; give burst\)$/],
    [{ qdisc: { droptail: { limit: 5 } } }, /^link\.qdisc\.droptail: droptail takes no parameters \(its limit is link\.queue\)$/],
    [{ qdisc: { codel: {}, pie: {} } }, /^link\.qdisc: give one queue discipline, got codel and pie/],
    [{ qdisc: ['codel'] }, /^link\.qdisc: expected a queue discipline such as fq_codel/],
  ];
  for (const [link, re] of cases) {
    it(`${JSON.stringify(link)}`, () => {
      expect(errorOf(link)).toMatch(re);
    });
  }
});

it('reports only the missing field when the link is incomplete (no qdisc noise)', () => {
  expect(() => validateScenario({ duration: '5s', link: { rate: '50mbit', qdisc: 'red' }, flows: [{ cc: 'cubic' }] }, 't')).toThrow(
    /^link\.rtt: missing: give link\.rtt \(e\.g\. 50ms\) or link\.delay \{forward, reverse\}$/,
  );
});

describe('--set and sweeps over the qdisc', () => {
  it('--set link.qdisc.<qdisc>.<param> sets a parameter, also when the qdisc is written as a name', () => {
    const d = doc({ qdisc: 'codel' });
    applySets(d, ['link.qdisc.codel.target=2ms']);
    expect(validateScenario(d, 't').resolved.link.qdiscParams!.target).toBe(2e6);
    const e = doc();
    applySets(e, ['link.qdisc.pie.alpha=4']);
    expect(validateScenario(e, 't').resolved.link.qdisc).toBe('pie');
  });

  it('refuses a parameter of another qdisc than the one written', () => {
    const d = doc({ qdisc: 'fq_codel' });
    expect(() => applySets(d, ['link.qdisc.codel.target=2ms'])).toThrow(/^--set link\.qdisc\.codel\.target: link\.qdisc is fq_codel, not codel/);
  });

  it('sweeps the qdisc: one point each, with its own hash', () => {
    const plan = planSweep({ ...doc({ queue: '1bdp' }), sweep: { 'link.qdisc': ['droptail', 'codel', 'fq_codel', 'red', 'pie'] } }, 't');
    expect(plan.combos.map((c) => c.resolved.link.qdisc)).toEqual(['droptail', 'codel', 'fq_codel', 'red', 'pie']);
    expect(new Set(plan.combos.map((c) => c.hash)).size).toBe(5);
  });

  it('sweeps a parameter by its path link.qdisc.<qdisc>.<param>', () => {
    const plan = planSweep({ ...doc({ qdisc: 'codel' }), sweep: { 'link.qdisc.codel.target': ['2ms', '5ms', '10ms'] } }, 't');
    expect(plan.combos.map((c) => c.resolved.link.qdiscParams!.target)).toEqual([2e6, 5e6, 10e6]);
    expect(plan.combos.map((c) => c.params)).toEqual([
      { 'link.qdisc.codel.target': '2ms' },
      { 'link.qdisc.codel.target': '5ms' },
      { 'link.qdisc.codel.target': '10ms' },
    ]);
  });

  it('names the sweep value when a swept parameter is bad', () => {
    expect(() => planSweep({ ...doc({ qdisc: 'codel' }), sweep: { 'link.qdisc.codel.target': ['2ms', '2'] } }, 't')).toThrow(
      /^sweep\.link\.qdisc\.codel\.target\[1\] = "2": link\.qdisc\.codel\.target: time "2" needs a unit/,
    );
  });

  it('sweeps link.queue across qdiscs: the buffer is each AQM\'s limit', () => {
    const plan = planSweep({ ...doc({ qdisc: 'fq_codel' }), sweep: { 'link.queue': ['0.5bdp', '1bdp', '2bdp'] } }, 't');
    expect(plan.combos.map((c) => c.resolved.link.qdiscParams!.limit)).toEqual([103, 206, 413]);
  });
});

describe('the registry', () => {
  it('gives the tc arguments that build each qdisc with the same parameters', () => {
    const args = (link: Record<string, unknown>) => {
      const r = resolved(link);
      return qdiscEntry(r.link.qdisc)!.tcArgs({ params: r.link.qdiscParams ?? {}, limitPackets: r.link.queuePackets, limitBytes: r.link.queueBytes }).join(' ');
    };
    expect(args({})).toBe('pfifo limit 206');
    expect(args({ queue: '64kb' })).toBe('bfifo limit 65536');
    expect(args({ qdisc: 'codel' })).toBe('codel limit 1000 target 5000us interval 100000us noecn');
    expect(args({ qdisc: { fq_codel: { ce_threshold: '1ms' } } })).toBe(
      'fq_codel limit 10240 flows 1024 target 5000us interval 100000us quantum 1514 memory_limit 33554432 drop_batch 64 ecn ce_threshold 1000us',
    );
    expect(args({ qdisc: { red: { ecn: true, adaptive: true } } })).toBe(
      'red limit 311884 min 25990 max 77971 avpkt 1514 burst 28 probability 0.02 bandwidth 6250000bps ecn adaptive',
    );
    expect(args({ qdisc: 'pie' })).toBe('pie limit 1000 target 15000us tupdate 15000us alpha 2 beta 20 noecn nobytemode no_dq_rate_estimator');
  });

  it('every parameter of every qdisc is documented in docs/scenario.md', () => {
    const md = readFileSync('docs/scenario.md', 'utf8');
    for (const q of QDISCS) {
      expect(md).toContain(`\`${q.name}\``);
      for (const p of q.params) expect(md, `${q.name}.${p.name}`).toMatch(new RegExp(`\\| \`${q.name}\` \\| \`${p.name}\` \\|`));
    }
  });
});
