/**
 * BBR v1 unit tests: the state machine of tcp_bbr.c driven through its
 * cong_control hook with a fake connection and synthetic rate samples
 * (bbr-harness.ts), and integer results checked against values worked out
 * by hand with the kernel's formulas.
 */
import { describe, expect, it } from 'vitest';
import { BbrHarness } from './bbr-harness.js';
import {
  BBR_CWND_GAIN,
  BBR_DRAIN,
  BBR_DRAIN_GAIN,
  BBR_HIGH_GAIN,
  BBR_PROBE_BW,
  BBR_PROBE_RTT,
  BBR_STARTUP,
  BBR_UNIT,
} from '../../src/cc/bbr/constants.js';
import { bdp, inflight, quantizationBudget } from '../../src/cc/bbr/cwnd.js';
import { ackAggregationCwnd } from '../../src/cc/bbr/ack_aggregation.js';
import { randomBelow, resetProbeBwMode } from '../../src/cc/bbr/probe_bw.js';
import { CA_OPEN, CA_RECOVERY } from '../../src/tcp/types.js';

const RTT = 50_000; // us
/** The pacing-gain cycle of tcp_bbr.c, in BBR_UNIT. */
const CYCLE = [320, 192, 256, 256, 256, 256, 256, 256];

/** STARTUP doubling the delivery per round from 10 packets up to `plateau`, then flat. */
function startupToPlateau(h: BbrHarness, plateau: number, inflightFlat: number, rttUs = RTT): number {
  let pkts = 10;
  while (pkts < plateau) {
    h.rounds(1, pkts, { rttUs, inflight: 2 * pkts });
    pkts *= 2;
  }
  let flatRounds = 0;
  while (h.bbr.mode === BBR_STARTUP && flatRounds < 10) {
    h.rounds(1, plateau, { rttUs, inflight: inflightFlat });
    flatRounds++;
  }
  return flatRounds;
}

/** A flow in PROBE_BW at 200 packets per 50 ms round (BDP 200). */
function inProbeBw(randoms: number[] = []): BbrHarness {
  const h = new BbrHarness(RTT, randoms);
  startupToPlateau(h, 200, 200);
  expect(h.bbr.mode).toBe(BBR_PROBE_BW);
  return h;
}

