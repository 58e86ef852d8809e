/**
 * Trace links read back from real VM runs: the kernel-trace group of the
 * reference grid (one Cubic or BBR flow on the step and cellular traces,
 * 30 s, results/reference/linux-6.1.0-56-amd64/kernel-trace.yaml). What
 * the converter makes of the shaper's samples, the pacer's log, and what
 * verify refuses.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deriveRun, readRunArchive, type StoredRun } from '../../src/kernel/reference.js';
import { parseRun, type RawFiles } from '../../src/kernel/convert.js';
import { verifyRun } from '../../src/kernel/verify.js';
import type { ResolvedScenario } from '../../src/scenario/resolve.js';

const ARCHIVE = join('results', 'reference', 'linux-6.1.0-56-amd64', 'kernel-trace.runs.tar.br');
const WIRE = 1514 / 1500;

const runs = readRunArchive(ARCHIVE);
const resolvedOf = (r: StoredRun): ResolvedScenario => JSON.parse(r.files['resolved.json']!.toString('utf8')) as ResolvedScenario;
const rawOf = (r: StoredRun): RawFiles => {
  const raw: RawFiles = {};
  for (const [p, d] of Object.entries(r.files)) if (p.startsWith('raw/')) raw[p.slice(4)] = d;
  return raw;
};
const isStep = (r: StoredRun) => resolvedOf(r).link.trace!.forward!.file.includes('step-50-10-50');

describe('kernel trace runs read back', () => {
  it('has the group: 3 repetitions of Cubic and BBR on each trace', () => {
    expect(runs).toHaveLength(12);
    expect(runs.filter(isStep)).toHaveLength(6);
  });

  it('the pacer wrote every rate change of the plan, on time (trace-timing.json)', () => {
    for (const r of runs) {
      const plan = r.files['raw/plan.sh']!.toString('utf8');
      const heredoc = plan.slice(plan.indexOf("<<'EOF' &\n") + 10, plan.indexOf('\nEOF\n'));
      const planned = heredoc.split('\n').filter((l) => /^\d+ !?\d+$/.test(l)).length;
      const a = deriveRun(r, ARCHIVE);
      const timing = JSON.parse(String(a.extra!['trace-timing.json'])) as { startOffsetMs: number; changes: number; lateMs: { p50: number; p95: number; max: number } };
      expect(timing.changes, r.name).toBe(planned);
      // the pacer starts within a few windows of t0, before the first change is due
      expect(timing.startOffsetMs).toBeLessThan(100);
      expect(timing.lateMs.p95).toBeLessThan(5);
      if (isStep(r)) expect(planned).toBe(2); // 50 -> 10 at 10 s, 10 -> 50 at 20 s
      else expect(planned).toBeGreaterThan(1000); // the cellular trace changes about every window
    }
  });

  it('the step trace shows in link_mbps at its times, in wire bytes', () => {
    for (const r of runs.filter(isStep)) {
      const rows = deriveRun(r, ARCHIVE).timeseries.filter((x) => x.flow === 'link');
      const mean = (a: number, b: number) => {
        const v = rows.filter((x) => Number(x.time_s) > a && Number(x.time_s) <= b).map((x) => Number(x.link_mbps));
        return v.reduce((s, x) => s + x, 0) / v.length;
      };
      expect(mean(3, 9.9) / (50 * WIRE), r.name).toBeGreaterThan(0.9);
      expect(mean(3, 9.9) / (50 * WIRE), r.name).toBeLessThan(1.03);
      expect(mean(10.2, 19.9) / (10 * WIRE), r.name).toBeGreaterThan(0.9);
      expect(mean(10.2, 19.9) / (10 * WIRE), r.name).toBeLessThan(1.05);
      expect(mean(23, 29.9) / (50 * WIRE), r.name).toBeGreaterThan(0.85);
      expect(mean(23, 29.9) / (50 * WIRE), r.name).toBeLessThan(1.03);
    }
  });

  it('utilisation counts IP bytes over the trace\'s mean, as the simulator does', () => {
    for (const r of runs) {
      const s = deriveRun(r, ARCHIVE).summary;
      expect(s.link.utilization, r.name).toBeGreaterThan(0.75);
      expect(s.link.utilization, r.name).toBeLessThanOrEqual(1.02);
      // goodput (payload) is at most the link's IP bytes x 1448/1500
      expect(s.flows[0]!.goodputMbps).toBeLessThanOrEqual(s.link.utilization * s.link.rateMbps * (1448 / 1500) * 1.01);
    }
  });

  it('verify accepts the runs, and refuses one whose pacer did not run or whose rate change tc refused', () => {
    const r = runs[0]!;
    const s = resolvedOf(r);
    const raw = rawOf(r);
    expect(verifyRun(s, parseRun(s, raw))).toEqual([]);
    const { 'trace-pacer.txt': _gone, ...noPacer } = raw;
    expect(verifyRun(s, parseRun(s, noPacer))).toEqual(['link.trace: cclab_pacer did not run (no raw/trace-pacer.txt); the link kept its first rate']);
    const refused = { ...raw, 'trace-tc.err': 'Error: Invalid rate.\nCommand failed -:1\n' };
    expect(verifyRun(s, parseRun(s, refused))).toEqual(['link.trace: tc refused a rate change: Error: Invalid rate.']);
  });
});
