/**
 * quic-go's Cubic window curve (internal/congestion/cubic.go, from
 * Chromium's QUIC): the window grows along a cubic of the time since the last
 * loss, centred on the window before that loss, and at least as fast as Reno
 * would (TCP friendliness), with beta 0.7 and the extra back-off 0.85 when a
 * loss comes before the old maximum was reached. Time is kept in 1/1024 s
 * and the cube scaled as quic-go does (cubeScale 40, cubeCongestionWindowScale
 * 410, the datagram size fixed at 1252 in the scale, as quic-go's TODO says).
 *
 * float32 where quic-go uses float32 (beta, alpha); windows in bytes.
 */

/** cubeScale, cubeCongestionWindowScale. */
const CUBE_SCALE = 40;
const CUBE_CWND_SCALE = 410;
/** The maxDatagramSize constant of cubic.go (protocol.InitialPacketSizeIPv4). */
export const CUBIC_MAX_DATAGRAM = 1252;
/** cubeFactor = 1 << cubeScale / cubeCongestionWindowScale / maxDatagramSize (Go integer division, left to right). */
const CUBE_FACTOR = Math.floor(Math.floor(2 ** CUBE_SCALE / CUBE_CWND_SCALE) / CUBIC_MAX_DATAGRAM);
const f32 = Math.fround;
/** beta, betaLastMax (float32). */
const BETA = f32(0.7);
const BETA_LAST_MAX = f32(0.85);
/** One connection emulated: beta() = beta, alpha() = 3 (1 - beta) / (1 + beta). */
const ALPHA = f32(f32(3 * f32(1 - BETA)) / f32(1 + BETA));

export class CubicCurve {
  /** Start of the current epoch (ns), -1 when none. */
  epochNs = -1;
  lastMaxCongestionWindow = 0;
  ackedBytesCount = 0;
  estimatedTcpCongestionWindow = 0;
  originPointCongestionWindow = 0;
  /** In 1/1024 s. */
  timeToOriginPoint = 0;
  lastTargetCongestionWindow = 0;

  reset(): void {
    this.epochNs = -1;
    this.lastMaxCongestionWindow = 0;
    this.ackedBytesCount = 0;
    this.estimatedTcpCongestionWindow = 0;
    this.originPointCongestionWindow = 0;
    this.timeToOriginPoint = 0;
    this.lastTargetCongestionWindow = 0;
  }

  onApplicationLimited(): void {
    this.epochNs = -1;
  }

  /** CongestionWindowAfterPacketLoss. */
  afterPacketLoss(cwnd: number): number {
    if (cwnd + CUBIC_MAX_DATAGRAM < this.lastMaxCongestionWindow) {
      this.lastMaxCongestionWindow = Math.trunc(f32(BETA_LAST_MAX * f32(cwnd)));
    } else {
      this.lastMaxCongestionWindow = cwnd;
    }
    this.epochNs = -1;
    return Math.trunc(f32(f32(cwnd) * BETA));
  }

  /** CongestionWindowAfterAck. */
  afterAck(ackedBytes: number, cwnd: number, delayMinNs: number, nowNs: number): number {
    this.ackedBytesCount += ackedBytes;
    if (this.epochNs < 0) {
      this.epochNs = nowNs;
      this.ackedBytesCount = ackedBytes;
      this.estimatedTcpCongestionWindow = cwnd;
      if (this.lastMaxCongestionWindow <= cwnd) {
        this.timeToOriginPoint = 0;
        this.originPointCongestionWindow = cwnd;
      } else {
        this.timeToOriginPoint = Math.trunc(Math.cbrt(CUBE_FACTOR * (this.lastMaxCongestionWindow - cwnd)));
        this.originPointCongestionWindow = this.lastMaxCongestionWindow;
      }
    }
    // microseconds since the epoch (plus min RTT) in 1/1024 s
    const elapsedUs = Math.trunc((nowNs + delayMinNs - this.epochNs) / 1000);
    const elapsed = Math.trunc((elapsedUs * 1024) / 1e6);
    const offset = Math.abs(this.timeToOriginPoint - elapsed);
    // (410 * offset^3 * 1252) >> 40, exact in BigInt
    const delta = Number((BigInt(CUBE_CWND_SCALE) * BigInt(offset) ** 3n * BigInt(CUBIC_MAX_DATAGRAM)) >> BigInt(CUBE_SCALE));
    let target = elapsed > this.timeToOriginPoint ? this.originPointCongestionWindow + delta : this.originPointCongestionWindow - delta;
    // at most half the acked bytes more than now
    target = Math.min(target, cwnd + Math.floor(this.ackedBytesCount / 2));
    this.estimatedTcpCongestionWindow += Math.trunc(f32(f32(f32(f32(this.ackedBytesCount) * ALPHA) * f32(CUBIC_MAX_DATAGRAM)) / f32(this.estimatedTcpCongestionWindow)));
    this.ackedBytesCount = 0;
    this.lastTargetCongestionWindow = target;
    if (target < this.estimatedTcpCongestionWindow) target = this.estimatedTcpCongestionWindow;
    return target;
  }
}
