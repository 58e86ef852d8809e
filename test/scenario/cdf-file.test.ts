/**
 * Empirical flow-size CDF files (`arrivals.size: {cdf: file}`): the file
 * format and its errors, paths relative to the scenario file, the hash
 * covering content rather than path, and a workload drawing its sizes from
 * the committed web search distribution.
 */
import { mkdtempSync, rmSync, writeFileSync, copyFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCdf, CdfError } from '../../src/scenario/cdf-file.js';
import { loadScenario, validateScenario } from '../../src/scenario/load.js';
import { InputError } from '../../src/scenario/errors.js';
import { scenarioHash } from '../../src/scenario/resolve.js';
import { arrivalSchedule } from '../../src/traffic/schedule.js';
import { distMean } from '../../src/traffic/dist.js';
import { runSimulation } from '../../src/sim/run.js';

const WEBSEARCH = join(process.cwd(), 'scenarios/workloads/websearch.cdf');
const dir = mkdtempSync(join(tmpdir(), 'cclab-cdf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const err = (text: string): string => {
  try {
    parseCdf(text, 'f.cdf');
  } catch (e) {
    expect(e).toBeInstanceOf(CdfError);
    return (e as Error).message;
  }
  throw new Error('no error');
};

describe('the CDF file format', () => {
  it('reads sizes in bytes or with units, fractions or percentages, comments, commas and tabs', () => {
    expect(parseCdf('# size fraction\n1000 0.5  # half\n\n2kb,75%\n10000\t1\n', 'f')).toEqual([
      [1000, 0.5],
      [2048, 0.75],
      [10000, 1],
    ]);
  });
  it('names the file, the line and what is allowed on every mistake', () => {
    expect(err('1000 0.5 7\n2000 1\n')).toBe('f.cdf:1: "1000 0.5 7" is not "size fraction" (two fields, e.g. "64kb 0.5")');
    expect(err('1000 0.5\n2000 1.5\n')).toBe('f.cdf:2: "1.5" is not a cumulative fraction from 0 to 1 (or 0% to 100%)');
    expect(err('2000 0.5\n1000 1\n')).toBe("f.cdf:2: size 1000 is below the line above's (2000 bytes); sizes must not decrease");
    expect(err('1000 0.5\n2000 0.4\n3000 1\n')).toBe("f.cdf:2: fraction 0.4 is below the line above's (0.5); a CDF must not decrease");
    expect(err('1000 0.5\n2000 0.9\n')).toBe('f.cdf: the last fraction is 0.9; a CDF ends at 1 (the largest size)');
    expect(err('1000 1\n2000 1\n')).toBe('f.cdf:2: a point after the fraction has reached 1');
    expect(err('# nothing\n')).toBe('f.cdf: no points (one "size fraction" per line, e.g. "64kb 0.5")');
    expect(err('10parsecs 1\n')).toMatch(/^f\.cdf:1: unknown size unit "parsecs"/);
    expect(err('0 1\n')).toBe('f.cdf:1: size 0 is less than 1 byte');
  });
});

describe('a workload with sizes from a CDF file', () => {
  const link = { rate: '100mbit', rtt: '20ms' };
  const doc = (size: unknown) => ({ duration: '10s', link, flows: [{ cc: 'cubic', arrivals: { rate: 3, size } }] });

  it('takes a relative path from the scenario file\'s folder, and refuses a bad file in one line naming the field', () => {
    mkdirSync(join(dir, 'a/w'), { recursive: true });
    copyFileSync(WEBSEARCH, join(dir, 'a/w/ws.cdf'));
    writeFileSync(join(dir, 'a/s.yaml'), 'duration: 10s\nlink: {rate: 100mbit, rtt: 20ms}\nflows:\n  - {cc: cubic, arrivals: {rate: 3, size: {cdf: w/ws.cdf}}}\n');
    const s = loadScenario(join(dir, 'a/s.yaml')).resolved;
    const size = s.flows[0]!.arrivals!.size;
    expect(size.kind).toBe('cdf');
    expect(distMean(size)).toBeCloseTo(1_665_746, -1);
    writeFileSync(join(dir, 'a/bad.cdf'), '1000 0.5\n');
    const e = (() => {
      try {
        validateScenario(doc({ cdf: join(dir, 'a/bad.cdf') }), 't');
      } catch (x) {
        return x as Error;
      }
      return null;
    })();
    expect(e).toBeInstanceOf(InputError);
    expect(e!.message).toBe(`flows[0].arrivals.size.cdf: ${join(dir, 'a/bad.cdf')}: the last fraction is 0.5; a CDF ends at 1 (the largest size)`);
    expect(() => validateScenario(doc({ cdf: join(dir, 'missing.cdf') }), 't')).toThrow(/cannot read the CDF file \(ENOENT\)/);
    expect(() => validateScenario(doc({ cdf: 5 }), 't')).toThrow('flows[0].arrivals.size.cdf: expected the path of a CDF file ("size fraction" per line)');
  });

  it('hashes the content, not the path: a copy elsewhere is the same scenario, an edited file another', () => {
    mkdirSync(join(dir, 'b'), { recursive: true });
    copyFileSync(WEBSEARCH, join(dir, 'b/copy.cdf'));
    const h = (f: string) => scenarioHash(validateScenario(doc({ cdf: f }), 't').resolved);
    expect(h(join(dir, 'b/copy.cdf'))).toBe(h(WEBSEARCH));
    writeFileSync(join(dir, 'b/edited.cdf'), '8760 0.5\n29200000 1\n');
    expect(h(join(dir, 'b/edited.cdf'))).not.toBe(h(WEBSEARCH));
  });

  it('draws the web search distribution: 15% of flows of 6 packets, half below about 60 KB, a mean of 1.67 MB', () => {
    const arr = validateScenario(doc({ cdf: WEBSEARCH }), 't').resolved.flows[0]!.arrivals!;
    const a = arrivalSchedule({ ...arr, ratePerS: 100 }, 1, 0, 0, 1000e9).map((c) => c.bytes);
    const frac = (x: number) => a.filter((b) => b <= x).length / a.length;
    expect(frac(8760)).toBeCloseTo(0.15, 2);
    expect(frac(48180)).toBeCloseTo(0.4, 2);
    expect(frac(973820)).toBeCloseTo(0.7, 2);
    expect(Math.min(...a)).toBe(8760);
    expect(Math.max(...a)).toBeLessThanOrEqual(29_200_000);
    // a heavy tail: the sample mean of 100,000 draws within 3%
    expect(a.reduce((x, y) => x + y, 0) / a.length / 1_665_746).toBeCloseTo(1, 1);
  });

  it('runs in the simulator: every connection sends a size the CDF allows, the short ones finish in a few round trips', () => {
    const r = runSimulation(validateScenario({ ...doc({ cdf: WEBSEARCH }), duration: '20s' }, 't').resolved);
    const conns = r.connections!;
    expect(conns.length).toBeGreaterThan(40);
    for (const c of conns) {
      expect(c.bytes).toBeGreaterThanOrEqual(8760);
      expect(c.bytes).toBeLessThanOrEqual(29_200_000);
    }
    // six-packet flows on an idle 100 Mbit/s, 20 ms path: handshake plus about two round trips
    const small = conns.filter((c) => c.bytes === 8760 && c.fct_ms !== undefined);
    expect(small.length).toBeGreaterThan(3);
    for (const c of small) expect(c.fct_ms!).toBeLessThan(100);
  });
});
