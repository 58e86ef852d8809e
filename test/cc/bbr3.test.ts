/**
 * BBRv3 (src/cc/bbr3) unit tests: each v3 mechanism against values computed
 * by hand from Google's v3 tcp_bbr.c (github.com/google/bbr, branch v3), on
 * a hand-driven socket. Gains are x/256: loss_thresh 5, beta 76 (cut to
 * 180), ecn_factor 85, ecn_thresh 128, inflight_headroom 38, ecn_alpha_gain 16.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeSock } from './fake-sock.js';
import { createBbr3, bbr3SkbMarkedLost, type Bbr3Ops } from '../../src/cc/bbr3/index.js';
import type { Bbr3State } from '../../src/cc/bbr3/state.js';
import { adaptLowerBounds, inflightHiFromLostSkb, inflightWithHeadroom, isInflightTooHigh, boundCwndForInflightModel } from '../../src/cc/bbr3/bounds.js';
import { updateEcnAlpha } from '../../src/cc/bbr3/ecn.js';
import { checkFullBwReached, checkLossTooHighInStartup } from '../../src/cc/bbr3/startup.js';
import { adaptUpperBounds, hasElapsedInPhase, isRenoCoexistenceProbeTime, pickProbeWait, randomU32Below, updateCyclePhase } from '../../src/cc/bbr3/probe_bw.js';
import { bdp, inflight } from '../../src/cc/bbr3/cwnd.js';
import { LostSkb, RateSample, CA_RECOVERY } from '../../src/tcp/types.js';
import {
  BBR_BW_PROBE_CRUISE,
  BBR_BW_PROBE_DOWN,
  BBR_BW_PROBE_REFILL,
  BBR_BW_PROBE_UP,
  BBR_PROBE_BW,
  BBR_STARTUP,
  BBR_STARTUP_PACING_GAIN,
  BBR_PACING_GAIN,
  BBR_UNIT,
  U32_MAX,
} from '../../src/cc/bbr3/constants.js';

/** A socket with scripted random words, then a fixed LCG. */
class Sock extends FakeSock {
  randoms: number[] = [];
  private lcg = 12345;
  override randomU32(): number {
    const r = this.randoms.shift();
    if (r !== undefined) return r >>> 0;
    this.lcg = (Math.imul(this.lcg, 1103515245) + 12345) >>> 0;
    return this.lcg;
  }
}

/** 2^24 / 500: 1/500 packet per us, so that bw x 50 ms = 100 packets exactly (ceil of 99.9997). */
const BW_100_PER_50MS = Math.floor(2 ** 24 / 500);
const MIN_RTT_US = 50_000;

let tp: Sock;
let ops: Bbr3Ops;
let bbr: Bbr3State;

/** A connection past STARTUP, in PROBE_BW at `phase`, with bw 100 packets per 50 ms and cwnd 1000. */
function inProbeBw(phase: 0 | 1 | 2 | 3): void {
  bbr.mode = BBR_PROBE_BW;
  bbr.cycleIdx = phase;
  bbr.fullBwReached = true;
  bbr.minRttUs = MIN_RTT_US;
  bbr.bwHi[0] = BW_100_PER_50MS;
  tp.sndCwnd = 1000;
  tp.pacingRate = 0; // tso_segs_goal = sysctl_tcp_min_tso_segs = 2: a quantization floor of 6
}

function sample(o: Partial<RateSample>): RateSample {
  return Object.assign(new RateSample(), { intervalUs: MIN_RTT_US, delivered: 10, ackedSacked: 1 }, o);
}

beforeEach(() => {
  tp = new Sock();
  tp.nowNs = 50_000_000;
  tp.srttUs8 = MIN_RTT_US * 8;
  tp.minRttUs = MIN_RTT_US;
  ops = createBbr3();
  bbr = ops.state;
  ops.init!(tp);
});

