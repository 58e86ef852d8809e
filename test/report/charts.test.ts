import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ChartSpec } from '../../src/report/chartconfig.js';
import { ccLabel } from '../../src/report/specs.js';
import { cclab, tempDir } from '../analysis/cli.js';
import { makeCompetingRun, makeSweep, sweepCcs, pixelsOf } from './fixtures.js';

interface Written {
  id: string;
  title: string;
  files: string[];
}

function pngSize(buf: Buffer): { width: number; height: number } {
  expect(buf.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(buf.subarray(12, 16).toString('ascii')).toBe('IHDR');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

function check(dir: string, id: string): { spec: ChartSpec; png: Buffer; svg: string } {
  const spec = JSON.parse(readFileSync(join(dir, 'charts', `${id}.json`), 'utf8')) as ChartSpec;
  const png = readFileSync(join(dir, 'charts', `${id}.png`));
  const svg = readFileSync(join(dir, 'charts', `${id}.svg`), 'utf8');
  expect(pngSize(png)).toEqual({ width: 1920, height: 1140 });
  expect(svg.startsWith('<?xml')).toBe(true);
  expect(svg).toMatch(/<svg [^>]*width="960" height="570"/);
  expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  return { spec, png, svg };
}

/** Text of the SVG's <text> elements, joined by spaces. */
function svgText(svg: string): string {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]).join(' ');
}

describe('cclab chart on a sweep', () => {
  let dir: string;
  let index: Written[];
  const ccs = sweepCcs();
  beforeAll(() => {
    dir = makeSweep('charts');
    const r = cclab(['chart', dir]);
    expect(r.status).toBe(0);
    index = JSON.parse(readFileSync(join(dir, 'charts', 'index.json'), 'utf8')) as Written[];
  });

  it('picks the charts that fit a loss × RTT × CC sweep', () => {
    const ids = index.map((c) => c.id);
    for (const rtt of ['20ms', '40ms']) {
      expect(ids).toContain(`goodput-vs-loss--rtt-${rtt}`);
      expect(ids).toContain(`retrans-vs-loss--rtt-${rtt}`);
      expect(ids).toContain(`throughput-vs-delay--rtt-${rtt}`);
    }
    expect(ids).toEqual(expect.arrayContaining(['timeseries-cwnd', 'timeseries-delivery', 'timeseries-rtt', 'timeseries-queue']));
    expect(ids.includes('heatmap-brutal-bbr')).toBe(ccs.includes('brutal') && ccs.includes('bbr'));
    expect(ids.some((i) => i.startsWith('flows-'))).toBe(false); // single-flow sweep: no competing-flow charts
    expect(ids.filter((i) => i.includes('-by-setting'))).toEqual([]); // a loss axis: no bars per setting
  });

  it('draws goodput vs loss with one series per CC, the 2 seeds as dots and no CI, labelled axes, as PNG and SVG', async () => {
    const { spec, png, svg } = check(dir, 'goodput-vs-loss--rtt-40ms');
    const means = spec.series.filter((s) => s.partOf === undefined);
    expect(means.map((s) => s.label)).toEqual(ccs.map(ccLabel));
    expect(spec.x.type).toBe('logarithmic');
    expect(spec.x.title).toMatch(/loss.*%/);
    expect(spec.y.title).toBe('goodput (Mbit/s)');
    // 2 seeds: no band from Student's t(1); the chart says so and shows each seed
    expect(spec.subtitle).toMatch(/mean of 2 seeds; dots: each seed; no CI: fewer than 3 seeds/);
    for (const s of means) {
      expect(s.points).toHaveLength(3); // loss 0, 1%, 5%
      for (const p of s.points) expect(p.lo ?? null).toBeNull();
      const seeds = spec.series.find((x) => x.partOf === s.label)!;
      expect(seeds.points).toHaveLength(6);
      for (const p of s.points) {
        const own = seeds.points.filter((q) => q.x === p.x).map((q) => q.y);
        expect(own).toHaveLength(2);
        expect((own[0]! + own[1]!) / 2).toBeCloseTo(p.y, 6);
      }
      expect(await pixelsOf(png, s.color)).toBeGreaterThan(500);
      expect(svg).toContain(`stroke="${s.color.toUpperCase()}"`);
    }
    const text = svgText(svg);
    for (const label of ccs.map(ccLabel)) expect(text).toContain(label);
    expect(text).toContain('Goodput vs random loss');
    expect(text).toContain('(Mbit/s)');
    expect(text).toMatch(/\b0\b.*\b1%.*\b5%/); // 0 drawn on the log axis, then the loss rates
  });

  it('draws the retransmission ratio and the throughput/delay trade-off', () => {
    const r = check(dir, 'retrans-vs-loss--rtt-20ms');
    expect(r.spec.y.title).toMatch(/retransmitted \(% of bytes sent\)/);
    expect(r.spec.series.filter((s) => s.partOf === undefined)).toHaveLength(ccs.length);
    const t = check(dir, 'throughput-vs-delay--rtt-20ms');
    expect(t.spec.kind).toBe('scatter');
    expect(t.spec.x.reverse).toBe(true);
    const markers = t.spec.series.filter((s) => s.partOf === undefined);
    expect(markers).toHaveLength(ccs.length);
    // each marker labelled with its loss rate (markers on one spot share one label)
    for (const s of markers) {
      expect(s.points).toHaveLength(3);
      const labels = s.points.map((p) => p.label).filter(Boolean).join(', ');
      for (const l of ['0%', '1%', '5%']) expect(labels).toContain(l);
    }
    // 2 seeds: the seeds' own points instead of 1-σ ellipses
    expect(t.spec.series.some((s) => s.outline)).toBe(false);
    expect(t.spec.subtitle).toMatch(/dots: each seed \(no ellipse from fewer than 3 seeds\)/);
    expect(svgText(t.svg)).toContain('95th percentile RTT (ms');
  });

  it.runIf(ccs.includes('brutal') && ccs.includes('bbr'))('draws the Brutal/BBR goodput ratio over loss × RTT', () => {
    const { spec, svg } = check(dir, 'heatmap-brutal-bbr');
    const h = spec.heatmap!;
    expect(h.xLabels).toEqual(['0%', '1%', '5%']);
    expect(h.yLabels).toEqual(['20 ms', '40 ms']);
    for (const row of h.values) for (const v of row) expect(v).toBeGreaterThan(0);
    expect(svgText(svg)).toContain('×');
  });

  it('draws time series of a representative point per CC', async () => {
    const { spec, png } = check(dir, 'timeseries-cwnd');
    expect(spec.series.map((s) => s.label)).toEqual(ccs.map(ccLabel));
    expect(spec.subtitle).toMatch(/loss 1%/);
    expect(spec.y.title).toBe('cwnd (packets)');
    for (const s of spec.series) {
      expect(s.points.length).toBeGreaterThan(10);
      expect(await pixelsOf(png, s.color)).toBeGreaterThan(200);
    }
  });
});

