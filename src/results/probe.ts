/**
 * The latency probe's results, the same on both backends: each echo request
 * by its send time with the round trip of its reply, or none.
 *
 * A request counts from the end of the warm-up. One without a reply by the
 * end of the run is lost, unless it was sent in the run's last second
 * (PROBE_REPLY_WAIT_S), when its reply may simply still have been on the
 * way: those are left out, as ping leaves out what it has not waited for.
 */
import { round6, rttStats } from './metrics.js';
import { csv } from './write.js';
import type { ProbeSummary } from './schema.js';

/** How long a request's reply is waited for at the end of a run, s. */
export const PROBE_REPLY_WAIT_S = 1;

export interface ProbeRecord {
  /** Send time, s from the run's start. */
  tS: number;
  /** Round trip of the reply, ms; null when none arrived. */
  rttMs: number | null;
}

/** The probes that count: from the warm-up's end, less the unanswered ones of the last second. */
export function countedProbes(records: readonly ProbeRecord[], warmupS: number, endS: number): ProbeRecord[] {
  return records.filter((r) => r.tS >= warmupS && (r.rttMs !== null || r.tS <= endS - PROBE_REPLY_WAIT_S));
}

/** The summary's probe block. */
export function probeSummary(records: readonly ProbeRecord[], warmupS: number, endS: number): ProbeSummary {
  const counted = countedProbes(records, warmupS, endS);
  const rtts = counted.filter((r) => r.rttMs !== null).map((r) => r.rttMs!);
  return { sent: counted.length, lost: counted.length - rtts.length, rttMs: rttStats(rtts) };
}

/** probe.csv: every request (from the run's start) with its round trip, empty when lost. */
export function probeCsv(records: readonly ProbeRecord[]): string {
  return csv(
    ['time_s', 'rtt_ms'] as const,
    records.map((r) => (r.rttMs === null ? { time_s: round6(r.tS) } : { time_s: round6(r.tS), rtt_ms: round6(r.rttMs) })),
  );
}
