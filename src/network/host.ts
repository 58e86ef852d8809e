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
 */
import type { Simulator } from '../engine/sim.js';
import { Rng } from '../engine/rng.js';

export class HostJitter {
  private lastExit = 0;
  private readonly rngs: Rng[] = [];

  constructor(
    private readonly sim: Simulator,
    private readonly jitterNs: number,
    private readonly seed: number,
    private readonly stream: string,
  ) {}

  /** When a packet of `flow` handed to the host now actually leaves it (ns). */
  exitTime(flow: number): number {
    const now = this.sim.now;
    if (this.jitterNs <= 0) return now;
    let r = this.rngs[flow];
    if (r === undefined) {
      r = new Rng(this.seed, `${this.stream}/flow${flow}`);
      this.rngs[flow] = r;
    }
    let t = now + Math.floor(r.next() * this.jitterNs);
    if (t < this.lastExit) t = this.lastExit;
    this.lastExit = t;
    return t;
  }
}
