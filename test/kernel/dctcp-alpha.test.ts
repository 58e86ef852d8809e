/**
 * DCTCP's alpha on kernel runs: the sampler's `dctcp_alpha` (read through
 * INET_DIAG_DCTCPINFO) becomes timeseries.csv's dctcp_alpha and the
 * summary's dctcpAlphaMean. Kernel-generated vectors: the archived
 * kernel-dctcp-alpha group (18 VM runs); the older kernel-aqm-dctcp group,
 * sampled before alpha was read, keeps neither.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readRunArchive, loadArchive } from '../../src/kernel/reference.js';
import { parseSamples } from '../../src/kernel/parse/harness.js';

const REFERENCE = 'results/reference/linux-6.1.0-56-amd64';
const WITH_ALPHA = join(REFERENCE, 'kernel-dctcp-alpha.runs.tar.br');
const BEFORE_ALPHA = join(REFERENCE, 'kernel-aqm-dctcp.runs.tar.br');

describe('DCTCP alpha from kernel runs', () => {
  const runs = loadArchive(WITH_ALPHA);
  const raw = new Map(readRunArchive(WITH_ALPHA).map((r) => [r.name, r.files['raw/samples.txt']!.toString('utf8')]));

  it('the sampler read alpha on every established sample of every run', () => {
    expect(runs).toHaveLength(18);
    for (const r of runs) {
      const tcp = parseSamples(raw.get(r.dir.split('/').at(-1)!)!).tcp.filter((x) => x.state === 1);
      expect(tcp.length).toBeGreaterThan(150);
      expect(tcp.every((x) => x.dctcpAlpha !== undefined && x.dctcpAlpha >= 0 && x.dctcpAlpha <= 1024), r.dir).toBe(true);
    }
  });

  it('becomes a 0..1 column on the flow rows, starting near alpha_on_init (1) and settling to a few percent', () => {
    for (const r of runs) {
      const rows = r.artifacts.timeseries.filter((x) => x.flow === 0);
      // empty only while the connection is not yet established (SYN_SENT: the socket not yet DCTCP's)
      expect(rows.findIndex((x) => x.dctcp_alpha !== undefined), r.dir).toBeLessThanOrEqual(1);
      const alphas = rows.flatMap((x) => (x.dctcp_alpha !== undefined ? [x.dctcp_alpha as number] : []));
      expect(alphas.length, r.dir).toBeGreaterThanOrEqual(rows.length - 1);
      expect(alphas.every((a) => a >= 0 && a <= 1), r.dir).toBe(true);
      expect(alphas[0]!, r.dir).toBeGreaterThan(0.3); // 100 ms in: still on its way down from 1
      expect(alphas.at(-1)!, r.dir).toBeLessThan(0.2);
      expect(r.artifacts.timeseries.filter((x) => x.flow === 'link').every((x) => x.dctcp_alpha === undefined)).toBe(true);
    }
  });

  it("its mean over the run is the summary's dctcpAlphaMean", () => {
    for (const r of runs) {
      const alphas = r.artifacts.timeseries.flatMap((x) => (x.flow === 0 && x.dctcp_alpha !== undefined ? [x.dctcp_alpha as number] : []));
      const m = alphas.reduce((a, b) => a + b, 0) / alphas.length;
      expect(r.summary.flows[0]!.dctcpAlphaMean!, r.dir).toBeCloseTo(m, 4);
    }
  });

  it('runs sampled before the sampler read alpha have neither the column nor the summary field', () => {
    const old = loadArchive(BEFORE_ALPHA);
    expect(old.length).toBe(60);
    for (const r of old) {
      expect(r.summary.flows[0]!.dctcpAlphaMean).toBeUndefined();
      expect(r.artifacts.timeseries.every((x) => x.dctcp_alpha === undefined)).toBe(true);
    }
  });
});
