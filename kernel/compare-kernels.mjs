#!/usr/bin/env node
// Do two kernels agree? For every point that both reference trees ran (same
// network, flows and loss), the mean and spread of goodput, retransmission
// ratio and mean RTT on each, their difference, whether it is within the
// fidelity targets cclab holds the simulator to (goodput 10% or 0.5 Mbit/s,
// retransmission ratio 25% or 0.002, mean RTT 10%; each flow's share 10
// points), and whether Welch's t-test can tell the two means apart at the
// 5% level. Prints a Markdown table; exits 1 when a point is outside the
// targets and the difference is not within run-to-run noise.
// Usage: node kernel/compare-kernels.mjs <tree A> <tree B>   (needs `npm run build`)
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const { loadRunTree } = await import(join(repo, 'dist/kernel/reference.js'));
const { pointKey, pointParams, runMetrics, METRICS } = await import(join(repo, 'dist/analysis/compare.js'));
const { FIDELITY_TOLERANCE, SHARE_TOLERANCE_PP, welchIndistinguishable } = await import(join(repo, 'dist/analysis/validate.js'));

const [a, b] = process.argv.slice(2);
if (!a || !b) {
  console.error('usage: node kernel/compare-kernels.mjs <tree A> <tree B>');
  process.exit(2);
}
const spread = (xs) => {
  const n = xs.length;
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  const sd = n > 1 ? Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd, n };
};
const byPoint = (root) => {
  const m = new Map();
  for (const r of loadRunTree(root)) {
    if (r.summary.source !== 'kernel') continue;
    const k = pointKey(r.resolved);
    if (!m.has(k)) m.set(k, []);
    m.get(k).push(r);
  }
  return m;
};
const release = (runs) => [...new Set(runs.map((r) => r.kernelRelease))].join(', ');
const A = byPoint(a);
const B = byPoint(b);
const fmt = (s, d) => `${s.mean.toFixed(d)} ± ${s.sd.toFixed(d)} (${s.n})`;
const digits = { goodputMbps: 2, retransRatio: 4, rttMeanMs: 2 };
const rows = [];
let bad = 0;
for (const [k, ra] of A) {
  const rb = B.get(k);
  if (!rb) continue;
  const p = pointParams(ra[0].resolved);
  const label = [`${p.cc}`, `${ra[0].resolved.link.rttNs / 1e6} ms`, `loss ${(p.lossPct ?? 0)}%`, `queue ${ra[0].resolved.link.queueSpec}`, ...ra[0].resolved.flows.filter((f) => f.brutal).map((f) => `rate ${(f.brutal.rateBytesPerSec * 8) / 1e6} Mbit/s`)].join(', ');
  const cells = [label];
  let ok = true;
  for (const m of METRICS) {
    const sa = spread(ra.map((r) => runMetrics(r.summary)[m]));
    const sb = spread(rb.map((r) => runMetrics(r.summary)[m]));
    const t = FIDELITY_TOLERANCE[m];
    const within = Math.abs(sa.mean - sb.mean) <= Math.max(t.rel * Math.abs(sb.mean), t.abs);
    const noise = welchIndistinguishable(sa, sb);
    if (!within && !noise) ok = false;
    const rel = sb.mean !== 0 ? `${(((sa.mean - sb.mean) / sb.mean) * 100).toFixed(1)}%` : '—';
    cells.push(`${fmt(sa, digits[m])} vs ${fmt(sb, digits[m])}: ${rel}${within ? '' : ' **out**'}${noise ? ', within noise' : ''}`);
  }
  if (ra[0].resolved.flows.length > 1) {
    const share = (runs, i) => spread(runs.map((r) => (100 * r.summary.flows[i].goodputMbps) / r.summary.aggregate.goodputMbps));
    const parts = ra[0].resolved.flows.map((f, i) => {
      const sa = share(ra, i);
      const sb = share(rb, i);
      const within = Math.abs(sa.mean - sb.mean) <= SHARE_TOLERANCE_PP;
      if (!within && !welchIndistinguishable(sa, sb)) ok = false;
      return `${f.cc} ${sa.mean.toFixed(1)} vs ${sb.mean.toFixed(1)}${within ? '' : ' **out**'}`;
    });
    cells.push(parts.join('; '));
  } else cells.push('—');
  if (!ok) bad++;
  rows.push(cells);
}
console.log(`Kernel runs of ${release([...A.values()].flat())} (${a}) against ${release([...B.values()].flat())} (${b}): mean ± sd (runs), difference relative to the second.\n`);
console.log('| point | goodput Mbit/s | retransmission ratio | mean RTT ms | shares % |');
console.log('| --- | --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
console.log(`\n${rows.length - bad} of ${rows.length} points agree (within the fidelity targets, or within run-to-run noise).`);
process.exit(bad > 0 ? 1 : 0);
