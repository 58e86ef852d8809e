/**
 * The QUIC receiver's ACK frequency and ACK frames
 * (src/quic/received-packet-tracker.ts, as quic-go's receivedPacketTracker):
 * the first packet at once, then every second ack-eliciting packet, within
 * max_ack_delay (25 ms) otherwise, at once for a new gap or a packet the last
 * ACK reported missing; ranges largest first, at most 32, with the ACK Delay.
 */
import { describe, expect, it } from 'vitest';
import { MAX_ACK_RANGES, ReceivedPacketTracker } from '../../src/quic/received-packet-tracker.js';

const MS = 1_000_000;

describe('ACK frequency', () => {
  it('acknowledges the first packet at once, then every second ack-eliciting packet', () => {
    const t = new ReceivedPacketTracker();
    t.receivedPacket(0, 0, true);
    expect(t.ackDue(0)).toBe(true);
    expect(t.getAckFrame(0, true)?.ranges).toEqual([0, 0]);
    t.receivedPacket(1, 1 * MS, true);
    expect(t.ackDue(1 * MS)).toBe(false);
    // one unacknowledged packet: the alarm is max_ack_delay after it
    expect(t.ackAlarmNs).toBe(1 * MS + 25 * MS);
    t.receivedPacket(2, 2 * MS, true);
    expect(t.ackDue(2 * MS)).toBe(true);
    expect(t.ackAlarmNs).toBe(-1);
    const ack = t.getAckFrame(3 * MS, true)!;
    expect(ack.ranges).toEqual([0, 2]);
    // ACK Delay: time since the largest (2) arrived
    expect(ack.ackDelayNs).toBe(1 * MS);
  });

  it('a lone packet is acknowledged when the ACK alarm fires, max_ack_delay after it', () => {
    const t = new ReceivedPacketTracker();
    t.receivedPacket(0, 0, true);
    t.getAckFrame(0, true);
    t.receivedPacket(1, 10 * MS, true);
    expect(t.ackDue(34 * MS)).toBe(false);
    expect(t.ackDue(35 * MS)).toBe(true);
    expect(t.getAckFrame(35 * MS, true)).toEqual({ ranges: [0, 1], ackDelayNs: 25 * MS });
  });

  it('a new gap is reported at once; so is a packet the last ACK reported missing', () => {
    const t = new ReceivedPacketTracker();
    for (const pn of [0, 1]) t.receivedPacket(pn, 0, true);
    t.getAckFrame(0, true);
    // 2 lost: 3 opens a gap above the last ACK's largest (1)
    t.receivedPacket(3, 1 * MS, true);
    expect(t.ackDue(1 * MS)).toBe(true);
    expect(t.getAckFrame(1 * MS, true)!.ranges).toEqual([3, 3, 0, 1]);
    // 4 extends the top range: the first of two, not due
    t.receivedPacket(4, 2 * MS, true);
    expect(t.ackDue(2 * MS)).toBe(false);
    // 2 (resent or late) was reported missing: at once
    t.receivedPacket(2, 3 * MS, true);
    expect(t.ackDue(3 * MS)).toBe(true);
    expect(t.getAckFrame(3 * MS, true)!.ranges).toEqual([0, 4]);
  });

  it('packets that are not ack-eliciting are recorded but never make an ACK due', () => {
    const t = new ReceivedPacketTracker();
    t.receivedPacket(0, 0, false);
    expect(t.ackDue(100 * MS)).toBe(false);
    expect(t.getAckFrame(100 * MS, false)).toBeNull();
  });

  it('keeps at most 32 ranges, dropping the oldest', () => {
    const t = new ReceivedPacketTracker();
    for (let i = 0; i < 40; i++) t.receivedPacket(2 * i, i * MS, true);
    const ack = t.getAckFrame(40 * MS, false)!;
    expect(ack.ranges.length).toBe(2 * MAX_ACK_RANGES);
    expect(ack.ranges.slice(0, 4)).toEqual([78, 78, 76, 76]);
    expect(ack.ranges.slice(-2)).toEqual([16, 16]);
  });

  it('a duplicate does not count as new', () => {
    const t = new ReceivedPacketTracker();
    t.receivedPacket(0, 0, true);
    t.getAckFrame(0, true);
    t.receivedPacket(0, 1 * MS, true);
    expect(t.hasNewAck).toBe(false);
    expect(t.getAckFrame(1 * MS, false)).toBeNull();
  });
});
