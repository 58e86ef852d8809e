/**
 * quic-go's loss-based sender (internal/congestion/cubic_sender.go and
 * hybrid_slow_start.go): Cubic (cubic.ts), or NewReno with `reno`.
 *
 * Model in plain words. The window starts at 32 datagrams and grows by one
 * datagram per acknowledged packet in slow start, which HyStart's delay test
 * may end (the first 8 RTT samples of a round more than minRTT/8, clamped to
 * 4..16 ms, above the minimum, once the window is 16 packets or more). In
 * congestion avoidance Cubic follows its curve, Reno adds a datagram per
 * window of acknowledged packets. Growth only while the window is nearly
 * used (in flight within 3 datagrams of it, or above half of it in slow
 * start). A loss of a packet sent after the last cut-back cuts the window to
 * 0.7 x (Cubic's beta, or Reno's) and sets ssthresh there; later losses of
 * packets sent before that cut are the same loss event (NewReno's rule), and
 * no growth happens until a packet sent after it is acknowledged
 * (recovery). The window stays between 2 and 10000 datagrams. Paced by
 * quic-go's pacer at 5/4 x cwnd / smoothed RTT.
 *
 * quic-go calls OnPacketLost for each lost packet and then OnPacketAcked for
 * each acknowledged one; onCongestionEvent does the same, in that order.
 */
import type { RttStats } from '../rtt.js';
import { Pacer, QUICGO_BURST_NS } from '../pacer.js';
import { CubicCurve } from './cubic.js';
import type { CcPacket, QuicCcSpec, QuicCongestion } from './types.js';

/** initialCongestionWindow, packets. */
export const QUICGO_INITIAL_CWND_PACKETS = 32;
/** minCongestionWindowPackets. */
const MIN_CWND_PACKETS = 2;
/** protocol.MaxCongestionWindowPackets. */
export const QUICGO_MAX_CWND_PACKETS = 10000;
/** maxBurstPackets: the window counts as used within this many datagrams of it. */
const MAX_BURST_PACKETS = 3;
/** renoBeta. */
const RENO_BETA = 0.7;

/** quic-go's default receive windows (protocol/params.go; the connection's initial 1.5x the stream's). */
export const QUICGO_INITIAL_STREAM_WINDOW = 512 * 1024;
export const QUICGO_MAX_STREAM_WINDOW = 6 * 1024 * 1024;
export const QUICGO_INITIAL_CONN_WINDOW = QUICGO_INITIAL_STREAM_WINDOW * 1.5;
export const QUICGO_MAX_CONN_WINDOW = 15 * 1024 * 1024;

/** HybridSlowStart's constants: low window (packets), samples per round, delay thresholds (us). */
const HYSTART_LOW_WINDOW = 16;
const HYSTART_MIN_SAMPLES = 8;
const HYSTART_DELAY_FACTOR_EXP = 3;
const HYSTART_MIN_THRESHOLD_US = 4000;
const HYSTART_MAX_THRESHOLD_US = 16000;

/** quic-go's HybridSlowStart (delay increase only). */
export class HybridSlowStart {
  endPacketNumber = -1;
  lastSentPacketNumber = -1;
  started = false;
  currentMinRttNs = 0;
  rttSampleCount = 0;
  hystartFound = false;

  startReceiveRound(lastSent: number): void {
    this.endPacketNumber = lastSent;
    this.currentMinRttNs = 0;
    this.rttSampleCount = 0;
    this.started = true;
  }

  shouldExitSlowStart(latestRttNs: number, minRttNs: number, cwndPackets: number): boolean {
    if (!this.started) this.startReceiveRound(this.lastSentPacketNumber);
    if (this.hystartFound) return true;
    this.rttSampleCount++;
    if (this.rttSampleCount <= HYSTART_MIN_SAMPLES && (this.currentMinRttNs === 0 || this.currentMinRttNs > latestRttNs)) this.currentMinRttNs = latestRttNs;
    if (this.rttSampleCount === HYSTART_MIN_SAMPLES) {
      let thresholdUs = Math.trunc(minRttNs / 1000) >> HYSTART_DELAY_FACTOR_EXP;
      thresholdUs = Math.max(Math.min(thresholdUs, HYSTART_MAX_THRESHOLD_US), HYSTART_MIN_THRESHOLD_US);
      if (this.currentMinRttNs > minRttNs + thresholdUs * 1000) this.hystartFound = true;
    }
    return cwndPackets >= HYSTART_LOW_WINDOW && this.hystartFound;
  }

