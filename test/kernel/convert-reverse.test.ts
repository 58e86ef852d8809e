/**
 * A real VM run with a reverse flow -> the shared result schema: a forward
 * and a reverse Cubic flow on a symmetric 20 Mbit/s, 40 ms drop-tail link
 * with a latency probe (fixtures/vm-fwd-rev-cubic-20mbit-40ms).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/load.js';
import { convertRun, parseRun, type RawFiles } from '../../src/kernel/convert.js';
import { verifyRun } from '../../src/kernel/verify.js';
import { runSummarySchema } from '../../src/results/schema.js';
import { formatSummary } from '../../src/cli/format.js';

const FIX = join(import.meta.dirname, 'fixtures', 'vm-fwd-rev-cubic-20mbit-40ms');
const files: RawFiles = Object.fromEntries(readdirSync(FIX).filter((f) => f !== 'scenario.yaml').map((f) => [f, readFileSync(join(FIX, f))]));
const loaded = loadScenario(join(FIX, 'scenario.yaml'));

describe('kernel run with a reverse flow -> summary.json', () => {
  const a = convertRun(loaded, files, { target: 'vm', wallSeconds: 20, createdAt: '2026-01-01T00:00:00.000Z' });
  const [fwd, rev] = a.summary.flows;

  it('is a valid summary that marks only the reverse flow', () => {
    expect(runSummarySchema.parse(a.summary).source).toBe('kernel');
    expect(fwd!.direction).toBeUndefined();
    expect(rev!.direction).toBe('reverse');
    expect(formatSummary(a.summary)).toMatch(/^1 +cubic +reverse /m);
  });

  it("takes the reverse flow's goodput from its server in snd and its counters from its socket in rcv", () => {
    const server1 = JSON.parse(readFileSync(join(FIX, 'server-1.json'), 'utf8')).end.sum_received;
    expect(rev!.bytesDelivered).toBe(server1.bytes);
    expect(rev!.goodputMbps).toBeCloseTo((server1.bytes * 8) / server1.seconds / 1e6, 5);
    expect(rev!.bytesSent).toBeGreaterThanOrEqual(rev!.bytesDelivered);
    expect(rev!.rttMs.min).toBeGreaterThanOrEqual(40);
    // its samples came from the second sampler (rcv)
    expect(String(files['samples-rev.txt'])).toMatch(/^tcp t=\S+ lport=40001 /m);
    expect(a.timeseries.filter((r) => r.flow === 1).length).toBeGreaterThan(50);
  });

  it("reads the reverse bottleneck (to-snd's netem) into link.reverse and link-reverse rows", () => {
    // tc-after: to-snd's netem sent 20751484 bytes, dropped 23 (no random loss: all queue drops)
    const r = a.summary.link.reverse!;
    expect(r.drops).toEqual({ queue: 23, random: 0 });
    expect(r.utilization).toBeCloseTo((20751484 * 8) / (20e6 * 10), 6);
    expect(a.summary.link.drops).toEqual({ queue: 8, random: 0, ack: 0 });
    expect(r.queuePkts.mean).toBeGreaterThan(5);
    const rows = a.timeseries.filter((x) => x.flow === 'link-reverse');
    expect(rows.length).toBeGreaterThan(50);
    expect(rows.length).toBe(a.timeseries.filter((x) => x.flow === 'link').length);
  });

  it('passes the checks: both sockets ran cubic', () => {
    expect(verifyRun(loaded.resolved, parseRun(loaded.resolved, files))).toEqual([]);
  });

  it('gives each flow, alone in its direction, its namespace RTO count', () => {
    expect(fwd!.rtoCount).toBe(0);
    expect(rev!.rtoCount).toBe(0);
    expect(a.extra!['rto-note.txt']).toBeUndefined();
  });
});
