/**
 * `ss -tin` output (iproute2). Each socket is a header line
 *   ESTAB 0 445984 10.201.1.1:40000 10.201.2.1:5201
 * followed by an indented info line of flags, `key:value` and `key value`
 * tokens:
 *   cubic wscale:10,10 rto:244 rtt:42.849/1.099 mss:1448 cwnd:22 ...
 *   pacing_rate 7136968bps delivery_rate 5789792bps ... retrans:0/5 minrtt:40.779
 * The congestion control's name is the last bare word before the first
 * `key:value` token (after option flags such as ts, sack, ecn). The harness
 * writes `#T <uptime>` before each snapshot; lines before any marker get t = NaN.
 */

export interface SsSocket {
  /** Snapshot time (seconds of /proc/uptime), NaN when unknown. */
  t: number;
  state: string;
  local: string;
  peer: string;
  localPort: number;
  peerPort: number;
  cc: string | null;
  rttMs: number | null;
  rttVarMs: number | null;
  minRttMs: number | null;
  mss: number | null;
  cwnd: number | null;
  ssthresh: number | null;
  /** Bits per second, as ss prints them. */
  pacingRateBps: number | null;
  deliveryRateBps: number | null;
  bytesSent: number | null;
  bytesRetrans: number | null;
  bytesAcked: number | null;
  unacked: number | null;
  sacked: number | null;
  lost: number | null;
  /** retrans:<current>/<total>. */
  retransNow: number | null;
  retransTotal: number | null;
  dataSegsOut: number | null;
  /** Every token as text (key -> value; bare flags -> ""). */
  fields: Record<string, string>;
}

const OPTION_FLAGS = new Set(['ts', 'sack', 'ecn', 'ecnseen', 'fastopen', 'cwr']);
const RATE_UNITS: Record<string, number> = { bps: 1, kbps: 1e3, mbps: 1e6, gbps: 1e9 };
const SPACE_VALUED = new Set(['send', 'pacing_rate', 'delivery_rate']);

/** "17319928bps", "5.9Mbps" -> bits per second. */
export function parseSsRate(s: string): number | null {
  const m = /^([0-9.]+)([KMG]?bps)$/i.exec(s);
  if (!m) return null;
  return Number(m[1]) * RATE_UNITS[m[2]!.toLowerCase()]!;
}

function n(v: string | undefined): number | null {
  if (v === undefined || v === '') return null;
  const x = Number(v);
  return Number.isFinite(x) ? x : null;
}

function parseHeader(line: string): { state: string; local: string; peer: string } | null {
  const w = line.trim().split(/\s+/);
  if (w.length < 5 || !/^[A-Z][A-Z0-9-]*$/.test(w[0]!)) return null;
  return { state: w[0]!, local: w[3]!, peer: w[4]! };
}

function port(addr: string): number {
  const i = addr.lastIndexOf(':');
  return i < 0 ? NaN : Number(addr.slice(i + 1));
}

function parseInfo(line: string): { cc: string | null; fields: Record<string, string> } {
  const tokens = line.trim().split(/\s+/);
  const fields: Record<string, string> = {};
  let cc: string | null = null;
  let seenKeyValue = false;
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    if (SPACE_VALUED.has(tok) && i + 1 < tokens.length) {
      fields[tok] = tokens[++i]!;
      seenKeyValue = true;
      continue;
    }
    const c = tok.indexOf(':');
    if (c > 0) {
      fields[tok.slice(0, c)] = tok.slice(c + 1);
      seenKeyValue = true;
    } else {
      fields[tok] = '';
      if (!seenKeyValue && !OPTION_FLAGS.has(tok)) cc = tok;
    }
  }
  return { cc, fields };
}

/** Parse ss -tin text (with optional `#T <uptime>` markers) into sockets. */
export function parseSs(text: string): SsSocket[] {
  const out: SsSocket[] = [];
  let t = NaN;
  let header: { state: string; local: string; peer: string } | null = null;
  for (const raw of text.split('\n')) {
    if (raw.startsWith('#T')) {
      t = Number(raw.slice(2).trim());
      header = null;
      continue;
    }
    if (raw.trim() === '' || raw.startsWith('State ')) continue;
    if (!/^\s/.test(raw)) {
      header = parseHeader(raw);
      continue;
    }
    if (!header) continue;
    const { cc, fields } = parseInfo(raw);
    const [rtt, rttVar] = (fields.rtt ?? '').split('/');
    const [retransNow, retransTotal] = (fields.retrans ?? '').split('/');
    out.push({
      t,
      state: header.state,
      local: header.local,
      peer: header.peer,
      localPort: port(header.local),
      peerPort: port(header.peer),
      cc,
      rttMs: n(rtt),
      rttVarMs: n(rttVar),
      minRttMs: n(fields.minrtt),
      mss: n(fields.mss),
      cwnd: n(fields.cwnd),
      ssthresh: n(fields.ssthresh),
      pacingRateBps: fields.pacing_rate ? parseSsRate(fields.pacing_rate) : null,
      deliveryRateBps: fields.delivery_rate ? parseSsRate(fields.delivery_rate) : null,
      bytesSent: n(fields.bytes_sent),
      bytesRetrans: n(fields.bytes_retrans),
      bytesAcked: n(fields.bytes_acked),
      unacked: n(fields.unacked),
      sacked: n(fields.sacked),
      lost: n(fields.lost),
      retransNow: n(retransNow),
      retransTotal: n(retransTotal),
      dataSegsOut: n(fields.data_segs_out),
      fields,
    });
    header = null;
  }
  return out;
}
