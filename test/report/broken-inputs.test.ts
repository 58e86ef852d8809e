/**
 * Broken input to chart, report, compare, fit and predict: one line naming
 * the file and what is wrong, exit 2, never exit 0 or a stack trace.
 */
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cclab, tempDir, writeScenario } from '../analysis/cli.js';

const SWEEP = `
name: grid
duration: 1s
link: { rate: 10mbit, rtt: 20ms }
flows: [{ cc: reno }]
sweep:
  link.loss: [0, 0.5%, 1%, 2%]
  link.rtt: [10ms, 20ms, 40ms]
`;

let tmp = '';
let sweep = '';
let run = '';

beforeAll(() => {
  tmp = tempDir('broken-in');
  const file = writeScenario(tmp, 'grid', SWEEP);
  sweep = join(tmp, 'sweep');
  const s = cclab(['sweep', file, '--out', sweep, '--jobs', '2']);
  if (s.status !== 0) throw new Error(s.stderr);
  run = join(tmp, 'run');
  const r = cclab(['run', 'scenarios/single-flow.yaml', '--set', 'duration=2s', '--out', run]);
  if (r.status !== 0) throw new Error(r.stderr);
});

/** A copy of a results folder to break. */
function copy(src: string, name: string): string {
  const dst = join(tmp, name);
  cpSync(src, dst, { recursive: true });
  return dst;
}

function expectOneLine(args: string[], pattern: RegExp): void {
  const r = cclab(args);
  expect(r.status, r.stderr).toBe(2);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
}

describe('chart and report', () => {
  it('a sweep summary missing fields names the file and the field', () => {
    const d = copy(sweep, 'nofields');
    const s = JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8'));
    delete s.rows[0].stats;
    writeFileSync(join(d, 'summary.json'), JSON.stringify(s));
    for (const cmd of ['chart', 'report']) {
      expectOneLine([cmd, d], new RegExp(`^cclab: ${join(d, 'summary.json')}: not a valid sweep summary \\(rows\\[0\\]\\.stats: missing\\)$`));
    }
  });

  it('a run summary that is not one, and a meta.json that is not JSON', () => {
    const d = copy(run, 'badrun');
    writeFileSync(join(d, 'summary.json'), '[1, 2]');
    expectOneLine(['chart', d], /summary\.json: neither a sweep summary \(cclab\.sweep\/1\) nor a valid run summary \(top level: /);
    const m = copy(sweep, 'badmeta');
    writeFileSync(join(m, 'meta.json'), '{"cclab');
    expectOneLine(['report', m], new RegExp(`^cclab: ${join(m, 'meta.json')}: not valid JSON`));
  });

  it('a garbage timeseries.csv names the file (not "0 charts", exit 0)', () => {
    const d = copy(run, 'garbage-ts');
    writeFileSync(join(d, 'timeseries.csv'), '\u0000\u0001garbage,,,\nmore garbage\n');
    expectOneLine(['chart', d], new RegExp(`^cclab: ${join(d, 'timeseries.csv')}: not a cclab time series \\(the header lacks time_s, flow, cwnd_pkts, \\.\\.\\.\\)$`));
    const cut = copy(run, 'cut-ts');
    const text = readFileSync(join(cut, 'timeseries.csv'), 'utf8').split('\n');
    text[3] = 'abc,0,1';
    writeFileSync(join(cut, 'timeseries.csv'), text.join('\n'));
    expectOneLine(['report', cut], new RegExp(`^cclab: ${join(cut, 'timeseries.csv')}:4: 3 cells, the header has 15$`));
  });
});

describe('compare', () => {
  it('a summary that is not one names the file and the field', () => {
    const sim = join(tmp, 'cmp-sim');
    mkdirSync(sim);
    cpSync(run, join(sim, 'r'), { recursive: true });
    writeFileSync(join(sim, 'r', 'summary.json'), '[]');
    expectOneLine(['compare', sim, 'test/kernel/fixtures/compare/kernel'], new RegExp(`^cclab: ${join(sim, 'r', 'summary.json')}: not a cclab\\.summary/1 run summary \\(top level: `));
  });

  it('a run folder without resolved.json is broken, not skipped', () => {
    const sim = join(tmp, 'cmp-half');
    mkdirSync(sim);
    cpSync(run, join(sim, 'r'), { recursive: true });
    rmSync(join(sim, 'r', 'resolved.json'));
    expectOneLine(['compare', sim, 'test/kernel/fixtures/compare/kernel'], new RegExp(`^cclab: ${join(sim, 'r')}: a run folder without resolved\\.json`));
  });
});

describe('fit and predict', () => {
  it('fit: a point without resolved.json is an error naming it, not silently left out', () => {
    const d = copy(sweep, 'fit-half');
    const p = readdirSync(join(d, 'points')).sort()[3]!;
    rmSync(join(d, 'points', p, 'resolved.json'));
    expectOneLine(['fit', d, '--steps', '10'], new RegExp(`^cclab: ${join(d, 'points', p)}: a run folder without resolved\\.json`));
    const e = copy(sweep, 'fit-nosummary');
    rmSync(join(e, 'points', p, 'summary.json'));
    expectOneLine(['fit', e, '--steps', '10'], new RegExp(`^cclab: ${join(e, 'points', p)}: a run folder without summary\\.json`));
  });

  it('predict: corrupt or cut weights are refused (not "n/a ± 1.9" with exit 0)', () => {
    const model = join(tmp, 'model');
    const f = cclab(['fit', sweep, '--steps', '20', '--folds', '2', '--no-charts', '--out', model, '--backend', 'cpu']);
    expect(f.status, f.stderr).toBe(0);
    const ok = cclab(['predict', model, '--set', 'link.loss=1%', '--backend', 'cpu']);
    expect(ok.status, ok.stderr).toBe(0);
    const weights = readFileSync(join(model, 'weights.bin'));
    const nan = copy(model, 'model-nan');
    const bad = Buffer.from(weights);
    bad.writeFloatLE(Number.NaN, 8);
    writeFileSync(join(nan, 'weights.bin'), bad);
    expectOneLine(['predict', nan, '--set', 'link.loss=1%', '--backend', 'cpu'], new RegExp(`^cclab: ${join(nan, 'weights.bin')}: holds weights that are not finite numbers`));
    const cut = copy(model, 'model-cut');
    writeFileSync(join(cut, 'weights.bin'), weights.subarray(0, weights.length - 12));
    expectOneLine(['predict', cut, '--backend', 'cpu'], new RegExp(`^cclab: ${join(cut, 'weights.bin')}: ${weights.length - 12} bytes, the model's manifest \\(model\\.json\\) needs ${weights.length}`));
    const json = copy(model, 'model-json');
    writeFileSync(join(json, 'model.json'), '{"modelTopology": {}, "weightsManifest": 3}');
    expectOneLine(['predict', json, '--backend', 'cpu'], /model\.json: not a TensorFlow\.js layers model with a weights manifest$/);
  });
});
