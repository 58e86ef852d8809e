/**
 * `cclab chart` as a user preparing figures would drive it: PDF that
 * renders and keeps its axis titles as text, size and font, --only, a
 * metric against a swept parameter with file names from the parameter's own
 * name and unit, a chart spec file, and one-line errors for bad options.
 * The sweep has 2 seeds: the charts say there is no CI and show the seeds.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cclab, tempDir, writeScenario } from '../analysis/cli.js';
import { describeWith } from '../helpers/requires.js';
import type { ChartSpec } from '../../src/report/chartconfig.js';

const SWEEP = `
name: harm-rate
duration: 4s
seed: 1
seeds: 2
sampleInterval: 100ms
link: {rate: 20mbit, rtt: 20ms, queue: 1bdp, loss: 0%}
flows:
  - cc: brutal
    brutal: {rate: 20mbit}
  - cc: cubic
sweep:
  flows[0].brutal.rate: [10mbit, 20mbit, 40mbit]
`;

let dir = '';
beforeAll(() => {
  const tmp = tempDir('chartcli');
  dir = join(tmp, 'sweep');
  const r = cclab(['sweep', writeScenario(tmp, 'harm-rate', SWEEP), '--out', dir, '--jobs', '1']);
  expect(r.status, r.stderr).toBe(0);
}, 120_000);

const json = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as ChartSpec;

describe('cclab chart options', () => {
  it('charts a metric against the swept parameter, named after the parameter, with the seeds and no CI from 2 seeds', () => {
    const out = join(dir, 'custom');
    const r = cclab(['chart', dir, '--metric', 'goodput_mbps', '--x', 'flows[0].brutal.rate', '--out', out, '--format', 'svg']);
    expect(r.status, r.stderr).toBe(0);
    const files = readdirSync(out);
    expect(files).toContain('goodput-vs-brutal-rate.svg');
    expect(files.join(' ')).not.toMatch(/flows-0|\[/);
    const spec = json(join(out, 'goodput-vs-brutal-rate.json'));
    expect(spec.x.title).toBe('Brutal rate (Mbit/s)');
    expect(spec.subtitle).toMatch(/mean of 2 seeds; dots: each seed; no CI: fewer than 3 seeds/);
    const means = spec.series.filter((s) => !s.partOf);
    expect(means.map((s) => s.label).sort()).toEqual(['flow 0: Brutal', 'flow 1: Cubic']);
    // no band from t(1); each seed's value drawn instead
    for (const s of means) for (const p of s.points) expect(p.lo ?? null).toBeNull();
    const seeds = spec.series.filter((s) => s.partOf === 'flow 0: Brutal');
    expect(seeds).toHaveLength(1);
    expect(seeds[0]!.points).toHaveLength(6);
    expect(means[0]!.points.map((p) => p.x).sort((a, b) => a - b)).toEqual([10, 20, 40]);
  });

  it('sizes the figure and its font, and --only picks charts by id', () => {
    const out = join(dir, 'small');
    const r = cclab(['chart', dir, '--only', 'throughput-vs-delay*', '--width', '480', '--height', '300', '--font-size', '9', '--format', 'svg', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const svgs = readdirSync(out).filter((f) => f.endsWith('.svg'));
    expect(svgs).toEqual(['throughput-vs-delay.svg']);
    const svg = readFileSync(join(out, svgs[0]!), 'utf8');
    expect(svg).toMatch(/<svg[^>]*width="480"[^>]*height="300"/);
    expect(svg).toMatch(/font-size="9(\.\d+)?"|font-size:9px|font-size="9px"|9px/);
  });

  it('reads a chart spec file, and the command line wins over it', () => {
    const tmp = tempDir('chartspec');
    const spec = join(tmp, 'figures.yaml');
    writeFileSync(spec, 'formats: [svg]\nwidth: 500\nheight: 320\ncharts:\n  - {metric: retrans_ratio, x: "flows[0].brutal.rate", title: Retransmissions by Brutal rate}\n  - {only: [throughput-vs-delay]}\n');
    const out = join(tmp, 'out');
    const r = cclab(['chart', dir, '--spec', spec, '--height', '400', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const files = readdirSync(out).filter((f) => f.endsWith('.svg')).sort();
    expect(files).toEqual(['retrans-vs-brutal-rate.svg', 'throughput-vs-delay.svg']);
    expect(json(join(out, 'retrans-vs-brutal-rate.json')).title).toBe('Retransmissions by Brutal rate');
    expect(readFileSync(join(out, 'throughput-vs-delay.svg'), 'utf8')).toMatch(/<svg[^>]*width="500"[^>]*height="400"/);
  });

  it('refuses bad options in one line naming the option', () => {
    const cases: [string[], RegExp][] = [
      [['--format', 'gif'], /^--format: expected a comma-separated list of png, svg, pdf, got "gif"$/],
      [['--width', 'wide'], /^--width: expected a number from 100 to 8000, got "wide"$/],
      [['--metric', 'speed'], /^--metric: "speed" is not a metric of this sweep; one of goodput_mbps, /],
      [['--x', 'link.rtt'], /^--x: "link.rtt" is not swept here; swept: flows\[0\]\.brutal\.rate$/],
      [['--only', 'nope'], /^--only: no chart "nope" here; the charts are /],
      [['--point', 'flows[0].brutal.rate=30mbit'], /^--point: flows\[0\]\.brutal\.rate=30mbit is not a swept value; one of 10mbit, 20mbit, 40mbit$/],
    ];
    for (const [args, msg] of cases) {
      const r = cclab(['chart', dir, ...args, '--out', join(dir, 'bad')]);
      expect(r.status, args.join(' ')).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]!.replace(/^cclab: (error: )?/, '')).toMatch(msg);
    }
  });

  it('--point picks the sweep point whose time series are drawn', () => {
    const out = join(dir, 'point');
    const r = cclab(['chart', dir, '--point', 'flows[0].brutal.rate=40mbit', '--only', 'flows-throughput', '--format', 'svg', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(json(join(out, 'flows-throughput.json')).subtitle).toMatch(/^chosen point: Brutal rate 40mbit/);
  });
});

describeWith('pdf', 'cclab chart --format pdf', () => {
  it('writes PDFs that pdftoppm renders and that carry the axis titles as text', () => {
    const out = join(dir, 'pdf');
    const r = cclab(['chart', dir, '--format', 'pdf', '--only', 'throughput-vs-delay,flows-throughput', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    for (const id of ['throughput-vs-delay', 'flows-throughput']) {
      const pdf = join(out, `${id}.pdf`);
      expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
      execFileSync('pdftoppm', ['-png', '-r', '50', '-singlefile', pdf, join(out, id)]);
      const png = readFileSync(join(out, `${id}.png`));
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      expect(png.length).toBeGreaterThan(5000); // a drawn chart, not a blank page
      // NFKC: Skia sets "fl" as its ligature, which pdftotext gives back as one character
      const text = execFileSync('pdftotext', [pdf, '-'], { encoding: 'utf8' }).normalize('NFKC');
      const spec = json(join(out, `${id}.json`));
      for (const title of [spec.x.title, spec.y.title, spec.title]) expect(text.replace(/\s+/g, ' ')).toContain(title.replace(/\s+/g, ' '));
    }
    expect(existsSync(join(out, 'throughput-vs-delay.svg'))).toBe(false);
  });
});
