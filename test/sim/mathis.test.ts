/**
 * Reno's goodput under random loss against the Mathis et al. formula,
 * throughput = (MSS / RTT) * C / sqrt(p).
 *
 * Which C: the classic delayed-ACK constant sqrt(3/4) ~ 0.87 assumes cwnd
 * grows by 1/cwnd per ACK, so that ACKing every second segment halves the
 * growth. Linux (since 3.18, tcp_cong_avoid_ai(tp, cwnd, acked)) grows by
 * the number of packets ACKed, so delayed ACKs do not slow congestion
 * avoidance and the per-packet constant sqrt(3/2) ~ 1.22 applies. The real
 * kernel agrees: in results/reference/linux-6.1.0-56-amd64 (QEMU VM), Reno at
 * 1% loss and 10 ms reaches 12.5 Mbit/s with an 11 ms smoothed RTT, C ~ 1.19.
 * So this test holds the simulator to the Linux constant, +-30%, using the
 * flow's measured mean RTT, mean of 5 seeds, 50 Mbit/s, 50 ms.
 */
import { describe, expect, it } from 'vitest';
import { SINGLE_FLOW, simulateFile, mean } from '../helpers/sim.js';

const C_LINUX = Math.sqrt(3 / 2);
const MSS_BITS = 1448 * 8;

describe('Reno follows the Mathis formula (Linux counts ACKed packets, not ACKs)', () => {
  for (const loss of [0.001, 0.005, 0.01]) {
    it(`loss ${loss * 100}%`, () => {
      const goodput: number[] = [];
      const rtt: number[] = [];
      for (let seed = 1; seed <= 5; seed++) {
        const r = simulateFile(SINGLE_FLOW, ['flows[0].cc=reno', `link.loss=${loss * 100}%`, 'duration=40s', `seed=${seed}`]);
        goodput.push(r.summary.flows[0]!.goodputMbps);
        rtt.push(r.summary.flows[0]!.rttMs.mean / 1000);
      }
      const mathis = ((MSS_BITS / mean(rtt)) * C_LINUX) / Math.sqrt(loss) / 1e6;
      const ratio = mean(goodput) / mathis;
      expect(ratio).toBeGreaterThan(0.7);
      expect(ratio).toBeLessThan(1.3);
    });
  }
});
