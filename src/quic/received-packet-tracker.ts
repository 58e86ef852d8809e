/**
 * The receiving side's packet history and ACK frequency, as quic-go's
 * receivedPacketTracker and receivedPacketHistory
 * (internal/ackhandler/received_packet_tracker.go, received_packet_history.go).
 *
 * Model in plain words. The receiver keeps the packet numbers it received as
 * ranges (at most 32, protocol.MaxNumAckRanges: the oldest go first) and
 * sends an ACK frame listing them, largest first, with the time since the
 * largest arrived as ACK Delay. It acknowledges
 *   - the first packet at once;
 *   - every second ack-eliciting packet (packetsBeforeAck = 2);
 *   - at once, a packet that the last ACK reported missing (a late or
 *     resent one), and a packet that opens a new gap above the last ACK's
 *     largest (a new loss to report);
 *   - otherwise within max_ack_delay (25 ms) of the first unacknowledged
 *     ack-eliciting packet (the ACK alarm).
 *
 * Times in ns. Independent of the simulator: the caller passes the time.
 */
import { MAX_ACK_DELAY_NS } from './rtt.js';

/** packetsBeforeAck. */
export const PACKETS_BEFORE_ACK = 2;
/** protocol.MaxNumAckRanges. */
export const MAX_ACK_RANGES = 32;

export class ReceivedPacketTracker {
  /** Received packet numbers as [smallest, largest] pairs, ascending. */
  readonly ranges: number[] = [];
  largestObserved = -1;
  largestObservedRcvNs = 0;
  hasNewAck = false;
  ackQueued = false;
  ackElicitingSinceLastAck = 0;
  /** When the ACK alarm fires, ns; -1 when not set. */
  ackAlarmNs = -1;
  /** The ranges of the last ACK sent, [smallest, largest] pairs, largest first; null before the first. */
  lastAck: number[] | null = null;

  constructor(readonly maxAckDelayNs = MAX_ACK_DELAY_NS) {}

  /** ReceivedPacket: record pn (ack-eliciting or not) and decide whether an ACK is due. */
  receivedPacket(pn: number, nowNs: number, ackEliciting: boolean): void {
    const wasMissing = this.isMissing(pn);
    if (pn >= this.largestObserved) {
      this.largestObserved = pn;
      this.largestObservedRcvNs = nowNs;
    }
    const isNew = this.record(pn);
    if (isNew && ackEliciting) this.hasNewAck = true;
    if (ackEliciting) this.maybeQueueAck(nowNs, wasMissing);
  }

  /** isMissing: was pn reported missing in the last ACK? */
  isMissing(pn: number): boolean {
    const last = this.lastAck;
    if (last === null) return false;
    if (pn >= last[1]!) return false;
    for (let i = 0; i < last.length; i += 2) if (pn >= last[i]! && pn <= last[i + 1]!) return false;
    return true;
  }

  /** hasNewMissingPackets: the highest range is a single packet above a gap past the last ACK's largest. */
  hasNewMissingPackets(): boolean {
    if (this.lastAck === null || this.ranges.length === 0) return false;
    const lo = this.ranges[this.ranges.length - 2]!;
    const hi = this.ranges[this.ranges.length - 1]!;
    return lo > this.lastAck[1]! + 1 && hi === lo;
  }

  private maybeQueueAck(nowNs: number, wasMissing: boolean): void {
    if (this.lastAck === null) {
      this.ackQueued = true;
      return;
    }
    if (this.ackQueued) return;
    this.ackElicitingSinceLastAck++;
    if (wasMissing) this.ackQueued = true;
    if (this.ackElicitingSinceLastAck >= PACKETS_BEFORE_ACK) {
      this.ackQueued = true;
    } else if (this.ackAlarmNs < 0) {
      this.ackAlarmNs = nowNs + this.maxAckDelayNs;
    }
    if (this.hasNewMissingPackets()) this.ackQueued = true;
    if (this.ackQueued) this.ackAlarmNs = -1;
  }

  /** Add pn to the ranges; false when it was there already. */
  private record(pn: number): boolean {
    const r = this.ranges;
    // find the last range whose smallest <= pn (ranges are few: a backward scan is cheap, and new packets land at the end)
    let i = r.length - 2;
    while (i >= 0 && r[i]! > pn) i -= 2;
    if (i >= 0 && pn <= r[i + 1]!) return false;
    const extendsPrev = i >= 0 && r[i + 1]! === pn - 1;
    const extendsNext = i + 2 < r.length && r[i + 2]! === pn + 1;
    if (extendsPrev && extendsNext) {
      r[i + 1] = r[i + 3]!;
      r.splice(i + 2, 2);
    } else if (extendsPrev) {
      r[i + 1] = pn;
    } else if (extendsNext) {
      r[i + 2] = pn;
    } else {
      r.splice(i + 2, 0, pn, pn);
      if (r.length > 2 * MAX_ACK_RANGES) r.splice(0, 2);
    }
    return true;
  }

  /** Is an ACK due now (queued, or the alarm has expired)? */
  ackDue(nowNs: number): boolean {
    return this.hasNewAck && (this.ackQueued || (this.ackAlarmNs >= 0 && this.ackAlarmNs <= nowNs));
  }

  /**
   * GetAckFrame: the ACK frame to send now (ranges largest first) and its
   * delay, or null when there is nothing new to acknowledge. With
   * onlyIfQueued, only when an ACK is due.
   */
  getAckFrame(nowNs: number, onlyIfQueued: boolean): { ranges: number[]; ackDelayNs: number } | null {
    if (!this.hasNewAck) return null;
    if (onlyIfQueued && !this.ackDue(nowNs)) return null;
    const ranges: number[] = [];
    for (let i = this.ranges.length - 2; i >= 0; i -= 2) ranges.push(this.ranges[i]!, this.ranges[i + 1]!);
    this.lastAck = ranges;
    this.ackAlarmNs = -1;
    this.ackQueued = false;
    this.hasNewAck = false;
    this.ackElicitingSinceLastAck = 0;
    return { ranges, ackDelayNs: Math.max(0, nowNs - this.largestObservedRcvNs) };
  }
}
