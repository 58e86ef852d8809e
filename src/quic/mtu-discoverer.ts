/**
 * Datagram packetization layer path MTU discovery (DPLPMTUD, RFC 8899) as
 * quic-go's mtuFinder (mtu_discoverer.go) does it, which Hysteria runs
 * unless its config says `disablePathMTUDiscovery: true`.
 *
 * Model in plain words. The connection starts with 1252-byte datagrams
 * (quic-go's InitialPacketSizeIPv4) and searches the interval up to
 * MaxPacketBufferSize (1452, what fits a 1500-byte path in IPv6) by
 * bisection. Five smoothed RTTs after the handshake, and five smoothed RTTs
 * after each probe, one probe goes: a PING padded to (min + max) / 2 bytes,
 * or (min + smallest lost size) / 2 right after a lost probe. Only one probe
 * is in flight at a time. An acknowledged probe raises the datagram size to
 * its size (and the controller's SetMaxDatagramSize follows); a lost one is
 * remembered: the search interval's top comes down only once 3
 * (maxLostMTUProbes, counting the initial maximum) sizes at or below it are
 * lost, so random loss of up to 2 probes does not stop the search short.
 * The search ends when max - min <= 21 bytes (maxMTUDiff + 1).
 *
 * The connection (sender.ts) treats a probe as quic-go does: it counts in
 * bytes in flight and to the pacer, its acknowledgement goes to the
 * controller, its loss does not (no congestion signal), and a probe timeout
 * never resends it.
 *
 * Sizes are UDP payload bytes; times ns.
 */
import type { RttStats } from './rtt.js';

/** maxMTUDiff: the search stops within this (+1) of the maximum. */
export const MAX_MTU_DIFF = 20;
/** mtuProbeDelay: smoothed RTTs between probes. */
export const MTU_PROBE_DELAY_RTTS = 5;
/** maxLostMTUProbes. */
export const MAX_LOST_MTU_PROBES = 3;
/** protocol.MaxPacketBufferSize: the largest datagram quic-go probes for (1500 - 40 IPv6 - 8 UDP). */
export const MAX_PACKET_BUFFER_SIZE = 1452;
/** UDP + IPv4 headers: a datagram of n bytes is an IP packet of n + 28 (what the path MTU limits). */
export const UDP_IPV4_BYTES = 8 + 20;

/** A QUIC flow's path MTU when flows[].quic.mtu is not given: Ethernet's. */
export const QUIC_DEFAULT_PATH_MTU = 1500;
/** Path MTU discovery when flows[].quic.pmtud is not given: on, as quic-go and Hysteria (on Linux) run. */
export const QUIC_DEFAULT_PMTUD = true;

const INVALID = -1;

export class MtuFinder {
  /** CurrentSize: the largest size acknowledged (the datagram size in use). */
  min: number;
  /** Sizes treated as lost, ascending; lost[0] starts as the maximum. INVALID-padded. */
  readonly lost: number[];
  lastProbeWasLost = false;
  /** The size of the probe in flight, or -1. */
  inFlight = INVALID;
  /** When the last probe went (or Start), ns; -1 before Start. */
  lastProbeNs = -1;
  /** Probes sent, acknowledged and lost (for the result's inspection and tests). */
  probesSent = 0;
  probesAcked = 0;
  probesLost = 0;

  constructor(
    private readonly rtt: RttStats,
    start: number,
    max: number,
  ) {
    this.min = start;
    this.lost = [max];
    for (let i = 1; i < MAX_LOST_MTU_PROBES; i++) this.lost.push(INVALID);
  }

  /** max(): the top of the search interval. */
  max(): number {
    for (let i = 0; i < this.lost.length; i++) if (this.lost[i] === INVALID) return this.lost[i - 1]!;
    return this.lost[this.lost.length - 1]!;
  }

  done(): boolean {
    return this.max() - this.min <= MAX_MTU_DIFF + 1;
  }

  /** Start: when the handshake is confirmed; the first probe waits 5 smoothed RTTs. */
  start(nowNs: number): void {
    this.lastProbeNs = nowNs;
  }

  shouldSendProbe(nowNs: number): boolean {
    if (this.lastProbeNs < 0) return false;
    if (this.inFlight !== INVALID || this.done()) return false;
    return nowNs >= this.lastProbeNs + MTU_PROBE_DELAY_RTTS * this.rtt.smoothedRttNs;
  }

  /** GetPing: the next probe's size (the caller sends it now). */
  nextProbe(nowNs: number): number {
    const size = this.lastProbeWasLost ? Math.floor((this.min + this.lost[0]!) / 2) : Math.floor((this.min + this.max()) / 2);
    this.lastProbeNs = nowNs;
    this.inFlight = size;
    this.probesSent++;
    return size;
  }

  /** The probe was acknowledged: its size is the new datagram size. */
  onAcked(): number {
    const size = this.inFlight;
    if (size === INVALID) throw new Error('internal error: MTU probe acknowledged with none in flight');
    this.inFlight = INVALID;
    this.min = size;
    this.lastProbeWasLost = false;
    this.probesAcked++;
    // drop the lost sizes at or below it
    let j = 0;
    for (let i = 0; i < this.lost.length; i++) {
      if (size < this.lost[i]!) {
        j = i;
        break;
      }
    }
    if (j > 0) for (let i = 0; i < this.lost.length; i++) this.lost[i] = i + j < this.lost.length ? this.lost[i + j]! : INVALID;
    return size;
  }

  /** The probe was declared lost. */
  onLost(): void {
    const size = this.inFlight;
    if (size === INVALID) throw new Error('internal error: MTU probe lost with none in flight');
    this.lastProbeWasLost = true;
    this.inFlight = INVALID;
    this.probesLost++;
    for (let i = 0; i < this.lost.length; i++) {
      if (size < this.lost[i]!) {
        for (let k = this.lost.length - 1; k > i; k--) this.lost[k] = this.lost[k - 1]!;
        this.lost[i] = size;
        break;
      }
    }
  }
}

/**
 * The datagram size a search ends at on a path of this MTU without random
 * loss (the size a long flow sends at): 1439 on a 1500-byte path; the
 * initial size when discovery is off.
 */
export function discoveredDatagramSize(initial: number, pathMtu: number, pmtud: boolean): number {
  if (!pmtud) return initial;
  const f = new MtuFinder({ smoothedRttNs: 0 } as RttStats, initial, MAX_PACKET_BUFFER_SIZE);
  f.start(0);
  while (!f.done()) {
    const size = f.nextProbe(0);
    if (size + UDP_IPV4_BYTES <= pathMtu) f.onAcked();
    else f.onLost();
  }
  return f.min;
}
