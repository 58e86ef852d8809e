/**
 * Flow completion times: the ideal FCT a slowdown is measured against, and
 * the summary block, hand-computed.
 */
import { describe, expect, it } from 'vitest';
import { FCT_BUCKETS, fctSummary, idealFctS } from '../../src/results/fct.js';

describe('idealFctS', () => {
  it('is two base RTTs plus the wire bytes at the link rate', () => {
    // 100 KiB = 70 full segments of 1448 + 1040 bytes: 70 x 1514 + 1106 wire bytes
    const wire = 70 * 1514 + (1040 + 66);
    expect(idealFctS({ bytes: 102400, mss: 1448, baseRttS: 0.04, bottleneckBps: 50e6 })).toBeCloseTo(0.08 + (wire * 8) / 50e6, 12);
    // one byte: one small segment
    expect(idealFctS({ bytes: 1, mss: 1448, baseRttS: 0.02, bottleneckBps: 10e6 })).toBeCloseTo(0.04 + (67 * 8) / 10e6, 12);
  });
});

describe('fctSummary', () => {
  const r = (bytes: number, completionS: number | null) => ({ bytes, mss: 1448, completionS, baseRttS: 0.01, bottleneckBps: 50e6 });

  it('is null without short flows', () => {
    expect(fctSummary([])).toBeNull();
  });

  it('counts unfinished flows and leaves them out of the percentiles', () => {
    const s = fctSummary([r(5000, 0.1), r(5000, 0.3), r(5000, null), r(500_000, 0.5)])!;
    expect(s.flows).toBe(4);
    expect(s.finished).toBe(3);
    expect(s.unfinished).toBe(1);
    expect(s.fctMs!.mean).toBeCloseTo(300, 6);
    expect(s.fctMs!.p50).toBeCloseTo(300, 6);
    // by size: 5000 bytes in <=10kb (2 finished, 1 not), 500000 in <=1mb
    expect(s.bySize.map((b) => [b.size, b.flows, b.finished, b.unfinished])).toEqual([
      ['<=10kb', 3, 2, 1],
      ['<=1mb', 1, 1, 0],
    ]);
    expect(s.bySize[0]!.slowdown!.p50).toBeCloseTo(0.2 / idealFctS(r(5000, 0)), 5);
  });

  it('reports no percentiles when nothing finished', () => {
    const s = fctSummary([r(5000, null)])!;
    expect(s.fctMs).toBeNull();
    expect(s.slowdown).toBeNull();
    expect(s.unfinished).toBe(1);
  });

  it('puts a size on a bucket boundary in the lower bucket (1kb = 1024 bytes, as scenario sizes)', () => {
    expect(FCT_BUCKETS[0]!.maxBytes).toBe(10 * 1024);
    expect(fctSummary([r(10 * 1024, 0.1)])!.bySize[0]!.size).toBe('<=10kb');
    expect(fctSummary([r(10 * 1024 + 1, 0.1)])!.bySize[0]!.size).toBe('<=100kb');
  });
});