describe('constants as the v3 source writes them', () => {
  it('startup pacing gain 2.77 (710/256), PROBE_BW gains UP 1.25, DOWN 0.91, CRUISE and REFILL 1', () => {
    expect(BBR_STARTUP_PACING_GAIN).toBe(710);
    expect(BBR_PACING_GAIN).toEqual([320, 232, 256, 256]);
  });
  it('the model starts unbounded: bw_lo, inflight_lo, inflight_hi = ~0U, ecn_alpha = 1.0, STARTUP', () => {
    expect(bbr.bwLo).toBe(U32_MAX);
    expect(bbr.inflightLo).toBe(U32_MAX);
    expect(bbr.inflightHi).toBe(U32_MAX);
    expect(bbr.ecnAlpha).toBe(256);
    expect(bbr.mode).toBe(BBR_STARTUP);
    expect(tp.modes).toEqual(['STARTUP']);
  });
  it('bdp(bw = 2^24/500, 50 ms) = 100 packets; the in-flight target adds 2 in PROBE_UP', () => {
    inProbeBw(BBR_BW_PROBE_CRUISE);
    expect(bdp(bbr, BW_100_PER_50MS, BBR_UNIT)).toBe(100);
    expect(inflight(bbr, tp, BW_100_PER_50MS, BBR_UNIT)).toBe(100);
    bbr.cycleIdx = BBR_BW_PROBE_UP;
    expect(inflight(bbr, tp, BW_100_PER_50MS, BBR_UNIT)).toBe(102);
  });
});

describe('bbr_is_inflight_too_high: loss above 2% of tx_in_flight, CE above 50% of delivered', () => {
  it('100 in flight: 1 loss is within floor(100 x 5 / 256) = 1, 2 are too many', () => {
    expect(isInflightTooHigh(bbr, sample({ txInFlight: 100, lost: 1 }))).toBe(false);
    expect(isInflightTooHigh(bbr, sample({ txInFlight: 100, lost: 2 }))).toBe(true);
  });
  it('50 in flight: the threshold floor(250 / 256) is 0, so one loss is too many', () => {
    expect(isInflightTooHigh(bbr, sample({ txInFlight: 50, lost: 1 }))).toBe(true);
  });
  it('no tx_in_flight snapshot: losses alone say nothing', () => {
    expect(isInflightTooHigh(bbr, sample({ txInFlight: 0, lost: 5 }))).toBe(false);
  });
  it('ECN only when ECN-eligible: 6 of 10 CE-marked exceed floor(10 x 128 / 256) = 5, 5 do not', () => {
    expect(isInflightTooHigh(bbr, sample({ delivered: 10, deliveredCe: 6 }))).toBe(false);
    bbr.ecnEligible = true;
    expect(isInflightTooHigh(bbr, sample({ delivered: 10, deliveredCe: 5 }))).toBe(false);
    expect(isInflightTooHigh(bbr, sample({ delivered: 10, deliveredCe: 6 }))).toBe(true);
  });
});

