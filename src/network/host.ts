/**
 * Host timing noise.
 *
 * Real hosts do not put packets on the wire at the instant the stack decides
 * to send them: softirq scheduling, timer slack and NIC queues add a small,
 * variable delay. A simulator without it has perfectly periodic timing, and
 * can suffer the "phase effect" (Floyd & Jacobson, 1992): a flow whose sends
 * are clocked by ACKs hits a full drop-tail queue at exactly the same point
 * of the bottleneck's transmission cycle every time, and loses the same
 * retransmission again and again.
 *
 * cclab adds this noise where it costs no extra events: each ACK leaves the
 * receiving host a uniform random time in [0, jitter) late, never before the
 * ACK sent ahead of it. Randomising the ACK clock randomises the phase of
 * everything the sender does in response.
 *
 * A measured host can be described instead by the quantiles of its ACK
 * lateness (`link.ackJitter`, e.g. from kernel/measure-ack-noise.mjs): the
 * lateness is then drawn from that distribution (linear between the given
 * quantiles, from 0 at 0%). Its tail matters: BBR's bandwidth filter keeps
 * the highest delivery rate of ten round trips, and an ACK held back a few
 * hundred microseconds makes the samples after it too high.
 */
import type { Simulator } from '../engine/sim.js';
import { Rng } from '../engine/rng.js';

/** Inverse of a piecewise-linear CDF through (0, 0) and the (quantile, ns) points, at u in [0, 1). */
export function quantileLateness(points: readonly (readonly [number, number])[], u: number): number {
  let p0 = 0;
  let v0 = 0;
  for (const [p, v] of points) {
    if (u < p) return Math.floor(v0 + ((u - p0) / (p - p0)) * (v - v0));
    p0 = p;
    v0 = v;
  }
  return Math.floor(v0);
}

export class HostJitter {
  private lastExit = 0;
  private readonly rngs: Rng[] = [];

  constructor(
    private readonly sim: Simulator,
    private readonly jitterNs: number,
    private readonly seed: number,
    private readonly stream: string,
    /** Measured lateness quantiles (quantile, ns); when given, they replace the uniform jitter. */
    private readonly quantiles: readonly (readonly [number, number])[] | null = null,
  ) {}

  /** When a packet of `flow` handed to the host now actually leaves it (ns). */
  exitTime(flow: number): number {
    const now = this.sim.now;
    if (this.jitterNs <= 0 && this.quantiles === null) return now;
    let r = this.rngs[flow];
    if (r === undefined) {
      r = new Rng(this.seed, `${this.stream}/flow${flow}`);
      this.rngs[flow] = r;
    }
    const u = r.next();
    let t = now + (this.quantiles === null ? Math.floor(u * this.jitterNs) : quantileLateness(this.quantiles, u));
    if (t < this.lastExit) t = this.lastExit;
    this.lastExit = t;
    return t;
  }
}