describe('BBR: STARTUP -> DRAIN -> PROBE_BW', () => {
  it('stays in STARTUP at high gain while bw grows >= 25% per round', () => {
    const h = new BbrHarness();
    let pkts = 10;
    for (let r = 0; r < 8; r++) {
      h.rounds(1, pkts, { rttUs: RTT, inflight: 2 * pkts });
      expect(h.bbr.mode).toBe(BBR_STARTUP);
      expect(h.bbr.pacingGain).toBe(BBR_HIGH_GAIN);
      expect(h.bbr.cwndGain).toBe(BBR_HIGH_GAIN);
      pkts = Math.ceil(pkts * 1.3);
    }
    expect(h.bbr.fullBwReached).toBe(false);
  });

  it('declares the pipe full after 3 rounds without 25% growth, drains, then probes', () => {
    const h = new BbrHarness();
    let pkts = 10;
    while (pkts < 320) {
      h.rounds(1, pkts, { rttUs: RTT, inflight: 2 * pkts });
      pkts *= 2;
    }
    // flat at 320 packets per round, with STARTUP's queue still in flight
    const modes: number[] = [];
    for (let r = 0; r < 6 && !h.bbr.fullBwReached; r++) {
      h.rounds(1, 320, { rttUs: RTT, inflight: 640 });
      modes.push(h.bbr.mode);
    }
    // the first flat round still sees the last doubling; then three rounds without growth
    expect(modes).toEqual([BBR_STARTUP, BBR_STARTUP, BBR_STARTUP, BBR_DRAIN]);
    expect(h.bbr.pacingGain).toBe(BBR_DRAIN_GAIN);
    expect(h.bbr.cwndGain).toBe(BBR_HIGH_GAIN);
    // ssthresh is set to the in-flight target on entering DRAIN: one BDP (320) plus the budget
    expect(h.tp.sndSsthresh).toBeGreaterThan(320);
    expect(h.tp.sndSsthresh).toBeLessThan(320 + 3 * 127);
    // DRAIN persists while in-flight exceeds one BDP + budget...
    h.rounds(1, 320, { rttUs: RTT, inflight: 500 });
    expect(h.bbr.mode).toBe(BBR_DRAIN);
    // ...and ends on the first ACK that finds it drained
    h.ack({ dtUs: 1000, acked: 16, rttUs: RTT, inflight: 320 });
    expect(h.bbr.mode).toBe(BBR_PROBE_BW);
    expect(h.bbr.cwndGain).toBe(BBR_CWND_GAIN);
    expect(CYCLE[h.bbr.cycleIdx]).toBe(h.bbr.pacingGain);
  });

  it('goes straight from STARTUP to PROBE_BW when in-flight is already small', () => {
    const h = new BbrHarness();
    const flat = startupToPlateau(h, 200, 200);
    expect(flat).toBe(4);
    expect(h.bbr.mode).toBe(BBR_PROBE_BW);
  });

  it('ignores app-limited rounds for full-pipe detection', () => {
    const h = new BbrHarness();
    // one round sets the plateau, one flat round counts
    h.rounds(2, 100, { rttUs: RTT, inflight: 100 });
    expect(h.bbr.fullBwCnt).toBe(1);
    h.rounds(10, 100, { rttUs: RTT, inflight: 100, appLimited: true });
    expect(h.bbr.mode).toBe(BBR_STARTUP);
    expect(h.bbr.fullBwCnt).toBe(1);
    // two more flat rounds that are not app-limited complete the three
    h.rounds(1, 100, { rttUs: RTT, inflight: 100 });
    expect(h.bbr.fullBwReached).toBe(false);
    h.rounds(1, 100, { rttUs: RTT, inflight: 100 });
    expect(h.bbr.fullBwReached).toBe(true);
  });
});

