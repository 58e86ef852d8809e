/**
 * `cclab fit` and `cclab predict` on a small real sweep (64 simulated points,
 * reno and brutal over loss × RTT), run as a user would: the built CLI as a
 * child process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cclab, type CliResult } from '../helpers/cli.js';
import { FIXTURE_CCS, FIXTURE_POINTS, runFixtureSweep } from './sweep-fixture.js';
import type { ModelMeta } from '../../src/model/surrogate.js';

let root: string;
let dir: string;
let fit: CliResult;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'cclab-model-'));
  runFixtureSweep(root);
  dir = join(root, 'sweep');
  fit = cclab(['fit', dir, '--seed', '3'], { timeoutMs: 600_000 });
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

const meta = (): ModelMeta => JSON.parse(readFileSync(join(dir, 'model', 'cclab-model.json'), 'utf8')) as ModelMeta;

describe('cclab fit on a real sweep', () => {
  it('reaches held-out R² ≥ 0.9 for goodput and reports R² and MAE per target', () => {
    expect(fit.stderr).toMatch(/TensorFlow\.js backend: (tensorflow|wasm|cpu)/);
    expect(fit.code, fit.stderr).toBe(0);
    const m = meta();
    expect(m.training.points).toBe(FIXTURE_POINTS);
    expect(FIXTURE_POINTS).toBeGreaterThanOrEqual(60);
    expect(m.ccs).toEqual([...FIXTURE_CCS].sort());
    const goodput = m.evaluation.metrics.find((x) => x.name === 'goodput')!;
    expect(goodput.r2).toBeGreaterThanOrEqual(0.9);
    expect(m.evaluation.metrics.map((x) => x.name)).toEqual(['goodput', 'retransRatio', 'rttP95']);
    // the printed table carries the same numbers
    expect(fit.stdout).toMatch(new RegExp(`goodput\\s+Mbit/s\\s+${String(+goodput.r2.toPrecision(3)).replace('.', '\\.')}\\s`));
    const saved = JSON.parse(readFileSync(join(dir, 'model', 'evaluation.json'), 'utf8'));
    expect(saved).toEqual(m.evaluation);
  }, 600_000);

  it('writes a TensorFlow.js model, and charts including the break-even chart', () => {
    const files = readdirSync(join(dir, 'model'));
    expect(files).toEqual(expect.arrayContaining(['model.json', 'weights.bin', 'cclab-model.json', 'evaluation.json', 'charts']));
    const modelJson = JSON.parse(readFileSync(join(dir, 'model', 'model.json'), 'utf8'));
    expect(modelJson.format).toBe('layers-model');
    const specs = modelJson.weightsManifest[0].weights as { shape: number[] }[];
    const floats = specs.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
    expect(readFileSync(join(dir, 'model', 'weights.bin')).length).toBe(4 * floats);
    const charts = readdirSync(join(dir, 'model', 'charts'));
    expect(charts).toEqual(expect.arrayContaining(['predicted-goodput-reno.png', 'predicted-goodput-brutal.svg', 'predicted-breakeven-brutal-vs-reno.json']));
    for (const c of charts.filter((f) => f.endsWith('.png'))) expect(readFileSync(join(dir, 'model', 'charts', c)).subarray(1, 4).toString()).toBe('PNG');
    for (const c of charts.filter((f) => f.endsWith('.svg'))) expect(readFileSync(join(dir, 'model', 'charts', c), 'utf8')).toMatch(/<svg[^>]*width="960"/);
    // the data behind the break-even chart: a 100 x 100 grid of predicted ratios and the measured ratios
    const be = JSON.parse(readFileSync(join(dir, 'model', 'charts', 'predicted-breakeven-brutal-vs-reno.json'), 'utf8'));
    expect(be.values).toHaveLength(100);
    expect(be.values[0]).toHaveLength(100);
    expect(be.points).toHaveLength(FIXTURE_POINTS / 2);
    // Brutal (20 Mbit/s on a 20 Mbit/s link) beats Reno by far at high loss: a solid break-even line exists
    expect(be.lines.length).toBeGreaterThan(0);
    expect(be.lines.reduce((n: number, l: { segments: unknown[] }) => n + l.segments.length, 0)).toBeGreaterThan(10);
  });

  it('cclab chart adds the predicted charts when the sweep has a model', () => {
    const r = cclab(['chart', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^TensorFlow\.js backend: (tensorflow|wasm|cpu)/m);
    expect(r.stdout).toMatch(/charts\/predicted-breakeven-brutal-vs-reno\.png\s+Brutal vs Reno/);
    expect(readdirSync(join(dir, 'charts'))).toEqual(expect.arrayContaining(['predicted-goodput-reno.png', 'predicted-goodput-reno.svg']));
  });
});

describe('cclab report with a model', () => {
  it('adds a "Surrogate model" section: held-out R² and MAE per target, and every predicted chart embedded as PNG', () => {
    const r = cclab(['report', dir]);
    expect(r.code, r.stderr).toBe(0);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    const section = html.match(/<section id="model">([\s\S]*?)<\/section>/)?.[1] ?? '';
    expect(section).toMatch(/<h2>Surrogate model<\/h2>/);
    for (const t of meta().evaluation.metrics) expect(section).toContain(`<td>${t.name}</td><td>${t.unit || '-'}</td><td>${t.r2.toFixed(3)}</td>`);
    const pngs = readdirSync(join(dir, 'model', 'charts')).filter((f) => f.endsWith('.png'));
    const imgs = [...section.matchAll(/<img src="data:image\/png;base64,([^"]+)" alt="([^"]+)"/g)];
    expect(imgs).toHaveLength(pngs.length);
    expect(imgs[0]![2]).toBe('Brutal vs Reno: predicted goodput ratio and break-even lines');
    for (const m of imgs) expect(Buffer.from(m[1]!, 'base64').subarray(1, 4).toString()).toBe('PNG');
  });
});

describe('cclab predict', () => {
  it('predicts every CC of the model for a --set scenario, close to what the sweep measured there', () => {
    // a point of the sweep: 2% loss, 60 ms
    const r = cclab(['predict', join(dir, 'model'), '--set', 'link.loss=2%', '--set', 'link.rtt=60ms', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      backend: string;
      predictions: { flows: { cc: string; values: Record<string, number> }[] }[];
      heldOutMae: Record<string, Record<string, number>>;
      extrapolation: string[];
    };
    expect(out.predictions.map((p) => p.flows[0]!.cc).sort()).toEqual(['brutal', 'reno']);
    expect(out.extrapolation).toEqual([]);
    const m = meta();
    for (const p of out.predictions) {
      const f = p.flows[0]!;
      const measured = m.points.find((q) => q.cc === f.cc && Math.abs(q.lossPct - 2) < 1e-9 && Math.abs(q.rttMs - 60) < 1e-9)!;
      expect(Math.abs(f.values.goodput! - measured.actual.goodput!)).toBeLessThan(3 * out.heldOutMae.goodput![f.cc]! + 0.5);
    }
    // Brutal keeps its rate under 2% loss; Reno does not
    const g = Object.fromEntries(out.predictions.map((p) => [p.flows[0]!.cc, p.flows[0]!.values.goodput!]));
    expect(g.brutal!).toBeGreaterThan(2 * g.reno!);
  });

  it('starts from the sweep\'s own scenario and says so (not from whichever point sorts first)', () => {
    const r = cclab(['predict', dir, '--set', 'link.loss=2%']);
    expect(r.code, r.stderr).toBe(0);
    // the fixture's base: 30 ms, loss 0%, Brutal at 20 Mbit/s
    expect(r.stdout).toContain(`starting from the sweep's scenario ${join(dir, 'scenario.yaml')} (its base values, without sweep:): 20mbit, RTT 30ms, loss 0%, queue 1bdp`);
    expect(r.stdout).toMatch(/predicted for 20mbit, RTT 30ms, loss 2%/);
    // a scenario file: its own values, its sweep fields left out
    const file = join(root, 'at20.yaml');
    writeFileSync(file, 'name: at20\nduration: 4s\nlink: {rate: 20mbit, rtt: 20ms, queue: 1bdp, loss: 1%}\nflows: [{cc: reno}]\nsweep: {link.rtt: [100ms, 120ms]}\n');
    const s = cclab(['predict', dir, '--scenario', file, '--json']);
    expect(s.code, s.stderr).toBe(0);
    const out = JSON.parse(s.stdout);
    expect(out.startsFrom.source).toBe(`${file} (its base values, without sweep:)`);
    expect(out.startsFrom.scenario.link.rttNs).toBe(20e6);
    expect(out.predictions.every((p: { scenario: { link: { rttNs: number } } }) => p.scenario.link.rttNs === 20e6)).toBe(true);
    expect(out.level).toBe(0.9);
    for (const p of out.predictions) for (const f of p.flows) for (const [t, [lo, hi]] of Object.entries(f.interval as Record<string, [number, number]>)) {
      expect(lo).toBeLessThanOrEqual(f.values[t]);
      expect(hi).toBeGreaterThanOrEqual(f.values[t]);
    }
  });

  it('switches a flow\'s cc by the same rule as run and sweep: the dropped block is named, =null removes it', () => {
    const r = cclab(['predict', dir, '--set', 'flows[0].cc=reno', '--set', 'link.loss=1%']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('note: --set flows[0].cc=reno: dropped flows[0].brutal { rate: 20mbit } (parameters for brutal; reno does not take them)');
    expect(r.stdout).toMatch(/\n0\s+reno\s+\d/);
    const n = cclab(['predict', dir, '--set', 'flows[0].cc=reno', '--set', 'flows[0].brutal=null']);
    expect(n.code, n.stderr).toBe(0);
    expect(n.stderr).not.toMatch(/dropped/);
    const bad = cclab(['predict', dir, '--set', 'flows[0].cc=reno', '--set', 'flows[0].brutal.rate=10mbit']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('cclab: flows[0].brutal: parameters for brutal given but cc is reno');
  });

  it('prints ranges rounded: loss 0 is 0%, not a float remainder', () => {
    const r = cclab(['predict', dir, '--set', 'link.loss=30%']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/note: link\.loss 30% is outside the training range 0% \.\. 10%/);
    expect(r.stdout).not.toMatch(/e-\d/);
  });

  it('prints a table with the held-out error and flags extrapolation', () => {
    const r = cclab(['predict', dir, '--set', 'flows[0].cc=brutal', '--set', 'flows[0].brutal.rate=15mbit', '--set', 'link.loss=3%', '--set', 'link.rtt=300ms']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/predicted for 20mbit, RTT 300ms, loss 3%/);
    expect(r.stdout).toMatch(/brutal 15mbit\s+\d/);
    expect(r.stdout).toMatch(/brutal 15mbit\s+[\d.]+ \[[\d.]+, [\d.]+\]/);
    expect(r.stdout).toMatch(/\[low, high\] is the 90% prediction interval: split-conformal/);
    expect(r.stdout).toMatch(/note: link\.rtt 300 ms is outside the training range 10 ms \.\. 120 ms/);
    expect(r.stdout).toMatch(/note: brutal\.rate \/ link rate 0\.75 is outside the training range 1\b/);
    expect(r.stdout).toMatch(/TensorFlow\.js backend: (tensorflow|wasm|cpu)/);
  });
});

describe('predicted charts need 3 values on each axis', () => {
  it('a sweep over two RTTs gets no heatmap and no break-even line, and cclab fit says why', () => {
    const file = join(root, 'two-rtts.yaml');
    writeFileSync(
      file,
      'name: two-rtts\nduration: 1s\nlink: {rate: 20mbit, rtt: 10ms, queue: 1bdp}\nflows: [{cc: reno}]\nsweep:\n  link.loss: [0, 0.1%, 1%, 3%, 10%]\n  link.rtt: [10ms, 60ms]\n',
    );
    const out = join(root, 'two-rtts');
    const s = cclab(['sweep', file, '--out', out, '--jobs', '2']);
    expect(s.code, s.stderr).toBe(0);
    const f = cclab(['fit', out, '--folds', '2', '--steps', '50'], { timeoutMs: 300_000 });
    expect(f.code, f.stderr).toBe(0);
    expect(f.stderr).toContain(
      'note: no predicted charts for reno: its sweep points have 2 RTT values (10 ms, 60 ms); a heatmap over loss × RTT needs at least 3 of each',
    );
    expect(f.stdout).not.toMatch(/predicted charts as PNG/);
    expect(readdirSync(join(out, 'model'))).not.toContain('charts');
  }, 300_000);
});
