/**
 * QUIC packet and frame sizes (RFC 9000 sections 16, 17.3 and 19), for the
 * bytes a QUIC packet occupies on the link.
 *
 * A 1-RTT packet is a short header (1 byte, a 4-byte connection ID as
 * quic-go uses by default, a 2-byte packet number), its frames and a 16-byte
 * AEAD tag, in a UDP datagram (8 bytes) in an IPv4 packet (20) in an
 * Ethernet frame (14, counted on the link as netem counts it). A STREAM
 * frame is a type byte, the stream ID, the offset (absent at offset 0) and a
 * 2-byte length, then its data. The datagram's size is what quic-go counts
 * in flight and what the congestion controllers see.
 */

/** Short header: flags + 4-byte destination connection ID + 2-byte packet number. */
export const SHORT_HEADER_BYTES = 1 + 4 + 2;
/** AEAD_AES_128_GCM's tag. */
export const AEAD_TAG_BYTES = 16;
/** UDP + IPv4 + Ethernet headers around a datagram. */
export const UDP_IP_ETH_BYTES = 8 + 20 + 14;
/** The datagram size quic-go starts with and Hysteria's Brutal and pacer assume (congestion.InitialPacketSizeIPv4). */
export const INITIAL_MAX_DATAGRAM_SIZE = 1252;
/** A PING frame. */
export const PING_FRAME_BYTES = 1;

/** Bytes of a variable-length integer (RFC 9000 section 16). */
export function varintLen(v: number): number {
  if (v < 64) return 1;
  if (v < 16384) return 2;
  if (v < 1073741824) return 4;
  return 8;
}

/** A STREAM frame's header for data at `offset` (stream 0, with its length field). */
export function streamFrameHeaderBytes(offset: number): number {
  return 1 + 1 + (offset > 0 ? varintLen(offset) : 0) + 2;
}

/** An ACK frame with these ranges ([smallest, largest] pairs, largest first) and this delay (ns; ack_delay_exponent 3: units of 8 us). */
export function ackFrameBytes(ranges: readonly number[], ackDelayNs: number): number {
  const largest = ranges[1]!;
  let n = 1 + varintLen(largest) + varintLen(Math.floor(ackDelayNs / 8000)) + varintLen(ranges.length / 2 - 1) + varintLen(largest - ranges[0]!);
  for (let i = 2; i < ranges.length; i += 2) {
    n += varintLen(ranges[i - 2]! - ranges[i + 1]! - 2) + varintLen(ranges[i + 1]! - ranges[i]!);
  }
  return n;
}

/** MAX_STREAM_DATA (stream 0) and MAX_DATA frames. */
export function maxStreamDataBytes(limit: number): number {
  return 1 + 1 + varintLen(limit);
}
export function maxDataBytes(limit: number): number {
  return 1 + varintLen(limit);
}
