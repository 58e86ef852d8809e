/**
 * The latency probe (flent's ping next to the load): what it measures in a
 * full simulation, and how the scenario bounds it.
 */
import { describe, expect, it } from 'vitest';
import { validateScenario } from '../../src/scenario/load.js';
import { InputError } from '../../src/scenario/errors.js';
import { runSimulation } from '../../src/sim/run.js';
import { countedProbes } from '../../src/results/probe.js';

const run = (doc: object) => runSimulation(validateScenario(doc, 't').resolved);
const base = { duration: '10s', probe: { interval: '100ms' }, link: { rate: '50mbit', rtt: '40ms' }, flows: [{ cc: 'cubic', start: '3s' }] };

describe('latency probe', () => {
  it('sees the base RTT on an idle path and the standing queue under a Cubic flow', () => {
    const r = run(base);
    const idle = r.probe!.filter((p) => p.tS < 2.9);
    expect(idle.length).toBe(29);
    for (const p of idle) expect(p.rttMs!).toBeCloseTo(40, 0);
    // under load the drop-tail queue (1 BDP) adds up to 40 ms
    const loaded = r.probe!.filter((p) => p.tS > 4 && p.rttMs !== null).map((p) => p.rttMs!);
    expect(Math.max(...loaded)).toBeGreaterThan(70);
    expect(r.summary.probe!.sent).toBe(100);
    expect(r.summary.probe!.rttMs.p95).toBeGreaterThan(70);
  });

  it('has a queue of its own under fq_codel, as ping does: the round trip stays near the base', () => {
    const r = run({ ...base, link: { ...base.link, qdisc: 'fq_codel' } });
    expect(r.summary.probe!.rttMs.p99).toBeLessThan(42);
  });

  it('counts lost requests, and not the unanswered ones of the last second', () => {
    const r = run({ ...base, link: { ...base.link, loss: '10%', ackLoss: '10%' } });
    const s = r.summary.probe!;
    // each request and its reply each cross a 10% loss: about 19% lost
    expect(s.lost / s.sent).toBeGreaterThan(0.1);
    expect(s.lost / s.sent).toBeLessThan(0.3);
    expect(countedProbes(r.probe!, 0, 10).length).toBe(s.sent);
  });

  it('leaves the warm-up out', () => {
    const s = run({ ...base, warmup: '5s' }).summary.probe!;
    expect(s.sent).toBe(50);
    expect(s.rttMs.min).toBeGreaterThan(41);
  });

  it('refuses probes that cannot run, in one line naming the field', () => {
    const err = (probe: unknown) => {
      try {
        validateScenario({ ...base, probe }, 't');
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        return (e as Error).message;
      }
      return 'accepted';
    };
    expect(err({ interval: '0.5ms' })).toMatch(/^probe\.interval: must be at least 1ms/);
    expect(err({ interval: '10ms', size: 8 })).toMatch(/^probe\.size: must be between 16 and 1400 bytes/);
    expect(err({ interval: '10ms', start: '20s' })).toMatch(/^probe\.start: the probe must start before it stops/);
    expect(err({})).toMatch(/^probe\.interval: missing/);
  });
});
