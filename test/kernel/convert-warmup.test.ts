/**
 * A real VM run with a warm-up and a latency probe (20 Mbit/s, 40 ms, Cubic
 * from 3 s, warm-up 2 s, ping every 100 ms) -> the shared result schema.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/load.js';
import { convertRun, counterAt, parseRun, type RawFiles } from '../../src/kernel/convert.js';
import { parseTcQdiscs } from '../../src/kernel/parse/tc.js';
import { parsePing } from '../../src/kernel/parse/ping.js';
import { runSummarySchema } from '../../src/results/schema.js';

const FIX = join(import.meta.dirname, 'fixtures', 'vm-warmup-probe-20mbit-40ms');
const files: RawFiles = Object.fromEntries(readdirSync(FIX).filter((f) => f !== 'scenario.yaml').map((f) => [f, readFileSync(join(FIX, f))]));
const loaded = loadScenario(join(FIX, 'scenario.yaml'));
const a = convertRun(loaded, files, { target: 'vm', wallSeconds: 20, createdAt: '2026-01-01T00:00:00.000Z' });
const raw = (name: string) => readFileSync(join(FIX, name), 'utf8');

describe('kernel run with a warm-up', () => {
  it('is a valid summary that states its warm-up', () => {
    expect(runSummarySchema.parse(a.summary).warmupS).toBe(2);
  });

  it("counts the link from the warm-up's snapshot, over the time from it to the flows' end", () => {
    const at = (text: string) => parseTcQdiscs(text).find((q) => q.dev === 'to-rcv' && q.parent === 'root')!;
    const after = at(raw('tc-after.txt'));
    const warm = at(raw('tc-warmup.txt'));
    expect(a.summary.link.drops.queue + a.summary.link.drops.random).toBe(after.dropped - warm.dropped);
    // warm-up snapshot at uptime 4.28, the flows ended at 12.66
    expect(a.summary.link.utilization).toBeCloseTo(((after.sentBytes - warm.sentBytes) * 8) / (20e6 * (12.66 - 4.28)), 5);
  });

  it('interpolates a socket counter between samples, 0 before its first', () => {
    const p = parseRun(loaded.resolved, files);
    const s = p.tcp.filter((x) => x.lport === 40000);
    expect(counterAt(s, 'bytesSent', s[0]!.t - 1)).toBe(0);
    const mid = (s[10]!.t + s[11]!.t) / 2;
    expect(counterAt(s, 'bytesSent', mid)).toBeCloseTo((s[10]!.bytesSent + s[11]!.bytesSent) / 2, 6);
    expect(counterAt(s, 'bytesSent', s.at(-1)!.t + 5)).toBe(s.at(-1)!.bytesSent);
  });

  it('measures a flow that started after the warm-up over all of its life', () => {
    const f = a.summary.flows[0]!;
    const close = raw('shim-0.log').split('\n').find((l) => l.startsWith('close') && l.includes('lport=40000'))!;
    expect(f.bytesSent).toBe(Number(/bytes_sent=(\d+)/.exec(close)![1]));
  });
});

describe('kernel run with a latency probe', () => {
  const replies = parsePing(raw('ping.txt'));
  it('reads every reply of ping into probe.csv, request i sent i intervals after ping started', () => {
    const rows = String(a.extra!['probe.csv']).trim().split('\n').slice(1);
    expect(rows.length).toBe(100);
    // ping started at uptime 2.29, t0 2.26
    expect(rows[5]).toBe(`0.53,${replies.get(5)}`);
  });
  it('summarises the replies after the warm-up: sent, lost, round trips', () => {
    const p = a.summary.probe!;
    // requests 20..99 (2.03 s .. 9.93 s); the unanswered ones of the last second do not count
    const after = [...Array(80).keys()].map((i) => i + 20);
    const lost = after.filter((i) => !replies.has(i) && 0.03 + i * 0.1 <= 9);
    expect(p.sent).toBe(80 - after.filter((i) => !replies.has(i) && 0.03 + i * 0.1 > 9).length);
    expect(p.lost).toBe(lost.length);
    const rtts = after.filter((i) => replies.has(i)).map((i) => replies.get(i)!);
    expect(p.rttMs.min).toBeCloseTo(Math.min(...rtts), 5);
    expect(p.rttMs.mean).toBeCloseTo(rtts.reduce((x, y) => x + y, 0) / rtts.length, 4);
  });
});
