/**
 * Delivery-rate samples (tcp_rate.c semantics).
 */
import { describe, expect, it } from 'vitest';
import { SINGLE_FLOW, simulateFile } from '../helpers/sim.js';
import { RateSample, type CongestionOps, type TcpSock } from '../../src/tcp/types.js';
import { rateGen, type RateState } from '../../src/tcp/rate.js';
import { Scoreboard } from '../../src/tcp/scoreboard.js';

/** A test congestion control: paced at a constant rate with a large window, recording every sample. */
interface Logged {
  rs: RateSample;
  /** When the ACK was processed (tcp_mstamp, us). */
  tUs: number;
}

function constantRate(bytesPerSec: number, log: Logged[]): CongestionOps {
  const pin = (tp: TcpSock) => {
    tp.pacingRate = bytesPerSec;
    tp.sndCwnd = 2000;
  };
  return {
    name: 'constant',
    needsPacing: true,
    init: pin,
    congControl(tp, rs) {
      const copy = new RateSample();
      Object.assign(copy, rs);
      log.push({ rs: copy, tUs: tp.mstampUs });
      pin(tp);
    },
    ssthresh: (tp) => tp.sndSsthresh,
    undoCwnd: (tp) => tp.sndCwnd,
  };
}

describe('rate samples of a paced constant-rate sender', () => {
  it('equal the send rate within 2% and are never invalid on a clean path', () => {
    const rate = 20e6 / 8; // 20 Mbit/s of payload on a 50 Mbit/s link: no queue builds
    const log: Logged[] = [];
    simulateFile(SINGLE_FLOW, ['duration=5s'], {
      setup(net) {
        (net.senders[0] as unknown as { ca: CongestionOps }).ca = constantRate(rate, log);
      },
    });
    expect(log.length).toBeGreaterThan(1000);
    const invalid = log.filter(({ rs }) => rs.delivered < 0 || rs.intervalUs < 0);
    expect(invalid).toHaveLength(0);
    // steady state: after the first round trips, whose windows still hold the unpaced initial
    // burst (Linux does not pace the first 10 segments), the samples measure the pacing rate
    const steady = log.filter(({ rs, tUs }) => !rs.isAppLimited && rs.delivered > 0 && tUs >= 300_000).map((x) => x.rs);
    expect(steady.length).toBeGreaterThan(1000);
    for (const s of steady) {
      const bytesPerSec = (s.delivered * 1448 * 1e6) / s.intervalUs;
      expect(Math.abs(bytesPerSec / rate - 1)).toBeLessThan(0.02);
    }
    // Linux starts with app_limited = ~0U but the SYN-ACK's tcp_rate_gen() clears it, so even the
    // initial window's samples are not app-limited; the SYN counts as delivered
    expect(log[0]!.rs.isAppLimited).toBe(false);
    expect(log[0]!.rs.priorDelivered).toBe(1);
  });
});

function state(minRttUs: number): RateState {
  return {
    sb: new Scoreboard(64),
    packetsOut: 10,
    delivered: 100,
    deliveredMstamp: 0,
    firstTxMstamp: 0,
    appLimited: 0,
    rateDelivered: 0,
    rateIntervalUs: 0,
    rateAppLimited: false,
    mstampUs: 1_000_000,
    minRttUs,
    lost: 0,
    deliveredCe: 0,
    packetsInFlight: () => 10,
  };
}

describe('invalid rate samples where Linux makes them (tcp_rate_gen)', () => {
  it('no timing information (no newly delivered packet carried a send snapshot): delivered = interval = -1', () => {
    const rs = new RateSample();
    rateGen(state(50_000), 2, 0, false, rs);
    expect(rs.delivered).toBe(-1);
    expect(rs.intervalUs).toBe(-1);
    expect(rs.ackedSacked).toBe(2);
  });
  it('SACK reneging: invalid', () => {
    const rs = new RateSample();
    rs.priorMstamp = 900_000;
    rs.priorDelivered = 90;
    rateGen(state(50_000), 2, 0, true, rs);
    expect(rs.delivered).toBe(-1);
    expect(rs.intervalUs).toBe(-1);
  });
  it('interval shorter than min_rtt: interval = -1 but delivered is kept', () => {
    const rs = new RateSample();
    rs.priorMstamp = 990_000; // ack phase 10 ms
    rs.priorDelivered = 90;
    rs.intervalUs = 5_000; // send phase 5 ms
    rateGen(state(50_000), 2, 0, false, rs);
    expect(rs.delivered).toBe(10);
    expect(rs.intervalUs).toBe(-1);
  });
  it('a valid sample uses the longer of the send and ACK phases', () => {
    const rs = new RateSample();
    rs.priorMstamp = 940_000; // ack phase 60 ms
    rs.priorDelivered = 90;
    rs.intervalUs = 70_000; // send phase 70 ms
    const st = state(50_000);
    rateGen(st, 2, 1, false, rs);
    expect(rs.delivered).toBe(10);
    expect(rs.intervalUs).toBe(70_000);
    expect(rs.losses).toBe(1);
    expect(st.rateDelivered).toBe(10);
    expect(st.rateIntervalUs).toBe(70_000);
  });
});