describe('BBR: PROBE_BW gain cycle', () => {
  /** Record the sequence of pacing gains (one entry per phase) and each phase's length. */
  function cycleTrace(h: BbrHarness, rounds: number, inflightFor: (gain: number) => number) {
    const phases: { gain: number; startUs: number; endUs: number }[] = [];
    h.rounds(rounds, 200, {
      rttUs: RTT,
      acks: 50,
      inflight: (hh) => inflightFor(hh.bbr.pacingGain),
      onAck: (hh) => {
        const last = phases[phases.length - 1];
        if (last === undefined || last.gain !== hh.bbr.pacingGain || hh.bbr.cycleMstamp > last.startUs) {
          if (last) last.endUs = hh.now;
          phases.push({ gain: hh.bbr.pacingGain, startUs: hh.bbr.cycleMstamp, endUs: -1 });
        }
      },
    });
    return phases;
  }

  it('cycles 5/4, 3/4, then six phases of 1, one min_rtt each', () => {
    const h = inProbeBw();
    // in-flight follows the gain: 5/4 reaches its target, 3/4 never drains below the BDP target
    const target = (g: number) => inflight(h.bbr, h.tp, h.bbr.maxBw(), g);
    const phases = cycleTrace(h, 40, (g) => (g > BBR_UNIT ? target(g) + 1 : target(BBR_UNIT) + 10));
    // the phases follow the kernel's cycle from whatever phase PROBE_BW started in
    const gains = phases.map((p) => p.gain);
    const first = h.bbr.cycleIdx - ((gains.length - 1) % 8);
    const expected = gains.map((_, k) => CYCLE[(((first + k) % 8) + 8) % 8]);
    expect(gains).toEqual(expected);
    expect(gains.length).toBeGreaterThan(16);
    expect(gains.filter((g) => g === 320).length).toBeGreaterThanOrEqual(2);
    // every complete phase lasts a little more than min_rtt (ACKs are 1 ms apart)
    for (const p of phases.slice(1, -1)) {
      expect(p.endUs - p.startUs).toBeGreaterThan(RTT);
      expect(p.endUs - p.startUs).toBeLessThanOrEqual(RTT + 1000);
    }
  });

  it('keeps probing at 5/4 past min_rtt until in-flight reaches 5/4 BDP, or stops at a loss', () => {
    const h = inProbeBw();
    // step to the 5/4 phase with in-flight at the BDP
    const bdpTarget = () => inflight(h.bbr, h.tp, h.bbr.maxBw(), BBR_UNIT);
    let guard = 0;
    while (h.bbr.pacingGain !== 320 && guard++ < 1000) h.ack({ dtUs: 1000, acked: 4, rttUs: RTT, inflight: bdpTarget() });
    const t0 = h.now;
    // three min_rtts at the BDP: in-flight never reaches the probe target, the phase persists
    for (let i = 0; i < 160; i++) h.ack({ dtUs: 1000, acked: 4, rttUs: RTT, inflight: bdpTarget() });
    expect(h.bbr.pacingGain).toBe(320);
    expect(h.now - t0).toBeGreaterThan(3 * RTT);
    // a loss ends it
    h.ack({ dtUs: 1000, acked: 4, rttUs: RTT, inflight: bdpTarget(), losses: 1 });
    expect(h.bbr.pacingGain).toBe(192);

    // next time round, reaching the target ends it as well
    guard = 0;
    while (h.bbr.pacingGain !== 320 && guard++ < 1000) h.ack({ dtUs: 1000, acked: 4, rttUs: RTT, inflight: bdpTarget() });
    for (let i = 0; i < 60; i++) h.ack({ dtUs: 1000, acked: 4, rttUs: RTT, inflight: bdpTarget() });
    expect(h.bbr.pacingGain).toBe(320);
    h.ack({ dtUs: 1000, acked: 4, rttUs: RTT, inflight: inflight(h.bbr, h.tp, h.bbr.maxBw(), 320) });
    expect(h.bbr.pacingGain).toBe(192);
  });

  it('ends the 3/4 phase early once in-flight is down to the BDP', () => {
    const h = inProbeBw();
    const bdpTarget = () => inflight(h.bbr, h.tp, h.bbr.maxBw(), BBR_UNIT);
    let guard = 0;
    while (h.bbr.pacingGain !== 320 && guard++ < 1000) h.ack({ dtUs: 1000, acked: 4, rttUs: RTT, inflight: bdpTarget() });
    for (let i = 0; i < 51; i++) h.ack({ dtUs: 1000, acked: 4, rttUs: RTT, inflight: bdpTarget() });
    h.ack({ dtUs: 1000, acked: 4, rttUs: RTT, inflight: bdpTarget(), losses: 1 });
    expect(h.bbr.pacingGain).toBe(192);
    const t0 = h.now;
    // above the BDP the drain phase persists...
    for (let i = 0; i < 10; i++) h.ack({ dtUs: 1000, acked: 4, rttUs: RTT, inflight: bdpTarget() + 20 });
    expect(h.bbr.pacingGain).toBe(192);
    // ...at the BDP it ends at once, well before min_rtt
    h.ack({ dtUs: 1000, acked: 4, rttUs: RTT, inflight: bdpTarget() });
    expect(h.bbr.pacingGain).toBe(BBR_UNIT);
    expect(h.now - t0).toBeLessThan(RTT);
  });

  it('draws the start phase like prandom_u32_max(7): uniform over all phases but 3/4', () => {
    // every random byte: the kernel's 8-bit get_random_u32_below rejects 256 % 7 = 4 values
    const counts = new Map<number, number>();
    for (let b = 0; b < 256; b++) {
      const h = new BbrHarness(RTT, [b, 0xff]);
      resetProbeBwMode(h.bbr, h.tp);
      counts.set(h.bbr.cycleIdx, (counts.get(h.bbr.cycleIdx) ?? 0) + 1);
    }
    expect(counts.has(1)).toBe(false);
    expect([...counts.keys()].sort()).toEqual([0, 2, 3, 4, 5, 6, 7]);
    // 252 accepted bytes, 36 per phase; the 4 rejected ones redraw 0xff (7*255 >> 8 = 6 -> phase 2)
    for (const [idx, c] of counts) expect(c).toBe(idx === 2 ? 36 + 4 : 36);
  });

  it('randomBelow takes the high part of ceil x byte and rejects the biased low parts', () => {
    const h = new BbrHarness();
    h.tp.randoms = [0x00, 0xff, 0x25, 0x24];
    // 7*0 = 0: low byte 0 < 4 rejected; 7*255 = 1785 = 0x6f9: low 0xf9 >= 4 -> 6
    expect(randomBelow(h.tp, 7)).toBe(6);
    // 7*0x25 = 259 = 0x103: low 3 < 4 rejected; 7*0x24 = 252: low 252 -> 0
    expect(randomBelow(h.tp, 7)).toBe(0);
  });
});

