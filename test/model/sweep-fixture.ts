/**
 * A small real sweep for the model tests, written as run directories with the
 * simulator (simulate + writeRun), the layout `cclab sweep` produces under
 * points/: reno and brutal over loss × RTT, one seed, short runs.
 */
import { join } from 'node:path';
import { validateScenario } from '../../src/scenario/load.js';
import { scenarioHash } from '../../src/scenario/resolve.js';
import { simulate } from '../../src/sim/index.js';
import { writeRun } from '../../src/results/write.js';

export const FIXTURE_LOSSES = ['0%', '0.05%', '0.2%', '0.5%', '1%', '2%', '5%', '10%'];
export const FIXTURE_RTTS = ['10ms', '30ms', '60ms', '120ms'];
export const FIXTURE_CCS = ['reno', 'brutal'] as const;

/** Write the sweep into `dir` (64 points); returns the number of points. */
export function writeFixtureSweep(dir: string, opts: { duration?: string } = {}): number {
  let n = 0;
  for (const cc of FIXTURE_CCS) {
    for (const loss of FIXTURE_LOSSES) {
      for (const rtt of FIXTURE_RTTS) {
        const doc: Record<string, unknown> = {
          name: 'model-fixture',
          duration: opts.duration ?? '4s',
          seed: 1,
          link: { rate: '20mbit', rtt, queue: '1bdp', loss },
          flows: [cc === 'brutal' ? { cc, brutal: { rate: '20mbit' } } : { cc }],
        };
        const { resolved } = validateScenario(doc, 'model-fixture');
        writeRun(join(dir, 'points', `${scenarioHash(resolved)}-seed${resolved.seed}`), simulate(resolved, doc, null));
        n++;
      }
    }
  }
  return n;
}
