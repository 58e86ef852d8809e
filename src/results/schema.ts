/**
 * The result schema shared by the simulator and the kernel harness.
 *
 * A run directory (results/<scenario>/<run-id>/) holds:
 *   summary.json     RunSummary below (versioned by `schema`)
 *   timeseries.csv   TIMESERIES_COLUMNS, one row per sample and flow, plus
 *                    rows with flow = "link" for the bottleneck queue (on a
 *                    chain also flow = "link:<name>" for each link)
 *   transitions.csv  TRANSITIONS_COLUMNS, one row per change of a flow's
 *                    congestion state or congestion-control mode
 *   scenario.yaml    the scenario as run (file + --set overrides)
 *   resolved.json    the ResolvedScenario (every number explicit)
 *   meta.json        RunMeta: cclab version, seed, backend, wall time, host
 *
 * The keys of RunSummary are a contract: charts, reports, comparisons and
 * the surrogate model read them, whichever backend wrote them.
 * Documented in docs/results.md.
 */
import { z } from 'zod';

export const SUMMARY_SCHEMA = 'cclab.summary/1';

export const rttStatsSchema = z.object({
  min: z.number(),
  mean: z.number(),
  p50: z.number(),
  p95: z.number(),
  p99: z.number(),
});
export type RttStats = z.infer<typeof rttStatsSchema>;

export const flowSummarySchema = z.object({
  id: z.number().int(),
  group: z.number().int(),
  cc: z.string(),
  /** The flow's base RTT (ms) when it differs from the link's (scenario flows[].rtt); absent otherwise. */
  baseRttMs: z.number().optional(),
  /** "reverse" for a flow whose data went the link's reverse way (scenario flows[].direction); absent for a forward flow. */
  direction: z.literal('reverse').optional(),
  /** "quic" for a QUIC flow (scenario flows[].transport: quic; its cc is a QUIC controller, src/quic/cc); absent for TCP. */
  transport: z.literal('quic').optional(),
  /**
   * A QUIC flow's datagram size at the end of the run (bytes): 1252 at first, raised by path MTU
   * discovery (scenario flows[].quic); and the path MTU probes it sent. Absent for TCP.
   */
  datagramBytes: z.number().int().optional(),
  mtuProbes: z.number().int().optional(),
  /** Seconds from the start of the run. */
  startS: z.number(),
  endS: z.number(),
  /** Application bytes delivered in order to the receiver / active time (Mbit/s). */
  goodputMbps: z.number(),
  /** Payload bytes put on the wire, retransmissions included / active time (Mbit/s). */
  throughputMbps: z.number(),
  /** Payload bytes sent, retransmissions included. */
  bytesSent: z.number(),
  /** Payload bytes retransmitted. */
  bytesRetrans: z.number(),
  /** Application bytes delivered in order. */
  bytesDelivered: z.number(),
  /** bytesRetrans / bytesSent. */
  retransRatio: z.number(),
  segsSent: z.number().int(),
  segsRetrans: z.number().int(),
  /**
   * RTT as the sender measured it (ms): in the simulator every per-ACK RTT
   * sample; on a kernel, ss's smoothed RTT at each sample.
   */
  rttMs: rttStatsSchema,
  /**
   * The sender's smoothed RTT (srtt) sampled at the scenario's sample
   * interval (ms) — the same measurement on both backends, for comparisons.
   */
  srttMs: rttStatsSchema.optional(),
  /** Number of RTO expirations. */
  rtoCount: z.number().int(),
  /** Whether a byte-limited flow finished, and when (s); null for bulk flows. */
  completionS: z.number().nullable(),
  /**
   * ECN for a flow that negotiated it (absent otherwise; the simulator
   * only): data packets that reached the receiver marked CE, ACKs that
   * carried ECE back, and data segments the sender sent with CWR (one per
   * window reduction).
   */
  ecn: z.object({ ceReceived: z.number().int(), eceAcks: z.number().int(), cwrSent: z.number().int() }).optional(),
  /**
   * A DCTCP flow with ECN: the mean of its alpha (0..1; the time series'
   * dctcp_alpha) over the samples in the measured window, the same
   * measurement on both backends. Absent for other flows and on kernel
   * runs sampled before the sampler read it.
   */
  dctcpAlphaMean: z.number().optional(),
  /**
   * The flow's whole life lay within the warm-up (a short flow that finished
   * in it): nothing of it was measured, and the aggregates leave it out.
   */
  inWarmup: z.literal(true).optional(),
  /** A workload (scenario `arrivals`): its connections that started, and those that finished (their times are in `fct` and connections.csv). */
  connections: z.object({ started: z.number().int(), finished: z.number().int() }).optional(),
});
export type FlowSummary = z.infer<typeof flowSummarySchema>;

