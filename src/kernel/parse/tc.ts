/**
 * `tc -s qdisc show` output. Each qdisc is
 *   qdisc netem 8001: dev to-rcv root refcnt 2 limit 100 delay 20ms loss 1% rate 20Mbit
 *    Sent 23434401 bytes 15517 pkt (dropped 367, overlimits 0 requeues 0)
 *    backlog 0b 0p requeues 0
 * The harness's snapshots put `### <namespace>` before each namespace's list.
 */

export interface TcQdisc {
  /** Namespace from the preceding `### ns` marker, or null. */
  ns: string | null;
  kind: string;
  handle: string;
  dev: string;
  /** "root" or the parent class id. */
  parent: string;
  /** The rest of the first line: the qdisc's options as tc prints them. */
  options: string;
  sentBytes: number;
  sentPackets: number;
  dropped: number;
  overlimits: number;
  requeues: number;
  backlogBytes: number;
  backlogPackets: number;
  /**
   * Packets the qdisc marked CE instead of dropping, as its statistics print
   * them: codel, fq_codel and pie `ecn_mark` (+ `ce_mark` above
   * ce_threshold), red `marked`; 0 for the others.
   */
  marks: number;
}

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

function size(s: string): number {
  const m = /^([0-9.]+)([KMG]?b)$/i.exec(s);
  return m ? Math.round(Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase()]!) : 0;
}

export function parseTcQdiscs(text: string): TcQdisc[] {
  const out: TcQdisc[] = [];
  let ns: string | null = null;
  let cur: TcQdisc | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('### ')) {
      ns = line.slice(4).trim();
      continue;
    }
    const q = /^qdisc\s+(\S+)\s+(\S+)\s+dev\s+(\S+)\s+(root|parent\s+\S+)(.*)$/.exec(line);
    if (q) {
      cur = {
        ns,
        kind: q[1]!,
        handle: q[2]!,
        dev: q[3]!,
        parent: q[4]!.replace(/^parent\s+/, ''),
        options: q[5]!.trim(),
        sentBytes: 0,
        sentPackets: 0,
        dropped: 0,
        overlimits: 0,
        requeues: 0,
        backlogBytes: 0,
        backlogPackets: 0,
        marks: 0,
      };
      out.push(cur);
      continue;
    }
    if (!cur) continue;
    const s = /Sent\s+(\d+)\s+bytes\s+(\d+)\s+pkt\s+\(dropped\s+(\d+),\s+overlimits\s+(\d+)\s+requeues\s+(\d+)\)/.exec(line);
    if (s) {
      cur.sentBytes = Number(s[1]);
      cur.sentPackets = Number(s[2]);
      cur.dropped = Number(s[3]);
      cur.overlimits = Number(s[4]);
      cur.requeues = Number(s[5]);
      continue;
    }
    const b = /backlog\s+(\S+)\s+(\d+)p/.exec(line);
    if (b) {
      cur.backlogBytes = size(b[1]!);
      cur.backlogPackets = Number(b[2]);
      continue;
    }
    for (const m of line.matchAll(/\b(ecn_mark|ce_mark|marked)\s+(\d+)/g)) cur.marks += Number(m[2]);
  }
  return out;
}
