/**
 * `cclab sweep` ends with the main metrics per swept value and CC, as text,
 * CSV, JSON or Markdown; the numbers are summary.json's means over seeds.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cclab, tempDir, writeScenario } from '../analysis/cli.js';
import type { SweepSummary } from '../../src/analysis/aggregate.js';

const SWEEP = `
name: table
duration: 2s
seeds: 2
link: {rate: 10mbit, rtt: 20ms}
flows:
  - cc: cubic
sweep:
  flows[0].cc: [cubic, reno]
  link.loss: [0%, 2%]
`;

let file = '';
let out = '';
let text = '';
beforeAll(() => {
  const tmp = tempDir('sweeptable');
  file = writeScenario(tmp, 'table', SWEEP);
  out = join(tmp, 'sweep');
  const r = cclab(['sweep', file, '--out', out, '--jobs', '1']);
  expect(r.status, r.stderr).toBe(0);
  text = r.stdout;
}, 120_000);

const summary = () => JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as SweepSummary;

describe('the table cclab sweep ends with', () => {
  it('lists each swept value and CC with goodput, retransmissions and p95 RTT (text)', () => {
    const s = summary();
    expect(text).toMatch(/summary: .*summary\.csv\n\ntable \(mean of 2 seeds; no CI from fewer than 3 seeds\):\n/);
    const lines = text.trim().split('\n');
    const head = lines.findIndex((l) => l.startsWith('loss'));
    expect(lines[head]).toMatch(/^loss\s+CC\s+goodput Mbit\/s\s+retrans %\s+p95 RTT ms$/);
    const body = lines.slice(head + 2);
    expect(body).toHaveLength(4);
    for (const r of s.rows) {
      const line = body.find((l) => l.startsWith(String(r.params['link.loss'])) && l.includes(r.cc === 'cubic' ? 'Cubic' : 'Reno'))!;
      expect(line, `${r.cc} ${r.params['link.loss']}`).toBeDefined();
      expect(line).toContain(r.stats.goodput_mbps!.mean!.toFixed(2));
      expect(line).toContain((r.stats.retrans_ratio!.mean! * 100).toFixed(2));
    }
  });

  it('as CSV and JSON alone on stdout (the report goes to stderr), with the CI bounds null from 2 seeds', () => {
    // the points are done: the sweep reuses them and only prints
    const csv = cclab(['sweep', file, '--out', out, '--jobs', '1', '--format', 'csv']);
    expect(csv.status, csv.stderr).toBe(0);
    const [header, ...rows] = csv.stdout.trim().split('\n');
    expect(header).toBe('link.loss,cc,seeds,goodput_mbps,goodput_mbps_ci_lo,goodput_mbps_ci_hi,retrans_pct,retrans_pct_ci_lo,retrans_pct_ci_hi,rtt_p95_ms,rtt_p95_ms_ci_lo,rtt_p95_ms_ci_hi');
    expect(rows).toHaveLength(4);
    expect(csv.stderr).toMatch(/summary: /);
    const js = cclab(['sweep', file, '--out', out, '--jobs', '1', '--format', 'json']);
    const doc = JSON.parse(js.stdout) as { seeds: number; ci: string; rows: Record<string, unknown>[] };
    expect(doc.seeds).toBe(2);
    expect(doc.ci).toMatch(/none/);
    const s = summary();
    expect(doc.rows.map((r) => r.goodput_mbps)).toEqual(s.rows.map((r) => Number(r.stats.goodput_mbps!.mean!.toFixed(4))));
    for (const r of doc.rows) expect(r.goodput_mbps_ci_lo).toBeNull();
  });

  it('as Markdown', () => {
    const md = cclab(['sweep', file, '--out', out, '--jobs', '1', '--format', 'markdown']);
    expect(md.status, md.stderr).toBe(0);
    expect(md.stdout).toMatch(/\n\| loss \| CC \| goodput Mbit\/s \| retrans % \| p95 RTT ms \|\n\| --- \| --- \| ---: \| ---: \| ---: \|\n\| 0% \| Cubic \| /);
  });

  it('refuses an unknown format in one line', () => {
    const r = cclab(['sweep', file, '--out', out, '--format', 'xlsx']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/--format: expected one of text, csv, json, markdown, got "xlsx"$/);
  });
});
