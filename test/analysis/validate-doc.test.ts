/**
 * The scenario cclab validate simulates for a kernel reference point: the
 * testbed's host model (the VM's ACK timing) reaches every receiver, on a
 * single link and on each link of a parking-lot chain, and the point runs
 * without its sweep.
 */
import { describe, expect, it } from 'vitest';
import { simulatedPointDoc } from '../../src/analysis/validate.js';
import { validateScenario } from '../../src/scenario/load.js';

const testbed = { ackJitter: { '50%': '1us', '99%': '100us', '100%': '178us' } };

describe('the simulated scenario of a kernel point', () => {
  it('puts the testbed host model on the single link and drops the sweep', () => {
    const doc = simulatedPointDoc({ duration: '5s', link: { rate: '50mbit', rtt: '10ms' }, flows: [{ cc: 'cubic' }], sweep: { 'link.loss': ['0', '1%'] }, seeds: 3 }, 4, testbed);
    expect(doc).toEqual({ duration: '5s', link: { rate: '50mbit', rtt: '10ms', ...testbed }, flows: [{ cc: 'cubic' }], seed: 4 });
    expect(validateScenario(doc, 't').resolved.link.ackJitter).toBeDefined();
  });

  it('puts it on every link of a chain, where a link: block would be an error', () => {
    const kernelDoc = {
      duration: '5s',
      links: [
        { name: 'a', rate: '20mbit', rtt: '10ms' },
        { name: 'b', rate: '10mbit', rtt: '10ms' },
      ],
      flows: [{ cc: 'cubic', path: ['a', 'b'] }, { cc: 'cubic', path: ['a'] }, { cc: 'cubic', path: ['b'] }],
    };
    const doc = simulatedPointDoc(kernelDoc, 1, testbed);
    expect(doc.link).toBeUndefined();
    const { resolved } = validateScenario(doc, 't');
    expect(resolved.links!.map((l) => l.ackJitter !== undefined)).toEqual([true, true]);
    expect(kernelDoc.links[0]).toEqual({ name: 'a', rate: '20mbit', rtt: '10ms' }); // the kernel run's own document is untouched
  });
});
