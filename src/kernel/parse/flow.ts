/**
 * cclab_flow's logs (kernel/flow/cclab_flow.c): one `conn key=value ...`
 * line per connection, from its client (flow-<i>.log) and from its server
 * (flow-server-<i>.log). Times are CLOCK_BOOTTIME seconds (the uptime
 * clock); "-" is a time that did not happen, which parses as null.
 */

/** One client connection: its SYN, the ACK of its last byte, and its tcp_info then (or at its stop). */
export interface FlowConnLog {
  lport: number;
  /** Scheduled start (uptime, s). */
  startS: number;
  /** connect(): its SYN left (uptime, s); null when it never connected. */
  synS: number | null;
  estS: number | null;
  /** Bytes the connection was to send; 0: until its stop. */
  bytes: number;
  written: number;
  /** The ACK of its last byte (uptime, s); null when it did not finish. */
  doneS: number | null;
  /** How doneS was taken: the kernel's ACK timestamp (tstamp), a 1 ms poll of tcpi_bytes_acked (poll), or none (-). */
  ackSrc: 'tstamp' | 'poll' | '-';
  /** The connection's stop (uptime, s), when it was stopped before finishing (or a paced/bulk one at its stop). */
  stopS: number | null;
  /** Data bytes ACKed (tcpi_bytes_acked less the SYN). */
  deliveredBytes: number;
  bytesSent: number;
  bytesRetrans: number;
  dataSegsOut: number;
  totalRetrans: number;
  minRttUs: number;
  /** close() (uptime, s). */
  endS: number;
  /** What went wrong (e.g. "connect:ECONNREFUSED", "late", "terminated"), or absent. */
  err?: string;
}

/** One server connection: what the receiver read. */
export interface FlowServerConnLog {
  lport: number;
  /** The client's port (which connection it was). */
  peer: number;
  acceptS: number;
  firstS: number | null;
  lastS: number | null;
  /** EOF (uptime, s); null when the connection was reset or still open at the end. */
  eofS: number | null;
  bytes: number;
  err?: string;
}

function kv(line: string): Record<string, string> {
  const o: Record<string, string> = {};
  for (const w of line.trim().split(/\s+/).slice(1)) {
    const eq = w.indexOf('=');
    if (eq > 0) o[w.slice(0, eq)] = w.slice(eq + 1);
  }
  return o;
}

function num(o: Record<string, string>, k: string, line: string): number {
  const v = o[k];
  const n = v === undefined ? NaN : Number(v);
  if (!Number.isFinite(n)) throw new Error(`cclab_flow log: no number ${k}= in "${line.trim()}"`);
  return n;
}

function time(o: Record<string, string>, k: string, line: string): number | null {
  return o[k] === '-' ? null : num(o, k, line);
}

/** A client log (flow-<i>.log): its connections, in the order they ended. */
export function parseFlowLog(text: string): FlowConnLog[] {
  const out: FlowConnLog[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('conn ')) continue;
    const o = kv(line);
    const src = o.ack_src;
    out.push({
      lport: num(o, 'lport', line),
      startS: num(o, 'start', line),
      synS: time(o, 'syn', line),
      estS: time(o, 'est', line),
      bytes: num(o, 'bytes', line),
      written: num(o, 'written', line),
      doneS: time(o, 'done', line),
      ackSrc: src === 'tstamp' || src === 'poll' ? src : '-',
      stopS: time(o, 'stop', line),
      // tcpi_bytes_acked counts the SYN as one byte
      deliveredBytes: Math.max(0, num(o, 'acked', line) - 1),
      bytesSent: num(o, 'bytes_sent', line),
      bytesRetrans: num(o, 'bytes_retrans', line),
      dataSegsOut: num(o, 'data_segs_out', line),
      totalRetrans: num(o, 'total_retrans', line),
      minRttUs: num(o, 'min_rtt_us', line),
      endS: num(o, 'end', line),
      ...(o.err !== undefined ? { err: o.err } : {}),
    });
  }
  return out;
}

/** A server log (flow-server-<i>.log): its connections, in the order they ended. */
export function parseFlowServerLog(text: string): FlowServerConnLog[] {
  const out: FlowServerConnLog[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('conn ')) continue;
    const o = kv(line);
    out.push({
      lport: num(o, 'lport', line),
      peer: num(o, 'peer', line),
      acceptS: num(o, 'accept', line),
      firstS: time(o, 'first', line),
      lastS: time(o, 'last', line),
      eofS: time(o, 'eof', line),
      bytes: num(o, 'bytes', line),
      ...(o.err !== undefined ? { err: o.err } : {}),
    });
  }
  return out;
}
