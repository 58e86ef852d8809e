/**
 * Raw files of a real VM run -> the shared result schema, and the checks
 * that a run measured what was asked (cc per socket, Brutal's rate).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/load.js';
import { convertRun, parseRun, queueEstimates, type RawFiles } from '../../src/kernel/convert.js';
import { verifyRun } from '../../src/kernel/verify.js';
import { runSummarySchema, runMetaSchema } from '../../src/results/schema.js';

const FIX = join(import.meta.dirname, 'fixtures', 'vm-cubic-bbr-20mbit-40ms-1pct');
const files: RawFiles = Object.fromEntries(readdirSync(FIX).filter((f) => f !== 'scenario.yaml').map((f) => [f, readFileSync(join(FIX, f))]));
const loaded = loadScenario(join(FIX, 'scenario.yaml'));

describe('kernel run -> summary.json', () => {
  const a = convertRun(loaded, files, { target: 'vm', wallSeconds: 20, createdAt: '2026-01-01T00:00:00.000Z' });
  it('is a valid summary and meta of source kernel', () => {
    expect(runSummarySchema.parse(a.summary).source).toBe('kernel');
    expect(runMetaSchema.parse(a.meta).kernel).toEqual({
      target: 'vm',
      release: '6.1.0-56-amd64',
      modules: ['inet_diag', 'sch_fq', 'sch_htb', 'sch_netem', 'sch_tbf', 'tcp_bbr', 'tcp_diag', 'veth'],
      availableCc: ['reno', 'cubic', 'bbr'],
    });
  });
  it("takes goodput from the receiver's byte count", () => {
    const server0 = JSON.parse(readFileSync(join(FIX, 'server-0.json'), 'utf8')).end.sum_received;
    const f0 = a.summary.flows[0]!;
    expect(f0.bytesDelivered).toBe(server0.bytes);
    expect(f0.goodputMbps).toBeCloseTo((server0.bytes * 8) / server0.seconds / 1e6, 5);
    expect(a.summary.aggregate.goodputMbps).toBeCloseTo(f0.goodputMbps + a.summary.flows[1]!.goodputMbps, 5);
  });
  it("takes sent and retransmitted bytes from the socket's final tcp_info", () => {
    const f0 = a.summary.flows[0]!;
    expect(f0.bytesSent).toBe(3903845);
    expect(f0.bytesRetrans).toBe(44888);
    expect(f0.segsRetrans).toBe(31);
    expect(f0.retransRatio).toBeCloseTo(44888 / 3903845, 6);
    expect(f0.rttMs.min).toBeCloseTo(40.779, 3);
    expect(f0.rttMs.mean).toBeGreaterThan(40);
  });
  it('counts netem drops on the bottleneck and splits off the random ones', () => {
    const d = a.summary.link.drops;
    expect(d.queue + d.random).toBe(367);
    // 1% of the 15517 + 367 packets that arrived
    expect(d.random).toBe(Math.round(0.01 * (15517 + 367)));
    expect(a.summary.link.utilization).toBeCloseTo((23434401 * 8) / (20e6 * 10), 6);
  });
  it('writes a time series per flow and for the link, and keeps the raw files', () => {
    const flows = new Set(a.timeseries.map((r) => r.flow));
    expect(flows).toEqual(new Set([0, 1, 'link']));
    expect(a.timeseries.filter((r) => r.flow === 1).every((r) => Number(r.time_s) >= 1)).toBe(true);
    expect(Object.keys(a.extra!)).toContain('raw/server-0.json');
    expect(a.extra!['rto-note.txt']).toMatch(/TCPTimeouts/);
  });
  it('estimates the standing queue as netem qlen minus the delay line', () => {
    // 20 Mbit/s of 1514-byte packets = 1651 pkt/s; 20 ms of delay line = 33 packets
    const q = queueEstimates(
      [
        { t: 0, dev: 'to-rcv', kind: 'netem', qlen: 40, backlog: 0, drops: 0, bytes: 0, packets: 0 },
        { t: 1, dev: 'to-rcv', kind: 'netem', qlen: 50, backlog: 75700, drops: 0, bytes: 2_500_000, packets: 1651 },
      ],
      20e6,
    );
    expect(q[0]!.pkts).toBeCloseTo(50 - 33.02, 6);
    expect(q[0]!.bytes).toBeCloseTo(75700 - 50000, 6);
  });
});

describe('delivered data from the sampler (tcpi_delivered)', () => {
  const a = convertRun(loaded, files, { target: 'vm', wallSeconds: 20 });
  const tcp = parseRun(loaded.resolved, files).tcp;
  it('writes delivered_bytes per flow row: tcpi_delivered less the SYN, times the MSS, never falling', () => {
    for (const flow of [0, 1]) {
      const samples = tcp.filter((x) => x.lport === 40000 + flow);
      const rows = a.timeseries.filter((r) => r.flow === flow);
      expect(rows).toHaveLength(samples.length);
      rows.forEach((r, i) => expect(r.delivered_bytes, `flow ${flow} row ${i}`).toBe(Math.max(0, samples[i]!.delivered - 1) * samples[i]!.mss));
      expect(rows.every((r, i) => i === 0 || Number(r.delivered_bytes) >= Number(rows[i - 1]!.delivered_bytes))).toBe(true);
      // the same data as the bytes ACKed plus those SACKed above them, within the one short segment iperf3 may send
      const last = samples.at(-1)!;
      expect(Math.abs(Number(rows.at(-1)!.delivered_bytes) - (last.bytesAcked - 1 + last.sacked * last.mss))).toBeLessThan(last.mss);
    }
    expect(a.timeseries.filter((r) => typeof r.flow === 'string').every((r) => r.delivered_bytes === undefined)).toBe(true);
  });
  it('leaves it empty for samples without tcpi_delivered', () => {
    const b = convertRun(loaded, { ...files, 'samples.txt': readFileSync(join(FIX, 'samples.txt'), 'utf8').replace(/ delivered=\d+/g, '') }, { target: 'vm', wallSeconds: 20 });
    expect(b.timeseries.some((r) => r.delivered_bytes !== undefined)).toBe(false);
  });
});

describe('congestion states from the sampler (tcpi_ca_state)', () => {
  const text = readFileSync(join(FIX, 'samples.txt'), 'utf8');
  /** The fixture's samples with ca_state added: flow 0's k-th sample gets states[k] (0 after them), flow 1 stays Open. */
  function withCaStates(states: number[]): RawFiles {
    let k = 0;
    const lines = text.split('\n').map((l) => {
      if (!l.startsWith('tcp ')) return l;
      const ca = / lport=40000 /.test(l) ? (states[k++] ?? 0) : 0;
      return l.replace(/ state=(\d+) /, ` state=$1 ca_state=${ca} `);
    });
    return { ...files, 'samples.txt': lines.join('\n') };
  }

  it('fills ca_state of each flow row with the state named as the simulator names it, and leaves cc_mode empty', () => {
    const a = convertRun(loaded, withCaStates([0, 1, 3, 3, 0, 4]), { target: 'vm', wallSeconds: 20 });
    const f0 = a.timeseries.filter((r) => r.flow === 0).map((r) => r.ca_state);
    expect(f0.slice(0, 7)).toEqual(['Open', 'Disorder', 'Recovery', 'Recovery', 'Open', 'Loss', 'Open']);
    expect(a.timeseries.filter((r) => r.flow === 1).every((r) => r.ca_state === 'Open')).toBe(true);
    expect(a.timeseries.some((r) => r.cc_mode !== undefined)).toBe(false);
    expect(a.timeseries.filter((r) => r.flow === 'link').every((r) => r.ca_state === undefined)).toBe(true);
  });

  it('lists the changes between consecutive samples in transitions, at the later sample', () => {
    const a = convertRun(loaded, withCaStates([0, 1, 3, 3, 0, 4]), { target: 'vm', wallSeconds: 20 });
    const times = a.timeseries.filter((r) => r.flow === 0).map((r) => r.time_s);
    expect(a.transitions).toEqual([
      { time_s: times[1], flow: 0, kind: 'ca_state', from: 'Open', to: 'Disorder' },
      { time_s: times[2], flow: 0, kind: 'ca_state', from: 'Disorder', to: 'Recovery' },
      { time_s: times[4], flow: 0, kind: 'ca_state', from: 'Recovery', to: 'Open' },
      { time_s: times[5], flow: 0, kind: 'ca_state', from: 'Open', to: 'Loss' },
      { time_s: times[6], flow: 0, kind: 'ca_state', from: 'Loss', to: 'Open' },
    ]);
  });

  it('samples from before the sampler printed ca_state give an empty column and no transitions', () => {
    const a = convertRun(loaded, files, { target: 'vm', wallSeconds: 20 });
    expect(a.timeseries.some((r) => r.ca_state !== undefined)).toBe(false);
    expect(a.transitions).toBeUndefined();
  });
});

