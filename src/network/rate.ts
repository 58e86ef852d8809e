/**
 * Rate sources: when a link can send its next packet, and how long it takes.
 *
 * The bottleneck (bottleneck.ts) asks its rate source two things each time
 * its serializer is free:
 *   - nextOpportunity(now): the earliest time the next packet can begin
 *     service. A constant-rate link can send as soon as the previous packet's
 *     last bit has left; a trace-driven link (mahimahi's delivery
 *     opportunities) only at the next opportunity of its trace, which may lie
 *     in the future: the bottleneck then waits, and the queue discipline
 *     dequeues at that time, so the sojourn time an AQM sees includes the wait.
 *   - serve(start, bytes): the packet begins service at `start`; the source
 *     returns the exact (fractional) time its last bit has left and updates its
 *     own state (a trace's position, a byte credit).
 * Calls come in service order, one serve() per packet.
 */

export interface RateSource {
  /** Long-run capacity in bits per second (utilisation, BDP); a trace's mean rate. */
  readonly rateBps: number;
  /** Earliest time (ns, may be fractional) at or after nowNs at which a packet can begin service. */
  nextOpportunity(nowNs: number): number;
  /** Serve a packet of `bytes` that begins service at `startNs`; returns the exact time (ns) its last bit leaves. */
  serve(startNs: number, bytes: number): number;
}

/**
 * A link of constant rate: a packet of B bytes occupies it for B*8/rate
 * seconds. The exact (fractional) end of each transmission is kept, so
 * rounding the link's timer to whole nanoseconds never makes it faster.
 */
export class ConstantRate implements RateSource {
  private readonly nsPerByte: number;
  /** Exact time (ns, fractional) at which the current or last transmission ends. */
  private endExact = 0;

  constructor(readonly rateBps: number) {
    this.nsPerByte = 8e9 / rateBps;
  }

  nextOpportunity(nowNs: number): number {
    return this.endExact > nowNs ? this.endExact : nowNs;
  }

  serve(startNs: number, bytes: number): number {
    this.endExact = startNs + bytes * this.nsPerByte;
    return this.endExact;
  }
}
