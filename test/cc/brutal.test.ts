/**
 * Brutal (tcp_brutal) against hand-computed cases of the module's integer
 * formula (shared/reference/brutal.md):
 *   ack_rate = 100 below 50 samples, else max(floor(acked*100/(acked+losses)), 80)
 *   rate'    = floor(rate*100/ack_rate)
 *   cwnd     = max(floor(floor(floor(rate'/1000)*rtt_ms/mss)*gain/10), 4), clamped
 *   pacing   = min(rate', max_pacing_rate)
 * The arithmetic of each expected value is written next to it.
 */
import { describe, expect, it } from 'vitest';
import { brutalCompensatedRate, createBrutal, type BrutalConfig } from '../../src/cc/brutal.js';
import { RateSample, type TcpSock } from '../../src/tcp/types.js';
import { TCP_INFINITE_SSTHRESH } from '../../src/tcp/constants.js';
import { FakeSock } from './fake-sock.js';

const RATE_30MBIT = 3_750_000; // bytes/s
const SRTT_50MS = 8 * 50_000; // tp->srtt_us is scaled by 8

interface AckSpec {
  /** Sender clock (tcp_mstamp), seconds. */
  t: number;
  acked: number;
  losses: number;
  /** Make the rate sample invalid: 'delivered' (delivered = -1), 'interval' (interval_us = -1) or 'zero' (interval_us = 0). */
  invalid?: 'delivered' | 'interval' | 'zero';
}

function sample(a: AckSpec): RateSample {
  const rs = new RateSample();
  rs.ackedSacked = a.acked;
  rs.losses = a.losses;
  rs.delivered = a.invalid === 'delivered' ? -1 : a.acked;
  rs.intervalUs = a.invalid === 'interval' ? -1 : a.invalid === 'zero' ? 0 : 50_000;
  return rs;
}

function run(cfg: Partial<BrutalConfig>, acks: AckSpec[], sock: Partial<Pick<TcpSock, 'srttUs8' | 'mss' | 'sndCwndClamp' | 'maxPacingRate'>> = {}) {
  const tp = new FakeSock();
  tp.srttUs8 = SRTT_50MS;
  Object.assign(tp, sock);
  const cc = createBrutal({ rateBytesPerSec: RATE_30MBIT, cwndGain: 20, slots: 5, ...cfg });
  cc.init!(tp);
  for (const a of acks) {
    tp.nowNs = Math.round(a.t * 1e9);
    cc.congControl!(tp, sample(a));
  }
  return { tp, cc };
}

