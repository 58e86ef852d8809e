/**
 * The harness's own raw files: cclab_sampler lines, the plan's timeline and
 * env.txt, the shim's log, and /proc/net/netstat. All are `key=value` or
 * header/value tables, parsed without guessing.
 */

/** One `tcp ...` sampler line: the socket's tcp_info (units as the kernel's). */
export interface TcpSample {
  t: number;
  lport: number;
  state: number;
  /** tcpi_ca_state (0 Open .. 4 Loss); undefined in samples from before the sampler printed it. */
  caState?: number;
  cc: string;
  mss: number;
  cwnd: number;
  ssthresh: number;
  rttUs: number;
  rttvarUs: number;
  minRttUs: number;
  /** Bytes per second (tcpi_pacing_rate). */
  pacingRate: number;
  /** Bytes per second (tcpi_delivery_rate). */
  deliveryRate: number;
  appLimited: number;
  unacked: number;
  sacked: number;
  lost: number;
  retrans: number;
  totalRetrans: number;
  bytesSent: number;
  bytesRetrans: number;
  bytesAcked: number;
  delivered: number;
  dataSegsOut: number;
  /**
   * DCTCP's alpha (struct tcp_dctcp_info's dctcp_alpha, 1024 = every packet
   * marked); only on a DCTCP socket with ECN, in samples from a sampler
   * that asks for it.
   */
  dctcpAlpha?: number;
}

/** One `qdisc ...` sampler line: the bottleneck's counters (`qdisc-child` lines: a qdisc under the root, with its handle). */
export interface QdiscSample {
  t: number;
  dev: string;
  kind: string;
  /** A child's handle, e.g. "3:" (the AQM under the shaper); absent for the root. */
  handle?: string;
  qlen: number;
  backlog: number;
  drops: number;
  bytes: number;
  packets: number;
}

function kv(line: string): Record<string, string> {
  const o: Record<string, string> = {};
  for (const tok of line.trim().split(/\s+/).slice(1)) {
    const eq = tok.indexOf('=');
    if (eq > 0) o[tok.slice(0, eq)] = tok.slice(eq + 1);
  }
  return o;
}

const num = (o: Record<string, string>, k: string): number => Number(o[k] ?? NaN);

export function parseSamples(text: string): { tcp: TcpSample[]; qdisc: QdiscSample[]; qdiscChildren: QdiscSample[] } {
  const tcp: TcpSample[] = [];
  const qdisc: QdiscSample[] = [];
  const qdiscChildren: QdiscSample[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('tcp ')) {
      const o = kv(line);
      tcp.push({
        t: num(o, 't'),
        lport: num(o, 'lport'),
        state: num(o, 'state'),
        ...(o.ca_state !== undefined ? { caState: Number(o.ca_state) } : {}),
        cc: o.cc ?? '?',
        mss: num(o, 'mss'),
        cwnd: num(o, 'cwnd'),
        ssthresh: num(o, 'ssthresh'),
        rttUs: num(o, 'rtt_us'),
        rttvarUs: num(o, 'rttvar_us'),
        minRttUs: num(o, 'min_rtt_us'),
        pacingRate: num(o, 'pacing_rate'),
        deliveryRate: num(o, 'delivery_rate'),
        appLimited: num(o, 'app_limited'),
        unacked: num(o, 'unacked'),
        sacked: num(o, 'sacked'),
        lost: num(o, 'lost'),
        retrans: num(o, 'retrans'),
        totalRetrans: num(o, 'total_retrans'),
        bytesSent: num(o, 'bytes_sent'),
        bytesRetrans: num(o, 'bytes_retrans'),
        bytesAcked: num(o, 'bytes_acked'),
        delivered: num(o, 'delivered'),
        dataSegsOut: num(o, 'data_segs_out'),
        ...(o.dctcp_alpha !== undefined ? { dctcpAlpha: Number(o.dctcp_alpha) } : {}),
      });
    } else if (line.startsWith('qdisc ') || line.startsWith('qdisc-child ')) {
      const o = kv(line);
      (line.startsWith('qdisc ') ? qdisc : qdiscChildren).push({
        t: num(o, 't'),
        dev: o.dev ?? '',
        kind: o.kind ?? '',
        ...(o.handle !== undefined ? { handle: o.handle } : {}),
        qlen: num(o, 'qlen'),
        backlog: num(o, 'backlog'),
        drops: num(o, 'drops'),
        bytes: num(o, 'bytes'),
        packets: num(o, 'packets'),
      });
    }
  }
  return { tcp, qdisc, qdiscChildren };
}

export interface Timeline {
  t0: number;
  start: Map<number, number>;
  end: Map<number, { rc: number; t: number }>;
  /** Uptime at the warm-up's end, when the plan had one (its tc-warmup.txt snapshot follows). */
  warmup?: number;
  /** Uptime when the latency probe's ping started. */
  probe?: number;
}

export function parseTimeline(text: string): Timeline {
  const tl: Timeline = { t0: NaN, start: new Map(), end: new Map() };
  for (const line of text.split('\n')) {
    const w = line.trim().split(/\s+/);
    if (w[0] === 't0') tl.t0 = Number(w[1]);
    else if (w[0] === 'start') tl.start.set(Number(w[1]), Number(w[2]));
    else if (w[0] === 'end') tl.end.set(Number(w[1]), { rc: Number(w[2]), t: Number(w[3]) });
    else if (w[0] === 'warmup') tl.warmup = Number(w[1]);
    else if (w[0] === 'probe') tl.probe = Number(w[1]);
  }
  return tl;
}

export interface TargetEnv {
  release: string;
  availableCc: string[];
  modules: string[];
}

export function parseEnv(text: string): TargetEnv {
  const o: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) o[line.slice(0, eq)] = line.slice(eq + 1).trim();
  }
  const words = (s: string | undefined): string[] => (s ?? '').split(/\s+/).filter(Boolean);
  return { release: o.release ?? 'unknown', availableCc: words(o.available_cc), modules: words(o.modules).sort() };
}

export interface ShimLog {
  brutal: { lport: number; rate: number; cwndGain: number; rc: number; message: string }[];
  closes: Record<string, string>[];
  /** TCP sockets' connect() calls (their SYNs): local port and CLOCK_BOOTTIME µs. */
  connects: { lport: number; tUs: number }[];
}

export function parseShimLog(text: string): ShimLog {
  const log: ShimLog = { brutal: [], closes: [], connects: [] };
  for (const line of text.split('\n')) {
    if (line.startsWith('brutal ')) {
      const o = kv(line);
      log.brutal.push({ lport: num(o, 'lport'), rate: num(o, 'rate'), cwndGain: num(o, 'cwnd_gain'), rc: num(o, 'rc'), message: line.trim().split(/\s+/).slice(-1)[0] ?? '' });
    } else if (line.startsWith('close ')) {
      log.closes.push(kv(line));
    } else if (line.startsWith('connect ')) {
      const o = kv(line);
      log.connects.push({ lport: num(o, 'lport'), tUs: num(o, 't_us') });
    }
  }
  return log;
}

/** /proc/net/netstat: pairs of header and value lines -> "TcpExt.TCPTimeouts" -> value. */
export function parseNetstat(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  const lines = text.split('\n').filter((l) => l.includes(':'));
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const [prefix, keys] = lines[i]!.split(':');
    const [, vals] = lines[i + 1]!.split(':');
    const k = keys!.trim().split(/\s+/);
    const v = vals!.trim().split(/\s+/);
    k.forEach((name, j) => (out[`${prefix}.${name}`] = Number(v[j])));
  }
  return out;
}