describe('inflight_hi on a too-high probe', () => {
  it('bbr_inflight_hi_from_lost_skb: 200 in flight, first loss: 199 + ((4 - 0) << 8) / 251 = 203', () => {
    // loss_budget = (199 x 5 + 255) >> 8 = 4; lost_prefix = (4 << 8) / (256 - 5) = 4
    expect(inflightHiFromLostSkb({ txInFlight: 200, lost: 1 }, 1)).toBe(203);
  });
  it('bbr_inflight_hi_from_lost_skb: earlier losses already crossed it: inflight_prev = 99', () => {
    // loss_budget = (99 x 5 + 255) >> 8 = 2 <= lost_prev 2
    expect(inflightHiFromLostSkb({ txInFlight: 100, lost: 3 }, 1)).toBe(99);
  });
  it('PROBE_UP with a too-high sample: inflight_hi = max(tx_in_flight, target x 0.7), then DOWN', () => {
    inProbeBw(BBR_BW_PROBE_UP);
    bbr.bwProbeSamples = true;
    bbr.inflightHi = 500;
    // target inflight = min(bdp 100 + 2 (UP), cwnd 1000) = 102; 102 x 180 >> 8 = 71
    adaptUpperBounds(bbr, tp, sample({ txInFlight: 90, lost: 3 }));
    expect(bbr.inflightHi).toBe(90);
    expect(bbr.cycleIdx).toBe(BBR_BW_PROBE_DOWN);
    expect(bbr.prevProbeTooHigh).toBe(true);
    expect(bbr.bwProbeSamples).toBe(false);
  });
  it('a too-high sample with a smaller flight keeps target x (1 - beta) = 71', () => {
    inProbeBw(BBR_BW_PROBE_UP);
    bbr.bwProbeSamples = true;
    adaptUpperBounds(bbr, tp, sample({ txInFlight: 40, lost: 3 }));
    expect(bbr.inflightHi).toBe(71);
  });
  it('only samples from probing count: outside bw_probe_samples inflight_hi stays', () => {
    inProbeBw(BBR_BW_PROBE_CRUISE);
    bbr.inflightHi = 500;
    adaptUpperBounds(bbr, tp, sample({ txInFlight: 90, lost: 3 }));
    expect(bbr.inflightHi).toBe(500);
    expect(bbr.cycleIdx).toBe(BBR_BW_PROBE_CRUISE);
  });
  it('a safe sample above inflight_hi raises it to tx_in_flight', () => {
    inProbeBw(BBR_BW_PROBE_CRUISE);
    bbr.inflightHi = 80;
    adaptUpperBounds(bbr, tp, sample({ txInFlight: 95, lost: 0 }));
    expect(bbr.inflightHi).toBe(95);
  });
  it('skb_marked_lost while probing: inflight_hi set where the loss rate crossed 2% within the flight', () => {
    inProbeBw(BBR_BW_PROBE_UP);
    bbr.bwProbeSamples = true;
    const skb = Object.assign(new LostSkb(), { txInFlight: 200, txLost: 10, isAppLimited: false, deliveredMstamp: 1 });
    tp.lost = 15; // 5 lost since it was sent (itself included): 5 > floor(200 x 5 / 256) = 3
    bbr3SkbMarkedLost(bbr, tp, skb);
    // inflight_prev 199, lost_prev 4, budget 4: prefix 0 -> inflight_hi = max(199, 71)
    expect(bbr.inflightHi).toBe(199);
    expect(bbr.cycleIdx).toBe(BBR_BW_PROBE_DOWN);
  });
  it('skb_marked_lost outside probing only notes the loss: a loss round starts at tp->delivered', () => {
    inProbeBw(BBR_BW_PROBE_CRUISE);
    bbr.inflightHi = 500;
    tp.delivered = 777;
    tp.lost = 15;
    bbr3SkbMarkedLost(bbr, tp, Object.assign(new LostSkb(), { txInFlight: 200, txLost: 10, deliveredMstamp: 1 }));
    expect([bbr.lossInRound, bbr.lossInCycle, bbr.lossRoundDelivered, bbr.inflightHi]).toEqual([true, true, 777, 500]);
  });
  it('PROBE_UP raises inflight_hi by 1 per cwnd / 2^rounds ACKed while cwnd-limited at it', () => {
    inProbeBw(BBR_BW_PROBE_UP);
    tp.sndCwnd = 100;
    bbr.inflightHi = 100;
    bbr.bwProbeUpRounds = 2; // growth 4 per round: one step per 25 packets
    bbr.bwProbeUpCnt = 25;
    bbr.bwProbeUpAcks = 0;
    adaptUpperBounds(bbr, tp, sample({ txInFlight: 100, ackedSacked: 60 }));
    expect(bbr.inflightHi).toBe(102);
    expect(bbr.bwProbeUpAcks).toBe(10);
  });
  /**
   * The source tests tp->is_cwnd_limited, the field, in both PROBE_UP checks
   * (bbr_probe_inflight_hi_upward, bbr_update_cycle_phase). Below the
   * ssthresh DRAIN set (about one BDP) tcp_in_slow_start() holds, and
   * tcp_is_cwnd_limited() then answers cwnd < 2 x max_packets_out
   * (100 < 2 x 95): true though the window was not cwnd-limited.
   */
  function upBelowSsthreshNotCwndLimited(): void {
    inProbeBw(BBR_BW_PROBE_UP);
    tp.sndSsthresh = 207;
    tp.sndCwnd = 100;
    tp.maxPacketsOut = 95;
    tp.isCwndLimitedFlag = false;
    bbr.inflightHi = 100;
    bbr.bwProbeUpCnt = 25;
    bbr.bwProbeUpAcks = 0;
  }
  it('PROBE_UP below ssthresh, window not cwnd-limited: inflight_hi stays 100 (the field, not tcp_is_cwnd_limited())', () => {
    upBelowSsthreshNotCwndLimited();
    expect(tp.isCwndLimited()).toBe(true);
    adaptUpperBounds(bbr, tp, sample({ txInFlight: 100, ackedSacked: 60 }));
    expect([bbr.inflightHi, bbr.bwProbeUpAcks]).toEqual([100, 0]);
    tp.isCwndLimitedFlag = true; // the same ACK in a cwnd-limited window: 60 / 25 = 2 steps, 10 left
    adaptUpperBounds(bbr, tp, sample({ txInFlight: 100, ackedSacked: 60 }));
    expect([bbr.inflightHi, bbr.bwProbeUpAcks]).toEqual([102, 10]);
  });
  it('PROBE_UP below ssthresh, window not cwnd-limited, bw plateau: the probe ends (DOWN)', () => {
    upBelowSsthreshNotCwndLimited();
    bbr.fullBwNow = true;
    bbr.roundStart = false;
    updateCyclePhase(bbr, tp, sample({ priorInFlight: 90 }), 5000);
    expect(bbr.cycleIdx).toBe(BBR_BW_PROBE_DOWN);
  });
  it('PROBE_UP cwnd-limited at inflight_hi: the plateau test restarts from this sample and the probe goes on', () => {
    upBelowSsthreshNotCwndLimited();
    tp.isCwndLimitedFlag = true;
    bbr.fullBwNow = true;
    bbr.roundStart = false;
    updateCyclePhase(bbr, tp, sample({ priorInFlight: 90 }), 5000);
    expect(bbr.cycleIdx).toBe(BBR_BW_PROBE_UP);
    expect([bbr.fullBw, bbr.fullBwCnt, bbr.fullBwNow]).toEqual([5000, 0, false]);
  });
});