/**
 * The link's reverse direction when it is a bottleneck (a scenario with
 * reverse flows): the same measures as the forward direction's, for the
 * packets going from the receiving host to the sending host (reverse data,
 * the forward flows' ACKs).
 */
export const reverseLinkSummarySchema = z.object({
  /** Its rate: the link's, or the reverse trace's mean. */
  rateMbps: z.number(),
  queuePackets: z.number(),
  /** Bits it delivered (data and ACKs) / (rate x duration). */
  utilization: z.number(),
  drops: z.object({
    /** Drops at its queue (data and ACKs). */
    queue: z.number().int(),
    /** Random losses (link.ackLoss, every packet of this direction). */
    random: z.number().int(),
  }),
  marks: z.number().int().optional(),
  queuePkts: z.object({ mean: z.number(), p95: z.number(), max: z.number() }),
  /** Queueing delay (ms) seen by the reverse flows' data packets. */
  queueDelayMs: z.object({ mean: z.number(), p95: z.number() }).nullable(),
});
export type ReverseLinkSummary = z.infer<typeof reverseLinkSummarySchema>;

export const linkSummarySchema = z.object({
  rateMbps: z.number(),
  rttMs: z.number(),
  /** The bottleneck's buffer: drop-tail limit, or the AQM's hard limit (packets). */
  queuePackets: z.number(),
  /** The bottleneck's queue discipline when it is not drop-tail (absent: droptail). */
  qdisc: z.string().optional(),
  /** Bits delivered by the bottleneck / (rate x duration). */
  utilization: z.number(),
  drops: z.object({
    /** Drops at the bottleneck queue: tail drops, and an AQM's early and overflow drops. */
    queue: z.number().int(),
    /** Random (netem) losses on the data direction. */
    random: z.number().int(),
    /** Random losses on the ACK direction. */
    ack: z.number().int(),
  }),
  /**
   * Packets the bottleneck's AQM marked CE instead of dropping (and at
   * ce_threshold), as tc -s counts them; present when the qdisc is not
   * drop-tail.
   */
  marks: z.number().int().optional(),
  /** Queue occupancy (packets) over the samples. */
  queuePkts: z.object({ mean: z.number(), p95: z.number(), max: z.number() }),
  /** Queueing delay (ms) seen by data packets at the bottleneck (a chain's links add the median and p99). */
  queueDelayMs: z.object({ mean: z.number(), p95: z.number(), p50: z.number().optional(), p99: z.number().optional() }).nullable(),
  /** The reverse direction, when it is a bottleneck (reverse flows); absent otherwise. */
  reverse: reverseLinkSummarySchema.optional(),
});
export type LinkSummary = z.infer<typeof linkSummarySchema>;

/** One link of a chain (scenario `links:`): its name and a link block. */
export const chainLinkSummarySchema = linkSummarySchema.extend({ name: z.string() });
export type ChainLinkSummary = z.infer<typeof chainLinkSummarySchema>;

/** mean and percentiles of flow completion times (ms) or slowdowns. */
export const fctStatsSchema = z.object({ mean: z.number(), p50: z.number(), p95: z.number(), p99: z.number() });
export type FctStats = z.infer<typeof fctStatsSchema>;

