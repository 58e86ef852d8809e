/**
 * A sweep with TCP Brutal and Hysteria's QUIC Brutal (flows[0].cc and
 * flows[0].transport zipped, as scenarios/quic-brutal.yaml does) must chart
 * them as two series: their own labels, colours, markers and dashes, each
 * drawn from its own rows of the summary, not one "Brutal" series mixing
 * both, and not one chart per transport.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ChartSpec } from '../../src/report/chartconfig.js';
import type { SweepSummary } from '../../src/analysis/aggregate.js';
import { ccColor, ccLabel, ccStyle } from '../../src/report/specs.js';
import { ccKey } from '../../src/scenario/resolve.js';
import { cclab, tempDir, writeScenario } from '../analysis/cli.js';
import { pixelsOf } from './fixtures.js';

function spec(dir: string, id: string): ChartSpec {
  return JSON.parse(readFileSync(join(dir, 'charts', `${id}.json`), 'utf8')) as ChartSpec;
}

describe('ccKey: the series key of a flow', () => {
  it('is the cc for TCP and <cc>/quic for QUIC, with labels and styles of their own', () => {
    expect(ccKey({ cc: 'brutal' })).toBe('brutal');
    expect(ccKey({ cc: 'brutal', transport: 'quic' })).toBe('brutal/quic');
    expect(ccLabel('brutal')).toBe('Brutal');
    expect(ccLabel('brutal/quic')).toBe('Brutal/QUIC');
    expect(ccLabel('cubic/quic')).toBe('Cubic/QUIC');
    expect(ccColor('brutal/quic')).not.toBe(ccColor('brutal'));
    expect(ccStyle('brutal/quic')).not.toEqual(ccStyle('brutal'));
    expect(ccStyle('cubic/quic')).not.toEqual(ccStyle('cubic'));
  });
});

describe('cclab chart on a sweep of TCP and QUIC Brutal', () => {
  let dir: string;
  let summary: SweepSummary;
  beforeAll(() => {
    const tmp = tempDir('quic-series');
    const file = writeScenario(
      tmp,
      'quic-series',
      `
name: quic-series
duration: 2s
seeds: 3
link: { rate: 10mbit, rtt: 40ms }
flows:
  - cc: brutal
    brutal: { rate: 10mbit }
sweep:
  flows[0].cc: [brutal, brutal, bbr]
  flows[0].transport: [tcp, quic, tcp]
  link.loss: [0, 5%, 20%]
zip:
  - ["flows[0].cc", "flows[0].transport"]
`,
    );
    dir = join(tmp, 'sweep');
    const r = cclab(['sweep', file, '--out', dir, '--jobs', '2']);
    expect(r.status, r.stderr).toBe(0);
    expect(cclab(['chart', dir, '--only', 'goodput-vs-loss*,retrans-vs-loss*,heatmap-*']).status).toBe(0);
    summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as SweepSummary;
  }, 120_000);

  it('draws goodput vs loss in one chart with two Brutal series, each from its own transport', async () => {
    const index = (JSON.parse(readFileSync(join(dir, 'charts', 'index.json'), 'utf8')) as { id: string }[]).map((c) => c.id);
    // the transport names series, it is not a facet: one chart, not one per transport
    expect(index.filter((i) => i.startsWith('goodput-vs-loss'))).toEqual(['goodput-vs-loss']);
    const s = spec(dir, 'goodput-vs-loss');
    const means = s.series.filter((x) => x.partOf === undefined);
    expect(means.map((x) => x.label)).toEqual(['Brutal', 'Brutal/QUIC', 'BBR']);
    expect(new Set(means.map((x) => x.color)).size).toBe(3);
    expect(new Set(means.map((x) => `${x.marker} ${JSON.stringify(x.dash)}`)).size).toBe(3);
    for (const [label, transport] of [['Brutal', undefined], ['Brutal/QUIC', 'quic']] as const) {
      const series = means.find((x) => x.label === label)!;
      const rows = summary.rows.filter((r) => r.cc === 'brutal' && r.transport === transport).sort((a, b) => a.loss_pct - b.loss_pct);
      expect(rows).toHaveLength(3);
      expect(series.points.map((p) => p.y)).toEqual(rows.map((r) => r.stats.goodput_mbps!.mean));
    }
    // the two transports really differ somewhere (else the test could not tell them apart)
    const ys = (l: string) => means.find((x) => x.label === l)!.points.map((p) => p.y);
    expect(ys('Brutal')).not.toEqual(ys('Brutal/QUIC'));
    const png = readFileSync(join(dir, 'charts', 'goodput-vs-loss.png'));
    for (const m of means) expect(await pixelsOf(png, m.color)).toBeGreaterThan(300);
  });

  it('draws the retransmitted share with the same two series', () => {
    const s = spec(dir, 'retrans-vs-loss');
    expect(s.series.filter((x) => x.partOf === undefined).map((x) => x.label)).toEqual(['Brutal', 'Brutal/QUIC', 'BBR']);
  });

  it('divides TCP Brutal and QUIC Brutal by BBR in heatmaps of their own', () => {
    const tcp = spec(dir, 'heatmap-brutal-bbr');
    const quic = spec(dir, 'heatmap-quic-brutal-bbr');
    expect(quic.title).toBe('Goodput ratio QUIC Brutal / BBR over loss × RTT');
    const g = (transport: 'quic' | undefined, cc: string, loss: number) =>
      summary.rows.find((r) => r.cc === cc && r.transport === transport && r.loss_pct === loss)!.stats.goodput_mbps!.mean!;
    [0, 5, 20].forEach((loss, i) => {
      expect(tcp.heatmap!.values[0]![i]).toBeCloseTo(g(undefined, 'brutal', loss) / g(undefined, 'bbr', loss), 3);
      expect(quic.heatmap!.values[0]![i]).toBeCloseTo(g('quic', 'brutal', loss) / g(undefined, 'bbr', loss), 3);
    });
  });

  it('names QUIC Brutal in the report', () => {
    expect(cclab(['report', dir]).status).toBe(0);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('Brutal/QUIC');
    expect(html).toContain('Goodput ratio QUIC Brutal / BBR');
  });
});