describe('BBR: PROBE_RTT', () => {
  it('enters after 10 s without a new min_rtt, holds cwnd 4 for >= 200 ms and a round, then restores', () => {
    const h = inProbeBw();
    const stamp = h.bbr.minRttStamp;
    // RTT samples a little above min_rtt: the estimate is never refreshed
    let enteredUs = -1;
    let cwndBefore = 0;
    while (h.bbr.mode !== BBR_PROBE_RTT && h.now < 20_000_000) {
      cwndBefore = h.tp.sndCwnd;
      h.rounds(1, 200, { rttUs: RTT + 2000, inflight: 200, acks: 50 });
    }
    expect(h.bbr.mode).toBe(BBR_PROBE_RTT);
    enteredUs = h.now;
    const elapsedJiffies = h.tp.jiffies - stamp;
    expect(elapsedJiffies).toBeGreaterThan(10 * 250);
    expect(elapsedJiffies).toBeLessThanOrEqual(10 * 250 + 15);
    expect(h.tp.sndCwnd).toBe(4);
    expect(h.bbr.pacingGain).toBe(BBR_UNIT);
    expect(h.bbr.cwndGain).toBe(BBR_UNIT);
    // samples are marked app-limited while cwnd is clamped
    expect(h.tp.appLimited).not.toBe(0);

    // in-flight drains to 4 after one more RTT; from then on at least 200 ms and a round
    let drainedUs = -1;
    let exitedUs = -1;
    for (let i = 0; i < 2000 && exitedUs < 0; i++) {
      const inflightNow = h.now - enteredUs < RTT ? 100 : 4;
      h.ack({ dtUs: 1000, acked: 1, rttUs: RTT, inflight: inflightNow });
      if (drainedUs < 0 && h.bbr.probeRttDoneStamp !== 0) drainedUs = h.now;
      if (h.bbr.mode !== BBR_PROBE_RTT) exitedUs = h.now;
      else expect(h.tp.sndCwnd).toBeLessThanOrEqual(4);
    }
    expect(drainedUs).toBeGreaterThan(0);
    expect(exitedUs - drainedUs).toBeGreaterThanOrEqual(200_000);
    expect(exitedUs - drainedUs).toBeLessThanOrEqual(200_000 + 2 * 4000);
    expect(h.bbr.mode).toBe(BBR_PROBE_BW);
    // the cwnd saved on entry is back (then capped by the target, as every ACK does)
    expect(h.bbr.priorCwnd).toBeGreaterThanOrEqual(cwndBefore);
    const target = quantizationBudget(h.bbr, h.tp, bdp(h.bbr, h.bbr.bw(), h.bbr.cwndGain) + ackAggregationCwnd(h.bbr));
    expect(h.tp.sndCwnd).toBe(Math.min(h.bbr.priorCwnd + 1, target));
    expect(h.tp.sndCwnd).toBeGreaterThan(100);
    // and the min_rtt stamp restarts the 10 s wait at exit
    expect(h.bbr.minRttStamp).toBe(h.tp.jiffies);
  });

  it('stays until a full round trip at the minimum cwnd has passed when the RTT exceeds 200 ms', () => {
    const LONG = 400_000;
    const h = new BbrHarness(LONG);
    startupToPlateau(h, 200, 200, LONG);
    expect(h.bbr.mode).toBe(BBR_PROBE_BW);
    while (h.bbr.mode !== BBR_PROBE_RTT && h.now < 30_000_000) h.rounds(1, 200, { rttUs: LONG + 2000, inflight: 200, acks: 50 });
    expect(h.bbr.mode).toBe(BBR_PROBE_RTT);
    let drainedUs = -1;
    let exitedUs = -1;
    for (let i = 0; i < 5000 && exitedUs < 0; i++) {
      h.ack({ dtUs: 1000, acked: 1, rttUs: LONG, inflight: 4 });
      if (drainedUs < 0 && h.bbr.probeRttDoneStamp !== 0) drainedUs = h.now;
      if (h.bbr.mode !== BBR_PROBE_RTT) exitedUs = h.now;
    }
    expect(exitedUs - drainedUs).toBeGreaterThanOrEqual(LONG);
  });

  it('does not enter PROBE_RTT while lower RTT samples keep refreshing min_rtt', () => {
    const h = inProbeBw();
    // every 5 s the path gets 10 us faster: each is a new min_rtt (equal samples would not be)
    for (let s = 1; s <= 4; s++) {
      h.rounds(100, 200, { rttUs: RTT - 10 * s, inflight: 200 });
      expect(h.bbr.minRttUs).toBe(RTT - 10 * s);
    }
    expect(h.now).toBeGreaterThan(20_000_000);
    expect(h.bbr.mode).toBe(BBR_PROBE_BW);
  });

  it('enters PROBE_RTT at 10 s even when samples equal min_rtt (only a lower one refreshes it)', () => {
    const h = inProbeBw();
    while (h.bbr.mode !== BBR_PROBE_RTT && h.now < 20_000_000) h.rounds(1, 200, { rttUs: RTT, inflight: 200 });
    expect(h.bbr.mode).toBe(BBR_PROBE_RTT);
    expect(h.now).toBeGreaterThan(10_000_000);
    expect(h.now).toBeLessThan(10_200_000);
  });
});

