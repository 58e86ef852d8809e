/**
 * Fairness charts of flows with RTTs of their own (flows[].rtt): each
 * flow's legend names its base RTT, so the RTT unfairness is readable from
 * the chart; flows sharing the link's RTT keep their plain labels.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cclab, tempDir } from '../analysis/cli.js';
import { loadResults } from '../../src/report/data.js';
import { chartSpecs } from '../../src/report/specs.js';

function labels(sets: string[]): string[] {
  const dir = join(tempDir('rttlabels'), 'run');
  const r = cclab(['run', 'scenarios/bbr-vs-cubic.yaml', '--set', 'duration=4s', ...sets.flatMap((s) => ['--set', s]), '--out', dir]);
  expect(r.status, r.stderr).toBe(0);
  const fair = chartSpecs(loadResults(dir)).find((c) => c.id === 'flows-throughput');
  expect(fair).toBeDefined();
  return fair!.series.map((s) => s.label);
}

describe('fairness charts with per-flow RTTs', () => {
  it("label each flow with its base RTT when the flows' RTTs differ", () => {
    expect(labels(['link.rtt=20ms', 'flows[1].rtt=100ms'])).toEqual(['flow 0: BBR, RTT 20 ms', 'flow 1: Cubic, RTT 100 ms']);
  });
  it('keep the plain labels when every flow has the link\'s RTT', () => {
    expect(labels([])).toEqual(['flow 0: BBR', 'flow 1: Cubic']);
  });
});
