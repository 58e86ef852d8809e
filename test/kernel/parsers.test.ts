/**
 * Parsers against real outputs captured in the test VM (fixtures/vm-*: two
 * flows, cubic from 0 s and bbr from 1 s, 20 Mbit/s, 40 ms, 1% loss, 10 s).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseIperf3Json } from '../../src/kernel/parse/iperf3.js';
import { parseSs, parseSsRate } from '../../src/kernel/parse/ss.js';
import { parseTcQdiscs } from '../../src/kernel/parse/tc.js';
import { parseEnv, parseNetstat, parseSamples, parseShimLog, parseTimeline } from '../../src/kernel/parse/harness.js';

const FIX = join(import.meta.dirname, 'fixtures', 'vm-cubic-bbr-20mbit-40ms-1pct');
const read = (f: string): string => readFileSync(join(FIX, f), 'utf8');

describe('iperf3 --json', () => {
  it('reads the receiver side totals from the server', () => {
    const s = parseIperf3Json(read('server-0.json'));
    expect(s.error).toBeNull();
    expect(s.received!.bytes).toBe(3850232);
    expect(s.received!.seconds).toBeGreaterThan(10);
    expect(s.received!.seconds).toBeLessThan(10.2);
  });
  it('reads the sender side: port, congestion control, retransmits, intervals', () => {
    const c = parseIperf3Json(read('client-1.json'));
    expect(c.localPort).toBe(40001);
    expect(c.congestion.sender).toBe('bbr');
    expect(c.sent!.retransmits).toBeGreaterThan(0);
    expect(c.intervals.length).toBe(9);
    expect(c.intervals[0]!.rttUs).toBeGreaterThan(40000);
  });
  it('reports iperf3 errors instead of numbers', () => {
    const e = parseIperf3Json('{"start":{},"intervals":[],"end":{},"error":"unable to connect to server: Connection refused"}');
    expect(e.error).toMatch(/unable to connect/);
    expect(e.sent).toBeNull();
  });
  it('refuses text that is not JSON with a clear message', () => {
    expect(() => parseIperf3Json('iperf3: error - unable to set TCP_CONGESTION')).toThrow(/not JSON/);
  });
});

describe('ss -tin', () => {
  const socks = parseSs(read('ss.txt'));
  it('reads every snapshot with its time, and tells flows apart by port', () => {
    expect(socks.length).toBeGreaterThan(10);
    expect(socks.every((x) => Number.isFinite(x.t))).toBe(true);
    expect(new Set(socks.map((x) => x.localPort))).toEqual(new Set([40000, 40001]));
  });
  it('reads the congestion control name per socket', () => {
    expect(new Set(socks.filter((x) => x.localPort === 40000).map((x) => x.cc))).toEqual(new Set(['cubic']));
    expect(new Set(socks.filter((x) => x.localPort === 40001).map((x) => x.cc))).toEqual(new Set(['bbr']));
  });
  it('reads rtt, cwnd, rates and the retransmission counters', () => {
    const b = socks.find((x) => x.localPort === 40001)!;
    expect(b.rttMs).toBeCloseTo(42.242, 3);
    expect(b.rttVarMs).toBeCloseTo(0.552, 3);
    expect(b.cwnd).toBe(156);
    expect(b.pacingRateBps).toBe(17319928);
    expect(b.deliveryRateBps).toBe(15504544);
    expect(b.retransTotal).toBe(212);
    expect(b.minRttMs).toBeCloseTo(40.46, 3);
    expect(b.fields.bbr).toMatch(/^\(bw:/);
  });
  it('handles option flags before the cc name and human-readable rates', () => {
    const [x] = parseSs('#T 1.5\nESTAB 0 0 10.0.0.1:40000 10.0.0.2:5201\n\t ts sack brutal wscale:7,7 rto:204 rtt:1.5/0.75 cwnd:10 pacing_rate 6.25Mbps delivery_rate 5.9Mbps retrans:0/3\n');
    expect(x!.cc).toBe('brutal');
    expect(x!.pacingRateBps).toBe(6.25e6);
    expect(parseSsRate('1.2Gbps')).toBe(1.2e9);
    expect(parseSsRate('12kbps')).toBe(12000);
  });
});

describe('tc -s qdisc', () => {
  const q = parseTcQdiscs(read('tc-after.txt'));
  it('reads netem on the bottleneck with its options and counters', () => {
    const bn = q.find((x) => x.dev === 'to-rcv')!;
    expect(bn.kind).toBe('netem');
    expect(bn.ns).toBe('cclab-abc123-rtr');
    expect(bn.options).toMatch(/limit 100 delay 20ms loss 1% rate 20Mbit/);
    expect(bn.sentPackets).toBe(15517);
    expect(bn.sentBytes).toBe(23434401);
    expect(bn.dropped).toBe(367);
  });
  it('reads the ACK path netem and the other namespaces', () => {
    expect(q.find((x) => x.dev === 'to-snd')!.options).toBe('refcnt 2 limit 1000 delay 20ms');
    expect(q.filter((x) => x.kind === 'noqueue').length).toBe(5);
  });
  it('reads backlog sizes in tc units', () => {
    const [x] = parseTcQdiscs('qdisc netem 1: dev d root refcnt 2 limit 10\n Sent 5 bytes 1 pkt (dropped 0, overlimits 0 requeues 0)\n backlog 62Kb 43p requeues 0\n');
    expect(x!.backlogBytes).toBe(62 * 1024);
    expect(x!.backlogPackets).toBe(43);
  });
});

describe('the harness files', () => {
  it('reads cclab_sampler lines for both flows and the bottleneck', () => {
    const { tcp, qdisc } = parseSamples(read('samples.txt'));
    const cubic = tcp.filter((x) => x.lport === 40000);
    expect(cubic.length).toBeGreaterThan(80);
    expect(new Set(cubic.map((x) => x.cc))).toEqual(new Set(['cubic']));
    expect(qdisc.every((x) => x.dev === 'to-rcv' && x.kind === 'netem')).toBe(true);
    expect(qdisc.at(-1)!.drops).toBeGreaterThan(300);
  });
  it('reads the timeline, env, shim log and netstat', () => {
    const tl = parseTimeline(read('timeline.txt'));
    expect(tl.t0).toBe(4.22);
    expect(tl.start.get(1)).toBe(5.39);
    expect(tl.end.get(0)).toEqual({ rc: 0, t: 14.86 });
    const env = parseEnv(read('env.txt'));
    expect(env.release).toBe('6.1.0-56-amd64');
    expect(env.availableCc).toEqual(['reno', 'cubic', 'bbr']);
    expect(env.modules).toContain('sch_netem');
    const shim = parseShimLog(read('shim-0.log'));
    expect(shim.closes.find((c) => c.lport === '40000')!.bytes_retrans).toBe('44888');
    const ns = parseNetstat(read('netstat-snd.txt'));
    expect(ns['TcpExt.TCPTimeouts']).toBe(0);
    expect(ns['TcpExt.TCPLossProbes']).toBeGreaterThanOrEqual(0);
  });
  it('reads the brutal line of the shim log', () => {
    const log = parseShimLog('brutal fd=5 lport=40000 rate=6250000 cwnd_gain=20 rc=0 errno=0 ok\n');
    expect(log.brutal).toEqual([{ lport: 40000, rate: 6250000, cwndGain: 20, rc: 0, message: 'ok' }]);
  });
});

describe('tc -s of the AQMs under the shaper (captured in the VM, marks edited)', () => {
  const text = readFileSync(join(import.meta.dirname, 'fixtures', 'tc-aqm-leaves.txt'), 'utf8');
  it('reads each qdisc and the CE marks it counts (ecn_mark, ce_mark; RED: marked)', () => {
    const qs = parseTcQdiscs(text);
    expect(qs.map((q) => [q.kind, q.handle, q.parent, q.marks])).toEqual([
      ['fq_codel', '3:', '2:1', 11],
      ['red', '3:', '2:1', 7],
      ['codel', '3:', '2:1', 5],
      ['pie', '3:', '2:1', 3],
    ]);
    expect(qs[1]!.dropped).toBe(64);
    expect(qs[0]!.sentPackets).toBe(3140);
  });
});