describe('Brutal cwnd and pacing rate equal the module formula', () => {
  // [name, config, acks, socket, expected ack rate, cwnd, pacing rate]
  const table: [string, Partial<BrutalConfig>, AckSpec[], Parameters<typeof run>[2], number, number, number][] = [
    // 3750 * 50 = 187500; /1448 = 129; *20 = 2580; /10 = 258
    ['no loss', {}, [{ t: 1.1, acked: 100, losses: 0 }], {}, 100, 258, 3_750_000],
    // 49 samples < 50: ack rate 100 whatever the loss
    ['fewer than 50 samples (39% lost)', {}, [{ t: 1.1, acked: 30, losses: 19 }], {}, 100, 258, 3_750_000],
    // 8000/100 = 80 exactly; 375e6/80 = 4687500; 4687*50 = 234350; /1448 = 161; *20/10 = 322
    ['ack rate exactly at the 80% floor', {}, [{ t: 1.1, acked: 80, losses: 20 }], {}, 80, 322, 4_687_500],
    // 8100/100 = 81; 375e6/81 = 4629629; 4629*50 = 231450; /1448 = 159; *20/10 = 318
    ['ack rate just above the floor', {}, [{ t: 1.1, acked: 81, losses: 19 }], {}, 81, 318, 4_629_629],
    // 70000/1000 = 70 -> floored to 80: compensation capped at 1.25x
    ['loss above 20% (30%)', {}, [{ t: 1.1, acked: 700, losses: 300 }], {}, 80, 322, 4_687_500],
    // 90000/1000 = 90; 375e6/90 = 4166666; 4166*50 = 208300; /1448 = 143; *20/10 = 286
    ['10% loss', {}, [{ t: 1.1, acked: 900, losses: 100 }], {}, 90, 286, 4_166_666],
    // 99900/1000 = 99 (truncated, not rounded); 375e6/99 = 3787878; 3787*50 = 189350; /1448 = 130; 260
    ['ack rate truncates (0.1% loss -> 99)', {}, [{ t: 1.1, acked: 999, losses: 1 }], {}, 99, 260, 3_787_878],
    // srtt 999 us -> 0 ms -> 1 ms; 125000 * 1 = 125000; /1448 = 86; *20/10 = 172
    ['srtt below 1 ms counts as 1 ms', { rateBytesPerSec: 125_000_000 }, [{ t: 1.1, acked: 100, losses: 0 }], { srttUs8: 8 * 999 }, 100, 172, 125_000_000],
    // srtt_us >> 3 = 0 (less than 1 us)
    ['srtt below 1 us counts as 1 ms', { rateBytesPerSec: 125_000_000 }, [{ t: 1.1, acked: 100, losses: 0 }], { srttUs8: 7 }, 100, 172, 125_000_000],
    // 50.999 ms truncates to 50 ms: same as 'no loss'
    ['srtt truncates to whole ms', {}, [{ t: 1.1, acked: 100, losses: 0 }], { srttUs8: 8 * 50_999 }, 100, 258, 3_750_000],
    // 129 * 5 = 645; /10 = 64
    ['cwnd gain 5 (minimum)', { cwndGain: 5 }, [{ t: 1.1, acked: 100, losses: 0 }], {}, 100, 64, 3_750_000],
    // 129 * 80 = 10320; /10 = 1032
    ['cwnd gain 80 (maximum)', { cwndGain: 80 }, [{ t: 1.1, acked: 100, losses: 0 }], {}, 100, 1032, 3_750_000],
    // 129 * 15 = 1935; /10 = 193
    ['cwnd gain 15 (upstream recommendation)', { cwndGain: 15 }, [{ t: 1.1, acked: 100, losses: 0 }], {}, 100, 193, 3_750_000],
    // 62500/1000 = 62; *10 ms = 620; /1448 = 0 -> floor 4
    ['cwnd floor 4', { rateBytesPerSec: 62_500 }, [{ t: 1.1, acked: 100, losses: 0 }], { srttUs8: 8 * 10_000 }, 100, 4, 62_500],
    // formula gives 258, snd_cwnd_clamp is 100
    ['cwnd clamp', {}, [{ t: 1.1, acked: 100, losses: 0 }], { sndCwndClamp: 100 }, 100, 100, 3_750_000],
    // rate' = 4687500 but sk_max_pacing_rate = 4e6; cwnd still from rate' (322)
    ['pacing rate capped by max_pacing_rate', {}, [{ t: 1.1, acked: 80, losses: 20 }], { maxPacingRate: 4_000_000 }, 80, 322, 4_000_000],
    // mss 536: 3750 * 50 = 187500; /536 = 349; *20/10 = 698
    ['smaller MSS', {}, [{ t: 1.1, acked: 100, losses: 0 }], { mss: 536 }, 100, 698, 3_750_000],
  ];

  for (const [name, cfg, acks, sock, ackRate, cwnd, pacing] of table) {
    it(name, () => {
      const { tp, cc } = run(cfg, acks, sock);
      expect(cc.last!.ackRate).toBe(ackRate);
      expect(tp.sndCwnd).toBe(cwnd);
      expect(tp.pacingRate).toBe(pacing);
    });
  }
});

describe('Brutal per-second slots', () => {
  it('sums acked and losses of the current second', () => {
    // 60 + 40 acked, 10 + 15 lost in second 1: 10000/125 = 80 -> 322
    const { tp, cc } = run({}, [
      { t: 1.1, acked: 60, losses: 10 },
      { t: 1.9, acked: 40, losses: 15 },
    ]);
    expect(cc.last!.acked).toBe(100);
    expect(cc.last!.losses).toBe(25);
    expect(tp.sndCwnd).toBe(322);
  });

  it('counts the last 5 seconds across slots', () => {
    // seconds 1..4 each 25 acked, 5 lost; second 5: 20 acked 0 lost -> 120 acked, 20 lost: 12000/140 = 85
    const acks: AckSpec[] = [1, 2, 3, 4].map((s) => ({ t: s + 0.5, acked: 25, losses: 5 }));
    acks.push({ t: 5.5, acked: 20, losses: 0 });
    const { cc } = run({}, acks);
    expect(cc.last!.acked).toBe(120);
    expect(cc.last!.losses).toBe(20);
    expect(cc.last!.ackRate).toBe(85);
  });

  it('overwrites a slot reused after an idle second instead of adding to it', () => {
    // second 1 -> slot 1 {1, 40, 20}; idle; second 6 -> slot 1 again: overwritten with {6, 10, 0}.
    // Only 10 samples remain: ack rate 100 (adding would give 50 acked, 20 lost -> 71 -> 80).
    const { tp, cc } = run({}, [
      { t: 1.2, acked: 40, losses: 20 },
      { t: 6.5, acked: 10, losses: 0 },
    ]);
    expect(cc.last!.acked).toBe(10);
    expect(cc.last!.losses).toBe(0);
    expect(cc.last!.ackRate).toBe(100);
    expect(tp.sndCwnd).toBe(258);
  });

  it('skips a slot older than the window', () => {
    // second 2 -> slot 2 {2, 100, 60}; second 8 -> slot 3. min_sec = 8 - 5 = 3 > 2: slot 2 is skipped.
    const { cc } = run({}, [
      { t: 2.5, acked: 100, losses: 60 },
      { t: 8.1, acked: 10, losses: 0 },
    ]);
    expect(cc.last!.acked).toBe(10);
    expect(cc.last!.ackRate).toBe(100);
  });

  it('keeps a slot from sec - 4 in the window', () => {
    // second 4 -> slot 4 {4, 100, 100}; second 8 -> slot 3; min_sec = 3 <= 4: counted. 110/210 = 52 -> 80
    const { cc } = run({}, [
      { t: 4.5, acked: 100, losses: 100 },
      { t: 8.2, acked: 10, losses: 0 },
    ]);
    expect(cc.last!.acked).toBe(110);
    expect(cc.last!.losses).toBe(100);
    expect(cc.last!.ackRate).toBe(80);
  });

  it('the slot count is a parameter: with 3 slots a 4-second-old slot no longer counts', () => {
    const acks: AckSpec[] = [
      { t: 0.5, acked: 100, losses: 100 },
      { t: 4.5, acked: 10, losses: 0 },
    ];
    // 3 slots: second 0 in slot 0, second 4 in slot 1; min_sec = 1 > 0 -> skipped
    expect(run({ slots: 3 }, acks).cc.last!.ackRate).toBe(100);
    // 5 slots: min_sec = -1 <= 0 -> counted: 110/210 = 52 -> 80
    expect(run({ slots: 5 }, acks).cc.last!.ackRate).toBe(80);
  });
});