describe('bw_lo and inflight_lo on loss (beta 0.3) and ECN (ecn_alpha x 1/3)', () => {
  beforeEach(() => {
    inProbeBw(BBR_BW_PROBE_CRUISE);
    tp.sndCwnd = 120;
    bbr.bwLatest = 20_000;
    bbr.inflightLatest = 50;
  });
  it('loss: bw_lo = max(bw_latest, max_bw x 180/256), inflight_lo = max(inflight_latest, cwnd x 180/256)', () => {
    bbr.lossInRound = true;
    adaptLowerBounds(bbr, tp);
    expect(bbr.bwLo).toBe(Math.floor((BW_100_PER_50MS * 180) / 256)); // 23592
    expect(bbr.inflightLo).toBe(84); // floor(120 x 180 / 256) = 84
    expect(bbr.bw()).toBe(23592);
  });
  it('loss cuts never go below what the last round delivered', () => {
    bbr.lossInRound = true;
    bbr.inflightLatest = 100;
    adaptLowerBounds(bbr, tp);
    expect(bbr.inflightLo).toBe(100);
  });
  it('ECN at alpha 1.0: inflight_lo = cwnd x (256 - 85) / 256 = 80, bw_lo untouched', () => {
    bbr.ecnInRound = true;
    adaptLowerBounds(bbr, tp);
    expect(bbr.inflightLo).toBe(80);
    expect(bbr.bwLo).toBe(U32_MAX);
  });
  it('ECN at alpha 0.5 (128): cut 1 - 42/256: 120 x 214 / 256 = 100', () => {
    bbr.ecnInRound = true;
    bbr.ecnAlpha = 128;
    adaptLowerBounds(bbr, tp);
    expect(bbr.inflightLo).toBe(100);
  });
  it('loss and ECN together: the lower of 84 and 80', () => {
    bbr.lossInRound = true;
    bbr.ecnInRound = true;
    adaptLowerBounds(bbr, tp);
    expect(bbr.inflightLo).toBe(80);
  });
  it('no cut while probing (REFILL, UP, STARTUP)', () => {
    bbr.lossInRound = true;
    bbr.cycleIdx = BBR_BW_PROBE_REFILL;
    adaptLowerBounds(bbr, tp);
    expect(bbr.inflightLo).toBe(U32_MAX);
  });
  it('cwnd is capped by inflight_lo, and in CRUISE by inflight_hi less 15% headroom', () => {
    bbr.inflightHi = 100;
    expect(inflightWithHeadroom(bbr)).toBe(86); // headroom floor(100 x 38 / 256) = 14
    tp.sndCwnd = 120;
    boundCwndForInflightModel(bbr, tp);
    expect(tp.sndCwnd).toBe(86);
    bbr.inflightLo = 60;
    boundCwndForInflightModel(bbr, tp);
    expect(tp.sndCwnd).toBe(60);
  });
});

