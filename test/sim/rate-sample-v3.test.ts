/**
 * BBRv3's extensions of the TCP core (google/bbr v3: tcp_rate.c,
 * tcp_input.c): per-segment tx.in_flight / tx.lost / tx.delivered_ce at send
 * time, the extended rate sample (tx_in_flight, lost, delivered_ce, is_ece),
 * the skb_marked_lost hook and cong_control's ack/flag arguments, observed
 * on full simulations with a test CC that records what it is given.
 */
import { describe, expect, it } from 'vitest';
import { SINGLE_FLOW, simulateFile } from '../helpers/sim.js';
import { LostSkb, RateSample, type CongestionOps, type TcpSock } from '../../src/tcp/types.js';

interface Log {
  samples: { rs: RateSample; lostNow: number; flag: number | undefined; ack: number | undefined; sndUna: number }[];
  lostSkbs: { skb: LostSkb; lostNow: number }[];
}

/** A window-limited CC: cwnd fixed at `cwnd`, pacing far above the link, recording everything. */
function fixedWindow(cwnd: number, log: Log): CongestionOps {
  const pin = (tp: TcpSock) => {
    tp.pacingRate = 100e6;
    tp.sndCwnd = cwnd;
  };
  return {
    name: 'fixed',
    needsPacing: false,
    init: pin,
    congControl(tp, rs, ack, flag) {
      log.samples.push({ rs: Object.assign(new RateSample(), rs), lostNow: tp.lost, flag, ack, sndUna: tp.sndUna });
      pin(tp);
    },
    skbMarkedLost(tp, skb) {
      log.lostSkbs.push({ skb: Object.assign(new LostSkb(), skb), lostNow: tp.lost });
    },
    ssthresh: (tp) => tp.sndSsthresh,
    undoCwnd: (tp) => tp.sndCwnd,
  };
}

function run(cwnd: number, sets: string[]): Log {
  const log: Log = { samples: [], lostSkbs: [] };
  simulateFile(SINGLE_FLOW, ['duration=4s', ...sets], {
    setup(net) {
      (net.senders[0] as unknown as { ca: CongestionOps }).ca = fixedWindow(cwnd, log);
    },
  });
  return log;
}

describe('tx.in_flight (tcp_set_tx_in_flight)', () => {
  it('is the packets in flight just after the send: the window when window-limited, never above it', () => {
    const log = run(40, ['link.loss=0%']);
    const valid = log.samples.filter((s) => s.rs.delivered > 0);
    expect(valid.length).toBeGreaterThan(500);
    for (const s of valid) {
      expect(s.rs.txInFlight).toBeGreaterThanOrEqual(1);
      expect(s.rs.txInFlight).toBeLessThanOrEqual(40);
    }
    // in steady state each ACK frees a slot that is refilled at once: in flight after the send = cwnd
    const steady = valid.slice(200);
    expect(steady.filter((s) => s.rs.txInFlight === 40).length / steady.length).toBeGreaterThan(0.95);
  });
});

describe('rs.lost, rs.delivered_ce, rs.is_ece and cong_control(ack, flag)', () => {
  it('rs.lost counts what was marked lost since the sampled packet left; zero on a clean path', () => {
    const clean = run(40, ['link.loss=0%']);
    expect(clean.samples.every((s) => s.rs.lost === 0 && s.rs.deliveredCe === 0 && !s.rs.isEce)).toBe(true);
    const lossy = run(40, ['link.loss=3%', 'seed=2']);
    const valid = lossy.samples.filter((s) => s.rs.delivered > 0);
    expect(valid.some((s) => s.rs.lost > 0)).toBe(true);
    for (const s of valid) {
      // rs.lost = tp.lost now - tp.lost at the send: never negative, never more than all losses so far
      expect(s.rs.lost).toBeGreaterThanOrEqual(0);
      expect(s.rs.lost).toBeLessThanOrEqual(s.lostNow);
      expect(s.rs.lost).toBe(s.lostNow - s.rs.priorLost);
    }
    // cong_control gets the ACK number and its flags
    expect(lossy.samples.every((s) => s.ack === s.sndUna && typeof s.flag === 'number')).toBe(true);
  });

  it('rs.delivered_ce counts CE-marked deliveries and is_ece follows the ACK under an ECN-marking AQM', () => {
    const log = run(400, ['flows[0].ecn=true', 'link.qdisc=fq_codel', 'link.queue=4bdp']);
    const valid = log.samples.filter((s) => s.rs.delivered > 0);
    expect(valid.some((s) => s.rs.isEce)).toBe(true);
    expect(valid.some((s) => s.rs.deliveredCe > 0)).toBe(true);
    for (const s of valid) expect(s.rs.deliveredCe).toBeLessThanOrEqual(s.rs.delivered);
  });
});

describe('skb_marked_lost (tcp_notify_skb_loss_event)', () => {
  it('is called for each loss after tp->lost counted it, with the send-time snapshot', () => {
    const log = run(40, ['link.loss=3%', 'seed=2']);
    expect(log.lostSkbs.length).toBeGreaterThan(10);
    for (const { skb, lostNow } of log.lostSkbs) {
      expect(skb.pcount).toBe(1);
      expect(skb.txLost).toBeLessThan(lostNow);
      expect(skb.txInFlight).toBeGreaterThanOrEqual(1);
      expect(skb.txInFlight).toBeLessThanOrEqual(40);
    }
  });
});
