/**
 * iperf3's --json output (client = sender side, server = receiver side).
 * Only the fields the harness uses are read; a run that failed carries
 * {"error": "..."} and is reported with that message.
 */

export interface Iperf3Interval {
  startS: number;
  endS: number;
  bytes: number;
  /** Sender only: retransmitted segments in the interval, cwnd (bytes), srtt (us). */
  retransmits?: number;
  sndCwndBytes?: number;
  rttUs?: number;
}

export interface Iperf3Result {
  /** iperf3's own error message, when it failed. */
  error: string | null;
  version: string | null;
  localPort: number | null;
  /** Totals as this side counted them. */
  sent: { bytes: number; seconds: number; retransmits: number | null } | null;
  received: { bytes: number; seconds: number } | null;
  congestion: { sender: string | null; receiver: string | null };
  intervals: Iperf3Interval[];
}

type J = Record<string, unknown>;

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function obj(v: unknown): J | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as J) : null;
}

/** Parse one iperf3 JSON document; throws only when the text is not JSON at all. */
export function parseIperf3Json(text: string): Iperf3Result {
  let doc: J;
  try {
    doc = obj(JSON.parse(text)) ?? {};
  } catch (e) {
    throw new Error(`iperf3 output is not JSON: ${(e as Error).message}`);
  }
  const start = obj(doc.start) ?? {};
  const end = obj(doc.end) ?? {};
  const conn = Array.isArray(start.connected) ? obj(start.connected[0]) : null;
  const sumSent = obj(end.sum_sent);
  const sumRecv = obj(end.sum_received);
  const intervals: Iperf3Interval[] = [];
  for (const iv of Array.isArray(doc.intervals) ? doc.intervals : []) {
    const st = obj(Array.isArray(obj(iv)?.streams) ? (obj(iv)!.streams as unknown[])[0] : null);
    if (!st) continue;
    const i: Iperf3Interval = { startS: num(st.start) ?? 0, endS: num(st.end) ?? 0, bytes: num(st.bytes) ?? 0 };
    if (num(st.retransmits) !== null) i.retransmits = num(st.retransmits)!;
    if (num(st.snd_cwnd) !== null) i.sndCwndBytes = num(st.snd_cwnd)!;
    if (num(st.rtt) !== null) i.rttUs = num(st.rtt)!;
    intervals.push(i);
  }
  const version = typeof start.version === 'string' ? start.version : null;
  return {
    error: typeof doc.error === 'string' ? doc.error : null,
    version,
    localPort: num(conn?.local_port),
    sent: sumSent ? { bytes: num(sumSent.bytes) ?? 0, seconds: num(sumSent.seconds) ?? 0, retransmits: num(sumSent.retransmits) } : null,
    received: sumRecv ? { bytes: num(sumRecv.bytes) ?? 0, seconds: num(sumRecv.seconds) ?? 0 } : null,
    congestion: {
      sender: typeof end.sender_tcp_congestion === 'string' ? end.sender_tcp_congestion : null,
      receiver: typeof end.receiver_tcp_congestion === 'string' ? end.receiver_tcp_congestion : null,
    },
    intervals,
  };
}
