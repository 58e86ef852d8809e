/**
 * A small real sweep for the model tests, made as a user would: `cclab sweep`
 * (the built CLI) on a scenario with reno and brutal over loss × RTT, one
 * seed, short runs: 2 × 8 × 4 = 64 points.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cclab } from '../helpers/cli.js';

export const FIXTURE_CCS = ['reno', 'brutal'] as const;
export const FIXTURE_POINTS = 64;

const SCENARIO = `name: model-fixture
duration: 4s
seed: 1
link: {rate: 20mbit, rtt: 30ms, queue: 1bdp, loss: 0%}
flows:
  - cc: brutal
    brutal: {rate: 20mbit}
sweep:
  flows[0].cc: [${FIXTURE_CCS.join(', ')}]
  link.loss: [0, 0.05%, 0.2%, 0.5%, 1%, 2%, 5%, 10%]
  link.rtt: [10ms, 30ms, 60ms, 120ms]
`;

/** Run the sweep into `dir` (the sweep directory); extra `--set`s e.g. duration=2s. */
export function runFixtureSweep(dir: string, sets: string[] = []): void {
  const file = join(dir, 'model-fixture.yaml');
  writeFileSync(file, SCENARIO);
  const r = cclab(['sweep', file, '--out', join(dir, 'sweep'), '--jobs', '2', ...sets.flatMap((s) => ['--set', s])], { timeoutMs: 600_000 });
  if (r.code !== 0) throw new Error(`cclab sweep failed (${r.code}): ${r.stderr}`);
}
