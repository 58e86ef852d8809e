/**
 * Human-readable tables for the terminal.
 */
import type { RunSummary } from '../results/schema.js';

/** Render rows as an aligned text table (first row = header). */
export function table(rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map((c) => String(c)));
  const widths = cells[0]!.map((_, j) => Math.max(...cells.map((r) => (r[j] ?? '').length)));
  return cells
    .map((r, i) => {
      const line = r.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join('  ');
      return i === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
    })
    .join('\n');
}

const f2 = (x: number) => x.toFixed(2);

/** The summary of one run as text. */
export function formatSummary(s: RunSummary): string {
  const head = `${s.scenario} (${s.source}, seed ${s.seed}, ${s.durationS}s): ${s.link.rateMbps} Mbit/s, RTT ${s.link.rttMs} ms, ${s.link.qdisc ? `${s.link.qdisc} limit` : 'queue'} ${s.link.queuePackets} packets`;
  const rows: (string | number)[][] = [['flow', 'cc', 'goodput Mbit/s', 'thruput Mbit/s', 'retrans %', 'RTT mean ms', 'RTT p95 ms', 'RTOs']];
  for (const f of s.flows) {
    rows.push([String(f.id), f.cc, f2(f.goodputMbps), f2(f.throughputMbps), f2(f.retransRatio * 100), f2(f.rttMs.mean), f2(f.rttMs.p95), f.rtoCount]);
  }
  const l = s.link;
  const linkLine =
    `link: utilization ${(l.utilization * 100).toFixed(1)}%, drops queue ${l.drops.queue} random ${l.drops.random} ack ${l.drops.ack}${l.marks !== undefined ? `, CE marks ${l.marks}` : ''}, ` +
    `queue mean ${f2(l.queuePkts.mean)} p95 ${f2(l.queuePkts.p95)} packets` +
    (l.queueDelayMs ? `, queueing delay mean ${f2(l.queueDelayMs.mean)} ms` : '') +
    `; Jain ${s.aggregate.jain.toFixed(3)}`;
  return `${head}\n\n${table(rows)}\n\n${linkLine}\n`;
}
