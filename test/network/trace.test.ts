/**
 * Trace-driven links (mahimahi's format): parsing, the rate source's exact
 * delivery times on hand-made traces, and whole runs.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_TRACE_BYTES, parseTrace, TraceError, TraceRate, traceMeanBps } from '../../src/network/trace.js';
import { readTrace } from '../../src/scenario/trace-file.js';
import { cclab } from '../helpers/cli.js';
import { generateTrace } from '../../src/traffic/tracegen.js';
import { loadScenario, validateScenario } from '../../src/scenario/load.js';
import { InputError } from '../../src/scenario/errors.js';
import { runSimulation } from '../../src/sim/run.js';
import { scenarioHash } from '../../src/scenario/resolve.js';

const FULL = 1514; // a full data segment on the wire: 1500 IP bytes
const ACK = 66; // 52 IP bytes
const ms = (x: number) => x * 1e6;

describe('parseTrace', () => {
  it('reads one time per line, repeats with the last as period, and names a bad line', () => {
    const t = parseTrace('# comment\n1\n1\n3\n\n4\n', 't.trace');
    expect([...t.ms]).toEqual([1, 1, 3, 4]);
    expect(t.periodMs).toBe(4);
    // 4 opportunities of 1500 bytes per 4 ms = 12 Mbit/s
    expect(traceMeanBps(t)).toBe(12e6);
    expect(() => parseTrace('1\n2.5\n', 't.trace')).toThrow(/^t\.trace:2: "2\.5" is not a time in whole milliseconds/);
    expect(() => parseTrace('5\n3\n', 't.trace')).toThrow(/^t\.trace:2: 3 ms comes before the line above/);
    expect(() => parseTrace('0\n0\n', 't.trace')).toThrow(TraceError);
    expect(() => parseTrace('\n', 't.trace')).toThrow(/has no delivery opportunities/);
  });
});

describe('TraceRate', () => {
  it('delivers a full packet per opportunity, at the opportunity, and loses unused ones', () => {
    const r = new TraceRate(parseTrace('1\n2\n3\n4\n', 'x'));
    expect(r.nextOpportunity(0)).toBe(ms(1));
    expect(r.serve(ms(1), FULL)).toBe(ms(1));
    expect(r.nextOpportunity(ms(1))).toBe(ms(2));
    // nothing sent at 2 and 3 ms: at 3.5 ms the next is 4 ms
    expect(r.nextOpportunity(ms(3.5))).toBe(ms(4));
    // then the trace repeats: period 4 ms, so 5, 6, 7, 8 ms
    expect(r.serve(ms(4), FULL)).toBe(ms(4));
    expect(r.nextOpportunity(ms(4))).toBe(ms(5));
    expect(r.nextOpportunity(ms(1000.5))).toBe(ms(1001));
  });

  it('shares an opportunity between small packets and spreads a big one over several', () => {
    const r = new TraceRate(parseTrace('10\n10\n20\n', 'x'));
    // 28 ACKs of 52 IP bytes fit in one opportunity of 1500 (28 x 52 = 1456)
    for (let i = 0; i < 28; i++) expect(r.serve(r.nextOpportunity(ms(10)), ACK)).toBe(ms(10));
    // the 29th takes the last 44 bytes and 8 of the second opportunity at 10 ms
    expect(r.serve(r.nextOpportunity(ms(10)), ACK)).toBe(ms(10));
    // a full packet now needs what is left of it (1492) and 8 bytes of the one at 20 ms
    expect(r.serve(r.nextOpportunity(ms(10)), FULL)).toBe(ms(20));
    expect(r.nextOpportunity(ms(20))).toBe(ms(20));
  });

  it('several opportunities at one millisecond carry several packets then', () => {
    const r = new TraceRate(parseTrace('5\n5\n5\n6\n', 'x'));
    expect([0, 1, 2, 3].map(() => r.serve(r.nextOpportunity(ms(4)), FULL))).toEqual([ms(5), ms(5), ms(5), ms(6)]);
  });
});

describe('a trace-driven link in a run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cclab-trace-'));
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return name;
  };

  it('with one opportunity every millisecond gives one Cubic flow 1500 x 8 / 1 ms x 1448/1500 = 11.58 Mbit/s, within 3%', () => {
    const file = write('1ms.trace', `${Array.from({ length: 1000 }, (_, i) => i + 1).join('\n')}\n`);
    writeFileSync(join(dir, 's.yaml'), `duration: 30s\nwarmup: 5s\nlink: {trace: ${file}, rtt: 40ms, queue: 100}\nflows: [{cc: cubic}]\n`);
    const r = runSimulation(loadScenario(join(dir, 's.yaml')).resolved).summary;
    const ceiling = (1500 * 8) / 1e-3 * (1448 / 1500) / 1e6;
    expect(Math.abs(r.flows[0]!.goodputMbps - ceiling) / ceiling).toBeLessThan(0.03);
    expect(r.link.rateMbps).toBe(12);
    expect(r.link.utilization).toBeGreaterThan(0.97);
    expect(r.link.utilization).toBeLessThanOrEqual(1.0001);
  });

  it('shows a looped square wave in the time series at the right times', () => {
    // 40 Mbit/s for 2 s, 10 Mbit/s for 2 s, repeated; the run lasts three periods
    const file = write('sq.trace', `${generateTrace({ kind: 'square', highBps: 40e6, lowBps: 10e6, periodMs: 4000, duty: 0.5, durationMs: 4000 }).join('\n')}\n`);
    writeFileSync(join(dir, 'sq.yaml'), `duration: 12s\nlink: {trace: ${file}, rtt: 20ms, queue: 200}\nflows: [{cc: cubic}]\n`);
    const rows = runSimulation(loadScenario(join(dir, 'sq.yaml')).resolved).timeseries.filter((x) => x.flow === 'link');
    const at = (t: number) => Number(rows.find((x) => Math.abs(Number(x.time_s) - t) < 1e-9)!.link_mbps);
    // link_mbps counts wire bytes: 1514/1500 of the trace's IP rate when it is full
    for (const t of [1.5, 5.5, 9.5]) expect(at(t)).toBeCloseTo(40 * (1514 / 1500), 0);
    for (const t of [3.5, 7.5, 11.5]) expect(at(t)).toBeCloseTo(10 * (1514 / 1500), 0);
  });

  it('can drive the ACK direction too: sparse reverse opportunities hold a flow back', () => {
    // one opportunity every 100 ms carries 28 ACKs: ~280 ACKs/s, two segments each at most
    const file = write('rev.trace', '100\n');
    const run = (trace: object | undefined) =>
      runSimulation(validateScenario({ duration: '10s', warmup: '3s', link: { rate: '50mbit', rtt: '20ms', ...(trace ? { trace } : {}) }, flows: [{ cc: 'cubic' }] }, 't', dir).resolved).summary.flows[0]!.goodputMbps;
    expect(run(undefined)).toBeGreaterThan(45);
    expect(run({ reverse: file })).toBeLessThan(15);
  });

  it('refuses a trace with a rate, a missing file, a bad line, in one line naming link.trace', () => {
    const err = (link: object) => {
      try {
        validateScenario({ duration: '5s', link: { rtt: '20ms', ...link }, flows: [{ cc: 'cubic' }] }, 't', dir);
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        return (e as Error).message;
      }
      return 'accepted';
    };
    expect(err({ trace: '1ms.trace', rate: '10mbit' })).toMatch(/^link\.rate: give either link\.rate or a forward link\.trace/);
    expect(err({ trace: 'nope.trace' })).toMatch(/^link\.trace\.forward: .*nope\.trace: cannot read the trace \(ENOENT\)/);
    expect(err({ trace: write('bad.trace', '1\nx\n') })).toMatch(/^link\.trace\.forward: .*bad\.trace:2: "x" is not a time/);
    expect(err({})).toMatch(/^link\.rate: missing: give link\.rate/);
  });

  it('hashes a trace by its content, not its path', () => {
    const a = write('a.trace', '1\n2\n');
    const b = write('b.trace', '1\n2\n');
    const c = write('c.trace', '1\n3\n');
    const v = (f: string) => validateScenario({ duration: '5s', link: { rtt: '20ms', trace: f }, flows: [{ cc: 'cubic' }] }, 't', dir).resolved;
    expect(scenarioHash(v(a))).toBe(scenarioHash(v(b)));
    expect(scenarioHash(v(a))).not.toBe(scenarioHash(v(c)));
  });

  it('reads a gzip-compressed trace (.gz) as the same trace: same hash, same results', () => {
    const text = `${generateTrace({ kind: 'square', highBps: 30e6, lowBps: 10e6, periodMs: 1000, duty: 0.5, durationMs: 2000 }).join('\n')}\n`;
    const plain = write('sqz.trace', text);
    writeFileSync(join(dir, 'sqz.trace.gz'), gzipSync(text));
    const v = (f: string) => validateScenario({ duration: '3s', link: { rtt: '20ms', queue: 50, trace: f }, flows: [{ cc: 'cubic' }] }, 't', dir).resolved;
    expect(scenarioHash(v('sqz.trace.gz'))).toBe(scenarioHash(v(plain)));
    expect(JSON.stringify(runSimulation(v('sqz.trace.gz')).summary)).toBe(JSON.stringify(runSimulation(v(plain)).summary));
  });

  it('refuses a .gz trace that is not gzip, or decompresses past the size limit, in one line', () => {
    const err = (f: string) => {
      try {
        validateScenario({ duration: '5s', link: { rtt: '20ms', trace: f }, flows: [{ cc: 'cubic' }] }, 't', dir);
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        expect((e as Error).message).not.toContain('\n');
        return (e as Error).message;
      }
      return 'accepted';
    };
    expect(err(write('plain.trace.gz', '1\n2\n'))).toMatch(/^link\.trace\.forward: .*plain\.trace\.gz: not a gzip file/);
    writeFileSync(join(dir, 'huge.trace.gz'), gzipSync(Buffer.alloc(MAX_TRACE_BYTES + 2, '1\n')));
    expect(err('huge.trace.gz')).toMatch(/huge\.trace\.gz: decompresses to more than 67108864 bytes/);
  });
});

describe('the committed traces', () => {
  it('keep their identity when gzip-compressed: the sha256 of the text they were committed as', () => {
    // scenarios that name them keep their hashes and results
    expect(readTrace(join('scenarios', 'traces', 'step-50-10-50.trace.gz')).sha256).toBe('7a57e15748c555bc2ff5c1996a16eb253e1e7ad178c2b5e3b5ced6a73193e9de');
    expect(readTrace(join('scenarios', 'traces', 'cellular-20mbit.trace.gz')).sha256).toBe('aab89737a90d8bc9b5ee29ae8cf9170637deff7bc33f8c2e206ee2ca7254d521');
  });
});

describe('cclab trace -o x.trace.gz', () => {
  it('writes gzip that reads back as the text trace', () => {
    const out = mkdtempSync(join(tmpdir(), 'cclab-tracegz-'));
    expect(cclab(['trace', 'step', '--steps', '20mbit@0s,5mbit@1s', '--duration', '2s', '-o', join(out, 's.trace.gz')]).code).toBe(0);
    expect(cclab(['trace', 'step', '--steps', '20mbit@0s,5mbit@1s', '--duration', '2s', '-o', join(out, 's.trace')]).code).toBe(0);
    const gz = readFileSync(join(out, 's.trace.gz'));
    expect([gz[0], gz[1]]).toEqual([0x1f, 0x8b]);
    expect(gz.length).toBeLessThan(readFileSync(join(out, 's.trace')).length);
    expect(readTrace(join(out, 's.trace.gz')).sha256).toBe(readTrace(join(out, 's.trace')).sha256);
  });
});
