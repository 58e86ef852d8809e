/**
 * Cubic in full simulations: link utilization on a clean path, the RFC 9438
 * response function under random loss (mean of three seeds), and HyStart
 * ending slow start before the buffer overflows.
 */
import { describe, expect, it } from 'vitest';
import type { CongestionOps, TcpSock, AckSample } from '../../src/tcp/types.js';
import { TCP_INFINITE_SSTHRESH } from '../../src/tcp/constants.js';
import { mean, SINGLE_FLOW, simulateFile } from '../helpers/sim.js';

describe('Cubic on a clean path', () => {
  it('single-flow.yaml (cubic): link utilization >= 95% over the whole 30 s run', () => {
    const r = simulateFile(SINGLE_FLOW, []);
    expect(r.summary.flows[0]!.cc).toBe('cubic');
    expect(r.summary.link.utilization).toBeGreaterThanOrEqual(0.95);
  });
});

describe('Cubic response function (RFC 9438 section 5)', () => {
  it('goodput at 1% loss, 50 ms, is within +-30% of the Reno-friendly average window', () => {
    // RFC 9438 (as RFC 8312 sec. 5.1/5.2), average window in segments, RTT in seconds:
    //   Cubic region:         (C (3 + beta) / (4 (1 - beta)))^(1/4) RTT^(3/4) / p^(3/4)
    //                       = (0.4 * 3.7 / 1.2)^(1/4) * 0.05^0.75 / 0.01^0.75
    //                       = 1.0538 * 0.10574 / 0.031623 = 3.52 segments
    //   Reno-friendly region (AIMD alpha = 3(1-beta)/(1+beta), beta = 0.7):
    //                         sqrt(alpha (1 + beta) / (2 (1 - beta) p)) = sqrt(3 / (2p)) = 1.2247 / 0.1 = 12.25 segments
    // Cubic takes the larger, so the Reno-friendly region applies at 50 ms and 1%.
    // 12.25 segments of 1448 bytes per 50 ms (no queue builds at this window) = 2.84 Mbit/s.
    const C = 0.4;
    const beta = 0.7;
    const p = 0.01;
    const rtt = 0.05;
    const wCubic = ((C * (3 + beta)) / (4 * (1 - beta))) ** 0.25 * rtt ** 0.75 / p ** 0.75;
    const wReno = Math.sqrt(3 / (2 * p));
    expect(wReno).toBeGreaterThan(wCubic);
    const expectedMbps = (Math.max(wCubic, wReno) * 1448 * 8) / rtt / 1e6;
    const goodput = mean([1, 2, 3].map((seed) => simulateFile(SINGLE_FLOW, ['link.loss=1%', `seed=${seed}`]).summary.flows[0]!.goodputMbps));
    expect(goodput / expectedMbps).toBeGreaterThanOrEqual(0.7);
    expect(goodput / expectedMbps).toBeLessThanOrEqual(1.3);
  });
});

describe('HyStart', () => {
  it('ends slow start before the first loss on a 100 Mbit/s, 100 ms path with a 4 BDP buffer', () => {
    let firstDropNs = -1;
    let ssExitNs = -1;
    let ssExitCwnd = 0;
    const r = simulateFile(SINGLE_FLOW, ['link.rate=100mbit', 'link.rtt=100ms', 'link.queue=4bdp', 'duration=10s'], {
      setup(net) {
        const sim = net.sim;
        const drop = net.bottleneck.onDrop;
        net.bottleneck.onDrop = (pkt) => {
          if (firstDropNs < 0) firstDropNs = sim.now;
          drop?.(pkt);
        };
        // watch ssthresh after each ACK's pkts_acked (where HyStart sets it)
        const ca = net.senders[0]!.ca as CongestionOps & { pktsAcked(tp: TcpSock, s: AckSample): void };
        const acked = ca.pktsAcked.bind(ca);
        ca.pktsAcked = (tp, s) => {
          acked(tp, s);
          if (ssExitNs < 0 && tp.sndSsthresh < TCP_INFINITE_SSTHRESH) {
            ssExitNs = sim.now;
            ssExitCwnd = tp.sndCwnd;
          }
        };
      },
    });
    const info = r.network.senders[0]!.ca.info!();
    // HyStart (not a loss) set ssthresh, once
    expect(Number(info.hystartTrainDetect) + Number(info.hystartDelayDetect)).toBe(1);
    expect(ssExitNs).toBeGreaterThan(0);
    // no packet was dropped before the exit (none at all, or the first one later)
    expect(firstDropNs < 0 || firstDropNs > ssExitNs).toBe(true);
    // the exit is near the pipe size: BDP = 100 Mbit/s x 100 ms = 826 packets of 1514 wire bytes,
    // and well below pipe + buffer (5 BDP), where slow start would overflow the queue
    const bdp = r.summary.link.queuePackets / 4;
    expect(ssExitCwnd).toBeGreaterThan(0.5 * bdp);
    expect(ssExitCwnd).toBeLessThan(2.5 * bdp);
    // the slow-start part of the time series never saw a retransmission
    const ss = r.timeseries.filter((x) => x.flow === 0 && (x.time_s as number) * 1e9 <= ssExitNs);
    expect(ss.length).toBeGreaterThan(0);
    for (const x of ss) expect(x.retrans_segs).toBe(0);
  });
});