const fctGroupShape = {
  /** Short flows counted (every byte-limited flow measured after the warm-up). */
  flows: z.number().int(),
  finished: z.number().int(),
  /** Flows that had not delivered every byte by their stop time or the end of the run. */
  unfinished: z.number().int(),
  /** Over the finished flows; null when none finished. */
  fctMs: fctStatsSchema.nullable(),
  /** Completion time over the ideal (two base RTTs + wire bytes at the bottleneck rate); null when none finished. */
  slowdown: fctStatsSchema.nullable(),
};

/** Flow completion times of the run's short (byte-limited) flows, overall and by size (src/results/fct.ts). */
export const fctSummarySchema = z.object({
  ...fctGroupShape,
  bySize: z.array(z.object({ size: z.string(), ...fctGroupShape })),
});
export type FctSummary = z.infer<typeof fctSummarySchema>;

/** The latency probe (scenario `probe`): requests counted, lost, and the round trips of the replies (ms). */
export const probeSummarySchema = z.object({
  /** Requests from the warm-up's end (those of the run's last second without a reply left out). */
  sent: z.number().int(),
  /** Requests without a reply (lost on the way there or back). */
  lost: z.number().int(),
  rttMs: rttStatsSchema,
});
export type ProbeSummary = z.infer<typeof probeSummarySchema>;

export const runSummarySchema = z.object({
  schema: z.literal(SUMMARY_SCHEMA),
  source: z.enum(['sim', 'kernel']),
  scenario: z.string(),
  /** scenarioHash(resolved): equal for runs that differ only in seed. */
  scenarioHash: z.string(),
  seed: z.number().int(),
  durationS: z.number(),
  /**
   * Seconds at the start left out of every metric (scenario `warmup`, as
   * iperf3 -O); absent when 0. Flow metrics cover each flow's time after it,
   * link metrics the run after it.
   */
  warmupS: z.number().optional(),
  /** The bottleneck; on a chain (scenario `links:`), its narrowest link (lowest rate, first of equals), which `links` has too. */
  link: linkSummarySchema,
  /** A chain's links in order (scenario `links:`); absent for the single link. */
  links: z.array(chainLinkSummarySchema).optional(),
  flows: z.array(flowSummarySchema),
  aggregate: z.object({
    goodputMbps: z.number(),
    /** Jain's fairness index over the flows' goodput. */
    jain: z.number(),
  }),
  /** Flow completion times, when the run has short (byte-limited) flows. */
  fct: fctSummarySchema.optional(),
  /** The latency probe's round trips under the load, when the scenario has one (probe.csv has each). */
  probe: probeSummarySchema.optional(),
  /** Packet conservation per flow (sim only): sent = delivered + dropped + in flight. */
  conservation: z
    .array(z.object({ flow: z.number().int(), sent: z.number(), delivered: z.number(), dropped: z.number(), inFlight: z.number() }))
    .optional(),
});
export type RunSummary = z.infer<typeof runSummarySchema>;

export const runMetaSchema = z.object({
  cclabVersion: z.string(),
  backend: z.enum(['sim', 'kernel']),
  seed: z.number().int(),
  scenarioFile: z.string().nullable(),
  createdAt: z.string(),
  wallSeconds: z.number(),
  /** Simulator statistics (events processed, packets) or kernel details. */
  sim: z.object({ events: z.number(), dataPackets: z.number() }).optional(),
  kernel: z
    .object({
      target: z.string(),
      release: z.string(),
      modules: z.array(z.string()),
      availableCc: z.array(z.string()),
      /**
       * Time the target's TCP spent under memory pressure (ms; TcpExt.TCPMemoryPressuresChrono),
       * present only when above zero: the receiver then clamps its window, which separate
       * hosts with their own memory would not (kernel/guest/init.sh).
       */
      tcpMemoryPressureMs: z.number().optional(),
    })
    .optional(),
});
export type RunMeta = z.infer<typeof runMetaSchema>;

