/**
 * Linux's loss recovery and ACK clock, one mechanism at a time, with packets
 * dropped on purpose (scenarios/single-flow.yaml: 50 Mbit/s, 50 ms).
 */
import { describe, expect, it } from 'vitest';
import type { Network } from '../../src/sim/topology.js';
import type { Packet } from '../../src/network/packet.js';
import { SINGLE_FLOW, simulateFile } from '../helpers/sim.js';

/** Drop the first transmission of each of `segs` (counted as random loss, so conservation holds). */
function dropFirstTransmissionOf(segs: number[]) {
  return {
    setup(net: Network) {
      const pending = new Set(segs);
      const pass = net.dataLoss.receive.bind(net.dataLoss);
      net.dataLoss.receive = (p: Packet) => {
        if (!p.isAck && pending.has(p.seg)) {
          pending.delete(p.seg);
          net.dataLoss.drops++;
          net.dataLoss.onDrop!(p);
          net.pool.release(p);
        } else pass(p);
      };
    },
  };
}

describe('one segment lost mid-stream', () => {
  it('is repaired by one fast retransmission, without a timeout, and Reno halves its window', () => {
    let cwndAtLoss = 0;
    const hooks = dropFirstTransmissionOf([3000]);
    const r = simulateFile(SINGLE_FLOW, ['flows[0].cc=reno', 'duration=3s', 'flows[0].rwnd=256kb'], {
      setup(net) {
        hooks.setup(net);
        const s = net.senders[0]!;
        const pass = net.dataLoss.receive.bind(net.dataLoss);
        net.dataLoss.receive = (p: Packet) => {
          if (!p.isAck && p.seg === 3000 && cwndAtLoss === 0) cwndAtLoss = s.sndCwnd;
          pass(p);
        };
      },
    });
    const f = r.summary.flows[0]!;
    const s = r.network.senders[0]!;
    expect(r.summary.link.drops).toEqual({ queue: 0, random: 1, ack: 0 });
    expect(f.segsRetrans).toBe(1);
    expect(f.rtoCount).toBe(0);
    expect(cwndAtLoss).toBeGreaterThan(100);
    // tcp_reno_ssthresh: max(cwnd / 2, 2) of the window when loss was detected
    expect(s.sndSsthresh).toBeGreaterThanOrEqual(Math.floor(cwndAtLoss / 2) - 2);
    expect(s.sndSsthresh).toBeLessThanOrEqual(Math.floor(cwndAtLoss / 2) + 2);
  });
});

describe('the last segment of a transfer lost', () => {
  it('is repaired by a tail loss probe, before any timeout, min(2 x srtt + 200 ms, RTO) after the last ACK (one packet out)', () => {
    const segs = 200; // 289,600 bytes
    let lastAckNs = 0;
    let expectedDelayNs = 0;
    let probeNs = 0;
    const drop = dropFirstTransmissionOf([segs - 1]); // segments count from 0
    const r = simulateFile(SINGLE_FLOW, ['duration=3s', `flows[0].bytes=${segs * 1448}`], {
      setup(net) {
        drop.setup(net);
        const s = net.senders[0]!;
        const rx = s.receive.bind(s);
        s.receive = (p: Packet) => {
          rx(p);
          if (p.isAck && s.packetsOut === 1 && probeNs === 0) {
            // tcp_schedule_loss_probe(): with one packet outstanding the probe waits
            // 2 x srtt plus TCP_RTO_MIN for a delayed ACK, but never past the RTO
            lastAckNs = net.sim.now;
            expectedDelayNs = Math.min(2 * s.srttUs + 200_000, s.rtoJiffies * 4000) * 1000;
          }
        };
        const send = net.dataLoss.receive.bind(net.dataLoss);
        net.dataLoss.receive = (p: Packet) => {
          if (!p.isAck && p.seg === segs - 1 && lastAckNs > 0 && probeNs === 0) probeNs = net.sim.now;
          send(p);
        };
      },
    });
    const f = r.summary.flows[0]!;
    expect(f.bytesDelivered).toBe(segs * 1448);
    expect(f.segsRetrans).toBe(1);
    expect(f.rtoCount).toBe(0);
    expect(r.network.senders[0]!.stats.tlpCount).toBe(1);
    // the probe leaves when the timer fires (jiffies: 4 ms ticks)
    expect(probeNs - lastAckNs).toBeGreaterThanOrEqual(expectedDelayNs - 4e6);
    expect(probeNs - lastAckNs).toBeLessThanOrEqual(expectedDelayNs + 4e6);
    // and the transfer completes one round trip later
    const srttS = r.network.senders[0]!.srttUs / 1e6;
    expect(f.completionS! - probeNs / 1e9).toBeGreaterThan(0.9 * srttS);
    expect(f.completionS! - probeNs / 1e9).toBeLessThan(1.5 * srttS);
  });
});

describe('delayed ACKs', () => {
  it('in steady state the receiver ACKs every second full segment', () => {
    let acks = 0;
    const r = simulateFile(SINGLE_FLOW, ['duration=10s', 'flows[0].rwnd=256kb'], {
      setup(net) {
        const pass = net.ackLoss.receive.bind(net.ackLoss);
        net.ackLoss.receive = (p: Packet) => {
          if (net.sim.now > 2e9) acks++;
          pass(p);
        };
      },
    });
    const rows = r.timeseries.filter((x) => x.flow === 0 && (x.time_s as number) > 2);
    const dataPackets = (rows.reduce((a, x) => a + (x.goodput_mbps as number), 0) * 0.1 * 1e6) / 8 / 1448;
    expect(acks / dataPackets).toBeGreaterThan(0.45);
    expect(acks / dataPackets).toBeLessThan(0.6);
  });
});