describe('ecn_alpha: EWMA with gain 1/16 of the per-round CE ratio', () => {
  function eligible(): void {
    ops = createBbr3({ ecnLow: true });
    bbr = ops.state;
    ops.init!(tp);
    bbr.minRttUs = 1000;
  }
  it('25 of 100 CE: ratio 64; alpha = 240 x 256 >> 8 + 16 x 64 >> 8 = 244; a clean round: 228', () => {
    eligible();
    tp.delivered = 100;
    tp.deliveredCe = 25;
    expect(updateEcnAlpha(bbr, tp)).toBe(64);
    expect(bbr.ecnAlpha).toBe(244);
    tp.delivered = 200;
    expect(updateEcnAlpha(bbr, tp)).toBe(0);
    expect(bbr.ecnAlpha).toBe(228); // floor(240 x 244 / 256)
  });
  it('not eligible above 5 ms of min_rtt, or without the ecn_low route: no update', () => {
    eligible();
    bbr.minRttUs = 6000;
    tp.delivered = 100;
    tp.deliveredCe = 100;
    expect(updateEcnAlpha(bbr, tp)).toBe(-1);
    expect(bbr.ecnAlpha).toBe(256);
    ops = createBbr3();
    bbr = ops.state;
    ops.init!(tp);
    bbr.minRttUs = 1000;
    expect(updateEcnAlpha(bbr, tp)).toBe(-1);
  });
});

describe('STARTUP exits', () => {
  it('bw plateau: three rounds without 25% growth over full_bw', () => {
    const rs = sample({});
    checkFullBwReached(bbr, rs, 1000);
    expect(bbr.fullBw).toBe(1000);
    bbr.roundStart = true;
    checkFullBwReached(bbr, rs, 1249); // below 1000 x 320 / 256 = 1250
    checkFullBwReached(bbr, rs, 1100);
    expect(bbr.fullBwReached).toBe(false);
    checkFullBwReached(bbr, rs, 1200);
    expect(bbr.fullBwCnt).toBe(3);
    expect(bbr.fullBwReached).toBe(true);
  });
  it('25% growth restarts the count', () => {
    const rs = sample({});
    checkFullBwReached(bbr, rs, 1000);
    bbr.roundStart = true;
    checkFullBwReached(bbr, rs, 1100);
    checkFullBwReached(bbr, rs, 1250);
    expect(bbr.fullBwCnt).toBe(0);
    expect(bbr.fullBw).toBe(1250);
  });
  it('loss: at a loss-round end in Recovery with 6 loss events and loss above 2%; inflight_hi = max(BDP, inflight_latest)', () => {
    bbr.minRttUs = MIN_RTT_US;
    bbr.bwHi[1] = BW_100_PER_50MS;
    tp.pacingRate = 0;
    tp.caState = CA_RECOVERY;
    bbr.inflightLatest = 150;
    const lossy = sample({ losses: 1, lost: 10, txInFlight: 200 });
    for (let i = 0; i < 5; i++) checkLossTooHighInStartup(bbr, tp, lossy);
    expect(bbr.lossEventsInRound).toBe(5);
    bbr.lossRoundStart = true;
    checkLossTooHighInStartup(bbr, tp, lossy);
    expect(bbr.fullBwReached).toBe(true);
    expect(bbr.inflightHi).toBe(150);
  });
  it('loss: five events are not enough, and the count restarts each loss round', () => {
    tp.caState = CA_RECOVERY;
    const lossy = sample({ losses: 1, lost: 10, txInFlight: 200 });
    for (let i = 0; i < 4; i++) checkLossTooHighInStartup(bbr, tp, lossy);
    bbr.lossRoundStart = true;
    checkLossTooHighInStartup(bbr, tp, lossy);
    expect(bbr.fullBwReached).toBe(false);
    expect(bbr.lossEventsInRound).toBe(0);
  });
  it('ECN: two rounds in a row with a CE ratio >= 50%', () => {
    ops = createBbr3({ ecnLow: true });
    bbr = ops.state;
    ops.init!(tp);
    bbr.minRttUs = 1000;
    bbr.bwHi[1] = BW_100_PER_50MS;
    tp.delivered = 100;
    tp.deliveredCe = 60;
    updateEcnAlpha(bbr, tp);
    expect(bbr.startupEcnRounds).toBe(1);
    expect(bbr.fullBwReached).toBe(false);
    tp.delivered = 200;
    tp.deliveredCe = 110;
    updateEcnAlpha(bbr, tp);
    expect(bbr.fullBwReached).toBe(true);
    expect(bbr.inflightHi).not.toBe(U32_MAX);
  });
});

