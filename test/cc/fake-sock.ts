/**
 * A hand-driven TcpSock for unit tests of congestion controls: every field a
 * CC reads is a plain property the test sets, time included.
 */
import type { CaState, TcpSock } from '../../src/tcp/types.js';
import { JIFFY_NS, TCP_CWND_CLAMP_DEFAULT, TCP_INFINITE_SSTHRESH } from '../../src/tcp/constants.js';

export class FakeSock implements TcpSock {
  sndCwnd = 10;
  sndSsthresh = TCP_INFINITE_SSTHRESH;
  sndCwndCnt = 0;
  sndCwndClamp = TCP_CWND_CLAMP_DEFAULT;
  priorCwnd = 0;
  pacingRate = 0;
  maxPacingRate = Number.MAX_SAFE_INTEGER;
  mss = 1448;
  srttUs8 = 0;
  minRttUs = 0xffffffff;
  delivered = 0;
  lost = 0;
  /** tp->delivered_ce. */
  deliveredCe = 0;
  /** ECN negotiated (TCP_ECN_OK). */
  ecnOk = true;
  packetsOut = 0;
  retransOut = 0;
  appLimited = 0;
  caState: CaState = 0;
  sndUna = 0;
  sndNxt = 0;
  lsndtime = 0;
  pacingStatus = 0;
  /** tp->delivered_mstamp, us. */
  deliveredMstamp = 0;
  /** tp->tcp_wstamp_ns: the pacing clock (nanoseconds). */
  tcpWstampNs = 0;
  /** Simulated time, nanoseconds: mstampUs and jiffies derive from it. */
  nowNs = 0;
  /** tp->is_cwnd_limited (the field tcp_cwnd_validate() sets). */
  isCwndLimitedFlag = true;
  /** tp->max_packets_out: tcp_is_cwnd_limited()'s slow-start clause reads it. */
  maxPacketsOut = 0;

  get mstampUs(): number {
    return Math.floor(this.nowNs / 1000);
  }
  get jiffies(): number {
    return Math.floor(this.nowNs / JIFFY_NS);
  }
  get tcpClockCacheNs(): number {
    return this.nowNs;
  }
  packetsInFlight(): number {
    return this.packetsOut;
  }
  /** tcp_is_cwnd_limited(), as include/net/tcp.h computes it. */
  isCwndLimited(): boolean {
    if (this.isCwndLimitedFlag) return true;
    if (this.inSlowStart()) return this.sndCwnd < 2 * this.maxPacketsOut;
    return false;
  }
  inSlowStart(): boolean {
    return this.sndCwnd < this.sndSsthresh;
  }
  randomU32(): number {
    return 0;
  }
  /** Modes the CC reported, in order. */
  readonly modes: string[] = [];
  ccModeChanged(mode: string): void {
    this.modes.push(mode);
  }
}
