/**
 * Brutal in full simulations (scenarios/single-flow.yaml: 50 Mbit/s, 50 ms,
 * 1 BDP drop-tail buffer), and against Cubic on one bottleneck. Random loss
 * results are the mean of three seeds.
 */
import { describe, expect, it } from 'vitest';
import { mean, SINGLE_FLOW, simulateFile } from '../helpers/sim.js';

const RATE_MBIT = 30;
const SEEDS = [1, 2, 3];
const brutal30 = ['flows[0].cc=brutal', `flows[0].brutal.rate=${RATE_MBIT}mbit`, 'flows[0].brutal.cwndGain=20', 'duration=20s'];

function meanGoodput(loss: string): number {
  const seeds = loss === '0%' ? [1] : SEEDS; // no randomness without loss
  return mean(seeds.map((seed) => simulateFile(SINGLE_FLOW, [...brutal30, `link.loss=${loss}`, `seed=${seed}`]).summary.flows[0]!.goodputMbps));
}

describe('Brutal holds its rate under random loss', () => {
  for (const loss of ['0%', '1%', '5%', '10%', '20%']) {
    it(`30 Mbit/s at ${loss} loss: goodput >= 90% of the rate`, () => {
      expect(meanGoodput(loss)).toBeGreaterThanOrEqual(0.9 * RATE_MBIT);
    });
  }
  it('30 Mbit/s at 30% loss: the 80% floor caps compensation, goodput <= 1.1 x rate x 0.7 / 0.8', () => {
    const g = meanGoodput('30%');
    expect(g).toBeLessThanOrEqual((1.1 * RATE_MBIT * 0.7) / 0.8);
    // and the capped compensation does work: >= 90% of rate x 1.25 x (1 - 0.3) = 26.25 Mbit/s
    expect(g).toBeGreaterThanOrEqual((0.9 * RATE_MBIT * 0.7) / 0.8);
  });
});

describe('Brutal above the bottleneck rate', () => {
  it('at twice the link rate: retransRatio >= 0.4, pacing at 1.25 x the set rate once the window is full of losses', () => {
    const r = simulateFile(SINGLE_FLOW, ['flows[0].cc=brutal', 'flows[0].brutal.rate=100mbit', 'duration=5s']);
    const f = r.summary.flows[0]!;
    expect(f.retransRatio).toBeGreaterThanOrEqual(0.4);
    // queue overflow drops ~60% of what it sends: ack rate at the 80% floor after the first
    // 50 samples, so the pacing rate is 100 Mbit/s * 100/80 = 125 Mbit/s from then on
    const pacing = r.timeseries.filter((x) => x.flow === 0 && (x.time_s as number) >= 1).map((x) => x.pacing_mbps as number);
    expect(pacing.length).toBeGreaterThan(35);
    for (const p of pacing) expect(p).toBe(125);
    const info = r.network.senders[0]!.ca.info!();
    expect(info.ackRate).toBe(80);
    expect(info.pacingRateBytesPerSec).toBe(15_625_000);
    expect(r.summary.link.drops.queue).toBeGreaterThan(0.4 * f.segsSent);
  });
});

describe('Brutal against Cubic', () => {
  it('Brutal at the link rate takes >= 80% of a 50 Mbit/s bottleneck; Cubic starves', () => {
    const r = simulateFile('scenarios/brutal-vs-cubic.yaml', ['duration=20s']);
    const [brutal, cubic] = r.summary.flows;
    expect(brutal!.cc).toBe('brutal');
    expect(cubic!.cc).toBe('cubic');
    expect(brutal!.goodputMbps).toBeGreaterThanOrEqual(0.8 * 50);
    expect(cubic!.goodputMbps).toBeLessThan(0.1 * 50);
  });
});
