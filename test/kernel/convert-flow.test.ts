/**
 * A real VM run with cclab_flow -> the shared result schema: one bulk Cubic
 * flow (iperf3) and five 100 KB Cubic flows (cclab_flow) starting at 2, 2.5,
 * 3, 3.5 and 4 s on 50 Mbit/s, 40 ms (fixture vm-cubic-5x100kb-50mbit-40ms).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/load.js';
import { convertRun, parseRun, type RawFiles } from '../../src/kernel/convert.js';
import { verifyRun } from '../../src/kernel/verify.js';
import { runSummarySchema } from '../../src/results/schema.js';

const FIX = join(import.meta.dirname, 'fixtures', 'vm-cubic-5x100kb-50mbit-40ms');
const files: RawFiles = Object.fromEntries(readdirSync(FIX).filter((f) => f !== 'scenario.yaml').map((f) => [f, readFileSync(join(FIX, f), 'utf8')]));
const loaded = loadScenario(join(FIX, 'scenario.yaml'));
const T0 = 2.33; // timeline.txt

/** The fixture with one file's text changed. */
function edited(name: string, edit: (t: string) => string): RawFiles {
  return { ...files, [name]: edit(String(files[name])) };
}

describe('short flows run by cclab_flow -> summary.json', () => {
  const a = convertRun(loaded, files, { target: 'vm', wallSeconds: 200, createdAt: '2026-01-01T00:00:00.000Z' });
  const flows = a.summary.flows;
  it('is a valid summary', () => {
    expect(runSummarySchema.parse(a.summary).flows).toHaveLength(6);
  });
  it("times each short flow from its SYN to the kernel's ACK stamp of its last byte", () => {
    // flow-3.log: syn=5.379480 done=5.658612 (ack_src=tstamp)
    expect(flows[3]!.completionS).toBeCloseTo(5.658612 - 5.37948, 6);
    expect(flows[3]!.startS).toBeCloseTo(5.37948 - T0, 6);
    expect(flows[3]!.endS).toBeCloseTo(5.658612 - T0, 6);
    expect(flows.slice(1).map((f) => Math.round(f.completionS! * 1000))).toEqual([360, 434, 279, 295, 306]);
  });
  it('counts exactly the bytes each short flow was to send as delivered, over its SYN-to-last-ACK time', () => {
    for (const f of flows.slice(1)) {
      expect(f.bytesDelivered).toBe(102400);
      expect(f.goodputMbps).toBeCloseTo((102400 * 8) / f.completionS! / 1e6, 3);
    }
  });
  it("takes sent and retransmitted bytes from the connection's tcp_info when its last byte was ACKed", () => {
    expect(flows[2]!.bytesSent).toBe(119776);
    expect(flows[2]!.bytesRetrans).toBe(17376);
    expect(flows[2]!.segsRetrans).toBe(12);
    expect(flows[2]!.rttMs.min).toBeCloseTo(57, 3);
  });
  it('leaves the bulk flow to iperf3 as before (receiver byte count)', () => {
    const server0 = JSON.parse(String(files['server-0.json'])).end.sum_received;
    expect(flows[0]!.bytesDelivered).toBe(server0.bytes);
    expect(flows[0]!.completionS).toBeNull();
  });
  it('builds the FCT block from the five completion times', () => {
    const fct = a.summary.fct!;
    expect(fct.flows).toBe(5);
    expect(fct.finished).toBe(5);
    expect(fct.fctMs.p50).toBeCloseTo(305.779, 2);
  });
  it('accepts the run: every connection connected, every receiver read exactly 102400 bytes', () => {
    expect(verifyRun(loaded.resolved, parseRun(loaded.resolved, files))).toEqual([]);
  });
});

describe('short flows that did not finish, or were cut short', () => {
  it('a flow stopped before its last ACK has no completion time and counts as unfinished', () => {
    const f = edited('flow-1.log', (t) => t.replace('done=4.743230 ack_src=tstamp stop=-', 'done=- ack_src=- stop=4.700000').replace('acked=102401', 'acked=80001'));
    const a = convertRun(loaded, f, { target: 'vm', wallSeconds: 1 });
    expect(a.summary.flows[1]!.completionS).toBeNull();
    expect(a.summary.flows[1]!.bytesDelivered).toBe(80000);
    expect(a.summary.fct!.unfinished).toBe(1);
    expect(a.summary.fct!.finished).toBe(4);
  });
  it('a receiver that read less than the flow delivered fails the run', () => {
    const f = edited('flow-server-2.log', (t) => t.replace('bytes=102400', 'bytes=85432'));
    expect(verifyRun(loaded.resolved, parseRun(loaded.resolved, f))).toEqual([
      'flow 2: connection from port 40002 was to deliver 102400 bytes, its receiver read 85432 (see raw/flow-server-2.log)',
    ]);
  });
  it('a connection that could not set its congestion control fails the run', () => {
    const f = edited('flow-4.log', (t) => `${t.trimEnd()} err=TCP_CONGESTION:ENOENT\n`);
    expect(verifyRun(loaded.resolved, parseRun(loaded.resolved, f))[0]).toMatch(/^flow 4: 1 connection\(s\) failed, e\.g\. port 40004: TCP_CONGESTION:ENOENT/);
  });
});

