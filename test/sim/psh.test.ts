/**
 * PSH and the ACK on read. Linux forces PSH on the last segment of every GSO
 * skb of two or more segments (__tcp_transmit_skb: "to expedite GRO flush at
 * receiver"), and a Linux receiver whose application reads at once ACKs a
 * full-sized PSH segment as soon as the read empties the receive queue
 * (tcp_measure_rcv_mss sets ICSK_ACK_PUSHED, tcp_cleanup_rbuf sends the ACK).
 * So an odd segment at the end of an skb is ACKed alone instead of waiting
 * for the delayed-ACK timer. The VM's captures show both: every multi-segment
 * burst ends with PSH, and in a BBR-against-Cubic run 27% of the receiver's
 * ACKs came from tcp_recvmsg (ftrace of tcp_send_ack).
 */
import { describe, expect, it } from 'vitest';
import { Simulator } from '../../src/engine/sim.js';
import { PacketPool, type Packet } from '../../src/network/packet.js';
import { TcpReceiver } from '../../src/tcp/receiver.js';
import { sendBursts, simulateFile, SINGLE_FLOW, type SendBurst } from '../helpers/sim.js';

const MSS = 1448;

/** New data's bursts only: the simulator retransmits one segment at a time, without PSH (Linux can resend a lost multi-segment skb whole; not modelled). */
function sendGroups(sets: string[], fromS: number): SendBurst[] {
  return sendBursts(sets, fromS).filter((g) => !g.rtx);
}

describe('PSH on the last segment of each GSO skb (__tcp_transmit_skb)', () => {
  it('a paced flow (BBR) sends one skb per pacing slot: PSH on its last segment when it has two or more, not on a single one', () => {
    // (Linux can also mark a single segment: the end of an application write, tcp_push, which an
    // always-backlogged bulk writer rarely leaves at the head of the queue; only a transfer's end is modelled)
    const groups = sendGroups(['flows[0].cc=bbr', 'link.rtt=10ms', 'duration=4s'], 2);
    expect(groups.length).toBeGreaterThan(2000);
    let multi = 0;
    for (const g of groups) {
      const n = g.psh.length;
      expect(g.psh.slice(0, -1).every((x) => !x)).toBe(true);
      expect(g.psh[n - 1]).toBe(n > 1);
      if (n > 1) multi++;
    }
    expect(multi / groups.length).toBeGreaterThan(0.9);
  });

  it('an unpaced flow (Cubic) sends skbs of up to tcp_tso_segs() as cwnd allows: PSH ends each skb of two or more', () => {
    // slow start at 1 Gbit/s: each ACK of 2 lets 4 segments out, in one skb once tcp_tso_segs() >= 4
    const groups = sendGroups(['flows[0].cc=cubic', 'link.rate=1gbit', 'link.rtt=20ms', 'duration=1s'], 0);
    expect(groups.length).toBeGreaterThan(1000);
    const sizes: number[] = [];
    for (const g of groups) {
      // a group may hold several skbs: every PSH segment closes one of two or more, and a
      // segment without PSH that no later PSH closes is an skb of its own
      let run = 0;
      for (const x of g.psh) {
        run++;
        if (x) {
          expect(run).toBeGreaterThanOrEqual(2);
          expect(run).toBeLessThanOrEqual(g.tso);
          sizes.push(run);
          run = 0;
        }
      }
      for (let i = 0; i < run; i++) sizes.push(1);
    }
    expect(sizes.filter((n) => n >= 4).length).toBeGreaterThan(100);
    expect(sizes.filter((n) => n === 2).length).toBeGreaterThan(100);
  });
});

/**
 * A receiver after its handshake (the SYN at 0 ms), fed single data segments
 * at given times (ms; `len` defaults to a full segment); returns the ACKs'
 * times (ms) and ACK points.
 */
