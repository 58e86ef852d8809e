/**
 * The warm-up (`warmup`, as iperf3 -O): the first seconds of a run are left
 * out of every metric, so a study of steady-state behaviour is not biased by
 * slow start (which BBR and Cubic pay, and Brutal does not).
 */
import { describe, expect, it } from 'vitest';
import { validateScenario } from '../../src/scenario/load.js';
import { InputError } from '../../src/scenario/errors.js';
import { runSimulation } from '../../src/sim/run.js';

const bbr100ms = (warmup: string) => ({
  duration: '10s',
  warmup,
  link: { rate: '50mbit', rtt: '100ms' },
  flows: [{ cc: 'bbr' }],
});
const run = (doc: object) => runSimulation(validateScenario(doc, 't').resolved);

describe('warm-up', () => {
  it("leaves BBR's start-up out: goodput and utilisation after a 3 s warm-up are the steady state's", () => {
    const all = run(bbr100ms('0s')).summary;
    const warm = run(bbr100ms('3s')).summary;
    expect(warm.warmupS).toBe(3);
    expect(all.warmupS).toBeUndefined();
    // start-up at 100 ms costs BBR several percent over 10 s; after it, BBR holds the link
    expect(warm.flows[0]!.goodputMbps).toBeGreaterThan(all.flows[0]!.goodputMbps + 1);
    expect(warm.link.utilization).toBeGreaterThan(0.98);
    // start-up's queue overshoot and its drops are left out too
    expect(warm.link.drops.queue).toBeLessThan(all.link.drops.queue);
    expect(warm.flows[0]!.rttMs.p95).toBeLessThan(all.flows[0]!.rttMs.p95);
  });

  it('counts exactly the bytes delivered after the warm-up, over the time after it', () => {
    const r = run(bbr100ms('3s'));
    const f = r.summary.flows[0]!;
    // the time series' per-interval goodput after 3 s adds up to the same bytes
    const bits = r.timeseries.filter((x) => x.flow === 0 && Number(x.time_s) > 3).reduce((a, x) => a + Number(x.goodput_mbps) * 1e6 * 0.1, 0);
    expect(f.bytesDelivered).toBeCloseTo(bits / 8, -4);
    expect(f.goodputMbps).toBeCloseTo((f.bytesDelivered * 8) / 7 / 1e6, 4);
    // and the same run without a warm-up delivered more bytes in all
    expect(run(bbr100ms('0s')).summary.flows[0]!.bytesDelivered).toBeGreaterThan(f.bytesDelivered);
  });

  it('measures a flow that starts after the warm-up over its own life, and marks one that ended within it', () => {
    const r = run({
      duration: '6s',
      warmup: '2s',
      link: { rate: '50mbit', rtt: '20ms' },
      flows: [{ cc: 'cubic' }, { cc: 'cubic', bytes: '50kb' }, { cc: 'cubic', start: '3s', bytes: '50kb' }],
    }).summary;
    const [bulk, early, late] = r.flows;
    expect(early!.inWarmup).toBe(true);
    expect(early!.goodputMbps).toBe(0);
    expect(bulk!.inWarmup).toBeUndefined();
    expect(late!.inWarmup).toBeUndefined();
    expect(late!.bytesDelivered).toBe(50 * 1024);
    // the aggregates leave the flow in the warm-up out
    expect(r.aggregate.goodputMbps).toBeCloseTo(bulk!.goodputMbps + late!.goodputMbps, 5);
    // and so do the completion times: only the short flow after the warm-up counts
    expect(r.fct!.flows).toBe(1);
    expect(r.fct!.fctMs!.p50).toBeCloseTo(late!.completionS! * 1000, 3);
  });

  it('refuses a warm-up that leaves nothing to measure, in one line naming the field', () => {
    const err = (doc: object) => {
      try {
        validateScenario(doc, 't');
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        return (e as Error).message;
      }
      return 'accepted';
    };
    expect(err({ ...bbr100ms('10s') })).toMatch(/^warmup: 10s leaves nothing to measure of a 10s run/);
    expect(err({ ...bbr100ms('2s'), flows: [{ cc: 'bbr', stop: '1s' }] })).toMatch(/^flows\[0\]\.stop: 1s ends the flow within the warm-up/);
    expect(err({ ...bbr100ms('-1s') })).toMatch(/^warmup: /);
  });
});
