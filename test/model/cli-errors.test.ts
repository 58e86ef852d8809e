/**
 * Bad input to `cclab fit` and `cclab predict`: one line naming what is
 * wrong, exit code 2, nothing written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cclab } from '../helpers/cli.js';
import { validateScenario } from '../../src/scenario/load.js';
import { simulate } from '../../src/sim/index.js';
import { writeRun } from '../../src/results/write.js';

let dir: string;

/** A few real runs: a sweep too small to fit. */
function writeSmallSweep(into: string, n: number): void {
  for (let i = 0; i < n; i++) {
    const doc = { name: 'tiny', duration: '1s', link: { rate: '10mbit', rtt: `${20 + 10 * i}ms`, loss: '1%' }, flows: [{ cc: 'reno' }] };
    const { resolved } = validateScenario(doc, 'tiny');
    writeRun(join(into, `run${i}`), simulate(resolved, doc, null));
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cclab-model-bad-'));
  mkdirSync(join(dir, 'empty'));
  writeSmallSweep(join(dir, 'small'), 4);
  mkdirSync(join(dir, 'notamodel'));
  writeFileSync(join(dir, 'notamodel', 'model.json'), '{}');
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function expectOneLineError(args: string[], pattern: RegExp): void {
  const r = cclab(args);
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^cclab: /);
  expect(lines[0]).toMatch(pattern);
}

describe('cclab fit: bad input', () => {
  it('a folder that does not exist', () => {
    expectOneLineError(['fit', join(dir, 'nope')], /nope: no such directory/);
  });

  it('a folder without sweep results', () => {
    expectOneLineError(['fit', join(dir, 'empty')], /empty: no sweep results here/);
  });

  it('too few points', () => {
    expectOneLineError(['fit', join(dir, 'small')], /too few sweep points to fit a model: 4 points, need at least 10/);
    expect(existsSync(join(dir, 'small', 'model'))).toBe(false);
  });

  it('an unknown target', () => {
    expectOneLineError(['fit', join(dir, 'small'), '--targets', 'goodput,jitter'], /--targets: unknown target "jitter"; known: goodput, throughput, retransRatio/);
  });

  it('an unknown backend', () => {
    expectOneLineError(['fit', join(dir, 'small'), '--backend', 'gpu'], /--backend: unknown TensorFlow\.js backend "gpu"/);
  });
});

describe('cclab predict: bad input', () => {
  it('a model that does not exist', () => {
    expectOneLineError(['predict', join(dir, 'nope'), '--set', 'link.loss=1%'], /nope: no such model \(run cclab fit/);
  });

  it('a folder that is not a model', () => {
    expectOneLineError(['predict', join(dir, 'notamodel')], /not a cclab model directory \(missing cclab-model\.json/);
  });
});
