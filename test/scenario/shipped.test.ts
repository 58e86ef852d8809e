/**
 * The scenario files cclab ships (scenarios/*.yaml) are what a new user
 * runs first: every one loads, and every sweep in them plans, with its
 * trace and CDF files found next to it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadScenario } from '../../src/scenario/load.js';
import { planSweep } from '../../src/analysis/plan.js';

const DIR = join(process.cwd(), 'scenarios');
const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));

describe('the shipped scenarios', () => {
  it('are there', () => expect(files.length).toBeGreaterThan(10));
  it.each(files)('%s loads, and its sweep plans', (f) => {
    const s = loadScenario(join(DIR, f)).resolved;
    expect(s.flows.length).toBeGreaterThan(0);
    const doc = parse(readFileSync(join(DIR, f), 'utf8')) as Record<string, unknown>;
    const plan = planSweep(doc, f.replace(/\.yaml$/, ''), { baseDir: DIR });
    expect(plan.combos.length).toBeGreaterThan(0);
  });
});
