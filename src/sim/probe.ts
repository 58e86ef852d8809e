/**
 * A latency probe, as flent's rrul test runs ping next to its load: the
 * sending host sends an ICMP echo request every `interval`, the receiving
 * host answers each with an echo reply, and the probe records the round
 * trip of every reply (and counts the requests or replies that were lost).
 *
 * The probe's packets take the flows' path, so they measure what an
 * interactive application would see under the load: a request waits in the
 * access link, meets the random loss and the bottleneck's queue (its own
 * flow of the queue discipline, as ping's 5-tuple in fq_codel), crosses the
 * forward delay; the reply leaves the receiving host with its timing noise
 * and takes the ACK path back (its loss and delay). Packets are 56 bytes of
 * payload (ping's default, `size`) + 8 ICMP + 20 IP + 14 Ethernet on the wire.
 * They are not data: the link's queueing-delay histogram and the flows'
 * counters leave them out.
 */
import type { Simulator } from '../engine/sim.js';
import type { Packet, PacketPool, PacketSink } from '../network/packet.js';
import type { ResolvedProbe } from '../scenario/resolve.js';

/** ICMP (8) + IP (20) + Ethernet (14) header bytes around an echo's payload. */
export const PROBE_OVERHEAD_BYTES = 42;


export class LatencyProbe {
  /** Send time of each request by sequence number (ns). */
  readonly sentNs: number[] = [];
  /** Round-trip time of each request's reply (ns), NaN while none arrived (lost). */
  readonly rttNs: number[] = [];
  /** Where requests go (the sending host's access link). */
  out!: PacketSink;
  /** Where the receiving host sends its replies (the ACK path). */
  replyOut!: PacketSink;

  constructor(
    private readonly sim: Simulator,
    private readonly pool: PacketPool,
    /** The flow id the probe's packets carry (one past the scenario's flows). */
    readonly id: number,
    private readonly settings: ResolvedProbe,
  ) {
    const t = sim.timer(() => {
      this.send();
      const next = this.sim.now + settings.intervalNs;
      if (next < settings.stopNs) t.at(next);
    });
    t.at(settings.startNs);
  }

  private send(): void {
    const p = this.pool.control(this.id, this.sentNs.length, this.settings.sizeBytes + PROBE_OVERHEAD_BYTES);
    this.sentNs.push(this.sim.now);
    this.rttNs.push(Number.NaN);
    this.out.receive(p);
  }

  /** The receiving host: answer a request with a reply of the same size. */
  readonly responder: PacketSink = {
    receive: (p: Packet) => this.replyOut.receive(p),
  };

  /** The sending host: a reply arrived. */
  receive(p: Packet): void {
    const seq = p.seg;
    if (Number.isNaN(this.rttNs[seq]!)) this.rttNs[seq] = this.sim.now - this.sentNs[seq]!;
    this.pool.release(p);
  }
}