describe('PROBE_BW phases and their timing', () => {
  it('randomness as get_random_u32_below: rounds 0..1 from a byte, wait 2 s + 0..1 s from a u32', () => {
    tp.randoms = [0x80, 0x80000001];
    pickProbeWait(bbr, tp);
    expect(bbr.roundsSinceProbe).toBe(1); // 2 x 0x80 >> 8
    expect(bbr.probeWaitUs).toBe(2_500_000); // 1e6 x (2^31 + 1) >> 32
    // a biased u32 draw is rejected: (1e6 x 2^31) mod 2^32 = 0 < (2^32 - 1e6) mod 1e6
    tp.randoms = [0x80000000, 0x80000001];
    expect(randomU32Below(tp, 1_000_000)).toBe(500_000);
    expect(tp.randoms).toHaveLength(0);
  });
  it('the wall-clock wait: a probe starts only once tcp_mstamp is past cycle_mstamp + probe_wait', () => {
    inProbeBw(BBR_BW_PROBE_CRUISE);
    bbr.cycleMstamp = tp.mstampUs;
    bbr.probeWaitUs = 2_500_000;
    tp.nowNs += 2_500_000 * 1000;
    expect(hasElapsedInPhase(bbr, tp, bbr.probeWaitUs)).toBe(false);
    updateCyclePhase(bbr, tp, sample({}), 0);
    expect(bbr.cycleIdx).toBe(BBR_BW_PROBE_CRUISE);
    tp.nowNs += 1000;
    updateCyclePhase(bbr, tp, sample({}), 0);
    expect(bbr.cycleIdx).toBe(BBR_BW_PROBE_REFILL);
  });
  it('the Reno-coexistence bound: min(63, target inflight) rounds', () => {
    inProbeBw(BBR_BW_PROBE_CRUISE);
    bbr.roundsSinceProbe = 62;
    expect(isRenoCoexistenceProbeTime(bbr, tp)).toBe(false);
    bbr.roundsSinceProbe = 63;
    expect(isRenoCoexistenceProbeTime(bbr, tp)).toBe(true);
    tp.sndCwnd = 40; // target inflight = min(100, cwnd 40)
    bbr.roundsSinceProbe = 40;
    expect(isRenoCoexistenceProbeTime(bbr, tp)).toBe(true);
  });
  it('CRUISE -> REFILL (lower bounds reset) -> UP after a round -> DOWN on a plateau -> CRUISE once drained', () => {
    inProbeBw(BBR_BW_PROBE_CRUISE);
    bbr.cycleMstamp = tp.mstampUs;
    bbr.probeWaitUs = 2_000_000;
    bbr.inflightHi = 150;
    bbr.inflightLo = 70;
    bbr.bwLo = 1000;
    tp.nowNs += 2_000_001 * 1000;
    updateCyclePhase(bbr, tp, sample({}), 0);
    expect(bbr.cycleIdx).toBe(BBR_BW_PROBE_REFILL);
    expect([bbr.bwLo, bbr.inflightLo]).toEqual([U32_MAX, U32_MAX]);
    expect(bbr.nextRttDelivered).toBe(tp.delivered);

    bbr.roundStart = false;
    updateCyclePhase(bbr, tp, sample({}), 0);
    expect(bbr.cycleIdx).toBe(BBR_BW_PROBE_REFILL);
    bbr.roundStart = true;
    updateCyclePhase(bbr, tp, sample({}), 5000);
    expect(bbr.cycleIdx).toBe(BBR_BW_PROBE_UP);
    expect(bbr.bwProbeSamples).toBe(true);
    expect(bbr.fullBw).toBe(5000);
    expect(bbr.cycleMstamp).toBe(tp.mstampUs);

    tp.isCwndLimitedFlag = false;
    bbr.roundStart = false;
    bbr.fullBwNow = true;
    updateCyclePhase(bbr, tp, sample({ priorInFlight: 120 }), 5000);
    expect(bbr.cycleIdx).toBe(BBR_BW_PROBE_DOWN);

    // DOWN: 120 in flight is above inflight_hi less headroom (150 - 22 = 128)? no, but above the BDP (100)
    bbr.roundStart = false;
    bbr.roundsSinceProbe = 0;
    updateCyclePhase(bbr, tp, sample({ priorInFlight: 120 }), 0);
    expect(bbr.cycleIdx).toBe(BBR_BW_PROBE_DOWN);
    updateCyclePhase(bbr, tp, sample({ priorInFlight: 100 }), 0);
    expect(bbr.cycleIdx).toBe(BBR_BW_PROBE_CRUISE);
  });
});
