/**
 * A reference tree's testbed.yaml: the measured host model that `cclab
 * validate` adds to every simulated point, and nothing else.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testbedSettings } from '../../src/analysis/validate.js';

function tree(testbed?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cclab-testbed-'));
  if (testbed !== undefined) writeFileSync(join(dir, 'testbed.yaml'), testbed);
  return dir;
}

describe('testbed.yaml of a reference tree', () => {
  it('gives the host model it holds, or nothing without the file', () => {
    expect(testbedSettings(tree())).toEqual({});
    expect(testbedSettings(tree('link:\n  ackJitter: {"50%": 0us, "100%": 1ms}\n  hostJitter: 30us\n'))).toEqual({
      ackJitter: { '50%': '0us', '100%': '1ms' },
      hostJitter: '30us',
    });
  });

  it('refuses anything but the host model: the network under test comes from the runs', () => {
    expect(() => testbedSettings(tree('link:\n  rate: 10mbit\n'))).toThrow(/only link\.hostJitter and link\.ackJitter may be set there, not link\.rate/);
    expect(() => testbedSettings(tree('duration: 5s\n'))).toThrow(/not duration/);
  });

  it('the committed Linux 6.1 reference tree has one, with the ACK timing measured in the VM', () => {
    const s = testbedSettings('results/reference/linux-6.1.0-56-amd64') as { ackJitter?: Record<string, string> };
    expect(s.ackJitter?.['100%']).toBeDefined();
  });
});
