/**
 * ping's output (busybox, as in cclab's VM: "64 bytes from 10.201.2.1:
 * seq=0 ttl=63 time=40.123 ms"; iputils: "icmp_seq=1 ... time=40.1 ms",
 * counting from 1): the round trip of each reply by its request's number,
 * from 0. Duplicates keep the first reply; other lines are ignored.
 */
export function parsePing(text: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const line of text.split('\n')) {
    const m = /\b(icmp_seq|seq)=(\d+)\b.*\btime=([0-9.]+) ms/.exec(line);
    if (!m) continue;
    const seq = Number(m[2]) - (m[1] === 'icmp_seq' ? 1 : 0);
    if (!out.has(seq)) out.set(seq, Number(m[3]));
  }
  return out;
}
