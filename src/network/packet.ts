/**
 * Packets and their pool.
 *
 * A packet is either a data segment (seg, len, tsVal) or a pure ACK (ackSeg,
 * SACK blocks, tsEcr). Sequence numbers count segments: segment i carries
 * payload bytes [i*mss, i*mss + len). Packets are recycled through a pool so
 * that a long simulation allocates only as many as are ever in flight.
 */
import { ACK_WIRE_BYTES, dataWireBytes } from './wire.js';

/**
 * The ECN field of the IP header (RFC 3168), with Linux's values
 * (include/net/inet_ecn.h: INET_ECN_NOT_ECT, INET_ECN_ECT_1, INET_ECN_ECT_0,
 * INET_ECN_CE).
 */
export const ECN = {
  NOT_ECT: 0,
  ECT_1: 1,
  ECT_0: 2,
  CE: 3,
} as const;
export type EcnCodepoint = (typeof ECN)[keyof typeof ECN];

/**
 * INET_ECN_set_ce: mark a packet Congestion Experienced. True when the packet
 * is ECN-capable (ECT(0) or ECT(1), now CE) or already CE; false for a
 * Not-ECT packet, which the caller must drop instead (IP_ECN_set_ce).
 */
export function inetEcnSetCe(p: Packet): boolean {
  if (p.ecn === ECN.NOT_ECT) return false;
  p.ecn = ECN.CE;
  return true;
}

/** Maximum SACK blocks per ACK: 4 minus 1 for the timestamp option, as Linux. */
export const MAX_SACK_BLOCKS = 3;

/**
 * What a QUIC packet carries besides its packet number (seg) and stream
 * payload bytes (len); src/quic/frames.ts builds and reads it. Data packets:
 * their STREAM frames. The receiver's packets: an ACK frame and the flow
 * control limits.
 */
export interface QuicFrames {
  /** STREAM frames as [offset, length] pairs (bytes of the one stream). */
  stream: number[] | null;
  /** ACK frame ranges as [smallest, largest] pairs, largest first; null when the packet has no ACK frame. */
  ackRanges: number[] | null;
  /** The ACK frame's ACK Delay, ns. */
  ackDelayNs: number;
  /** MAX_STREAM_DATA and MAX_DATA limits (bytes) the receiver allows, -1 when not carried. */
  maxStreamData: number;
  maxData: number;
}

export class Packet {
  flow = 0;
  isAck = false;
  /** Bytes occupied on the link (netem's qdisc_pkt_len). */
  wireBytes = 0;
  /** When the packet entered the current queue (ns): queueing delay, and the AQMs' sojourn time. */
  enqueueNs = 0;
  /** ECN codepoint of the IP header (ECN.NOT_ECT unless the sender set ECT; an AQM may set CE). */
  ecn: EcnCodepoint = ECN.NOT_ECT;

  // --- data segment ---
  seg = 0;
  len = 0;
  /** TCP timestamp value (ms clock of the packet's sender). */
  tsVal = 0;
  /**
   * PSH flag of a data segment: Linux forces it on the last segment of every
   * GSO skb of more than one segment (__tcp_transmit_skb).
   */
  psh = false;
  /** Receive window advertised by an ACK (bytes, already scaled). */
  wnd = 0;
  /**
   * The TCP header's ECN flags (RFC 3168): ECE (ECN-Echo) on an ACK echoes
   * a CE mark, on a SYN (with CWR) asks for ECN, on a SYN-ACK accepts it;
   * CWR on a data segment says the sender has reduced its window.
   */
  ece = false;
  cwr = false;

  // --- ACK ---
  /** Cumulative ACK: next segment expected. */
  ackSeg = 0;
  /** TCP timestamp echo reply (ms clock of the other end). */
  tsEcr = 0;
  /** SACK blocks as [start, end) segment pairs; block 0 is a D-SACK when `dsack`. */
  readonly sack = new Float64Array(2 * (MAX_SACK_BLOCKS + 1));
  nSack = 0;
  dsack = false;

  /**
   * A QUIC packet's frames (src/quic/frames.ts): null on TCP packets. The
   * pool leaves it alone; the QUIC endpoints set it on every packet they take.
   */
  quic: QuicFrames | null = null;

  /** Free-list link. */
  nextFree: Packet | null = null;
}

export class PacketPool {
  private free: Packet | null = null;
  /** Packets currently handed out. */
  live = 0;
  /** Packets ever created. */
  created = 0;

  private take(): Packet {
    const p = this.free;
    this.live++;
    if (p !== null) {
      this.free = p.nextFree;
      p.nextFree = null;
      return p;
    }
    this.created++;
    return new Packet();
  }

  data(flow: number, seg: number, len: number, tsVal: number, tsEcr: number): Packet {
    const p = this.take();
    p.flow = flow;
    p.isAck = false;
    p.wireBytes = dataWireBytes(len);
    p.seg = seg;
    p.len = len;
    p.tsVal = tsVal;
    p.tsEcr = tsEcr;
    p.nSack = 0;
    p.dsack = false;
    p.psh = false;
    p.ecn = ECN.NOT_ECT;
    p.ece = false;
    p.cwr = false;
    return p;
  }

  /**
   * A packet that is not TCP (a latency probe's ICMP echo): `seq` in seg,
   * its size on the wire; not data, so it counts as an ACK does (isAck).
   */
  control(flow: number, seq: number, wireBytes: number): Packet {
    const p = this.ack(flow, 0, 0, 0, 0);
    p.wireBytes = wireBytes;
    p.seg = seq;
    p.psh = false;
    return p;
  }

  ack(flow: number, ackSeg: number, tsVal: number, tsEcr: number, wnd: number): Packet {
    const p = this.take();
    p.flow = flow;
    p.isAck = true;
    p.wireBytes = ACK_WIRE_BYTES;
    p.seg = 0;
    p.ackSeg = ackSeg;
    p.tsVal = tsVal;
    p.tsEcr = tsEcr;
    p.wnd = wnd;
    p.nSack = 0;
    p.dsack = false;
    p.len = 0;
    p.ecn = ECN.NOT_ECT;
    p.ece = false;
    p.cwr = false;
    return p;
  }

  release(p: Packet): void {
    this.live--;
    p.nextFree = this.free;
    this.free = p;
  }
}

/** Anything that accepts packets: links, loss stages, hosts. */
export interface PacketSink {
  receive(p: Packet): void;
}