describe('BBR: long-term bandwidth (policer detection)', () => {
  it('locks bw to the policed rate after two consistent lossy intervals, for 48 rounds', () => {
    const h = inProbeBw();
    const before = h.bbr.maxBw();
    // a policer: delivery drops to 100 packets per round, and 40 more are dropped each round
    let roundsToDetect = 0;
    while (!h.bbr.ltUseBw && roundsToDetect < 40) {
      h.rounds(1, 100, { rttUs: RTT, inflight: 200, lossesPerAck: 2, acks: 20 });
      roundsToDetect++;
    }
    expect(h.bbr.ltUseBw).toBe(true);
    // two intervals of at least 4 rounds each
    expect(roundsToDetect).toBeGreaterThanOrEqual(8);
    // the estimate is the policed rate (100 per 50 ms), not the max filter's 200
    const policed = Math.floor((100 * 2 ** 24) / RTT);
    expect(Math.abs(h.bbr.ltBw - policed) / policed).toBeLessThan(0.05);
    expect(h.bbr.bw()).toBe(h.bbr.ltBw);
    expect(h.bbr.maxBw()).toBeGreaterThan(h.bbr.ltBw);
    expect(before).toBeGreaterThan(h.bbr.ltBw);
    // pacing gain 1 in every phase while policed
    let rounds = 0;
    while (h.bbr.ltUseBw && rounds < 60) {
      h.rounds(1, 100, { rttUs: RTT, inflight: 100 });
      expect(h.bbr.ltUseBw ? h.bbr.pacingGain : BBR_UNIT).toBe(BBR_UNIT);
      rounds++;
    }
    expect(rounds).toBeGreaterThanOrEqual(47);
    expect(rounds).toBeLessThanOrEqual(49);
    expect(h.bbr.ltUseBw).toBe(false);
  });

  it('does not suspect a policer at random loss below 20%', () => {
    const h = inProbeBw();
    // 10% of delivered packets lost, constant rate
    h.rounds(40, 200, { rttUs: RTT, inflight: 200, lossesPerAck: 1, acks: 20 });
    expect(h.bbr.ltUseBw).toBe(false);
  });
});

