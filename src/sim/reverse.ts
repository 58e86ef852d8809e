/**
 * Measuring the link's reverse direction when it is a bottleneck (scenarios
 * with reverse flows): its time-series rows (flow = "link-reverse") and its
 * block of the link summary (link.reverse), measured as the forward
 * direction's are in run.ts: queue occupancy at each sample, bits delivered,
 * queue drops and marks, data packets' queueing delay, all after the
 * warm-up.
 */
import type { Bottleneck } from '../network/bottleneck.js';
import { LogHistogram } from '../network/histogram.js';
import { ETHERNET_HEADER_BYTES } from '../network/wire.js';
import type { ResolvedScenario } from '../scenario/resolve.js';
import { round6 } from '../results/metrics.js';
import type { ReverseLinkSummary } from '../results/schema.js';
import type { TimeseriesRow } from '../results/write.js';

export interface ReverseSampler {
  /** The warm-up ends: counters so far are subtracted, samples so far forgotten. */
  warmupEnds(): void;
  /** The sample row at `ts` (s); `measured`: after the warm-up, so its queue counts in the summary. */
  sample(ts: number, measured: boolean, intervalNs: number): TimeseriesRow;
  /** The link.reverse block; `randomDrops`: the ACK-direction loss's drops after the warm-up. */
  summary(sc: ResolvedScenario, randomDrops: number, measuredS: number): ReverseLinkSummary;
}

export function reverseSampler(b: Bottleneck): ReverseSampler {
  const queue = new LogHistogram();
  let queueMax = 0;
  let lastBytes = 0;
  const warm = { bytes: 0, packets: 0, drops: 0, marks: 0 };
  return {
    warmupEnds() {
      warm.bytes = b.deliveredBytes;
      warm.packets = b.deliveredPackets;
      warm.drops = b.drops;
      warm.marks = b.marks;
      b.queueDelayUs!.reset();
    },
    sample(ts, measured, intervalNs) {
      const q = b.queuedPackets;
      if (measured) {
        queue.record(q);
        if (q > queueMax) queueMax = q;
      }
      const bytes = b.deliveredBytes - lastBytes;
      lastBytes = b.deliveredBytes;
      return { time_s: ts, flow: 'link-reverse', queue_pkts: q, queue_bytes: b.queuedBytes, link_mbps: round6((bytes * 8) / (intervalNs / 1e9) / 1e6) };
    },
    summary(sc, randomDrops, measuredS) {
      const l = sc.link;
      const trace = l.trace?.reverse !== undefined;
      const rateBps = b.rate.rateBps;
      const qd = b.queueDelayUs!;
      // a trace's capacity counts IP bytes (mahimahi's), so its utilisation does too
      const bytes = b.deliveredBytes - warm.bytes - (trace ? ETHERNET_HEADER_BYTES * (b.deliveredPackets - warm.packets) : 0);
      return {
        rateMbps: round6(rateBps / 1e6),
        queuePackets: l.queuePackets,
        utilization: round6((bytes * 8) / (rateBps * measuredS)),
        drops: { queue: b.drops - warm.drops, random: randomDrops },
        ...(l.qdisc !== 'droptail' ? { marks: b.marks - warm.marks } : {}),
        queuePkts: { mean: round6(queue.mean()), p95: round6(queue.quantile(0.95)), max: queueMax },
        queueDelayMs: qd.count > 0 ? { mean: round6(qd.mean() / 1000), p95: round6(qd.quantile(0.95) / 1000) } : null,
      };
    },
  };
}