/**
 * Columns of timeseries.csv, in order. Empty cells where a column does not
 * apply. Flow rows: cwnd, pacing rate, in-flight, delivery rate (as ss
 * reports it), smoothed RTT, goodput over the interval, retransmitted
 * segments so far, and at the sample instant the congestion state
 * (ca_state: Open, Disorder, CWR, Recovery, Loss) and the congestion
 * control's mode (cc_mode: BBR's STARTUP, DRAIN, PROBE_BW, PROBE_RTT; empty
 * for CCs without modes, and on kernel runs, whose tcp_info does not
 * expose it). Link rows (flow = "link"): bottleneck queue in packets and
 * bytes, and bits leaving the bottleneck over the interval (link_mbps);
 * with reverse flows, rows with flow = "link-reverse" give the same for the
 * link's reverse direction. Last, on flow rows, the data the receiver has
 * got so far (delivered_bytes): segments delivered, SACKed or cumulatively
 * ACKed, each counted once when it first is, as Linux's tcp_sock.delivered
 * (tcpi_delivered) counts them, less the SYN, times the segment size; it
 * grows when data arrives, not when a filled hole releases it in order, so
 * its rate over a window stays within the link (src/report/rates.ts).
 */
export const TIMESERIES_COLUMNS = [
  'time_s',
  'flow',
  'cwnd_pkts',
  'pacing_mbps',
  'inflight_pkts',
  'delivery_mbps',
  'srtt_ms',
  'goodput_mbps',
  'retrans_segs',
  'queue_pkts',
  'queue_bytes',
  'link_mbps',
  'ca_state',
  'cc_mode',
  'delivered_bytes',
] as const;
/**
 * The columns of timeseries.csv as cclab wrote them before delivered_bytes:
 * the same, without it. Readers accept both headers, so result folders
 * written before it still count as done and still chart.
 */
export const TIMESERIES_COLUMNS_BEFORE_DELIVERED = TIMESERIES_COLUMNS.filter((c) => c !== 'delivered_bytes');
/**
 * Optional columns appended to timeseries.csv only when a flow runs bbr3
 * (so every other run keeps its bytes), filled on that flow's rows: its
 * state (bbr_phase: STARTUP, DRAIN, UP, DOWN, CRUISE, REFILL, PROBE_RTT) and
 * the bounds of its model, as v3's tcp_bbr_info reports them: bw_hi and
 * bw_lo (Mbit/s), inflight_hi and inflight_lo (packets; empty while
 * unset, ~0U in the kernel) and ecn_alpha (0..1).
 */
export const BBR3_TIMESERIES_COLUMNS = ['bbr_phase', 'bw_hi_mbps', 'bw_lo_mbps', 'inflight_hi_pkts', 'inflight_lo_pkts', 'ecn_alpha'] as const;
/**
 * The optional column appended (after bbr3's, when both are there) only
 * when a flow runs DCTCP, filled on that flow's rows while it uses ECN:
 * dctcp_alpha (0..1), the moving fraction of CE-marked data that sets its
 * cut (tcp_dctcp's dctcp_alpha / 1024; on a kernel run the sampler's
 * INET_DIAG_DCTCPINFO, as `ss -i` prints it).
 */
export const DCTCP_TIMESERIES_COLUMNS = ['dctcp_alpha'] as const;
export type TimeseriesColumn = (typeof TIMESERIES_COLUMNS)[number] | (typeof BBR3_TIMESERIES_COLUMNS)[number] | (typeof DCTCP_TIMESERIES_COLUMNS)[number];

/**
 * Columns of transitions.csv: each change of a flow's congestion state
 * (kind = ca_state) or of its congestion control's mode (kind = cc_mode),
 * with when it happened (s) and the states' names. The simulator logs every
 * change as it happens; a kernel run has only its samples, so its rows are
 * the changes between consecutive samples, at the later sample's time.
 */
export const TRANSITIONS_COLUMNS = ['time_s', 'flow', 'kind', 'from', 'to'] as const;
export type TransitionColumn = (typeof TRANSITIONS_COLUMNS)[number];
