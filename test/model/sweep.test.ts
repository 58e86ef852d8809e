/**
 * `cclab fit` and `cclab predict` on a small real sweep (64 simulated points,
 * reno and brutal over loss × RTT), run as a user would: the built CLI as a
 * child process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
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

  it('prints a table with the held-out error and flags extrapolation', () => {
    const r = cclab(['predict', dir, '--set', 'flows[0].cc=brutal', '--set', 'flows[0].brutal.rate=15mbit', '--set', 'link.loss=3%', '--set', 'link.rtt=300ms']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/predicted for 20mbit, RTT 300ms, loss 3%/);
    expect(r.stdout).toMatch(/brutal 15mbit\s+\d/);
    expect(r.stdout).toMatch(/± is the model's held-out mean absolute error for that CC/);
    expect(r.stdout).toMatch(/note: link\.rtt 300 ms is outside the training range 10 ms \.\. 120 ms/);
    expect(r.stdout).toMatch(/note: brutal\.rate \/ link rate 0\.75 is outside the training range 1\b/);
    expect(r.stdout).toMatch(/TensorFlow\.js backend: (tensorflow|wasm|cpu)/);
  });
});