describe('Brutal ignores invalid rate samples entirely', () => {
  for (const invalid of ['delivered', 'interval', 'zero'] as const) {
    it(`${invalid === 'delivered' ? 'delivered < 0' : invalid === 'interval' ? 'interval_us < 0' : 'interval_us = 0'}: no cwnd change, losses not counted`, () => {
      const { tp, cc } = run({}, [
        { t: 1.1, acked: 100, losses: 0 },
        { t: 1.2, acked: 10, losses: 90, invalid },
      ]);
      expect(tp.sndCwnd).toBe(258);
      // a later valid ACK sees only the valid samples: 101 acked, 0 lost
      cc.congControl!(tp, sample({ t: 1.3, acked: 1, losses: 0 }));
      expect(cc.last!.acked).toBe(101);
      expect(cc.last!.losses).toBe(0);
      expect(tp.sndCwnd).toBe(258);
    });
  }
  it('before any valid sample, cwnd and pacing stay as the stack set them', () => {
    const { tp, cc } = run({}, [{ t: 0.1, acked: 10, losses: 5, invalid: 'delivered' }]);
    expect(tp.sndCwnd).toBe(10);
    expect(tp.pacingRate).toBe(0);
    expect(cc.last).toBeNull();
  });
});

describe('Brutal never backs off by itself', () => {
  it('init leaves ssthresh infinite (no slow start); ssthresh() and undo_cwnd() return the current values', () => {
    const { tp, cc } = run({}, [{ t: 1.1, acked: 80, losses: 20 }]);
    expect(tp.sndSsthresh).toBe(TCP_INFINITE_SSTHRESH);
    expect(cc.ssthresh(tp)).toBe(TCP_INFINITE_SSTHRESH);
    tp.sndCwnd = 17; // e.g. the stack's cwnd = in_flight + 1 on RTO
    expect(cc.undoCwnd(tp)).toBe(17);
    // the next ACK restores the formula's window
    cc.congControl!(tp, sample({ t: 1.2, acked: 0, losses: 0 }));
    expect(tp.sndCwnd).toBe(322);
  });
  it('asks the stack to pace and implements cong_control only', () => {
    const cc = createBrutal();
    expect(cc.needsPacing).toBe(true);
    expect(cc.congControl).toBeDefined();
    expect(cc.congAvoid).toBeUndefined();
  });
  it('defaults to the module defaults: 1 Mbit/s (125000 B/s), gain 2.0', () => {
    const tp = new FakeSock();
    tp.srttUs8 = SRTT_50MS;
    const cc = createBrutal();
    cc.init!(tp);
    tp.nowNs = 1e9;
    cc.congControl!(tp, sample({ t: 1, acked: 1, losses: 0 }));
    // 125 * 50 = 6250; /1448 = 4; *20/10 = 8
    expect(tp.pacingRate).toBe(125_000);
    expect(tp.sndCwnd).toBe(8);
  });
});

describe('Brutal u64 rate arithmetic', () => {
  it('rate * 100 / ack_rate is exact beyond 2^53', () => {
    const rate = 2 ** 50 + 1; // rate * 100 is not representable as a double
    expect(brutalCompensatedRate(rate, 81)).toBe((BigInt(rate) * 100n) / 81n);
    expect(brutalCompensatedRate(RATE_30MBIT, 81)).toBe(4_629_629);
  });
});
