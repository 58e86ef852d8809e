/**
 * The sending side's packet bookkeeping, loss detection and probe timeout,
 * as quic-go's sentPacketHandler (internal/ackhandler/sent_packet_handler.go)
 * implements RFC 9002 (sections 6 and A) for the application-data packet
 * number space of an established connection.
 *
 * Model in plain words. Every packet gets the next packet number; the
 * ack-eliciting ones are remembered (sent time, size, what they carried) and
 * count in bytes in flight. An ACK frame lists ranges of received packet
 * numbers. On an ACK:
 *   1. if it newly acknowledges its largest packet, that packet's send time
 *      gives an RTT sample (with the ACK Delay, at most max_ack_delay);
 *   2. the packets it newly acknowledges leave the map and bytes in flight;
 *      if there are none, nothing else happens;
 *   3. loss detection: a packet sent before the largest acknowledged is lost
 *      when 3 or more later packets are acknowledged (kPacketThreshold) or
 *      it was sent more than 9/8 x max(smoothed, latest RTT) ago (at least
 *      1 ms; kTimeThreshold); the earliest that is not yet lost by time sets
 *      the loss time;
 *   4. the PTO count goes back to 0.
 * The loss-detection timer fires at the loss time if one is set, else at the
 * probe timeout: the last ack-eliciting packet's send time + PTO x 2^count
 * (PTO = srtt + max(4 rttvar, 1 ms) + max_ack_delay). When the probe timeout
 * fires, the count doubles the next one and two probe packets may be sent
 * regardless of the congestion window; quic-go makes each probe resend the
 * data of the oldest outstanding packet, which it takes out of flight
 * without calling it a loss (QueueProbePacket).
 *
 * Path MTU probes (mtuProbe) count in flight like any packet; a lost one
 * leaves flight and goes to onMtuProbeLost instead of the lost list (quic-go
 * does not tell the controller), and neither a probe timeout's resend nor
 * the PTO's "anything outstanding?" looks at them (FirstOutstanding skips
 * them).
 *
 * Not modelled: the Initial and Handshake spaces (the connection starts
 * established), skipped packet numbers (quic-go's optimistic-ACK defence),
 * persistent congestion (quic-go does not act on it), keeping lost packets
 * for spurious-loss detection.
 *
 * Times in ns, sizes in bytes. Independent of the simulator: the caller
 * passes the time.
 */
import { RttStats, TIMER_GRANULARITY_NS } from './rtt.js';

/** kPacketThreshold. */
export const PACKET_THRESHOLD = 3;
/** kTimeThreshold = 9/8. */
export const TIME_THRESHOLD = 9 / 8;
/** protocol.MaxOutstandingSentPackets (2 x MaxCongestionWindowPackets): beyond it only ACKs are sent. */
export const MAX_OUTSTANDING_SENT_PACKETS = 20000;
/** protocol.MaxTrackedSentPackets: beyond it nothing is sent. */
export const MAX_TRACKED_SENT_PACKETS = (MAX_OUTSTANDING_SENT_PACKETS * 5) / 4;
/** Probe packets sent per probe timeout. */
export const PROBES_PER_PTO = 2;

export interface SentPacket {
  pn: number;
  sendNs: number;
  /** Bytes counted in flight (UDP payload). */
  bytes: number;
  /** STREAM frames as [offset, length] pairs. */
  frames: number[];
  /** Stream bytes of frames that resend data. */
  retransBytes: number;
  /** Bytes acknowledged by the time it was sent (for the delivery-rate sample). */
  deliveredAtSend: number;
  deliveredNsAtSend: number;
  /** A path MTU probe (a padded PING, mtu-discoverer.ts): its loss is no congestion signal, and PTOs never resend it. */
  mtuProbe?: boolean;
}

/** SendMode. */
export const enum SendMode {
  /** Nothing may be sent (too many tracked packets). */
  None = 0,
  /** Only ACKs (congestion-window limited). */
  Ack = 1,
  /** Probe packets after a probe timeout. */
  Pto = 2,
  /** The pacer holds the next packet back. */
  PacingLimited = 3,
  Any = 4,
}