function feed(segments: { atMs: number; seg: number; psh: boolean; len?: number }[], untilMs: number): { atMs: number; ack: number }[] {
  const sim = new Simulator();
  const pool = new PacketPool();
  const rcv = new TcpReceiver(sim, pool, 0, MSS, 3 * 1024 * 1024);
  const acks: { atMs: number; ack: number }[] = [];
  rcv.out = {
    receive(p: Packet) {
      if (p.seg !== -1) acks.push({ atMs: sim.now / 1e6, ack: p.ackSeg });
      pool.release(p);
    },
  };
  const syn = pool.data(0, 0, 0, 1, 0);
  syn.seg = -1;
  rcv.receive(syn);
  for (const s of segments) {
    sim.timer(() => {
      const p = pool.data(0, s.seg, s.len ?? MSS, 1, 1);
      p.psh = s.psh;
      rcv.receive(p);
    }).at(s.atMs * 1e6);
  }
  sim.run(untilMs * 1e6);
  return acks;
}

describe('the ACK on read of a PSH segment (tcp_cleanup_rbuf)', () => {
  // 20 segments in pairs leave quick-ACK mode (the first 16 ACKs) behind
  const warmup = Array.from({ length: 40 }, (_, i) => ({ atMs: i * 0.25, seg: i, psh: i % 2 === 1 }));

  it('a lone full-sized segment with PSH is ACKed at once', () => {
    const acks = feed([...warmup, { atMs: 20, seg: 40, psh: true }], 200);
    const last = acks[acks.length - 1]!;
    expect(last.ack).toBe(41);
    expect(last.atMs).toBe(20);
  });

  it('a lone segment without PSH waits for the delayed-ACK timer', () => {
    const acks = feed([...warmup, { atMs: 20, seg: 40, psh: false }], 200);
    const last = acks[acks.length - 1]!;
    expect(last.ack).toBe(41);
    // ato: at least TCP_DELACK_MIN (40 ms at HZ=250 is 10 jiffies; the engine's jiffies round up)
    expect(last.atMs).toBeGreaterThanOrEqual(20 + 35);
  });

  it('a PSH segment that completes a pair gets one ACK, not two', () => {
    const acks = feed([...warmup, { atMs: 20, seg: 40, psh: false }, { atMs: 20.25, seg: 41, psh: true }], 200);
    expect(acks.filter((a) => a.atMs >= 20)).toEqual([{ atMs: 20.25, ack: 42 }]);
  });

  it('a short segment (the end of a write) is ACKed at once too', () => {
    const acks = feed([...warmup, { atMs: 20, seg: 40, psh: false, len: 100 }], 200);
    expect(acks[acks.length - 1]).toEqual({ atMs: 20, ack: 41 });
  });
});

describe('the delayed-ACK timeout (tcp_send_delayed_ack)', () => {
  it('once ato has grown past it, waits at most the RTT measured in the handshake', () => {
    // handshake RTT 50 ms (first data 50 ms after the SYN); a lone segment's ACK waits the 40 ms
    // timer, which doubles ato to 80 ms; 100 ms later the next lone segment waits min(80, 50) ms
    const pairs = Array.from({ length: 40 }, (_, i) => ({ atMs: 50 + i * 0.25, seg: i, psh: i % 2 === 1 }));
    const acks = feed([...pairs, { atMs: 70, seg: 40, psh: false }, { atMs: 170, seg: 41, psh: false }], 400);
    const first = acks.find((a) => a.ack === 41)!;
    expect(first.atMs).toBeGreaterThanOrEqual(70 + 36);
    expect(first.atMs).toBeLessThanOrEqual(70 + 44);
    const second = acks.find((a) => a.ack === 42)!;
    expect(second.atMs).toBeGreaterThanOrEqual(170 + 46);
    expect(second.atMs).toBeLessThanOrEqual(170 + 54);
  });
});

describe('a transfer of a fixed size', () => {
  it('ends with PSH, so its last ACK does not wait for the delayed-ACK timer: 100 bytes more take ~0 ms more', () => {
    const done = (bytes: number) => simulateFile(SINGLE_FLOW, ['duration=3s', 'link.rtt=10ms', `flows[0].bytes=${bytes}`]).summary.flows[0]!.completionS!;
    const exact = done(3000 * MSS);
    const more = done(3000 * MSS + 100);
    expect(more - exact).toBeGreaterThanOrEqual(0);
    expect(more - exact).toBeLessThan(0.001);
  });
});
