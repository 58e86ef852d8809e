/**
 * System tests of the simulator core (issue 2): conservation, determinism,
 * utilization, RTO backoff.
 */
import { describe, expect, it } from 'vitest';
import { SINGLE_FLOW, simulateFile, mean } from '../helpers/sim.js';

describe('packet conservation', () => {
  const cases: [string, string[]][] = [
    ['clean path', ['duration=5s']],
    ['random loss 5%', ['duration=5s', 'link.loss=5%']],
    ['Gilbert-Elliott bursts', ['duration=5s', 'link.loss={gemodel: {p: 1%, r: 30%, 1-h: 80%}}']],
    ['ACK loss and jitter', ['duration=5s', 'link.ackLoss=10%', 'link.jitter=5ms', 'link.loss=1%']],
    ['small queue, three flows, one byte-limited', ['duration=6s', 'link.queue=20', 'flows[0].count=2', 'flows[0].bytes=2mb']],
    ['BBR under 5% loss', ['duration=5s', 'flows[0].cc=bbr', 'link.loss=5%']],
    ['Brutal at twice the link rate with 2% loss', ['duration=5s', 'flows[0].cc=brutal', 'flows[0].brutal.rate=100mbit', 'link.loss=2%']],
    ['Cubic stopped mid-run', ['duration=5s', 'flows[0].stop=2500ms', 'link.loss=1%']],
    ['fq-paced Cubic, 2 flows', ['duration=5s', 'flows[0].pacing=fq', 'flows[0].count=2', 'link.queue=30']],
  ];
  for (const [name, sets] of cases) {
    it(`sent = delivered + dropped + in flight, every flow (${name})`, () => {
      const r = simulateFile(SINGLE_FLOW, sets);
      expect(r.summary.conservation).toBeDefined();
      for (const c of r.summary.conservation!) {
        expect(c.sent).toBeGreaterThan(0);
        expect(c.delivered + c.dropped + c.inFlight).toBe(c.sent);
      }
    });
  }
});

describe('determinism and independent random streams', () => {
  it('same scenario and seed give byte-identical summaries', () => {
    const a = simulateFile(SINGLE_FLOW, ['duration=5s', 'link.loss=2%', 'seed=7']);
    const b = simulateFile(SINGLE_FLOW, ['duration=5s', 'link.loss=2%', 'seed=7']);
    expect(JSON.stringify(b.summary)).toBe(JSON.stringify(a.summary));
    expect(JSON.stringify(b.timeseries)).toBe(JSON.stringify(a.timeseries));
  });
  it('another seed changes the loss pattern', () => {
    const a = simulateFile(SINGLE_FLOW, ['duration=5s', 'link.loss=2%', 'seed=7']);
    const b = simulateFile(SINGLE_FLOW, ['duration=5s', 'link.loss=2%', 'seed=8']);
    expect(b.summary.flows[0]!.segsRetrans).not.toBe(a.summary.flows[0]!.segsRetrans);
  });
  it("adding a flow does not change the loss pattern another flow's packets see", () => {
    // record, for flow 0, the sequence of (segment, lost?) decisions at the loss stage
    const pattern = (sets: string[]) => {
      const decisions: number[] = [];
      simulateFile(SINGLE_FLOW, sets, {
        setup(net) {
          const stage = net.dataLoss;
          const lose = stage.lose.bind(stage);
          stage.lose = (flow: number) => {
            const lost = lose(flow);
            if (flow === 0) decisions.push(lost ? 1 : 0);
            return lost;
          };
        },
      });
      return decisions;
    };
    const alone = pattern(['duration=10s', 'link.loss=3%']);
    const shared = pattern(['duration=10s', 'link.loss=3%', 'flows[0].count=2']);
    const n = Math.min(alone.length, shared.length);
    expect(n).toBeGreaterThan(1000);
    // the k-th packet of flow 0 meets the same fate with or without the second flow
    expect(shared.slice(0, n)).toEqual(alone.slice(0, n));
  });
});

describe('Reno on a clean path', () => {
  it('fills a 50 Mbit/s, 50 ms, 1 BDP path to >= 95% after slow start', () => {
    const r = simulateFile(SINGLE_FLOW, ['duration=30s', 'flows[0].cc=reno']);
    const link = r.timeseries.filter((x) => x.flow === 'link' && (x.time_s as number) > 5);
    const util = mean(link.map((x) => x.link_mbps as number)) / 50;
    expect(util).toBeGreaterThanOrEqual(0.95);
  });
});

describe('retransmission timeout', () => {
  it('backs off exponentially while every packet is lost for 2 s, then recovers', () => {
    const r = simulateFile(SINGLE_FLOW, ['duration=15s', 'flows[0].cc=reno'], {
      setup(net) {
        const pass = net.dataLoss.receive.bind(net.dataLoss);
        net.dataLoss.receive = (p) => {
          if (net.sim.now >= 5e9 && net.sim.now < 7e9) {
            net.dataLoss.onDrop!(p); // counted as a random drop, so packet conservation still holds
            net.pool.release(p);
          } else pass(p);
        };
      },
    });
    const rto = r.network.senders[0]!.stats.rtoTimesNs.map((t) => t / 1e6);
    expect(rto.length).toBeGreaterThanOrEqual(3);
    // the first timeout waits at least the 200 ms minimum after the outage starts
    expect(rto[0]! - 5000).toBeGreaterThanOrEqual(200);
    // each wait is twice the previous one (to within one 4 ms jiffy)
    for (let i = 2; i < rto.length; i++) {
      const prev = rto[i - 1]! - rto[i - 2]!;
      const cur = rto[i]! - rto[i - 1]!;
      expect(Math.abs(cur - 2 * prev)).toBeLessThanOrEqual(8);
    }
    // recovery: the flow gets back above 80% of the link within 6 s of the outage ending
    const late = r.timeseries.filter((x) => x.flow === 0 && (x.time_s as number) >= 13);
    expect(mean(late.map((x) => x.goodput_mbps as number))).toBeGreaterThan(0.8 * 47.8);
  });
});
