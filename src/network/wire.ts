/**
 * Wire sizes, as netem and the Linux stack count them.
 *
 * A data segment occupies the bottleneck for its payload plus 52 bytes of
 * TCP/IP headers (20 IP + 20 TCP + 12 timestamp option) plus 14 bytes of
 * Ethernet header: netem's rate accounting uses qdisc_pkt_len, which includes
 * the link-layer header. A pure ACK is 66 bytes (SACK blocks add 8 bytes each
 * plus 4 bytes of option header on the wire in Linux; we keep ACKs at 66 bytes
 * because the ACK path in cclab has no rate limit).
 */
export const TCPIP_HEADER_BYTES = 52;
export const ETHERNET_HEADER_BYTES = 14;
export const DATA_OVERHEAD_BYTES = TCPIP_HEADER_BYTES + ETHERNET_HEADER_BYTES;
export const ACK_WIRE_BYTES = 66;

/** Bytes on the wire for a segment of `payload` bytes. */
export function dataWireBytes(payload: number): number {
  return payload + DATA_OVERHEAD_BYTES;
}
