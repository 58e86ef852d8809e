/**
 * Applications other than a bulk writer: a flow limited by its application's
 * rate, and on/off flows (ns-3's OnOffApplication), in full simulations.
 */
import { describe, expect, it } from 'vitest';
import { validateScenario } from '../../src/scenario/load.js';
import { InputError } from '../../src/scenario/errors.js';
import { runSimulation } from '../../src/sim/run.js';
import { onPeriods } from '../../src/traffic/schedule.js';

const run = (doc: object, hooks = {}) => runSimulation(validateScenario(doc, 't').resolved, hooks);
const link = { rate: '50mbit', rtt: '40ms' };

describe('an application-limited flow', () => {
  it('gets about its rate next to a bulk Cubic flow, which takes the rest of the link', () => {
    const r = run({ duration: '20s', warmup: '2s', link, flows: [{ cc: 'cubic' }, { cc: 'cubic', app: { rate: '10mbit' } }] }).summary;
    const [bulk, app] = r.flows;
    // never above its rate; a little below when Cubic's losses cut its window and the backlog waits
    expect(app!.goodputMbps).toBeGreaterThan(9.3);
    expect(app!.goodputMbps).toBeLessThanOrEqual(10.05);
    // 50 Mbit/s x 1448/1514 on the wire, less the app flow's 10
    expect(bulk!.goodputMbps).toBeGreaterThan(47.82 - 10 - 1.5);
  });

  it('is marked application-limited, as tcp_sendmsg does, so its rate samples do not understate the path', () => {
    let marked = 0;
    let writes = 0;
    run({ duration: '5s', link, flows: [{ cc: 'bbr', app: { rate: '5mbit' } }] }, {
      setup(net: { senders: { appWrite(n: number): void; appLimited: number }[] }) {
        const s = net.senders[0]!;
        const write = s.appWrite.bind(s);
        s.appWrite = (n: number) => {
          write(n);
          writes++;
          if (s.appLimited !== 0) marked++;
        };
      },
    });
    // 5 Mbit/s of 1448-byte writes for 5 s
    expect(writes).toBeGreaterThan(2100);
    expect(marked / writes).toBeGreaterThan(0.9);
  });
});

describe('an on/off flow', () => {
  const doc = { duration: '30s', seed: 7, link, flows: [{ cc: 'cubic', app: { on: { exp: '2s' }, off: { exp: '2s' } } }] };

  it('sends during its on periods and nothing during its off periods, on the schedule its seed gives', () => {
    const r = run(doc);
    const periods = onPeriods(validateScenario(doc, 't').resolved.flows[0]!.app, 7, 0, 0, 30e9);
    expect(periods.length).toBeGreaterThan(4);
    const rows = r.timeseries.filter((x) => x.flow === 0);
    const sample = (t: number) => rows.find((x) => Math.abs(Number(x.time_s) - t) < 1e-9)!;
    let offChecked = 0;
    let onChecked = 0;
    for (let i = 0; i < periods.length; i++) {
      const [a, b] = periods[i]!.map((ns) => ns / 1e9) as [number, number];
      const nextStart = i + 1 < periods.length ? periods[i + 1]![0] / 1e9 : 30;
      // off: from one RTT-plus-queue after the period's end to the next start, nothing arrives
      for (let t = Math.ceil((b + 0.2) * 10) / 10 + 0.1; t <= nextStart - 0.001; t += 0.1) {
        expect(Number(sample(t).goodput_mbps), `off at ${t.toFixed(1)} s`).toBe(0);
        offChecked++;
      }
      // on: from 1 s into the period (past slow start) to its end, the flow carries data
      for (let t = Math.ceil((a + 1) * 10) / 10 + 0.1; t <= b - 0.001; t += 0.1) {
        expect(Number(sample(t).goodput_mbps), `on at ${t.toFixed(1)} s`).toBeGreaterThan(5);
        onChecked++;
      }
    }
    expect(offChecked).toBeGreaterThan(20);
    expect(onChecked).toBeGreaterThan(20);
  });

  it('draws its periods from their distributions, deterministically from the seed', () => {
    const app = validateScenario(doc, 't').resolved.flows[0]!.app!;
    const p = onPeriods(app, 7, 0, 0, 20_000e9);
    expect(onPeriods(app, 7, 0, 0, 20_000e9)).toEqual(p);
    expect(onPeriods(app, 8, 0, 0, 20_000e9)).not.toEqual(p);
    const on = p.map(([a, b]) => b - a);
    const off = p.slice(1).map(([a], i) => a - p[i]![1]);
    const mean = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length / 1e9;
    // ~5000 periods of each: their means within 5% of 2 s
    expect(mean(on)).toBeCloseTo(2, 0);
    expect(Math.abs(mean(on) - 2)).toBeLessThan(0.1);
    expect(Math.abs(mean(off) - 2)).toBeLessThan(0.1);
  });
});

describe('app: errors', () => {
  const err = (app: unknown) => {
    try {
      validateScenario({ duration: '10s', link, flows: [{ cc: 'cubic', app }] }, 't');
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      return (e as Error).message;
    }
    return 'accepted';
  };
  it('names the field and what is allowed, in one line', () => {
    expect(err({})).toMatch(/^flows\[0\]\.app: give a rate/);
    expect(err({ on: '1s' })).toMatch(/^flows\[0\]\.app\.off: give both on and off/);
    expect(err({ rate: '0mbit' })).toMatch(/^flows\[0\]\.app\.rate: /);
    expect(err({ on: { pareto: { mean: '1s', shape: 1 } }, off: '1s' })).toMatch(/^flows\[0\]\.app\.on\.pareto\.shape: must be above 1/);
    expect(err({ on: { gauss: '1s' }, off: '1s' })).toMatch(/^flows\[0\]\.app\.on: unknown distribution "gauss"/);
    expect(err({ on: '1us', off: '1us' })).toMatch(/^flows\[0\]\.app: about \d+ on\/off periods/);
    expect(err({ rate: '10mbit', burst: 3 })).toMatch(/^flows\[0\]\.app: unknown field "burst"/);
    for (const e of [err({}), err({ on: '1s' })]) expect(e).not.toContain('\n');
  });
});
