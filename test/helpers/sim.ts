/**
 * Helpers for system tests: run a scenario file with overrides in-process.
 */
import type { Packet } from '../../src/network/packet.js';
import { loadScenario } from '../../src/scenario/load.js';
import { runSimulation, type SimHooks, type SimResult } from '../../src/sim/run.js';

export function simulateFile(file: string, sets: string[] = [], hooks: SimHooks = {}): SimResult {
  const l = loadScenario(file, sets);
  return runSimulation(l.resolved, hooks);
}

/** Mean of a list of numbers. */
export function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

export const SINGLE_FLOW = 'scenarios/single-flow.yaml';

/** Data segments flow 0 handed to the network at one instant: one skb or several. */
export interface SendBurst {
  /** PSH flag of each segment, in order. */
  psh: boolean[];
  /** The sender's tcp_tso_segs() when the burst left. */
  tso: number;
  /** Whether any segment of the burst was a retransmission. */
  rtx: boolean;
}

/** Run a single-flow scenario and group the sender's data segments by the instant they leave, after `fromS`. */
export function sendBursts(sets: string[], fromS: number): SendBurst[] {
  const bursts: (SendBurst & { t: number })[] = [];
  const sent = new Set<number>();
  simulateFile(SINGLE_FLOW, sets, {
    setup(net) {
      const access = net.access;
      const receive = access.receive.bind(access);
      access.receive = (p: Packet) => {
        if (!p.isAck && net.sim.now >= fromS * 1e9) {
          const rtx = sent.has(p.seg);
          const last = bursts[bursts.length - 1];
          if (last && last.t === net.sim.now) {
            last.psh.push(p.psh);
            last.rtx ||= rtx;
          } else bursts.push({ t: net.sim.now, psh: [p.psh], rtx, tso: net.senders[0]!.tsoSegs() });
        }
        if (!p.isAck) sent.add(p.seg);
        receive(p);
      };
    },
  });
  return bursts;
}
