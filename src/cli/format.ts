/**
 * Human-readable tables for the terminal.
 */
import type { RunSummary } from '../results/schema.js';
import { ccKey } from '../scenario/resolve.js';

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
  const head = `${s.scenario} (${s.source}, seed ${s.seed}, ${s.durationS}s${s.warmupS ? `, first ${s.warmupS}s excluded as warm-up` : ''}): ${s.links ? `${s.links.length} links in a chain (${s.links.map((h) => h.name).join(' -> ')})` : `${s.link.rateMbps} Mbit/s, RTT ${s.link.rttMs} ms, ${s.link.qdisc ? `${s.link.qdisc} limit` : 'queue'} ${s.link.queuePackets} packets`}`;
  const fct = s.fct !== undefined;
  // a base-RTT column only when flows have RTTs of their own (flows[].rtt)
  const ownRtt = s.flows.some((f) => f.baseRttMs !== undefined);
  // a direction column only when flows send data both ways (flows[].direction)
  const dir = s.link.reverse !== undefined || s.flows.some((f) => f.direction !== undefined);
  const rows: (string | number)[][] = [['flow', 'cc', ...(dir ? ['dir'] : []), ...(ownRtt ? ['base RTT ms'] : []), 'goodput Mbit/s', 'thruput Mbit/s', 'retrans %', 'RTT mean ms', 'RTT p95 ms', 'RTOs', ...(fct ? ['FCT ms'] : [])]];
  for (const f of s.flows) {
    const row = [String(f.id), ccKey(f), ...(dir ? [f.direction ?? 'forward'] : []), ...(ownRtt ? [String(f.baseRttMs ?? s.link.rttMs)] : []), f2(f.goodputMbps), f2(f.throughputMbps), f2(f.retransRatio * 100), f2(f.rttMs.mean), f2(f.rttMs.p95), f.rtoCount];
    if (fct) row.push(f.completionS !== null ? f2(f.completionS * 1000) : '-');
    if (f.inWarmup) row[2 + (ownRtt ? 1 : 0) + (dir ? 1 : 0)] = 'warm-up';
    rows.push(row);
  }
  const l = s.link;
  const linkLine =
    (s.links ? s.links.map((h) => `${linkText(`link ${h.name} (${h.rateMbps} Mbit/s, RTT ${h.rttMs} ms)`, h)}\n`).join('') : `${linkText('link', l)}; `) +
    `Jain ${s.aggregate.jain.toFixed(3)}`;
  const r = l.reverse;
  const reverseLine = r
    ? `link reverse: utilization ${(r.utilization * 100).toFixed(1)}%, drops queue ${r.drops.queue} random ${r.drops.random}${r.marks !== undefined ? `, CE marks ${r.marks}` : ''}, ` +
      `queue mean ${f2(r.queuePkts.mean)} p95 ${f2(r.queuePkts.p95)} packets` +
      (r.queueDelayMs ? `, queueing delay mean ${f2(r.queueDelayMs.mean)} ms` : '') +
      '\n'
    : '';
  return `${head}\n\n${table(rows)}\n\n${linkLine}\n${reverseLine}${s.fct ? `${fctLine(s.fct)}\n` : ''}${s.probe ? `${probeLine(s.probe)}\n` : ''}`;
}

/** A link's line: utilisation, drops, queue and queueing delay. */
function linkText(label: string, l: RunSummary['link']): string {
  return (
    `${label}: utilization ${(l.utilization * 100).toFixed(1)}%, drops queue ${l.drops.queue} random ${l.drops.random} ack ${l.drops.ack}${l.marks !== undefined ? `, CE marks ${l.marks}` : ''}, ` +
    `queue mean ${f2(l.queuePkts.mean)} p95 ${f2(l.queuePkts.p95)} packets` +
    (l.queueDelayMs ? `, queueing delay mean ${f2(l.queueDelayMs.mean)} ms` : '')
  );
}

/** The short flows' completion times in one line. */
export function fctLine(f: NonNullable<RunSummary['fct']>): string {
  const counts = `short flows: ${f.flows} (${f.finished} finished, ${f.unfinished} unfinished)`;
  if (f.fctMs === null || f.slowdown === null) return `${counts}; none finished`;
  return `${counts}; FCT mean ${f2(f.fctMs.mean)} p50 ${f2(f.fctMs.p50)} p95 ${f2(f.fctMs.p95)} p99 ${f2(f.fctMs.p99)} ms; slowdown p50 ${f2(f.slowdown.p50)} p99 ${f2(f.slowdown.p99)}`;
}

/** The latency probe in one line. */
export function probeLine(p: NonNullable<RunSummary['probe']>): string {
  const lost = `${p.lost} of ${p.sent} lost`;
  if (p.sent === p.lost) return `latency probe: ${lost}`;
  return `latency probe: RTT mean ${f2(p.rttMs.mean)} p50 ${f2(p.rttMs.p50)} p95 ${f2(p.rttMs.p95)} p99 ${f2(p.rttMs.p99)} ms (min ${f2(p.rttMs.min)}), ${lost}`;
}
