/**
 * Hysteria's Brutal: the congestion control of the Hysteria 2 proxy over
 * QUIC, as apernet/hysteria's core/internal/congestion/brutal/brutal.go
 * implements it (not the tcp_brutal module: src/cc/brutal.ts).
 *
 * Model in plain words. The user sets a rate (bytes per second; Hysteria's
 * `bandwidth`). Brutal never slows down. Every congestion event (one ACK's
 * newly acknowledged and newly lost packets, quic-go's OnCongestionEventEx)
 *   1. adds its acked and lost packet counts to the slot of the event's Unix
 *      second (second % 5), resetting the slot first when it still holds an
 *      older second;
 *   2. sums the slots whose second is within the last 5 (second >= now - 5);
 *   3. sets the ACK rate, a float: 1 below 50 samples (acked + lost), else
 *      acked / (acked + lost), but never below 0.8.
 * The congestion window is rate x smoothed RTT x 2 / ackRate (10240 bytes
 * before an RTT sample; at least one datagram), and may be filled up to and
 * including its last byte; the pacer (Hysteria's, src/quic/pacer.ts) sends
 * at rate / ackRate with bursts of 4 ms or 10 datagrams. There is no gain
 * parameter, no slow start and no recovery.
 *
 * The simulator's clock starts at second 0 of the Unix clock, so a run's
 * slot boundaries fall on whole seconds of simulated time.
 */
import type { RttStats } from '../rtt.js';
import { HYSTERIA_BURST_NS, Pacer } from '../pacer.js';
import type { CcPacket, QuicCcSpec, QuicCongestion } from './types.js';

/** pktInfoSlotCount: one slot per second, 5 of them. */
export const HY_BRUTAL_SLOTS = 5;
/** minSampleCount: below this many packets (acked + lost) the ACK rate is 1. */
export const HY_BRUTAL_MIN_SAMPLES = 50;
/** minAckRate: the ACK-rate floor. */
export const HY_BRUTAL_MIN_ACK_RATE = 0.8;
/** congestionWindowMultiplier. */
export const HY_BRUTAL_CWND_MULTIPLIER = 2;
/** The window before the first RTT sample, bytes. */
export const HY_BRUTAL_NO_RTT_CWND = 10240;

/** Hysteria's stream and connection receive windows (core/client config defaults: 8 MiB, 20 MiB; initial = max). */
export const HYSTERIA_STREAM_WINDOW = 8 * 1024 * 1024;
export const HYSTERIA_CONN_WINDOW = (HYSTERIA_STREAM_WINDOW * 5) / 2;

interface PktInfo {
  /** The slot's Unix second, -1 while never used. */
  timestamp: number;
  ackCount: number;
  lossCount: number;
}

export interface HyBrutalParams {
  rateBytesPerSec: number;
}

export class HysteriaBrutal implements QuicCongestion {
  readonly name = 'brutal';
  readonly slots: PktInfo[] = Array.from({ length: HY_BRUTAL_SLOTS }, () => ({ timestamp: 0, ackCount: 0, lossCount: 0 }));
  ackRate = 1;
  readonly pacer: Pacer;

  constructor(
    private readonly rtt: RttStats,
    /** bps: bytes per second, as Hysteria's BandwidthConfig. */
    readonly bps: number,
    public maxDatagramSize: number,
  ) {
    this.pacer = new Pacer(() => this.pacingRate(), HYSTERIA_BURST_NS, maxDatagramSize);
  }

  /** The pacer's bandwidth: ByteCount(float64(bps) / ackRate), truncated. */
  pacingRate(): number {
    return Math.trunc(this.bps / this.ackRate);
  }

  timeUntilSend(): number {
    return this.pacer.timeUntilSend();
  }

  hasPacingBudget(nowNs: number): boolean {
    return this.pacer.budget(nowNs) >= this.maxDatagramSize;
  }

  canSend(bytesInFlight: number): boolean {
    return bytesInFlight <= this.congestionWindow();
  }

  congestionWindow(): number {
    const srttNs = this.rtt.smoothedRttNs;
    if (srttNs <= 0) return HY_BRUTAL_NO_RTT_CWND;
    const cwnd = Math.trunc((this.bps * (srttNs / 1e9) * HY_BRUTAL_CWND_MULTIPLIER) / this.ackRate);
    return Math.max(cwnd, this.maxDatagramSize);
  }

  onPacketSent(nowNs: number, _inFlight: number, _pn: number, bytes: number): void {
    this.pacer.sentPacket(nowNs, bytes);
  }

  maybeExitSlowStart(): void {}

  /** SetMaxDatagramSize (brutal.go): the window's floor and the pacer's packet follow; nothing else changes. */
  setMaxDatagramSize(bytes: number): void {
    this.maxDatagramSize = bytes;
    this.pacer.maxDatagramSize = bytes;
  }

  /** OnCongestionEventEx: count the event's packets in its second's slot, then update the ACK rate. */
  onCongestionEvent(_prior: number, nowNs: number, acked: readonly CcPacket[], lost: readonly CcPacket[]): void {
    this.countEvent(Math.floor(nowNs / 1e9), acked.length, lost.length);
  }

  /** The slot update of one event at Unix second `second` (exposed for the unit tests). */
  countEvent(second: number, ackCount: number, lossCount: number): void {
    const slot = this.slots[second % HY_BRUTAL_SLOTS]!;
    if (slot.timestamp === second) {
      slot.lossCount += lossCount;
      slot.ackCount += ackCount;
    } else {
      // uninitialized slot or too old: reset
      slot.timestamp = second;
      slot.ackCount = ackCount;
      slot.lossCount = lossCount;
    }
    this.updateAckRate(second);
  }

  private updateAckRate(second: number): void {
    const minTimestamp = second - HY_BRUTAL_SLOTS;
    let ackCount = 0;
    let lossCount = 0;
    for (const info of this.slots) {
      if (info.timestamp < minTimestamp) continue;
      ackCount += info.ackCount;
      lossCount += info.lossCount;
    }
    if (ackCount + lossCount < HY_BRUTAL_MIN_SAMPLES) {
      this.ackRate = 1;
      return;
    }
    const rate = ackCount / (ackCount + lossCount);
    this.ackRate = rate < HY_BRUTAL_MIN_ACK_RATE ? HY_BRUTAL_MIN_ACK_RATE : rate;
  }

  inRecovery(): boolean {
    return false;
  }

  mode(): string {
    return 'brutal';
  }

  info(): Record<string, number | string> {
    return { ackRate: this.ackRate, cwnd: this.congestionWindow(), pacingRate: this.pacingRate() };
  }
}

export const hyBrutalSpec: QuicCcSpec<HyBrutalParams> = {
  name: 'brutal',
  doc: "Hysteria 2's Brutal (apernet/hysteria brutal.go): a set rate over QUIC, raised by 1/ackRate (float, floor 0.8)",
  label: 'Brutal/QUIC',
  color: '#000000', // Okabe-Ito black (src/report/palette.ts): no TCP CC uses it
  marker: 'rectRounded',
  dash: [14, 4],
  windows: { initialStream: HYSTERIA_STREAM_WINDOW, maxStream: HYSTERIA_STREAM_WINDOW, initialConn: HYSTERIA_CONN_WINDOW, maxConn: HYSTERIA_CONN_WINDOW },
  allowedParams: ['rate'],
  create: (rtt, mds, p) => new HysteriaBrutal(rtt, p?.rateBytesPerSec ?? 125000, mds),
};