describe('BBR: integer cwnd and pacing as the kernel computes them', () => {
  it('initial pacing rate: high_gain x 10 packets / srtt, with the 1% margin', () => {
    const h = new BbrHarness(50_000);
    // bw = 10 << 24 / 50000 = 3355; 3355*1448*739 >> 8 = 14023996 (u64),
    // *990000 >> 24 = 827524 bytes/s
    expect(h.tp.pacingRate).toBe(827524);
    expect(h.bbr.mode).toBe(BBR_STARTUP);
    expect(h.tp.sndSsthresh).toBe(0x7fffffff);
  });

  it('without an RTT sample the initial pacing uses 1 ms', () => {
    const h = new BbrHarness(50_000);
    h.tp.srttUs8 = 0;
    h.ops.init!(h.tp);
    // bw = 10 << 24 / 1000 = 167772; *1448*739 >> 8 *990000 >> 24
    expect(h.tp.pacingRate).toBe(Number((((167772n * 1448n * 739n) >> 8n) * 990000n) >> 24n));
    expect(h.bbr.hasSeenRtt).toBe(false);
  });

  /** Put the flow in PROBE_BW phase `idx` with max bw 67108 (100 packets / 25 ms) and min_rtt 50 ms. */
  function steady(idx: number, cwnd: number): BbrHarness {
    const h = new BbrHarness(50_000);
    const b = h.bbr;
    b.mode = BBR_PROBE_BW;
    b.fullBwReached = true;
    b.cycleIdx = idx;
    b.pacingGain = CYCLE[idx]!;
    b.bwFilter.reset(b.rttCnt, 67108);
    b.minRttUs = 50_000;
    b.nextRttDelivered = 1_000_000; // no round starts
    h.tp.sndCwnd = cwnd;
    // a second later: the ACK's rate sample is valid (interval > min_rtt) and tiny
    h.tp.nowNs += 1_000_000_000;
    b.cycleMstamp = h.tp.mstampUs + 1000; // the phase just began
    b.ackEpochMstamp = h.tp.mstampUs + 1000;
    return h;
  }

  it('cruise phase: pacing 5734006 B/s, cwnd cut to bdp 400 + extra_acked 2 + 3 x 3, even = 412', () => {
    const h = steady(2, 500);
    h.ack({ dtUs: 1000, acked: 2, rttUs: 50_000, inflight: 300 });
    // 67108*1448 = 97172384; *256 >> 8; *990000 >> 24 = 5734006
    expect(h.tp.pacingRate).toBe(5734006);
    // bdp = ceil(67108*50000*512 >> 8 / 2^24) = ceil(399.99...) = 400;
    // extra_acked: a fresh epoch, 2 packets; tso goal = (5734006 >> 10) / 1448 = 3
    expect(h.tp.sndCwnd).toBe(412);
  });

  it('probe phase: pacing 7167507 B/s, tso goal 4, +2 in phase 0, extra_acked from ACK bursts', () => {
    const h = steady(0, 410);
    h.ack({ dtUs: 1000, acked: 2, rttUs: 50_000, inflight: 300 });
    // 67108*1448*320 >> 8 = 121465480; *990000 >> 24 = 7167507
    expect(h.tp.pacingRate).toBe(7167507);
    // target = 400 + 2 + 3 x 4 = 414 (even) + 2 = 416; cwnd = min(410 + 2, 416)
    expect(h.tp.sndCwnd).toBe(412);
    // 1 ms later 6 more: the epoch expected 67108 * 1000 >> 24 = 3 and saw only 2, so a
    // new epoch starts here: extra_acked = 6; target = 400 + 6 + 12 + 2 = 420; cwnd = min(412 + 6, 420)
    h.ack({ dtUs: 1000, acked: 6, rttUs: 50_000, inflight: 300 });
    expect(h.bbr.extraAckedMax()).toBe(6);
    expect(h.tp.sndCwnd).toBe(418);
    // 1 ms later 10 more: expected 3, epoch acked 16, extra_acked = 13;
    // target = 400 + 13 + 12 = 425 -> 426 + 2 = 428; cwnd = min(418 + 10, 428)
    h.ack({ dtUs: 1000, acked: 10, rttUs: 50_000, inflight: 300 });
    expect(h.bbr.extraAckedMax()).toBe(13);
    expect(h.tp.sndCwnd).toBe(428);
    // 1 ms later 2 more: expected 67108 * 2000 >> 24 = 7, extra_acked = 18 - 7 = 11 (max stays 13);
    // cwnd = min(428 + 2, 428)
    h.ack({ dtUs: 1000, acked: 2, rttUs: 50_000, inflight: 300 });
    expect(h.tp.sndCwnd).toBe(428);
  });

  it('never below 4 packets, and the cwnd clamp applies', () => {
    const h = steady(2, 2);
    h.bbr.bwFilter.reset(h.bbr.rttCnt, 10);
    h.ack({ dtUs: 1000, acked: 1, rttUs: 50_000, inflight: 1 });
    expect(h.tp.sndCwnd).toBe(Math.max(4, h.tp.sndCwnd));
    expect(h.tp.sndCwnd).toBeGreaterThanOrEqual(4);
    const g = steady(2, 500);
    g.tp.sndCwndClamp = 100;
    g.ack({ dtUs: 1000, acked: 2, rttUs: 50_000, inflight: 90 });
    expect(g.tp.sndCwnd).toBe(100);
  });
});

