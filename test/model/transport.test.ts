/**
 * The surrogate tells QUIC Brutal from TCP Brutal: a real sweep of Brutal at
 * twice a 20 Mbit/s link over TCP and over QUIC (flows[0].transport), fitted
 * and asked as a user would (the built CLI). The two differ where a user
 * would look (QUIC's p95 RTT is ~8% lower at 120 ms, its retransmission
 * ratio higher), so one model column for both would predict the same for
 * each and miss both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cclab, type CliResult } from '../helpers/cli.js';
import type { ModelMeta } from '../../src/model/surrogate.js';

const SCENARIO = `name: transport-fixture
duration: 4s
link: {rate: 20mbit, rtt: 30ms, queue: 1bdp, loss: 0%}
flows:
  - cc: brutal
    brutal: {rate: 40mbit}
sweep:
  flows[0].transport: [tcp, quic]
  link.loss: [0, 0.5%, 1%, 2%, 5%, 10%]
  link.rtt: [10ms, 30ms, 60ms, 120ms]
`;

let root: string;
let dir: string;
let fit: CliResult;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'cclab-model-transport-'));
  const file = join(root, 'transport-fixture.yaml');
  writeFileSync(file, SCENARIO);
  dir = join(root, 'sweep');
  const sweep = cclab(['sweep', file, '--out', dir, '--jobs', '2'], { timeoutMs: 600_000 });
  if (sweep.code !== 0) throw new Error(`cclab sweep failed (${sweep.code}): ${sweep.stderr}`);
  fit = cclab(['fit', dir, '--seed', '3'], { timeoutMs: 600_000 });
}, 900_000);

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

const meta = (): ModelMeta => JSON.parse(readFileSync(join(dir, 'model', 'cclab-model.json'), 'utf8')) as ModelMeta;

interface PredictJson {
  predictions: { scenario: { flows: { transport?: string }[] }; flows: { cc: string; values: Record<string, number> }[] }[];
}

describe('the surrogate on TCP and QUIC Brutal', () => {
  it('has a column for each: brutal and brutal/quic', () => {
    expect(fit.code, fit.stderr).toBe(0);
    const m = meta();
    expect(m.ccs).toEqual(['brutal', 'brutal/quic']);
    expect(m.features).toEqual(expect.arrayContaining(['cc=brutal', 'cc=brutal/quic']));
    expect(new Set(m.points.map((p) => p.cc))).toEqual(new Set(['brutal', 'brutal/quic']));
    // the table of held-out errors names both
    expect(fit.stdout).toMatch(/MAE by CC\s+brutal\s+brutal\/quic/);
  });

  it('predicts each over its own transport, each nearer its own measurement than the other\'s', () => {
    const r = cclab(['predict', dir, '--set', 'link.loss=2%', '--set', 'link.rtt=120ms', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as PredictJson;
    const by = Object.fromEntries(out.predictions.map((p) => [p.flows[0]!.cc, p]));
    expect(Object.keys(by).sort()).toEqual(['brutal', 'brutal/quic']);
    expect(by['brutal/quic']!.scenario.flows[0]!.transport).toBe('quic');
    expect(by.brutal!.scenario.flows[0]!.transport).toBeUndefined();
    const m = meta();
    const measured = (cc: string) => m.points.find((q) => q.cc === cc && Math.abs(q.lossPct - 2) < 1e-9 && Math.abs(q.rttMs - 120) < 1e-9)!.actual;
    for (const target of ['rttP95', 'retransRatio']) {
      const tcp = measured('brutal')[target]!;
      const quic = measured('brutal/quic')[target]!;
      // the sweep itself shows the difference the model has to keep
      expect(Math.abs(tcp - quic) / Math.max(tcp, quic), target).toBeGreaterThan(0.05);
      const pTcp = by.brutal!.flows[0]!.values[target]!;
      const pQuic = by['brutal/quic']!.flows[0]!.values[target]!;
      expect(Math.abs(pTcp - tcp), `${target}: TCP Brutal predicted ${pTcp}, measured ${tcp} (QUIC ${quic})`).toBeLessThan(Math.abs(pTcp - quic));
      expect(Math.abs(pQuic - quic), `${target}: QUIC Brutal predicted ${pQuic}, measured ${quic} (TCP ${tcp})`).toBeLessThan(Math.abs(pQuic - tcp));
    }
  });

  it('draws a predicted chart for each, with file names a file system takes', () => {
    const charts = readdirSync(join(dir, 'model', 'charts'));
    expect(charts).toEqual(expect.arrayContaining(['predicted-rttP95-brutal.png', 'predicted-rttP95-brutal-quic.png']));
    const spec = JSON.parse(readFileSync(join(dir, 'model', 'charts', 'predicted-rttP95-brutal-quic.json'), 'utf8')) as { title: string };
    expect(spec.title).toMatch(/Brutal\/QUIC/);
  });
});
