/**
 * RTT estimation and the RTO (src/tcp/rtt.ts) alone, over a plain RttState:
 * Linux's tcp_rtt_estimator() and tcp_set_rto(), in microseconds and jiffies.
 */
import { describe, expect, it } from 'vitest';
import { MinMax } from '../../src/tcp/minmax.js';
import { ackUpdateRtt, type RttState } from '../../src/tcp/rtt.js';
import { FLAG_ACK_MAYBE_DELAYED, FLAG_DATA_ACKED } from '../../src/tcp/sock.js';
import { RateSample } from '../../src/tcp/types.js';

function fresh(): RttState & { sndUna: number; sndNxt: number } {
  const rttMin = new MinMax();
  rttMin.reset(0, 0xffffffff);
  return {
    srttUs8: 0,
    mdevUs: 1_000_000,
    mdevMaxUs: 0,
    rttvarUs: 0,
    rttSeq: 0,
    rtoJiffies: 250,
    backoff: 3,
    rttMin,
    rcvTsecr: 0,
    sndUna: 0,
    sndNxt: 10,
    jiffies: 0,
    clockNs: 0,
  };
}

/** One ACK per window of 10 segments, each with an RTT sample of `us`. */
function sample(tp: ReturnType<typeof fresh>, us: number, flag = FLAG_DATA_ACKED): void {
  tp.sndUna = tp.sndNxt;
  tp.sndNxt += 10;
  ackUpdateRtt(tp, flag, us, -1, us, new RateSample());
}

describe('tcp_rtt_estimator and tcp_set_rto', () => {
  it('the first sample sets srtt to it and rttvar to twice it, but not below TCP_RTO_MIN; a sample ends the backoff', () => {
    const short = fresh();
    sample(short, 10_000);
    expect(short.srttUs8 >> 3).toBe(10_000);
    expect(short.rttvarUs).toBe(200_000);
    expect(short.rtoJiffies).toBe(53); // 210 ms in 4 ms jiffies, rounded up
    expect(short.backoff).toBe(0);
    const long = fresh();
    sample(long, 300_000);
    expect(long.rttvarUs).toBe(600_000);
    expect(long.rtoJiffies).toBe(225); // 900 ms: the floor plays no part
  });

  it('at a steady short RTT, rttvar stays at the 200 ms floor: RTO = srtt + 200 ms', () => {
    const tp = fresh();
    for (let i = 0; i < 50; i++) sample(tp, 10_000);
    expect(tp.srttUs8 >> 3).toBe(10_000);
    expect(tp.rttvarUs).toBe(200_000);
    expect(tp.rtoJiffies).toBe(53);
  });

  it('srtt follows a change of RTT with gain 1/8 per sample', () => {
    const tp = fresh();
    sample(tp, 10_000);
    sample(tp, 90_000);
    expect(tp.srttUs8 >> 3).toBe(20_000);
  });

  it('a possibly delayed ACK may lower the min RTT but never raise it', () => {
    const tp = fresh();
    sample(tp, 10_000);
    sample(tp, 50_000, FLAG_DATA_ACKED | FLAG_ACK_MAYBE_DELAYED);
    expect(tp.rttMin.get()).toBe(10_000);
    sample(tp, 8_000, FLAG_DATA_ACKED | FLAG_ACK_MAYBE_DELAYED);
    expect(tp.rttMin.get()).toBe(8_000);
  });
});