  onPacketSent(pn: number): void {
    this.lastSentPacketNumber = pn;
  }

  onPacketAcked(pn: number): void {
    if (this.endPacketNumber < pn) this.started = false;
  }

  restart(): void {
    this.started = false;
    this.hystartFound = false;
  }
}

export class QuicGoCubicSender implements QuicCongestion {
  readonly name: string;
  readonly hybridSlowStart = new HybridSlowStart();
  readonly cubic = new CubicCurve();
  readonly pacer: Pacer;
  largestSentPacketNumber = -1;
  largestAckedPacketNumber = -1;
  largestSentAtLastCutback = -1;
  cwnd: number;
  slowStartThreshold = Number.MAX_SAFE_INTEGER;
  numAckedPackets = 0;
  private appLimited = false;

  constructor(
    private readonly rtt: RttStats,
    public maxDatagramSize: number,
    readonly reno: boolean,
  ) {
    this.name = reno ? 'newreno' : 'cubic';
    this.cwnd = QUICGO_INITIAL_CWND_PACKETS * maxDatagramSize;
    this.pacer = new Pacer(() => this.pacingRate(), QUICGO_BURST_NS, maxDatagramSize);
  }

  /** The pacer's bandwidth: BandwidthEstimate (cwnd / srtt, bits/s, integer) in bytes/s x 5/4. */
  pacingRate(): number {
    const srtt = this.rtt.smoothedRttNs;
    if (srtt === 0) return Infinity;
    const bitsPerSec = Math.floor((this.cwnd * 8 * 1e9) / srtt);
    return Math.floor((Math.floor(bitsPerSec / 8) * 5) / 4);
  }

  timeUntilSend(): number {
    return this.pacer.timeUntilSend();
  }

  hasPacingBudget(nowNs: number): boolean {
    return this.pacer.budget(nowNs) >= this.maxDatagramSize;
  }

  private maxCongestionWindow(): number {
    return this.maxDatagramSize * QUICGO_MAX_CWND_PACKETS;
  }

  private minCongestionWindow(): number {
    return this.maxDatagramSize * MIN_CWND_PACKETS;
  }

  onPacketSent(nowNs: number, _inFlight: number, pn: number, bytes: number, retransmittable: boolean): void {
    this.pacer.sentPacket(nowNs, bytes);
    if (!retransmittable) return;
    this.largestSentPacketNumber = pn;
    this.hybridSlowStart.onPacketSent(pn);
  }

  canSend(bytesInFlight: number): boolean {
    return bytesInFlight < this.cwnd;
  }

  /**
   * SetMaxDatagramSize (cubic_sender.go): a window at its minimum (2
   * datagrams) stays at the new minimum; any other window keeps its bytes,
   * so it holds fewer, larger packets. The slow-start step and Reno's
   * per-window step become the new size; Cubic's curve keeps its fixed 1252.
   */
  setMaxDatagramSize(bytes: number): void {
    if (bytes < this.maxDatagramSize) throw new Error(`internal error: max datagram size decreased from ${this.maxDatagramSize} to ${bytes}`);
    const cwndIsMinCwnd = this.cwnd === this.minCongestionWindow();
    this.maxDatagramSize = bytes;
    if (cwndIsMinCwnd) this.cwnd = this.minCongestionWindow();
    this.pacer.maxDatagramSize = bytes;
  }

  inRecovery(): boolean {
    return this.largestAckedPacketNumber !== -1 && this.largestAckedPacketNumber <= this.largestSentAtLastCutback;
  }

  inSlowStart(): boolean {
    return this.cwnd < this.slowStartThreshold;
  }

  congestionWindow(): number {
    return this.cwnd;
  }

  maybeExitSlowStart(): void {
    if (this.inSlowStart() && this.hybridSlowStart.shouldExitSlowStart(this.rtt.latestRttNs, this.rtt.minRttNs, Math.floor(this.cwnd / this.maxDatagramSize))) {
      this.slowStartThreshold = this.cwnd;
    }
  }

  onCongestionEvent(priorInFlight: number, nowNs: number, acked: readonly CcPacket[], lost: readonly CcPacket[]): void {
    for (const p of lost) this.onPacketLost(p.pn);
    for (const p of acked) this.onPacketAcked(p.pn, p.bytes, priorInFlight, nowNs);
  }

