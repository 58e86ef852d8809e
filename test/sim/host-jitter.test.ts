/**
 * The receiving host's ACK timing (network/host.ts): the default uniform
 * jitter and a measured distribution given as quantiles (link.ackJitter).
 */
import { describe, expect, it } from 'vitest';
import { Simulator } from '../../src/engine/sim.js';
import { HostJitter, quantileLateness } from '../../src/network/host.js';
import { loadScenario } from '../../src/scenario/load.js';

const MEASURED: [number, number][] = [
  [0.5, 0],
  [0.9, 8_000],
  [0.99, 145_000],
  [0.999, 2_400_000],
  [1, 2_400_000],
];

/** Lateness of `n` ACKs handed to the host at times far apart (so that order never holds one back), ns. */
function latenesses(h: HostJitter, sim: Simulator, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    sim.timer(() => out.push(h.exitTime(0) - sim.now)).at(i * 10_000_000);
  }
  sim.run(n * 10_000_000);
  return out.sort((a, b) => a - b);
}

describe('ACK lateness of the receiving host', () => {
  it('quantileLateness interpolates linearly between the quantiles, from 0 at 0%', () => {
    expect(quantileLateness(MEASURED, 0)).toBe(0);
    expect(quantileLateness(MEASURED, 0.49)).toBe(0);
    expect(quantileLateness(MEASURED, 0.7)).toBeCloseTo(4_000, -1);
    expect(quantileLateness(MEASURED, 0.9)).toBe(8_000);
    expect(quantileLateness(MEASURED, 0.945)).toBeCloseTo(76_500, -1);
    expect(quantileLateness(MEASURED, 0.9999)).toBe(2_400_000);
  });

  it('draws from the measured quantiles: 100,000 ACKs reproduce them', () => {
    const sim = new Simulator();
    const l = latenesses(new HostJitter(sim, 20_000, 1, 'test', MEASURED), sim, 100_000);
    // the share of ACKs at most a quantile's time late is that quantile (binomial sd 0.001 at 90%)
    const share = (ns: number) => l.filter((x) => x <= ns).length / l.length;
    expect(Math.abs(share(0) - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(share(8_000) - 0.9)).toBeLessThan(0.004);
    expect(Math.abs(share(145_000) - 0.99)).toBeLessThan(0.0015);
    expect(l[l.length - 1]).toBeLessThanOrEqual(2_400_000);
    expect(l[l.length - 1]).toBeGreaterThan(1_000_000);
  });

  it('without quantiles, is uniform in [0, hostJitter)', () => {
    const sim = new Simulator();
    const l = latenesses(new HostJitter(sim, 20_000, 1, 'test'), sim, 20_000);
    expect(l[0]).toBeGreaterThanOrEqual(0);
    expect(l[l.length - 1]).toBeLessThan(20_000);
    expect(Math.abs(l[Math.floor(l.length / 2)]! - 10_000)).toBeLessThan(500);
  });

  it('a scenario gives the quantiles as percent: time, in any order', () => {
    const { resolved } = loadScenario('scenarios/single-flow.yaml', ['link.ackJitter={"99%": 145us, "50%": 0us, "100%": 2.4ms}']);
    expect(resolved.link.ackJitter).toEqual([
      [0.5, 0],
      [0.99, 145_000],
      [1, 2_400_000],
    ]);
    expect(loadScenario('scenarios/single-flow.yaml').resolved.link.ackJitter).toBeUndefined();
  });
});