describe('BBR: loss recovery', () => {
  it('packet conservation in the first recovery round, then the saved cwnd on exit', () => {
    const h = inProbeBw();
    const saved = h.tp.sndCwnd;
    // the stack calls ssthresh (saves cwnd) and then moves to Recovery
    expect(h.ops.ssthresh(h.tp)).toBe(h.tp.sndSsthresh);
    h.tp.caState = CA_RECOVERY;
    h.ack({ dtUs: 1000, acked: 1, rttUs: RTT, inflight: 150, losses: 3 });
    // cwnd = in flight + acked
    expect(h.tp.sndCwnd).toBe(151);
    expect(h.bbr.packetConservation).toBe(true);
    h.ack({ dtUs: 1000, acked: 2, rttUs: RTT, inflight: 140, losses: 1 });
    expect(h.tp.sndCwnd).toBe(Math.max(151 - 1, 140 + 2));
    // after a round, cwnd grows by what is ACKed (slow start toward the target)
    h.rounds(1, 200, { rttUs: RTT, inflight: 140 });
    expect(h.bbr.packetConservation).toBe(false);
    expect(h.tp.sndCwnd).toBeGreaterThan(151);
    // recovery ends: the saved cwnd comes back (at most the target, which it was when saved)
    const during = h.tp.sndCwnd;
    expect(during).toBeLessThan(saved);
    h.tp.caState = CA_OPEN;
    h.ack({ dtUs: 1000, acked: 1, rttUs: RTT, inflight: 140 });
    const target = quantizationBudget(h.bbr, h.tp, bdp(h.bbr, h.bbr.bw(), h.bbr.cwndGain) + ackAggregationCwnd(h.bbr));
    expect(h.tp.sndCwnd).toBe(Math.min(saved, target));
    expect(h.bbr.packetConservation).toBe(false);
  });

  it('an RTO ends the round, forgets full-bw progress and undo restarts it', () => {
    const h = inProbeBw();
    h.bbr.fullBw = 123;
    h.ops.setState!(h.tp, 4);
    expect(h.bbr.roundStart).toBe(true);
    expect(h.bbr.fullBw).toBe(0);
    expect(h.bbr.prevCaState).toBe(4);
    h.bbr.fullBwCnt = 2;
    expect(h.ops.undoCwnd(h.tp)).toBe(h.tp.sndCwnd);
    expect(h.bbr.fullBwCnt).toBe(0);
  });
});