  onPacketAcked(pn: number, ackedBytes: number, priorInFlight: number, nowNs: number): void {
    this.largestAckedPacketNumber = Math.max(pn, this.largestAckedPacketNumber);
    if (this.inRecovery()) return;
    this.maybeIncreaseCwnd(ackedBytes, priorInFlight, nowNs);
    if (this.inSlowStart()) this.hybridSlowStart.onPacketAcked(pn);
  }

  onPacketLost(pn: number): void {
    // NewReno (RFC 6582): losses of packets sent before the last cut-back are the same loss event
    if (pn <= this.largestSentAtLastCutback) return;
    this.cwnd = this.reno ? Math.trunc(this.cwnd * RENO_BETA) : this.cubic.afterPacketLoss(this.cwnd);
    if (this.cwnd < this.minCongestionWindow()) this.cwnd = this.minCongestionWindow();
    this.slowStartThreshold = this.cwnd;
    this.largestSentAtLastCutback = this.largestSentPacketNumber;
    this.numAckedPackets = 0;
  }

  private maybeIncreaseCwnd(ackedBytes: number, priorInFlight: number, nowNs: number): void {
    if (!this.isCwndLimited(priorInFlight)) {
      this.cubic.onApplicationLimited();
      this.appLimited = true;
      return;
    }
    this.appLimited = false;
    if (this.cwnd >= this.maxCongestionWindow()) return;
    if (this.inSlowStart()) {
      this.cwnd += this.maxDatagramSize;
      return;
    }
    if (this.reno) {
      this.numAckedPackets++;
      if (this.numAckedPackets >= Math.floor(this.cwnd / this.maxDatagramSize)) {
        this.cwnd += this.maxDatagramSize;
        this.numAckedPackets = 0;
      }
    } else {
      this.cwnd = Math.min(this.maxCongestionWindow(), this.cubic.afterAck(ackedBytes, this.cwnd, this.rtt.minRttNs, nowNs));
    }
  }

  private isCwndLimited(bytesInFlight: number): boolean {
    if (bytesInFlight >= this.cwnd) return true;
    const available = this.cwnd - bytesInFlight;
    const slowStartLimited = this.inSlowStart() && bytesInFlight > this.cwnd / 2;
    return slowStartLimited || available <= MAX_BURST_PACKETS * this.maxDatagramSize;
  }

  mode(): string {
    if (this.inRecovery()) return 'recovery';
    if (this.appLimited) return 'application_limited';
    return this.inSlowStart() ? 'slow_start' : 'congestion_avoidance';
  }

  info(): Record<string, number | string> {
    return { cwnd: this.cwnd, ssthresh: this.slowStartThreshold };
  }
}

const QUICGO_WINDOWS = { initialStream: QUICGO_INITIAL_STREAM_WINDOW, maxStream: QUICGO_MAX_STREAM_WINDOW, initialConn: QUICGO_INITIAL_CONN_WINDOW, maxConn: QUICGO_MAX_CONN_WINDOW };

export const quicGoCubicSpec: QuicCcSpec = {
  name: 'cubic',
  doc: "quic-go's Cubic sender (cubic_sender.go, cubic.go): Chromium's Cubic with HyStart, 32-packet initial window",
  label: 'Cubic/QUIC',
  color: '#009e73', // TCP Cubic's Okabe-Ito colour; its own marker and dash tell the transport
  marker: 'cross',
  dash: [6, 3, 1, 3],
  windows: QUICGO_WINDOWS,
  allowedParams: [],
  create: (rtt, mds) => new QuicGoCubicSender(rtt, mds, false),
};

export const quicGoRenoSpec: QuicCcSpec = {
  name: 'newreno',
  doc: "quic-go's NewReno (cubic_sender.go with reno): beta 0.7, one datagram per window of ACKs",
  label: 'NewReno/QUIC',
  color: '#cc79a7', // TCP Reno's Okabe-Ito colour; its own marker and dash tell the transport
  marker: 'rectRounded',
  dash: [2, 2, 8, 2],
  windows: QUICGO_WINDOWS,
  allowedParams: [],
  create: (rtt, mds) => new QuicGoCubicSender(rtt, mds, true),
};
