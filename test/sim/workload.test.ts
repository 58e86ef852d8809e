/**
 * Short-flow workloads (`arrivals`): Poisson arrivals of new connections,
 * each with its own handshake and slow start, and their completion times.
 */
import { describe, expect, it } from 'vitest';
import { validateScenario } from '../../src/scenario/load.js';
import { InputError } from '../../src/scenario/errors.js';
import { runSimulation } from '../../src/sim/run.js';
import { arrivalSchedule } from '../../src/traffic/schedule.js';

const run = (doc: object) => runSimulation(validateScenario(doc, 't').resolved);
const link = { rate: '50mbit', rtt: '40ms' };

describe('a Poisson workload', () => {
  it('opens about rate x time connections, each delivering exactly its size', () => {
    const r = run({ duration: '20s', link, flows: [{ cc: 'cubic', arrivals: { rate: 20, size: { exp: '20kb' } } }] });
    const conns = r.connections!;
    // 400 expected; a Poisson count has sd 20
    expect(conns.length).toBeGreaterThan(340);
    expect(conns.length).toBeLessThan(460);
    const f = r.summary.flows[0]!;
    expect(f.connections!.started).toBe(conns.length);
    // on an otherwise idle 50 Mbit/s link every connection finishes, except perhaps those of the last moments
    expect(f.connections!.finished).toBeGreaterThan(conns.length - 5);
    const done = conns.filter((c) => c.fct_ms !== undefined);
    expect(f.bytesDelivered).toBeGreaterThanOrEqual(done.reduce((a, c) => a + c.bytes, 0));
    expect(r.summary.fct!.flows).toBe(conns.length);
    expect(r.summary.fct!.finished).toBe(done.length);
  });

  it('gives a one-segment flow on an idle link its ideal completion: handshake plus one round trip', () => {
    const r = run({ duration: '10s', link, flows: [{ cc: 'cubic', arrivals: { rate: 5, size: '1kb' } }] });
    const s = r.summary.fct!;
    expect(s.fctMs!.p50).toBeGreaterThan(80);
    expect(s.fctMs!.p50).toBeLessThan(81.5);
    expect(s.slowdown!.p50).toBeGreaterThanOrEqual(1);
    expect(s.slowdown!.p50).toBeLessThan(1.02);
  });

  it("slows down under Brutal at the link's rate, which holds the queue full", () => {
    const alone = run({ duration: '20s', warmup: '2s', link, flows: [{ cc: 'cubic', arrivals: { rate: 10, size: '50kb' } }] }).summary.fct!;
    const withBrutal = run({
      duration: '20s',
      warmup: '2s',
      link,
      flows: [{ cc: 'brutal', brutal: { rate: '50mbit' } }, { cc: 'cubic', arrivals: { rate: 10, size: '50kb' } }],
    }).summary.fct!;
    expect(withBrutal.fctMs!.p50).toBeGreaterThan(2 * alone.fctMs!.p50);
    expect(withBrutal.slowdown!.p99).toBeGreaterThan(alone.slowdown!.p99);
  });

  it('draws the same connections from the same seed, and others from another', () => {
    const arr = validateScenario({ duration: '10s', link, flows: [{ cc: 'cubic', arrivals: { rate: 50, size: { pareto: { mean: '100kb', shape: 2.5 } } } }] }, 't').resolved.flows[0]!.arrivals!;
    const a = arrivalSchedule(arr, 1, 0, 0, 1000e9);
    expect(arrivalSchedule(arr, 1, 0, 0, 1000e9)).toEqual(a);
    expect(arrivalSchedule(arr, 2, 0, 0, 1000e9)[0]).not.toEqual(a[0]);
    // 50 per second over 1000 s; mean gap 20 ms, mean size 100 KiB
    expect(a.length / 1000).toBeCloseTo(50, 0);
    expect(a.reduce((x, c) => x + c.bytes, 0) / a.length / 102400).toBeCloseTo(1, 1);
  });

  it('is refused with bytes, app or count, and when it would open too many connections', () => {
    const err = (flow: object) => {
      try {
        validateScenario({ duration: '100s', link, flows: [{ cc: 'cubic', ...flow }] }, 't');
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        return (e as Error).message;
      }
      return 'accepted';
    };
    const arrivals = { rate: 10, size: '10kb' };
    expect(err({ arrivals, bytes: '1mb' })).toMatch(/^flows\[0\]\.bytes: a workload \(arrivals\) draws each connection's size itself/);
    expect(err({ arrivals, count: 2 })).toMatch(/^flows\[0\]\.count: a workload \(arrivals\) is one entry/);
    expect(err({ arrivals: { rate: 1000, size: '10kb' } })).toMatch(/^flows\[0\]\.arrivals\.rate: 1000\/s over the flow's life gives about 100000 connections; at most 20000/);
    expect(err({ arrivals: { rate: 10, size: { pareto: { mean: '10kb', shape: 0.9 } } } })).toMatch(/^flows\[0\]\.arrivals\.size\.pareto\.shape: must be above 1/);
    expect(err({ arrivals: { rate: 10, process: 'mmpp', size: '10kb' } })).toMatch(/^flows\[0\]\.arrivals\.process: unknown arrival process "mmpp"; known: poisson/);
  });
});
