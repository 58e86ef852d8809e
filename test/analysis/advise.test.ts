/**
 * `cclab advise`: Hysteria's bandwidth strings, the decision rule against
 * its limits, the path read from a run's summary, bad input, and the
 * command end to end on the path (50 Mbit/s, 50 ms, 1% loss).
 */
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cclab } from '../helpers/cli.js';
import { isHysteriaRate, parseBandwidth } from '../../src/scenario/hysteria-rate.js';
import {
  adviseSweepDoc,
  chooseSetting,
  describePath,
  limitFailures,
  linkFromSummary,
  proposalGain,
  rateGrid,
  refineRates,
  resolveLimits,
  type AdviseCandidate,
  type AdvisePath,
  type AdviseResult,
} from '../../src/analysis/advise.js';
import type { RunSummary } from '../../src/results/schema.js';
import { validateScenario } from '../../src/scenario/load.js';

const MiB = 1024 ** 2;

describe("Hysteria's bandwidth strings (app/internal/utils/bpsconv.go)", () => {
  it('reads them as Hysteria does: bits per second, 1024-based, case and spaces ignored', () => {
    expect(parseBandwidth('100 mbps')).toBe(100 * MiB);
    expect(parseBandwidth('100mbps')).toBe(100 * MiB);
    expect(parseBandwidth('50 Mbps')).toBe(50 * MiB);
    expect(parseBandwidth('1 gbps')).toBe(1024 ** 3);
    expect(parseBandwidth('1g')).toBe(1024 ** 3);
    expect(parseBandwidth('512 kbps')).toBe(512 * 1024);
    expect(parseBandwidth('  20 MB ')).toBe(20 * MiB);
    // Hysteria keeps whole bytes per second: 100 b is 12 bytes/s
    expect(parseBandwidth('100 bps')).toBe(96);
    expect(isHysteriaRate('100 mbps')).toBe(true);
    expect(isHysteriaRate('50mbit')).toBe(false);
  });

  it("keeps tc's bit units, and refuses what neither reads with one message naming both", () => {
    expect(parseBandwidth('50mbit')).toBe(50e6);
    expect(parseBandwidth('1gbit')).toBe(1e9);
    expect(() => parseBandwidth('fast')).toThrow(/Hysteria's config .*100 mbps.* tc .*50mbit/);
    expect(() => parseBandwidth('50 furlongs')).toThrow(/cannot read "50 furlongs" as a rate/);
  });
});

const PATH: AdvisePath = { source: '--set', rateMbps: 50, rttMs: 50, lossPct: 1, queuePackets: 206, qdisc: 'droptail', mss: 1448, transport: 'tcp', payloadMbps: 47.82, carriesMbps: 47.342 };

function cand(rateMbps: number, goodputMbps: number, retrans: number, queueDelayMs: number, harm: number, gain: number | null = 20): Omit<AdviseCandidate, 'fails'> {
  return {
    rateMbps,
    rate: `${rateMbps}mbit`,
    gain,
    goodputMbps,
    retransAlone: retrans,
    rttP95Ms: 50 + queueDelayMs,
    queueDelayMs,
    goodputCompetingMbps: goodputMbps,
    retransCompeting: retrans,
    retrans,
    competitorAloneMbps: 10,
    competitorMbps: 10 * (1 - harm),
    harm,
  };
}

describe('the decision', () => {
  const limits = resolveLimits(PATH, {});

  it("defaults: the path's loss + 5% retransmitted, half the base RTT of queueing, 50% harm", () => {
    expect(limits).toEqual({ maxRetrans: 0.06, maxQueueDelayMs: 25, maxHarm: 0.5, defaulted: ['maxRetrans', 'maxQueueDelayMs', 'maxHarm'] });
    expect(resolveLimits(PATH, { maxRetrans: '2%', maxDelay: '10ms', maxHarm: '100%' })).toEqual({ maxRetrans: 0.02, maxQueueDelayMs: 10, maxHarm: 1, defaulted: [] });
  });

  it('recommends the most goodput within every limit, never a setting over one', () => {
    const cs = [
      cand(20, 19.8, 0.011, 1, 0.1),
      cand(40, 39.5, 0.012, 2, 0.3),
      cand(45, 44.6, 0.02, 4, 0.45),
      cand(47, 46.9, 0.07, 5, 0.4), // over the retransmission limit
      cand(48, 47.5, 0.03, 30, 0.4), // over the delay limit
      cand(50, 47.8, 0.2, 50, 0.9), // over all three
      cand(46, 45.9, 0.03, 3, 0.6), // over the harm limit
    ].map((c) => ({ ...c, fails: limitFailures(c, limits) }));
    expect(cs.map((c) => c.fails)).toEqual([[], [], [], ['retrans'], ['delay'], ['retrans', 'delay', 'harm'], ['harm']]);
    const r = chooseSetting(cs)!;
    expect(r.rateMbps).toBe(45);
    expect(r.retrans!).toBeLessThanOrEqual(limits.maxRetrans);
    expect(r.queueDelayMs!).toBeLessThanOrEqual(limits.maxQueueDelayMs);
    expect(r.harm!).toBeLessThanOrEqual(limits.maxHarm);
  });

  it('within 1% of the best goodput the lowest rate wins, then the gain nearest 2.0x', () => {
    const cs = [cand(44, 44.0, 0.01, 1, 0.2, 30), cand(44, 44.0, 0.01, 1, 0.2, 20), cand(45, 44.3, 0.01, 1, 0.3, 20), cand(43, 43.0, 0.01, 1, 0.1, 20)].map((c) => ({
      ...c,
      fails: limitFailures(c, limits),
    }));
    expect(chooseSetting(cs)).toMatchObject({ rateMbps: 44, gain: 20 });
  });

  it('gives no recommendation when nothing is within the limits, and a failed run is never chosen', () => {
    const tight = resolveLimits(PATH, { maxRetrans: '0.5%' });
    expect(chooseSetting([cand(20, 19.8, 0.011, 1, 0.1)].map((c) => ({ ...c, fails: limitFailures(c, tight) })))).toBeNull();
    const broken = { ...cand(30, 29, 0.01, 1, 0.1), goodputMbps: null };
    expect(limitFailures(broken, limits)).toEqual(['failed']);
  });

  it('tries rates from a quarter of to twice what the path carries; a proposal is measured at gain 2.0x', () => {
    const g = rateGrid(PATH.carriesMbps * 1e6);
    expect(g[0]).toBe(11_840_000);
    expect(g.at(-1)).toBe(94_680_000);
    expect(g).toContain(47_340_000);
    expect(rateGrid(1e6)[0]).toBe(500_000); // never below Brutal's 500kbit
    // the second pass: three rates between the choice and the next rate up
    const chosen = { ...cand(44.97, 45, 0.01, 1, 0.1), fails: [] };
    expect(refineRates([40_240_000, 44_970_000, 47_340_000], chosen)).toEqual([45_560_000, 46_160_000, 46_750_000]);
    expect(refineRates([44_970_000], chosen)).toEqual([]);
    expect(refineRates(g, null)).toEqual([]);
    expect(proposalGain([10, 20, 30])).toBe(20);
    expect(proposalGain([10, 15])).toBe(15);
  });

  it("QUIC Brutal sweeps the rate only (Hysteria's brutal.go has no gain); TCP sweeps rate x gain", () => {
    const base = { name: 'advise', duration: '12s', link: { rate: '50mbit', rtt: '50ms' }, flows: [{ cc: 'brutal' }, { cc: 'cubic' }] };
    const quic = adviseSweepDoc(base, 'quic', 'cubic', ['10mbit', '20mbit'], null, 1);
    expect(quic.flows).toEqual([{ cc: 'brutal', transport: 'quic', brutal: { rate: '10mbit' } }, { cc: 'cubic' }]);
    expect(quic.sweep).toEqual({ 'flows[0].brutal.rate': ['10mbit', '20mbit'] });
    const tcp = adviseSweepDoc(base, 'tcp', 'bbr', ['10mbit', '20mbit'], [10, 20], 2);
    expect(tcp.flows).toEqual([{ cc: 'brutal', brutal: { rate: '10mbit', cwndGain: 10 } }, { cc: 'bbr' }]);
    expect(tcp).toMatchObject({ sweep: { 'flows[0].brutal.rate': ['10mbit', '20mbit'], 'flows[0].brutal.cwndGain': [10, 20] }, harm: true, seeds: 2 });
  });

  it('measures what the path carries in the Brutal flow\'s own packets: TCP segments or QUIC datagrams', () => {
    const doc = (transport?: string) => ({ duration: '5s', link: { rate: '50mbit', rtt: '50ms', loss: '1%' }, flows: [{ cc: 'brutal', ...(transport ? { transport } : {}) }, { cc: 'cubic' }] });
    const tcp = describePath(validateScenario(doc(), 't').resolved, 'x');
    expect(tcp.payloadMbps).toBe(+((50 * 1448) / 1514).toFixed(3));
    // a full QUIC packet after path MTU discovery on a 1500-byte path: 1439-byte datagram - 7 (short header)
    // - 16 (AEAD tag) - 8 (STREAM frame header) = 1408 stream bytes in 1481 on the link
    const quic = describePath(validateScenario(doc('quic'), 't').resolved, 'x', 'quic');
    expect(quic.payloadMbps).toBe(+((50 * 1408) / 1481).toFixed(3));
    expect(quic.carriesMbps).toBe(+((50 * 1408 * 0.99) / 1481).toFixed(3));
  });

  it("reads a run's measured path: rate, base RTT, buffer, qdisc, and random losses over the packets sent", () => {
    const s = {
      link: { rateMbps: 20, rttMs: 30, queuePackets: 100, qdisc: 'fq_codel', drops: { queue: 5, random: 40, ack: 0 } },
      flows: [{ segsSent: 3000 }, { segsSent: 1000 }],
    } as unknown as RunSummary;
    expect(linkFromSummary(s, 'x')).toEqual({ rate: '20mbit', rtt: '30ms', queue: 100, qdisc: 'fq_codel', loss: '1%' });
    expect(() => linkFromSummary({ ...s, links: [{}, {}] } as unknown as RunSummary, 'run1')).toThrow(/run1: a chain of 2 links/);
  });
});

describe('cclab advise', () => {
  const bad: [string[], RegExp][] = [
    [['--propose', 'fast'], /^cclab: --propose: cannot read "fast" as a rate/],
    [['--transport', 'sctp'], /^cclab: --transport: expected tcp or quic/],
    [['--against', 'dctcp'], /^cclab: --against: expected one of cubic, bbr, bbr3, reno/],
    [['--max-harm', '150%'], /^cclab: --max-harm: percentage must be between 0% and 100%/],
    [['--max-delay', '10'], /^cclab: --max-delay: time "10" needs a unit/],
    [['--gains', '3'], /^cclab: --gains: expected whole numbers from 5 to 80/],
    [['--rates', '100kbit'], /^cclab: --rates: "100kbit" is below Brutal's smallest rate, 500kbit/],
    [['--seeds', '0'], /^cclab: --seeds: expected a whole number of at least 1/],
    [['--duration', '2s'], /^cclab: --duration: must be longer than the 2s warm-up/],
  ];
  it.each(bad)('bad input %j: one line naming the option, exit 2', (args, msg) => {
    const r = cclab(['advise', '--set', 'link.rate=50mbit', '--set', 'link.rtt=50ms', ...args, '--out', join(mkdtempSync(join(tmpdir(), 'cclab-advise-')), 'a')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(msg);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a path without a rate, or a bad path field: one line, exit 2', () => {
    for (const [args, msg] of [
      [[], /^cclab: link\.rate: missing; give the path, e\.g\. --set link\.rate=50mbit/],
      [['--set', 'link.rate=50mbit', '--set', 'link.loss=lots'], /^cclab: link\.loss/],
      [['no-such-file.yaml'], /^cclab: no-such-file\.yaml: no such file/],
    ] as [string[], RegExp][]) {
      const r = cclab(['advise', ...args, '--out', join(mkdtempSync(join(tmpdir(), 'cclab-advise-')), 'a')]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('50 Mbit/s, 50 ms, 1% loss: recommends a rate at or below the payload rate within the limits; --propose 100mbit warns and shows the cost', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'cclab-advise-')), 'adv');
    const path = ['--set', 'link.rate=50mbit', '--set', 'link.rtt=50ms', '--set', 'link.loss=1%'];
    // one gain and shorter runs keep the test small; the full default grid is what docs/cli.md times
    const r = cclab(['advise', ...path, '--gains', '20', '--duration', '8s', '--propose', '100mbit', '--json', '--out', out], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    const a = JSON.parse(r.stdout) as AdviseResult;
    expect(a.path).toMatchObject({ rateMbps: 50, rttMs: 50, lossPct: 1, mss: 1448 });
    const rec = a.recommendation!;
    expect(rec).not.toBeNull();
    expect(rec.rateMbps).toBeLessThanOrEqual(a.path.payloadMbps);
    expect(rec.retrans!).toBeLessThanOrEqual(a.limits.maxRetrans);
    expect(rec.queueDelayMs!).toBeLessThanOrEqual(a.limits.maxQueueDelayMs);
    expect(rec.harm!).toBeLessThanOrEqual(a.limits.maxHarm);
    // Brutal gets most of what the path carries
    expect(rec.goodputMbps!).toBeGreaterThan(0.8 * a.path.carriesMbps);
    // nothing within the limits does better by more than the tie margin
    for (const c of a.candidates) if (c.fails.length === 0) expect(c.goodputMbps!).toBeLessThanOrEqual(rec.goodputMbps! / 0.99 + 1e-9);
    // 100 Mbit/s on this path: above what it carries, and it costs (the issue: 2x the link costs about half the bytes)
    expect(a.proposal).toMatchObject({ input: '100mbit', rateMbps: 100, above: true });
    const p = a.proposal!.candidate!;
    expect(p.retrans!).toBeGreaterThan(0.3);
    expect(p.harm!).toBeGreaterThan(0.8);
    expect(p.fails).toContain('retrans');
    expect(JSON.parse(readFileSync(join(out, 'advise.json'), 'utf8'))).toEqual(a);

    // the same as text (the points are reused): the table, the advice and the warning
    const t = cclab(['advise', ...path, '--gains', '20', '--duration', '8s', '--propose', '100mbit', '--out', out], { timeoutMs: 300_000 });
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/^rate Mbit\/s +gain +goodput Mbit\/s +retrans %/m);
    expect(t.stdout).toMatch(new RegExp(`^advice: rate ${rec.rateMbps.toFixed(2)} Mbit/s .*in Hysteria's config: \\d+ mbps\\), cwndGain 20`, 'm'));
    expect(t.stdout).toMatch(/^warning: --propose 100mbit \(100\.00 Mbit\/s\) is 2\.\d\dx what this path carries/m);
    expect(t.stdout).toMatch(/^ {2}cost at 100\.00 Mbit\/s \(gain 2\.0x\): goodput .* retransmitted \d+\.\d+% of the bytes sent/m);

    // the report shows the advice and its charts
    const rep = cclab(['report', out], { timeoutMs: 300_000 });
    expect(rep.code, rep.stderr).toBe(0);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<section id="advice"><h2>Advice</h2>');
    expect(html).toContain('chart-advise-goodput');
    expect(html).toContain('chart-advise-overhead');
    expect(existsSync(join(out, 'charts'))).toBe(false); // report draws in the browser; `cclab chart` writes files
  }, 600_000);

  it('Hysteria units in --propose: "100 mbps" is 104.86 Mbit/s', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'cclab-advise-')), 'adv');
    const r = cclab(
      ['advise', '--set', 'link.rate=20mbit', '--set', 'link.rtt=20ms', '--rates', '10 mbps,15mbit', '--gains', '20', '--duration', '4s', '--propose', '100 mbps', '--json', '--out', out],
      { timeoutMs: 300_000 },
    );
    expect(r.code, r.stderr).toBe(0);
    const a = JSON.parse(r.stdout) as AdviseResult;
    expect(a.candidates.map((c) => c.rateMbps)).toEqual([10.48576, 15, 104.8576]);
    expect(a.proposal).toMatchObject({ input: '100 mbps', rateMbps: 104.8576, above: true });
  }, 300_000);
});
