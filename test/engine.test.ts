import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Simulator } from '../src/engine/sim.js';
import { DelayLine } from '../src/engine/pipe.js';
import { Rng } from '../src/engine/rng.js';

describe('event core', () => {
  it('runs events in time order, simultaneous ones in scheduling order', () => {
    const sim = new Simulator();
    const log: string[] = [];
    const mk = (name: string) => sim.timer(() => log.push(`${sim.now}:${name}`));
    mk('c').at(20);
    mk('a').at(10);
    mk('b1').at(15);
    mk('b2').at(15);
    mk('b3').at(15);
    sim.run();
    expect(log).toEqual(['10:a', '15:b1', '15:b2', '15:b3', '20:c']);
  });

  it('cancels, moves earlier and pushes later', () => {
    const sim = new Simulator();
    const log: string[] = [];
    const a = sim.timer(() => log.push(`${sim.now}:a`));
    const b = sim.timer(() => log.push(`${sim.now}:b`));
    const c = sim.timer(() => log.push(`${sim.now}:c`));
    a.at(100);
    b.at(50);
    c.at(70);
    b.cancel();
    a.at(30); // earlier
    c.at(200); // later, pending
    c.at(150); // later than first position, earlier than the last deadline
    sim.run();
    expect(log).toEqual(['30:a', '150:c']);
    expect(sim.events).toBe(2);
  });

  it('a timer can re-arm itself and run(until) stops the clock at until', () => {
    const sim = new Simulator();
    let n = 0;
    const t = sim.timer(() => {
      n++;
      t.after(10);
    });
    t.at(0);
    sim.run(95);
    expect(n).toBe(10); // 0, 10, ..., 90
    expect(sim.now).toBe(95);
    expect(t.pending).toBe(true);
  });

  it('refuses to schedule in the past', () => {
    const sim = new Simulator();
    sim.timer(() => undefined).at(10);
    sim.run();
    expect(() => sim.timer(() => undefined).at(5)).toThrow(/past/);
  });

  it('matches a naive sorted agenda for any sequence of schedules, moves and cancels', () => {
    const op = fc.record({ timer: fc.nat(7), at: fc.nat(1000), cancel: fc.boolean() });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const sim = new Simulator();
        const fired: number[] = [];
        const timers = Array.from({ length: 8 }, (_, i) => sim.timer(() => fired.push(i * 10000 + sim.now)));
        // reference: last instruction per timer wins
        const ref = new Map<number, { at: number; order: number }>();
        ops.forEach((o, k) => {
          if (o.cancel) {
            timers[o.timer]!.cancel();
            ref.delete(o.timer);
          } else {
            timers[o.timer]!.at(o.at);
            ref.set(o.timer, { at: o.at, order: k });
          }
        });
        sim.run();
        const expected = [...ref.entries()].map(([i, v]) => ({ i, ...v }));
        expected.sort((x, y) => x.at - y.at);
        // same set of (timer, time) pairs, in non-decreasing time
        expect(fired.map((f) => [Math.floor(f / 10000), f % 10000]).sort()).toEqual(expected.map((e) => [e.i, e.at]).sort());
        const times = fired.map((f) => f % 10000);
        for (let k = 1; k < times.length; k++) expect(times[k]!).toBeGreaterThanOrEqual(times[k - 1]!);
      }),
    );
  });
});

describe('delay lines', () => {
  it('deliver in FIFO order at their times with one timer', () => {
    const sim = new Simulator();
    const out: [number, number][] = [];
    const line = new DelayLine<number>(sim, (x) => out.push([sim.now, x]), 2);
    for (let i = 0; i < 100; i++) line.push(i, 1000 + i * 3);
    expect(sim.pendingCount).toBe(1);
    sim.run();
    expect(out).toEqual(Array.from({ length: 100 }, (_, i) => [1000 + i * 3, i]));
  });
  it('reorder items whose times are out of order, as netem does with jitter', () => {
    const sim = new Simulator();
    const out: number[] = [];
    const line = new DelayLine<number>(sim, (x) => out.push(x));
    line.push(1, 50);
    line.push(2, 20);
    line.push(3, 50);
    line.push(4, 10);
    sim.run();
    expect(out).toEqual([4, 2, 1, 3]);
  });
});

describe('random streams', () => {
  it('depend only on seed and name', () => {
    const a = new Rng(1, 'loss/flow0');
    const b = new Rng(1, 'loss/flow0');
    const c = new Rng(1, 'loss/flow1');
    const d = new Rng(2, 'loss/flow0');
    const xa = Array.from({ length: 5 }, () => a.nextU32());
    expect(Array.from({ length: 5 }, () => b.nextU32())).toEqual(xa);
    expect(Array.from({ length: 5 }, () => c.nextU32())).not.toEqual(xa);
    expect(Array.from({ length: 5 }, () => d.nextU32())).not.toEqual(xa);
  });
  it('are uniform enough for loss decisions (1% loss within 0.1% over 1e6 draws)', () => {
    const r = new Rng(42, 'x');
    let n = 0;
    const thr = 0.01 * 2 ** 32;
    for (let i = 0; i < 1e6; i++) if (r.nextU32() < thr) n++;
    expect(Math.abs(n / 1e6 - 0.01)).toBeLessThan(0.001);
  });
});