export interface AckFrameView {
  /** [smallest, largest] pairs, largest range first. */
  ranges: readonly number[];
  ackDelayNs: number;
}

export class SentPacketHandler {
  readonly rtt: RttStats;
  bytesInFlight = 0;
  largestAcked = -1;
  largestSent = -1;
  /** When the earliest not-yet-lost packet will be lost by time, ns; -1 when none. */
  lossTimeNs = -1;
  lastAckElicitingSendNs = -1;
  ptoCount = 0;
  numProbesToSend = 0;
  /** Bytes acknowledged so far, and when the last were (for delivery-rate samples). */
  delivered = 0;
  deliveredNs = 0;

  /** Outstanding packets in packet-number order: ring[(head + k) % cap] is packet base + k, null when gone. */
  private ring: (SentPacket | null)[] = new Array(256).fill(null);
  private head = 0;
  private count = 0;
  private base = 0;
  /** Packets in the ring that are still outstanding. */
  outstanding = 0;
  /** Of them, path MTU probes. */
  outstandingMtuProbes = 0;
  /** Called when a path MTU probe is declared lost (it is not put in the lost list). */
  onMtuProbeLost: ((p: SentPacket) => void) | null = null;

  constructor(rtt?: RttStats) {
    this.rtt = rtt ?? new RttStats();
  }

  /** The packet number the next packet gets. */
  nextPacketNumber(): number {
    return this.largestSent + 1;
  }

  /** SentPacket: remember an ack-eliciting packet (pn must be nextPacketNumber()). */
  onPacketSent(p: SentPacket): void {
    if (p.pn !== this.largestSent + 1) throw new Error(`internal error: packet ${p.pn} sent after ${this.largestSent}`);
    this.largestSent = p.pn;
    if (this.count === 0) this.base = p.pn;
    if (this.count === this.ring.length) this.grow();
    this.ring[(this.head + this.count) % this.ring.length] = p;
    this.count++;
    this.outstanding++;
    if (p.mtuProbe === true) this.outstandingMtuProbes++;
    this.lastAckElicitingSendNs = p.sendNs;
    this.bytesInFlight += p.bytes;
    if (this.numProbesToSend > 0) this.numProbesToSend--;
  }

  private grow(): void {
    const n = this.ring.length;
    const next: (SentPacket | null)[] = new Array(n * 2).fill(null);
    for (let k = 0; k < this.count; k++) next[k] = this.ring[(this.head + k) % n]!;
    this.ring = next;
    this.head = 0;
  }

  /** The outstanding packet with number pn, or null. */
  get(pn: number): SentPacket | null {
    const k = pn - this.base;
    if (k < 0 || k >= this.count) return null;
    return this.ring[(this.head + k) % this.ring.length]!;
  }

  private remove(p: SentPacket): void {
    const k = p.pn - this.base;
    this.ring[(this.head + k) % this.ring.length] = null;
    this.outstanding--;
    if (p.mtuProbe === true) this.outstandingMtuProbes--;
    this.bytesInFlight -= p.bytes;
    // drop the gone packets at the front
    while (this.count > 0 && this.ring[this.head] === null) {
      this.head = (this.head + 1) % this.ring.length;
      this.count--;
      this.base++;
    }
  }

  /** Outstanding packets in packet-number order. */
  *packets(): Generator<SentPacket> {
    for (let k = 0; k < this.count; k++) {
      const p = this.ring[(this.head + k) % this.ring.length];
      if (p) yield p;
    }
  }

