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
import { simulateFile, SINGLE_FLOW } from '../helpers/sim.js';

const MSS = 1448;

/** The segments a flow hands to the network, grouped by the instant they leave (one skb or several). */
function sendGroups(sets: string[], fromS: number): { psh: boolean[] }[] {
  const groups: { t: number; psh: boolean[]; rtx: boolean }[] = [];
  const sent = new Set<number>();
  simulateFile(SINGLE_FLOW, sets, {
    setup(net) {
      const access = net.access;
      const receive = access.receive.bind(access);
      access.receive = (p: Packet) => {
        if (!p.isAck && net.sim.now >= fromS * 1e9) {
          const rtx = sent.has(p.seg);
          const last = groups[groups.length - 1];
          if (last && last.t === net.sim.now) {
            last.psh.push(p.psh);
            last.rtx ||= rtx;
          } else groups.push({ t: net.sim.now, psh: [p.psh], rtx });
        }
        if (!p.isAck) sent.add(p.seg);
        receive(p);
      };
    },
  });
  // retransmissions leave one by one (tcp_xmit_retransmit_queue): only new data's skbs count
  return groups.filter((g) => !g.rtx);
}

describe('PSH on the last segment of each GSO skb (__tcp_transmit_skb)', () => {
  it('a paced flow (BBR) sends one skb per pacing slot: PSH on its last segment when it has two or more, never on a single one', () => {
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

  it('an unpaced flow (Cubic) sends skbs of up to tcp_tso_segs() on each ACK: PSH ends each skb of two or more', () => {
    const groups = sendGroups(['flows[0].cc=cubic', 'duration=4s', 'flows[0].rwnd=256kb'], 2);
    expect(groups.length).toBeGreaterThan(1000);
    let withPsh = 0;
    for (const g of groups) {
      // a group may hold several skbs: every PSH segment closes an skb of two or more
      g.psh.forEach((x, i) => {
        if (x) expect(i > 0 && !g.psh[i - 1]).toBe(true);
      });
      if (g.psh.length === 1) expect(g.psh[0]).toBe(false);
      if (g.psh.some((x) => x)) withPsh++;
    }
    expect(withPsh / groups.length).toBeGreaterThan(0.5);
  });
});

/** A receiver after its handshake, fed single data segments at given times (ms); returns the ACKs' times (ms) and ACK points. */
function feed(segments: { atMs: number; seg: number; psh: boolean }[], untilMs: number): { atMs: number; ack: number }[] {
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
      const p = pool.data(0, s.seg, MSS, 1, 1);
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

  it('does not fire while out-of-order data is queued (it counts in sk_rmem_alloc)', () => {
    // segment 40 lost: 41..44 arrive out of order, the last with PSH; SACK compression
    // delays the fourth duplicate ACK, and the PSH does not send it early
    const ooo = [41, 42, 43, 44].map((seg, i) => ({ atMs: 20 + i * 0.25, seg, psh: seg === 44 }));
    const acks = feed([...warmup, ...ooo], 200);
    const after = acks.filter((a) => a.atMs >= 20);
    expect(after.length).toBe(4);
    expect(after.slice(0, 3).map((a) => a.atMs)).toEqual([20, 20.25, 20.5]);
    expect(after[3]!.atMs).toBeGreaterThan(20.75);
  });
});
