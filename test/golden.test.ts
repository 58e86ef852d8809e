/**
 * Golden summaries of the benchmark scenarios (a)-(e) at their fixed seeds.
 *
 * Optimisation must not change results: these summaries must stay
 * byte-identical. When a change is *meant* to alter behaviour (a fidelity
 * fix), regenerate them with `CCLAB_UPDATE_GOLDEN=1 npx vitest run
 * test/golden.test.ts` and say why in the commit message.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { simulateFile } from './helpers/sim.js';

const SCENARIOS = [
  'a-cubic-100m-50ms',
  'b-cubic-1g-20ms',
  'c-bbr-100m-50ms',
  'd-brutal-100m-50ms-1pct',
  'e-16-mixed-1g-20ms',
];

describe('golden summaries of the benchmark scenarios', () => {
  for (const name of SCENARIOS) {
    it(`${name} is byte-identical to its golden summary`, () => {
      const r = simulateFile(`bench/scenarios/${name}.yaml`);
      const got = `${JSON.stringify(r.summary, null, 2)}\n`;
      const file = `test/golden/${name}.summary.json`;
      if (process.env.CCLAB_UPDATE_GOLDEN === '1') writeFileSync(file, got);
      expect(existsSync(file), `${file} is missing; create it with CCLAB_UPDATE_GOLDEN=1`).toBe(true);
      expect(got).toBe(readFileSync(file, 'utf8'));
    });
  }
});
