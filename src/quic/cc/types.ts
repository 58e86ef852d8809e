/**
 * What a QUIC congestion controller offers its connection: quic-go's
 * SendAlgorithm (internal/congestion/interface.go) with the
 * OnCongestionEventEx extension of Hysteria's fork (apernet/quic-go), which
 * hands the controller every ACK's newly acknowledged and newly lost packets
 * together. The connection (src/quic/sender.ts) sees only this table; each
 * controller's file ends with its QuicCcSpec (src/quic/cc/index.ts).
 *
 * Sizes in bytes, times in ns.
 */
import type { RttStats } from '../rtt.js';
import type { Marker } from '../../cc/spec.js';

/** A packet as the controller sees it. */
export interface CcPacket {
  pn: number;
  /** Bytes counted in flight (the UDP payload, as quic-go's Packet.Length). */
  bytes: number;
}

export interface QuicCongestion {
  readonly name: string;
  /** TimeUntilSend: when the pacer lets the next packet go (ns; 0 = now). */
  timeUntilSend(bytesInFlight: number): number;
  /** HasPacingBudget: may a full datagram go now? */
  hasPacingBudget(nowNs: number): boolean;
  onPacketSent(nowNs: number, bytesInFlight: number, pn: number, bytes: number, retransmittable: boolean): void;
  /** CanSend: does the congestion window allow another packet? */
  canSend(bytesInFlight: number): boolean;
  /** MaybeExitSlowStart: after each RTT sample. */
  maybeExitSlowStart(): void;
  /**
   * One ACK's (or loss timer's) outcome: the packets it newly acknowledged
   * and those it declared lost, with bytes in flight before it.
   */
  onCongestionEvent(priorInFlight: number, nowNs: number, acked: readonly CcPacket[], lost: readonly CcPacket[]): void;
  /** SetMaxDatagramSize: path MTU discovery raised the datagram size (never lowers it). */
  setMaxDatagramSize(bytes: number): void;
  /** GetCongestionWindow, bytes. */
  congestionWindow(): number;
  /** The pacer's rate now, bytes per second (Infinity when unpaced). */
  pacingRate(): number;
  /** InRecovery (for the time series' ca_state). */
  inRecovery(): boolean;
  /** The controller's mode for the time series (slow_start, congestion_avoidance, ...). */
  mode(): string;
  /** Inspection values for tests and the time series. */
  info?(): Record<string, number | string>;
}

/** The receiving end's flow-control windows (bytes): initial and largest, per stream and per connection. */
export interface QuicWindows {
  initialStream: number;
  maxStream: number;
  initialConn: number;
  maxConn: number;
}

/** A QUIC controller in the registry: the implementation it comes from decides the endpoints' settings too. */
export interface QuicCcSpec<P = unknown> {
  /** Name in scenarios (`flows[].cc` of a `transport: quic` flow). */
  name: string;
  /** One line: what it is and where it comes from. */
  doc: string;
  /**
   * How charts and tables draw it, next to the TCP CCs (src/cc CcSpec):
   * `label` is the series name ("Brutal/QUIC"); the colour is an Okabe-Ito
   * one, and marker and dash differ from those of the TCP CC of the same name,
   * so TCP Brutal and QUIC Brutal are two series, in print too.
   */
  label: string;
  color: string;
  marker: Marker;
  dash: number[];
  /** The flow-control windows of the receiving end of that implementation. */
  windows: QuicWindows;
  /**
   * The TCP parameter-block fields (of the TCP CC of the same name) that a
   * QUIC flow may give: the others get a one-line error.
   */
  allowedParams: readonly string[];
  create(rtt: RttStats, maxDatagramSize: number, params: P | undefined): QuicCongestion;
}
