/**
 * The kernel harness and chains of links (scenario links:): refused in one
 * line until the plan builds a chain of router namespaces.
 */
import { describe, expect, it } from 'vitest';
import { validateScenario } from '../../src/scenario/load.js';
import { generatePlan } from '../../src/kernel/plan.js';
import { InputError } from '../../src/scenario/errors.js';

describe('kernel plans of a chain', () => {
  it('refuses links: in one line that names the field and the way out', () => {
    const s = validateScenario({ duration: '5s', links: [{ rate: '20mbit', rtt: '10ms' }, { rate: '20mbit', rtt: '10ms' }], flows: [{ cc: 'cubic' }, { cc: 'cubic', path: ['l1'] }] }, 't').resolved;
    expect(() => generatePlan(s, { runId: 'x', moduleHint: 'h' })).toThrow(InputError);
    expect(() => generatePlan(s, { runId: 'x', moduleHint: 'h' })).toThrow(/^links: the kernel backend cannot run a chain of links yet \(it needs a chain of router namespaces\); run it with --backend sim$/);
  });
});
