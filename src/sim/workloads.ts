/**
 * Short-flow workloads in the simulated network (scenario `arrivals`): each
 * connection a sender and receiver of its own, made when it arrives, on the
 * single link (topology.ts) or a chain (chain.ts), which wire it in.
 */
import type { Simulator } from '../engine/sim.js';
import type { PacketPool } from '../network/packet.js';
import { LogHistogram } from '../network/histogram.js';
import { TcpReceiver } from '../tcp/receiver.js';
import { TcpSender } from '../tcp/sender.js';
import { ccSpec, createCc } from '../cc/index.js';
import type { Arrival } from '../traffic/schedule.js';
import type { ResolvedScenario } from '../scenario/resolve.js';
import type { Connection, Workload } from './topology.js';

/** A workload connection's scoreboard and receive rings to start with (they grow as needed). */
export const CONNECTION_RING = 64;

/**
 * A network's workloads (flows with `arrivals`): per flow its connections,
 * each a sender and receiver of its own made when it arrives, with ids from
 * `firstId` on; `wire` connects them to the network (where their packets go,
 * which sinks deliver to them). Flows without a schedule get null.
 */
export function scheduleWorkloads(
  sim: Simulator,
  pool: PacketPool,
  s: ResolvedScenario,
  schedules: readonly (readonly Arrival[] | null)[],
  firstId: number,
  timerSlackNsOf: (f: ResolvedScenario['flows'][number]) => number,
  wire: (f: ResolvedScenario['flows'][number], id: number, sender: TcpSender, receiver: TcpReceiver) => void,
): (Workload | null)[] {
  let nextId = firstId;
  return s.flows.map((f, i) => {
    const schedule = schedules[i];
    if (!schedule) return null;
    const w: Workload = { conns: [], rttUs: new LogHistogram() };
    for (const arrival of schedule) {
      const c: Connection = { id: nextId++, arrival, sender: null, receiver: null };
      w.conns.push(c);
      sim.timer(() => {
        const sender = new TcpSender(sim, pool, createCc(f), {
          flow: c.id,
          mss: f.mss,
          bytes: arrival.bytes,
          startNs: arrival.startNs,
          stopNs: f.stopNs,
          fqPacing: f.pacing === 'fq',
          timerSlackNs: timerSlackNsOf(f),
          ecn: f.ecn === true,
          seed: s.seed,
          rttHistogram: w.rttUs,
          scoreboardCapacity: CONNECTION_RING,
        });
        const receiver = new TcpReceiver(sim, pool, c.id, f.mss, f.rwndBytes, CONNECTION_RING);
        if (ccSpec(f.cc)?.ecn === 'required') receiver.ca = createCc(f);
        c.sender = sender;
        c.receiver = receiver;
        wire(f, c.id, sender, receiver);
      }).at(arrival.startNs);
    }
    return w;
  });
}
