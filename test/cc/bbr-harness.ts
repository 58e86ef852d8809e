/**
 * A fake connection for BBR unit tests: a TcpSock whose fields the test
 * sets, and an ACK-clock model that turns "P packets delivered per round
 * trip" into the rate samples tcp_rate.c would produce. The packet whose
 * delivery an ACK reports was sent one RTT earlier, so its snapshot
 * (prior_delivered, prior_mstamp) is the delivery state one RTT ago, and
 * rs.delivered / rs.interval_us is the delivery rate over the last RTT.
 */
import { createBbr, type BbrOps } from '../../src/cc/bbr/index.js';
import type { BbrState } from '../../src/cc/bbr/state.js';
import { RateSample } from '../../src/tcp/types.js';
import { FakeSock } from './fake-sock.js';

/** The shared fake connection, with a scripted random stream for the PROBE_BW start phase. */
export class BbrFakeSock extends FakeSock {
  /** Random words handed out by randomU32(), in order; a fixed LCG after they run out. */
  randoms: number[] = [];
  private lcg = 12345;
  override pacingStatus = 1;

  override randomU32(): number {
    const r = this.randoms.shift();
    if (r !== undefined) return r >>> 0;
    this.lcg = (Math.imul(this.lcg, 1103515245) + 12345) >>> 0;
    return this.lcg;
  }
}

export interface AckOptions {
  /** Time since the previous ACK, us. */
  dtUs: number;
  /** Packets newly delivered by this ACK. */
  acked: number;
  /** RTT sample of this ACK, us (-1 = none). */
  rttUs: number;
  losses?: number;
  appLimited?: boolean;
  /** In flight before the ACK (rs.prior_in_flight) and after it (packetsInFlight). */
  inflight?: number;
}

export interface RoundOptions {
  /** Round-trip time of the path and of the RTT samples, us. */
  rttUs: number;
  /** ACKs per round trip (each for pkts / acks packets). */
  acks?: number;
  /** Losses reported per ACK. */
  lossesPerAck?: number;
  appLimited?: boolean;
  /** In-flight level, fixed or as a function of the harness (e.g. of the current gain). */
  inflight?: number | ((h: BbrHarness) => number);
  /** Called after every ACK. */
  onAck?: (h: BbrHarness) => void;
}

export class BbrHarness {
  readonly tp = new BbrFakeSock();
  readonly ops: BbrOps = createBbr();
  readonly bbr: BbrState = this.ops.state;
  /** (time us, tp.delivered) after every ACK, for the one-RTT-ago lookup. */
  private readonly history: { t: number; d: number }[] = [];
  readonly rs = new RateSample();

  /** A connection established at t = rttUs with a handshake RTT of rttUs (srtt, min_rtt). */
  constructor(rttUs = 50_000, randoms: number[] = []) {
    const tp = this.tp;
    tp.randoms = randoms;
    tp.nowNs = rttUs * 1000;
    tp.srttUs8 = rttUs * 8;
    tp.minRttUs = rttUs;
    tp.deliveredMstamp = 0;
    this.history.push({ t: rttUs, d: 0 });
    this.ops.init!(tp);
  }

  get now(): number {
    return this.tp.mstampUs;
  }

  /** Delivery state (time, delivered) at or just before time t. */
  private stateAt(t: number): { t: number; d: number } {
    const h = this.history;
    let best = h[0]!;
    for (let i = h.length - 1; i >= 0; i--) {
      if (h[i]!.t <= t) {
        best = h[i]!;
        break;
      }
    }
    return best;
  }

  /** One ACK: advance time, account the delivery, build the rate sample, run bbr_main. */
  ack(o: AckOptions): RateSample {
    const tp = this.tp;
    const rs = this.rs;
    rs.reset();
    tp.nowNs += o.dtUs * 1000;
    tp.tcpWstampNs = Math.max(tp.tcpWstampNs, tp.tcpClockCacheNs);
    const inflight = o.inflight ?? tp.packetsOut;
    rs.priorInFlight = inflight;
    // the sampled packet left one RTT ago, carrying the delivery state of then
    const prior = this.stateAt(tp.mstampUs - Math.max(o.rttUs, 0));
    rs.priorDelivered = prior.d;
    rs.priorMstamp = prior.t;
    rs.isAppLimited = o.appLimited ?? false;
    tp.delivered += o.acked;
    tp.lost += o.losses ?? 0;
    if (o.acked > 0) tp.deliveredMstamp = tp.mstampUs;
    rs.ackedSacked = o.acked;
    rs.losses = o.losses ?? 0;
    rs.rttUs = o.rttUs;
    rs.delivered = tp.delivered - rs.priorDelivered;
    rs.intervalUs = tp.mstampUs - rs.priorMstamp;
    if (rs.intervalUs < tp.minRttUs) rs.intervalUs = -1;
    tp.packetsOut = inflight; // what packetsInFlight() answers
    this.history.push({ t: tp.mstampUs, d: tp.delivered });
    if (this.history.length > 4096) this.history.splice(0, 2048);
    this.ops.congControl!(tp, rs);
    return rs;
  }

  /** n round trips, each delivering pkts packets in evenly spaced ACKs. */
  rounds(n: number, pkts: number, o: RoundOptions): void {
    const acks = o.acks ?? 20;
    for (let r = 0; r < n; r++) {
      for (let i = 0; i < acks; i++) {
        const inflight = typeof o.inflight === 'function' ? o.inflight(this) : o.inflight;
        this.ack({
          dtUs: Math.floor(o.rttUs / acks),
          acked: Math.round(((i + 1) * pkts) / acks) - Math.round((i * pkts) / acks),
          rttUs: o.rttUs,
          losses: o.lossesPerAck ?? 0,
          appLimited: o.appLimited ?? false,
          ...(inflight !== undefined ? { inflight } : {}),
        });
        o.onAck?.(this);
      }
    }
  }
}