/**
 * A real VM run of a workload and an on/off application (fixture
 * vm-workload-onoff-20mbit-40ms): Poisson arrivals of 15/s from 0.5 s with
 * Pareto sizes (mean 40 KB), 60 ms RTT and ECN, next to BBR writing 5
 * Mbit/s in on periods of 1 s and off periods of exp(500 ms), 20 Mbit/s,
 * 40 ms, 4 s.
 */
describe('a workload and an on/off application run by cclab_flow -> summary.json', () => {
  const WFIX = join(import.meta.dirname, 'fixtures', 'vm-workload-onoff-20mbit-40ms');
  const wfiles: RawFiles = Object.fromEntries(readdirSync(WFIX).filter((f) => f !== 'scenario.yaml').map((f) => [f, readFileSync(join(WFIX, f), 'utf8')]));
  const wloaded = loadScenario(join(WFIX, 'scenario.yaml'));
  const a = convertRun(wloaded, wfiles, { target: 'vm', wallSeconds: 100 });
  const [wl, onoff] = a.summary.flows;
  const conns = String(wfiles['flow-0.log']).split('\n').filter((l) => l.startsWith('conn '));
  it('is a valid summary; the workload counts its connections, started and finished by its stop', () => {
    runSummarySchema.parse(a.summary);
    expect(wl!.connections).toEqual({ started: 40, finished: 39 });
    expect(wl!.completionS).toBeNull();
    expect(wl!.startS).toBe(0.5);
    expect(wl!.endS).toBe(4);
  });
  it('adds up its connections: data bytes ACKed (less the SYN) over its life', () => {
    const acked = conns.map((l) => Number(/ acked=(\d+)/.exec(l)![1]) - 1).reduce((x, y) => x + y, 0);
    expect(wl!.bytesDelivered).toBe(acked);
    expect(wl!.bytesDelivered).toBe(1183059);
    expect(wl!.goodputMbps).toBeCloseTo((1183059 * 8) / 3.5 / 1e6, 5);
    expect(wl!.rttMs.min).toBeGreaterThan(60); // its own 60 ms RTT
  });
  it('writes every connection into connections.csv (start = its SYN), the one cut off by the stop without an FCT', () => {
    const rows = String(a.extra!['connections.csv']).trim().split('\n');
    expect(rows[0]).toBe('flow,start_s,bytes,fct_ms');
    expect(rows).toHaveLength(41);
    // lport 45056: syn=2.954895 done=3.136824, t0 = 2.32
    expect(rows[1]).toBe('0,0.634895,16452,181.929');
    expect(rows.filter((r) => r.endsWith(','))).toEqual(['0,3.843092,15868,']);
    expect(a.summary.fct!.flows).toBe(40);
    expect(a.summary.fct!.unfinished).toBe(1);
  });
  it("times the on/off application's goodput from its SYN to its stop", () => {
    // flow-1.log: syn=2.351102 stop=6.320056 acked=1977969
    expect(onoff!.bytesDelivered).toBe(1977968);
    expect(onoff!.goodputMbps).toBeCloseTo((1977968 * 8) / (6.320056 - 2.351102) / 1e6, 4);
    expect(onoff!.endS).toBeCloseTo(6.320056 - 2.32, 6);
  });
  it("adds up the workload's sockets per sample in its time series (its port range)", () => {
    const rows = a.timeseries.filter((r) => r.flow === 0);
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.some((r) => Number(r.cwnd_pkts) > 10)).toBe(true);
    const bytes = rows.reduce((x, r, i) => x + (i > 0 ? (Number(r.goodput_mbps) * 1e6 * (Number(r.time_s) - Number(rows[i - 1]!.time_s))) / 8 : 0), 0);
    expect(bytes).toBeGreaterThan(0.8 * 1183059);
    expect(bytes).toBeLessThanOrEqual(1183059 * 1.001);
    // delivered data: its connections' tcpi_delivered (less the SYN) x MSS added up, never falling, ending at
    // what they delivered, each over by at most its one short last segment
    const d = rows.map((r) => Number(r.delivered_bytes));
    expect(d.every((x, i) => Number.isFinite(x) && (i === 0 || x >= d[i - 1]!))).toBe(true);
    expect(d.at(-1)).toBeGreaterThanOrEqual(1183059);
    expect(d.at(-1)).toBeLessThan(1183059 + 40 * 1448);
  });
  it('accepts the run', () => {
    expect(verifyRun(wloaded.resolved, parseRun(wloaded.resolved, wfiles))).toEqual([]);
  });
});
