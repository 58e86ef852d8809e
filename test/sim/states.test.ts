/**
 * Congestion states and CC modes in the results: the ca_state and cc_mode
 * columns of timeseries.csv and the transition log (transitions.csv).
 */
import { describe, expect, it } from 'vitest';
import type { SimResult } from '../../src/sim/run.js';
import { SINGLE_FLOW, simulateFile } from '../helpers/sim.js';

/** The log is complete: each change starts from the state the previous one ended in, and every sample shows the state the log says the flow was in. */
function expectConsistent(r: SimResult, kind: 'ca_state' | 'cc_mode', initial: string): void {
  const log = r.transitions.filter((t) => t.kind === kind && t.flow === 0);
  for (let i = 1; i < log.length; i++) {
    expect(log[i]!.from).toBe(log[i - 1]!.to);
    expect(log[i]!.time_s).toBeGreaterThanOrEqual(log[i - 1]!.time_s);
  }
  if (log.length > 0) expect(log[0]!.from).toBe(initial);
  let k = 0;
  let state = initial;
  for (const row of r.timeseries.filter((x) => x.flow === 0)) {
    while (k < log.length && log[k]!.time_s <= (row.time_s as number)) state = log[k++]!.to;
    expect(row[kind]).toBe(state);
  }
}

describe('congestion states in the results', () => {
  it('a lossy Cubic flow goes Open -> Disorder/Recovery -> Open, logged at every change and sampled in ca_state', () => {
    const r = simulateFile(SINGLE_FLOW, ['duration=5s', 'link.loss=1%']);
    const kinds = new Set(r.transitions.filter((t) => t.kind === 'ca_state').map((t) => `${t.from}>${t.to}`));
    expect(kinds.has('Open>Recovery') || kinds.has('Disorder>Recovery')).toBe(true);
    expect(kinds.has('Recovery>Open')).toBe(true);
    expect(r.timeseries.filter((x) => x.flow === 0).some((x) => x.ca_state === 'Recovery')).toBe(true);
    expectConsistent(r, 'ca_state', 'Open');
    // Cubic has no modes: the column is empty
    expect(r.timeseries.filter((x) => x.flow === 0).every((x) => x.cc_mode === '')).toBe(true);
    expect(r.transitions.some((t) => t.kind === 'cc_mode')).toBe(false);
  });

  it('an outage puts the flow in Loss after its RTO', () => {
    const r = simulateFile(SINGLE_FLOW, ['duration=4s', 'flows[0].cc=reno'], {
      setup(net) {
        const pass = net.dataLoss.receive.bind(net.dataLoss);
        net.dataLoss.receive = (p) => {
          if (net.sim.now >= 2e9 && net.sim.now < 2.5e9) {
            net.dataLoss.onDrop!(p);
            net.pool.release(p);
          } else pass(p);
        };
      },
    });
    const loss = r.transitions.filter((t) => t.kind === 'ca_state' && t.to === 'Loss');
    expect(loss.length).toBeGreaterThanOrEqual(1);
    // the first RTO time is when the flow entered Loss
    expect(loss[0]!.time_s).toBe(Math.round(r.network.senders[0]!.stats.rtoTimesNs[0]! / 1e3) / 1e6);
    expectConsistent(r, 'ca_state', 'Open');
  });

  it("BBR's modes: STARTUP, DRAIN, PROBE_BW, and PROBE_RTT every 10 s, in cc_mode and the log", () => {
    const r = simulateFile(SINGLE_FLOW, ['duration=12s', 'flows[0].cc=bbr']);
    const modes = r.transitions.filter((t) => t.kind === 'cc_mode').map((t) => `${t.from}>${t.to}`);
    expect(modes.slice(0, 4)).toEqual(['STARTUP>DRAIN', 'DRAIN>PROBE_BW', 'PROBE_BW>PROBE_RTT', 'PROBE_RTT>PROBE_BW']);
    const probeRtt = r.transitions.find((t) => t.to === 'PROBE_RTT')!;
    expect(probeRtt.time_s).toBeGreaterThan(10);
    expect(probeRtt.time_s).toBeLessThan(11);
    const rows = r.timeseries.filter((x) => x.flow === 0);
    expect(rows[0]!.cc_mode).toBe('STARTUP');
    expectConsistent(r, 'cc_mode', 'STARTUP');
    expectConsistent(r, 'ca_state', 'Open');
  });
});