describe('run checks', () => {
  it('accepts the run as measured: each socket ran the cc asked for', () => {
    expect(verifyRun(loaded.resolved, parseRun(loaded.resolved, files))).toEqual([]);
  });
  it('rejects a run whose socket ran another cc', () => {
    const asked = loadScenario(join(FIX, 'scenario.yaml'), ['flows[1].cc=reno']);
    expect(verifyRun(asked.resolved, parseRun(asked.resolved, files))).toEqual(['flow 1: socket ran bbr, not reno as asked']);
  });
  it('ignores the default cc a socket shows before it is established', () => {
    const synSent = 'tcp t=4.3 lport=40000 rport=5201 state=2 cc=reno mss=524 cwnd=10 ssthresh=2147483647 rtt_us=0 rttvar_us=250000 min_rtt_us=4294967295 pacing_rate=0 delivery_rate=0 app_limited=1 unacked=1 sacked=0 lost=0 retrans=0 total_retrans=0 bytes_sent=0 bytes_retrans=0 bytes_acked=0 delivered=0 data_segs_out=0\n';
    const withSynSent: RawFiles = { ...files, 'samples.txt': synSent + readFileSync(join(FIX, 'samples.txt'), 'utf8') };
    expect(verifyRun(loaded.resolved, parseRun(loaded.resolved, withSynSent))).toEqual([]);
  });
  it("rejects a Brutal flow whose pacing rate is not the set rate", () => {
    const asked = loadScenario(join(FIX, 'scenario.yaml'), ['flows[0].cc=brutal', 'flows[0].brutal={rate: 10mbit}']);
    const text = (f: string): string => readFileSync(join(FIX, f), 'utf8');
    const faked: RawFiles = {
      ...files,
      'samples.txt': text('samples.txt').replace(/cc=cubic/g, 'cc=brutal'),
      'ss.txt': text('ss.txt').replace(/\bcubic\b/g, 'brutal'),
      'shim-0.log': 'brutal fd=5 lport=40000 rate=1250000 cwnd_gain=20 rc=0 errno=0 ok\n',
    };
    const problems = verifyRun(asked.resolved, parseRun(asked.resolved, faked));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^flow 0: brutal pacing_rate \d+ B\/s does not match the set rate 1250000 B\/s/);
  });
});

describe('re-deriving kernel run directories from their raw files', () => {
  it('rewrites summary.json with the current converter and keeps the measurement and metadata', async () => {
    const { mkdtempSync, readFileSync: read, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { writeRun } = await import('../../src/results/write.js');
    const { reconvertRuns } = await import('../../src/kernel/sweep.js');
    const root = mkdtempSync(join(tmpdir(), 'cclab-reconvert-'));
    try {
      const a = convertRun(loaded, files, { target: 'vm', wallSeconds: 20, createdAt: '2026-01-01T00:00:00.000Z' });
      const dir = join(root, 'run');
      writeRun(dir, a);
      const stale = JSON.parse(read(join(dir, 'summary.json'), 'utf8'));
      delete stale.flows[0].srttMs;
      stale.flows[0].goodputMbps = 0;
      writeFileSync(join(dir, 'summary.json'), JSON.stringify(stale));
      expect(reconvertRuns(root)).toBe(1);
      expect(JSON.parse(read(join(dir, 'summary.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(a.summary)));
      expect(JSON.parse(read(join(dir, 'meta.json'), 'utf8')).createdAt).toBe('2026-01-01T00:00:00.000Z');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
