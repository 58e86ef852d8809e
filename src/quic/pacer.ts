/**
 * The token-bucket pacer of quic-go (internal/congestion/pacer.go) and of
 * Hysteria (core/internal/congestion/common/pacer.go), one class: they
 * differ only in the bandwidth they pace at and in the largest burst.
 *
 * Model in plain words. The pacer holds a budget of bytes. Sending a packet
 * takes its size from the budget; time refills it at the pacing bandwidth,
 * up to the largest burst: max(burst time x bandwidth, 10 datagrams). A
 * sender may send while the budget holds a full datagram; otherwise the next
 * send is due when it will again, but never sooner than 1 ms
 * (protocol.MinPacingDelay) after the last send. So a paced QUIC sender
 * sends in bursts of several packets rather than one packet at a time.
 *
 *   - quic-go (Cubic, NewReno): bandwidth = 5/4 x cwnd / smoothed RTT;
 *     burst time = MinPacingDelay + TimerGranularity = 2 ms; no pacing at
 *     all before the first RTT sample (infinite bandwidth).
 *   - Hysteria (Brutal): bandwidth = bps / ackRate; burst time =
 *     4 x MinPacingDelay = 4 ms.
 *
 * Sizes in bytes, times in ns, bandwidth in bytes per second.
 */

/** protocol.MinPacingDelay: 1 ms. */
export const MIN_PACING_DELAY_NS = 1_000_000;
/** maxBurstSizePackets (quic-go) / maxBurstPackets (Hysteria): 10 datagrams. */
export const MAX_BURST_PACKETS = 10;
/** quic-go's burst time: MinPacingDelay + TimerGranularity. */
export const QUICGO_BURST_NS = 2_000_000;
/** Hysteria's burst time: maxBurstPacingDelayMultiplier (4) x MinPacingDelay. */
export const HYSTERIA_BURST_NS = 4 * MIN_PACING_DELAY_NS;

export class Pacer {
  private budgetAtLastSent: number;
  /** When the last packet was sent, ns; -1 before the first. */
  private lastSentNs = -1;

  constructor(
    /** The pacing bandwidth now, bytes per second (Infinity: unpaced). */
    private readonly bandwidth: () => number,
    private readonly burstNs: number,
    public maxDatagramSize: number,
  ) {
    this.budgetAtLastSent = this.maxBurstSize();
  }

  /** SentPacket: take the packet from the budget. */
  sentPacket(nowNs: number, size: number): void {
    const budget = this.budget(nowNs);
    this.budgetAtLastSent = size > budget ? 0 : budget - size;
    this.lastSentNs = nowNs;
  }

  /** Budget: bytes that may be sent at nowNs. */
  budget(nowNs: number): number {
    if (this.lastSentNs < 0) return this.maxBurstSize();
    const bw = this.bandwidth();
    if (bw === Infinity) return Infinity;
    return Math.min(this.maxBurstSize(), this.budgetAtLastSent + Math.floor((bw * (nowNs - this.lastSentNs)) / 1e9));
  }

  maxBurstSize(): number {
    const bw = this.bandwidth();
    if (bw === Infinity) return Infinity;
    return Math.max(Math.floor((this.burstNs * bw) / 1e9), MAX_BURST_PACKETS * this.maxDatagramSize);
  }

  /** TimeUntilSend: when the next packet may go, ns; 0 when it may go now. */
  timeUntilSend(): number {
    if (this.budgetAtLastSent >= this.maxDatagramSize) return 0;
    const bw = this.bandwidth();
    if (bw === Infinity) return 0;
    const d = Math.ceil(((this.maxDatagramSize - this.budgetAtLastSent) * 1e9) / bw);
    return this.lastSentNs + Math.max(MIN_PACING_DELAY_NS, d);
  }
}
