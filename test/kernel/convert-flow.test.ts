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