  /**
   * ReceivedAck: fills `acked` and `lost` (packet-number order) and returns
   * bytes in flight before the ACK; `rttSampleNs` is the sample it gave, or 0.
   */
  onAckReceived(ack: AckFrameView, nowNs: number, acked: SentPacket[], lost: SentPacket[]): { priorInFlight: number; rttSampleNs: number } {
    acked.length = 0;
    lost.length = 0;
    const largest = ack.ranges[1]!;
    if (largest > this.largestSent) throw new Error(`internal error: ACK for unsent packet ${largest}`);
    this.largestAcked = Math.max(this.largestAcked, largest);
    let rttSampleNs = 0;
    const lp = this.get(largest);
    if (lp !== null) {
      rttSampleNs = nowNs - lp.sendNs;
      this.rtt.update(rttSampleNs, Math.min(ack.ackDelayNs, this.rtt.maxAckDelayNs));
    }
    const priorInFlight = this.bytesInFlight;
    // newly acknowledged: each range from its smallest to its largest, lowest range first
    for (let r = ack.ranges.length - 2; r >= 0; r -= 2) {
      const lo = Math.max(ack.ranges[r]!, this.base);
      const hi = Math.min(ack.ranges[r + 1]!, this.base + this.count - 1);
      for (let pn = lo; pn <= hi; pn++) {
        const p = this.get(pn);
        if (p !== null) acked.push(p);
      }
    }
    if (acked.length === 0) return { priorInFlight, rttSampleNs };
    for (const p of acked) {
      this.delivered += p.bytes;
      this.remove(p);
    }
    this.deliveredNs = nowNs;
    this.detectLostPackets(nowNs, lost);
    this.ptoCount = 0;
    this.numProbesToSend = 0;
    return { priorInFlight, rttSampleNs };
  }

  /** detectLostPackets: declare lost by packet and time threshold; set the loss time. */
  detectLostPackets(nowNs: number, lost: SentPacket[]): void {
    this.lossTimeNs = -1;
    const maxRtt = Math.max(this.rtt.latestRttNs, this.rtt.smoothedRttNs);
    const lossDelay = Math.max(Math.trunc(TIME_THRESHOLD * maxRtt), TIMER_GRANULARITY_NS);
    const lostSendTime = nowNs - lossDelay;
    // at most one path MTU probe is in flight (mtuFinder)
    let probeLost: SentPacket | null = null;
    for (const p of this.packets()) {
      if (p.pn > this.largestAcked) break;
      if (p.sendNs <= lostSendTime || this.largestAcked >= p.pn + PACKET_THRESHOLD) {
        if (p.mtuProbe === true) probeLost = p;
        else lost.push(p);
      } else if (this.lossTimeNs < 0) {
        this.lossTimeNs = p.sendNs + lossDelay;
      }
    }
    for (const p of lost) this.remove(p);
    if (probeLost !== null) {
      this.remove(probeLost);
      this.onMtuProbeLost?.(probeLost);
    }
  }

  /** When the loss-detection timer should fire, ns; -1 when it should not run. */
  lossDetectionTimeout(): number {
    if (this.lossTimeNs >= 0) return this.lossTimeNs;
    if (this.outstanding - this.outstandingMtuProbes === 0) return -1;
    return this.lastAckElicitingSendNs + this.rtt.pto(true) * 2 ** this.ptoCount;
  }

  /** OnLossDetectionTimeout: 'loss' (lost filled) or 'pto' (probes due). */
  onLossDetectionTimeout(nowNs: number, lost: SentPacket[]): 'loss' | 'pto' {
    lost.length = 0;
    if (this.lossTimeNs >= 0) {
      this.detectLostPackets(nowNs, lost);
      return 'loss';
    }
    this.ptoCount++;
    this.numProbesToSend += PROBES_PER_PTO;
    return 'pto';
  }

  /** QueueProbePacket: take the oldest outstanding packet out of flight for its data to be resent; null when none. */
  queueProbePacket(): SentPacket | null {
    for (const p of this.packets()) {
      if (p.mtuProbe === true) continue;
      this.remove(p);
      return p;
    }
    return null;
  }

  /** SendMode. */
  sendMode(nowNs: number, canSend: (inFlight: number) => boolean, hasPacingBudget: (nowNs: number) => boolean): SendMode {
    if (this.outstanding >= MAX_TRACKED_SENT_PACKETS) return SendMode.None;
    if (this.numProbesToSend > 0) return SendMode.Pto;
    if (!canSend(this.bytesInFlight)) return SendMode.Ack;
    if (this.outstanding >= MAX_OUTSTANDING_SENT_PACKETS) return SendMode.Ack;
    if (!hasPacingBudget(nowNs)) return SendMode.PacingLimited;
    return SendMode.Any;
  }
}
