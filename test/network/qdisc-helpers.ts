/**
 * Helpers for queue-discipline unit tests: hand-built packets and hooks
 * that record what a qdisc drops and marks.
 */
import { Simulator } from '../../src/engine/sim.js';
import { Rng } from '../../src/engine/rng.js';
import { ECN, PacketPool, type EcnCodepoint, type Packet } from '../../src/network/packet.js';
import type { QdiscEnv, QdiscHooks } from '../../src/network/qdisc/qdisc.js';

export const pool = new PacketPool();

/** A full-size data packet (1448 payload, 1514 on the wire) of `flow`, stamped as enqueued at `enqueueNs`. */
export function pkt(flow: number, seg: number, enqueueNs = 0, ecn: EcnCodepoint = ECN.NOT_ECT, payload = 1448): Packet {
  const p = pool.data(flow, seg, payload, 0, 0);
  p.enqueueNs = enqueueNs;
  p.ecn = ecn;
  return p;
}

export interface Recorder extends QdiscHooks {
  dropped: Packet[];
  marked: Packet[];
  /** Simulated time of each drop / mark, when a clock is given. */
  dropTimes: number[];
  markTimes: number[];
}

export function recorder(clock: () => number = () => 0): Recorder {
  const r: Recorder = {
    dropped: [],
    marked: [],
    dropTimes: [],
    markTimes: [],
    drop(p) {
      r.dropped.push(p);
      r.dropTimes.push(clock());
    },
    mark(p) {
      r.marked.push(p);
      r.markTimes.push(clock());
    },
  };
  return r;
}

export function env(hooks: QdiscHooks, sim = new Simulator(), seed = 1): QdiscEnv {
  return { sim, rng: (name) => new Rng(seed, `qdisc/${name}`), hooks };
}

/** An Rng stand-in that returns the given u32 values in turn (then repeats the last). */
export function fixedRng(values: number[]): Rng {
  let i = 0;
  return { nextU32: () => values[Math.min(i++, values.length - 1)]!, next: () => 0, below: () => 0 } as unknown as Rng;
}