describe('cclab chart on a run with competing flows', () => {
  it('draws the time series per flow, per-flow throughput and fairness over time', () => {
    const dir = makeCompetingRun('pair');
    const r = cclab(['chart', dir]);
    expect(r.status).toBe(0);
    const ids = (JSON.parse(readFileSync(join(dir, 'charts', 'index.json'), 'utf8')) as Written[]).map((c) => c.id);
    expect(ids).toEqual(expect.arrayContaining(['timeseries-cwnd', 'timeseries-pacing', 'timeseries-delivery', 'timeseries-rtt', 'timeseries-queue', 'flows-throughput', 'flows-fairness']));
    const tput = check(dir, 'flows-throughput').spec;
    expect(tput.series.map((s) => s.label)).toEqual(['flow 0: Reno', 'flow 1: Reno']);
    // flow 1 starts at 1 s
    expect(Math.min(...tput.series[1]!.points.map((p) => p.x))).toBeGreaterThanOrEqual(1);
    const fair = check(dir, 'flows-fairness').spec;
    const js = fair.series[0]!.points.map((p) => p.y);
    expect(js.length).toBeGreaterThan(5);
    for (const j of js) {
      expect(j).toBeGreaterThanOrEqual(0.5); // 1/n for two flows
      expect(j).toBeLessThanOrEqual(1);
    }
  });

  it('refuses a directory without results: one line, exit 2', () => {
    const r = cclab(['chart', tempDir('empty')]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/^cclab: .*not a results directory \(no summary\.json\)/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
