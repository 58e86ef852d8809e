/**
 * The scenario surface of QUIC flows: `transport: quic` with Hysteria's
 * Brutal (`brutal: {rate}`), quic-go's cubic and newreno; one line naming
 * the field for what a QUIC flow cannot have; absent from the resolved
 * scenario when not used; refused by the kernel backend.
 */
import { describe, expect, it } from 'vitest';
import { validateScenario } from '../../src/scenario/load.js';
import { scenarioHash } from '../../src/scenario/resolve.js';
import { generatePlan } from '../../src/kernel/plan.js';

function resolve(flow: Record<string, unknown>) {
  return validateScenario({ name: 'q', duration: '5s', link: { rate: '50mbit', rtt: '50ms' }, flows: [flow] }, 'q').resolved;
}

function problem(flow: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  try {
    validateScenario({ name: 'q', duration: '5s', link: { rate: '50mbit', rtt: '50ms' }, flows: [flow], ...extra }, 'q');
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
}

describe('transport: quic in scenarios', () => {
  it('resolves a QUIC Brutal flow with its rate in bytes per second; TCP flows have no transport field', () => {
    const q = resolve({ cc: 'brutal', transport: 'quic', brutal: { rate: '30mbit' } });
    expect(q.flows[0]!.transport).toBe('quic');
    expect(q.flows[0]!.brutal!.rateBytesPerSec).toBe(3_750_000);
    const t = resolve({ cc: 'brutal', brutal: { rate: '30mbit' } });
    expect('transport' in t.flows[0]!).toBe(false);
    // transport: tcp written out is the default: the same scenario, the same hash
    expect(scenarioHash(resolve({ cc: 'cubic', transport: 'tcp' }))).toBe(scenarioHash(resolve({ cc: 'cubic' })));
    expect(scenarioHash(resolve({ cc: 'cubic', transport: 'quic' }))).not.toBe(scenarioHash(resolve({ cc: 'cubic' })));
  });

  it("quic-go's cubic and newreno carry no TCP parameter block", () => {
    expect(resolve({ cc: 'cubic', transport: 'quic' }).flows[0]!.cubic).toBeUndefined();
    expect(resolve({ cc: 'newreno', transport: 'quic' }).flows[0]!.cc).toBe('newreno');
  });

  it.each([
    [{ cc: 'brutal', transport: 'quic', brutal: { rate: '30mbit', cwndGain: 20 } }, /^flows\[0\]\.brutal\.cwndGain: Hysteria's Brutal has no cwndGain .*; give only rate \(transport: quic\)$/],
    [{ cc: 'brutal', transport: 'quic', brutal: { slots: 4 } }, /^flows\[0\]\.brutal\.slots: Hysteria's Brutal has no slots/],
    [{ cc: 'bbr', transport: 'quic' }, /^flows\[0\]\.cc: bbr runs on TCP only; a QUIC flow \(transport: quic\) takes brutal, cubic, newreno$/],
    [{ cc: 'newreno' }, /^flows\[0\]\.cc: newreno is quic-go's, for QUIC flows \(transport: quic\); TCP's is reno$/],
    [{ cc: 'cubic', transport: 'quic', cubic: { hystart: false } }, /^flows\[0\]\.cubic\.hystart: quic-go's cubic has no parameters/],
    [{ cc: 'cubic', transport: 'quic', ecn: true }, /^flows\[0\]\.ecn: ECN \(ecn\) is not supported on QUIC flows \(transport: quic\); leave ecn out$/],
    [{ cc: 'cubic', transport: 'quic', direction: 'reverse' }, /^flows\[0\]\.direction: reverse flows \(direction\) is not supported on QUIC flows/],
    [{ cc: 'cubic', transport: 'quic', app: { rate: '1mbit' } }, /^flows\[0\]\.app: an application model/],
    [{ cc: 'cubic', transport: 'quic', mss: 1200 }, /^flows\[0\]\.mss: a QUIC flow's packets are 1252-byte datagrams/],
    [{ cc: 'cubic', transport: 'quic', rwnd: '1mb' }, /^flows\[0\]\.rwnd: a QUIC flow's receive windows are its implementation's/],
    [{ cc: 'cubic', transport: 'quic', pacing: 'fq' }, /^flows\[0\]\.pacing: fq pacing is not supported on QUIC flows/],
    [{ cc: 'cubic', transport: 'udp' }, /^flows\[0\]\.transport: unknown transport "udp"; known: tcp, quic$/],
  ])('one line naming the field: %j', (flow, message) => {
    const m = problem(flow);
    expect(m).toMatch(message);
    expect(m.split('\n')).toHaveLength(1);
  });

  it('a chain of links carries no QUIC flows', () => {
    const m = (() => {
      try {
        validateScenario({ name: 'q', duration: '5s', links: [{ name: 'a', rate: '50mbit', rtt: '10ms' }, { name: 'b', rate: '50mbit', rtt: '10ms' }], flows: [{ cc: 'cubic', transport: 'quic' }] }, 'q');
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    })();
    expect(m).toMatch(/^flows\[0\]\.transport: QUIC flows run on a single link/);
  });

  it('the kernel backend refuses QUIC flows in one line', () => {
    const s = resolve({ cc: 'brutal', transport: 'quic', brutal: { rate: '30mbit' } });
    expect(() => generatePlan(s, { runId: 'abc', moduleHint: '' } as Parameters<typeof generatePlan>[1])).toThrow(/^flows\[0\]\.transport: quic has no kernel counterpart .*; run QUIC flows with --backend sim$/);
  });
});
