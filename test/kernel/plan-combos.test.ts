/**
 * Combinations the kernel harness used to refuse and now runs: a reverse
 * trace (the reverse direction's shaper follows it), per-flow RTTs on a
 * chain or next to a reverse bottleneck (delay bands on a host's or a
 * router's egress), and trace links inside a chain (a pacer per traced
 * link). The library's functions run here with ip and tc replaced by
 * echoes; cclab_pacer runs for real where it is fed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario, validateScenario } from '../../src/scenario/load.js';
import { executablePlan, generatePlan, UNLIMITED_QUEUE_PACKETS } from '../../src/kernel/plan.js';
import { buildHelper, PACER } from '../../src/kernel/helpers.js';
import { parseRun } from '../../src/kernel/convert.js';
import { verifyRun } from '../../src/kernel/verify.js';
import { InputError } from '../../src/scenario/errors.js';
import { TRACE_WINDOW_MS } from '../../src/kernel/trace.js';
import { generateTrace, traceText } from '../../src/traffic/tracegen.js';
import { describeWith } from '../helpers/requires.js';
import type { ResolvedScenario } from '../../src/scenario/resolve.js';

const HINT = 'pass the module with --module <module>.ko';
const dir = mkdtempSync(join(tmpdir(), 'cclab-combos-'));
// an ACK-direction trace: 2 Mbit/s for 2 s, then 0.5 Mbit/s (IP bytes, mahimahi's opportunities)
writeFileSync(join(dir, 'ack.trace'), traceText(generateTrace({ kind: 'step', steps: [{ atMs: 0, rateBps: 2e6 }, { atMs: 2000, rateBps: 0.5e6 }], durationMs: 4000 })));
writeFileSync(join(dir, 'step.trace'), traceText(generateTrace({ kind: 'step', steps: [{ atMs: 0, rateBps: 20e6 }, { atMs: 2000, rateBps: 5e6 }], durationMs: 4000 })));
writeFileSync(join(dir, 's.yaml'), 'name: s\nduration: 6s\nlink: {rate: 20mbit, trace: {reverse: ack.trace}, rtt: 40ms, queue: 100}\nflows: [{cc: cubic}]\n');
writeFileSync(join(dir, 't.yaml'), 'name: t\nduration: 6s\nlink: {trace: step.trace, rtt: 40ms, queue: 100}\nflows: [{cc: cubic}]\n');
writeFileSync(join(dir, 'c.yaml'), 'name: c\nduration: 6s\nlink: {rate: 20mbit, rtt: 40ms, queue: 100}\nflows: [{cc: cubic}]\n');
const revTrace = (...sets: string[]) => loadScenario(join(dir, 's.yaml'), sets).resolved;
const planOf = (s: ResolvedScenario) => generatePlan(s, { runId: 'x', moduleHint: HINT });

/** Run the library's `body` after the plan's variables, ip and tc echoing their arguments. */
function runLib(p: string, body: string): string[] {
  const stubs = ['ipecho() { echo "ip $*"; }', 'tcecho() { echo "tc $*"; }', 'IP=ipecho TC=tcecho ETHTOOL=true NS_SND=snd NS_RTR=rtr NS_RCV=rcv NS_PRE=cclab-x NS_ALL="" OUT=/tmp', body].join('\n');
  const script = executablePlan(p).replace(/^plan_main "\$@"$/m, () => stubs);
  return execFileSync('sh', ['-c', script], { encoding: 'utf8' }).trim().split('\n');
}
const tcOf = (lines: string[]) => lines.filter((l) => l.startsWith('tc '));

/** The heredoc of rate changes that start_trace feeds the pacer whose log is trace-pacer<suffix>.txt. */
function changesOf(p: string, suffix: string): string[] {
  const at = p.indexOf(`"$OUT/trace-pacer${suffix}.txt"`);
  const from = p.indexOf("<<'EOF' &\n", at) + 10;
  return p.slice(from, p.indexOf('\nEOF\n', from)).split('\n');
}

describe('a reverse trace (link.trace.reverse)', () => {
  const s = revTrace();
  const p = planOf(s);

  it('makes to-snd tbf (the trace\'s first rate, counted for ACKs) -> netem (reverse delay) -> an unlimited pfifo, as mahimahi\'s ACK link', () => {
    // 2 Mbit/s of IP bytes carried as 52-byte ACKs: tbf counts 66 wire bytes for each
    expect(Number(/^REV_SHAPER_RATE=(\d+)$/m.exec(p)![1]) / (2e6 * (66 / 52))).toBeCloseTo(1, 2);
    expect(tcOf(runLib(p, 'setup_qdiscs')).filter((l) => l.includes('to-snd'))).toEqual([
      `tc -n rtr qdisc add dev to-snd root handle 1: tbf rate ${/^REV_SHAPER_RATE=(\d+)$/m.exec(p)![1]}bit burst 1514 limit 1514`,
      `tc -n rtr qdisc add dev to-snd parent 1:1 handle 2: netem limit ${UNLIMITED_QUEUE_PACKETS} delay 20000us`,
      `tc -n rtr qdisc add dev to-snd parent 2:1 handle 3: pfifo limit ${UNLIMITED_QUEUE_PACKETS}`,
    ]);
    // the forward direction is the constant link's netem, as before
    expect(tcOf(runLib(p, 'setup_qdiscs'))[0]).toBe('tc -n rtr qdisc add dev to-rcv root netem limit 134 delay 20000us rate 20000000bit');
    // ACK loss on the reverse netem
    expect(tcOf(runLib(planOf(revTrace('link.ackLoss=1%')), 'setup_qdiscs'))[2]).toBe(`tc -n rtr qdisc add dev to-snd parent 1:1 handle 2: netem limit ${UNLIMITED_QUEUE_PACKETS} delay 20000us loss random 1%`);
  });

  it('feeds the reverse shaper\'s changes to tc in the router, kicking towards the sender, logged as trace-pacer-rev.txt', async () => {
    expect(p).toContain(`"$IP" netns exec "$NS_RTR" "$PACER" -t "$T0" -k "$SENDER_ADDR" -p 'qdisc change dev to-snd handle 1: tbf rate ' -s 'bit burst 1514 limit 1514' - "$OUT/trace-pacer-rev.txt" "$TC" -force -batch - 2>"$OUT/trace-tc-rev.err" <<'EOF' &`);
    expect(p).toMatch(/plan_clients\(\) \{\n {2}start_trace\n {2}start_client 0 0/);
    // run start_trace with the real pacer and a tc that records what it is fed
    const pacer = await buildHelper(PACER);
    const fn = p.slice(p.indexOf('start_trace() {'), p.indexOf('\n}\n', p.indexOf('start_trace() {')) + 3);
    const out = mkdtempSync(join(tmpdir(), 'cclab-combos-out-'));
    const tc = join(out, 'tc-stub');
    writeFileSync(tc, `#!/bin/sh\ncat >${out}/tc-batch\n`, { mode: 0o755 });
    const ip = join(out, 'ip-stub');
    writeFileSync(ip, `#!/bin/sh\necho "$*" >${out}/ip-args\nshift 3\nexec "$@"\n`, { mode: 0o755 });
    execFileSync('sh', ['-c', `${fn}\nfail() { echo "$*"; exit 9; }\nOUT=${out}\nTC=${tc}\nIP=${ip}\nNS_RTR=rtr\nT0=0.5\nSENDER_ADDR=127.0.0.1\nCCLAB_PACER=${pacer}\nstart_trace\nwait\n`]);
    expect(readFileSync(join(out, 'ip-args'), 'utf8')).toMatch(/^netns exec rtr /);
    const lines = readFileSync(join(out, 'tc-batch'), 'utf8').trim().split('\n');
    for (const l of lines) expect(l).toMatch(/^qdisc change dev to-snd handle 1: tbf rate \d+bit burst 1514 limit 1514$/);
    const log = readFileSync(join(out, 'trace-pacer-rev.txt'), 'utf8').trim().split('\n');
    expect(log.slice(2)).toHaveLength(lines.length);
    // 0.5 Mbit/s is less than one opportunity per window: followed at its mean (each change refills tbf's bucket
    // with a full-size packet, 23 ACKs), not switched between the floor and one opportunity's rate window by window
    expect(changesOf(p, '-rev').length).toBe(lines.length);
    const changes = changesOf(p, '-rev').map((l) => l.split(' ').map(Number));
    expect(changes).toHaveLength(2);
    expect(Math.abs(changes[0]![0]! - 2000)).toBeLessThanOrEqual(TRACE_WINDOW_MS);
    expect(changes[0]![1]! / (0.5e6 * (66 / 52))).toBeCloseTo(1, 1);
    expect(Math.abs(changes[1]![0]! - 4000)).toBeLessThanOrEqual(TRACE_WINDOW_MS); // the loop: 2 Mbit/s again
    expect(log.slice(2).map((l) => Number(l.split(' ')[0]))).toEqual(changes.map((c) => c[0]));
  });

  it('keeps forward-trace and constant plans as they were, and a reverse flow\'s bottleneck follows the reverse trace with the link\'s queue', () => {
    expect(p).not.toContain('trace-pacer.txt');
    const rev = revTrace('flows=[{cc: cubic}, {cc: cubic, direction: reverse}]');
    const rp = planOf(rev);
    // data both ways: tbf counts full-size packets' wire bytes
    expect(Number(/^REV_SHAPER_RATE=(\d+)$/m.exec(rp)![1]) / (2e6 * (1514 / 1500))).toBeCloseTo(1, 2);
    expect(rp.match(/^NETEM_REV=/gm)).toHaveLength(1);
    const toSnd = tcOf(runLib(rp, 'setup_qdiscs')).filter((l) => l.includes('to-snd'));
    expect(toSnd[0]).toMatch(/^tc -n rtr qdisc add dev to-snd root handle 1: tbf rate \d+bit burst 1514 limit 1514$/);
    expect(toSnd[1]).toMatch(/^tc -n rtr qdisc add dev to-snd parent 1:1 handle 2: netem limit \d+ delay 20000us$/);
    expect(toSnd[2]).toBe('tc -n rtr qdisc add dev to-snd parent 2:1 handle 3: pfifo limit 100');
  });

  it('runs reverse flows next to a forward trace at the link\'s rate (the trace\'s mean), not at the trace\'s first rate', () => {
    const s2 = loadScenario(join(dir, 't.yaml'), ['flows=[{cc: cubic}, {cc: cubic, direction: reverse}]']).resolved;
    const p2 = planOf(s2);
    expect(p2).toContain(`REV_SHAPER_RATE=${Math.round(s2.link.rateBps)}\n`);
    const toSnd = tcOf(runLib(p2, 'setup_qdiscs')).filter((l) => l.includes('to-snd'));
    expect(toSnd[0]).toBe(`tc -n rtr qdisc add dev to-snd root handle 1: tbf rate ${Math.round(s2.link.rateBps)}bit burst 1514 limit 1514`);
    expect(toSnd[2]).toBe('tc -n rtr qdisc add dev to-snd parent 2:1 handle 3: pfifo limit 100');
  });

  it('gives flows of their own RTT a delay band on the receiving host\'s egress (the ACK direction\'s queue stays one FIFO)', () => {
    const bp = planOf(revTrace('flows=[{cc: cubic}, {cc: cubic, rtt: 100ms}]'));
    expect(bp).not.toContain('ACK_BANDS');
    const cmds = tcOf(runLib(bp, 'setup_qdiscs\nplan_delay_bands'));
    expect(cmds.slice(-3)).toEqual([
      'tc -n rcv qdisc add dev veth0 root handle 1: prio bands 2 priomap 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0',
      'tc -n rcv qdisc add dev veth0 parent 1:2 handle 11: netem limit 1000 delay 60000us',
      'tc -n rcv filter add dev veth0 parent 1: protocol ip prio 1 u32 match ip protocol 6 0xff match ip dport 40001 0xffff flowid 1:2',
    ]);
  });

  it('verify refuses a run whose reverse pacer did not run or whose change tc refused, naming link.trace.reverse', () => {
    const raw = { 'trace-pacer-rev.txt': 't0 10.000000\nstart 10.020000\n2000 80\n', 'trace-tc-rev.err': '' };
    expect(verifyRun({ ...s, flows: [] }, parseRun({ ...s, flows: [] }, raw))).toEqual([]);
    expect(verifyRun({ ...s, flows: [] }, parseRun({ ...s, flows: [] }, {}))).toEqual(['link.trace.reverse: cclab_pacer did not run (no raw/trace-pacer-rev.txt); the link kept its first rate']);
    expect(verifyRun({ ...s, flows: [] }, parseRun({ ...s, flows: [] }, { ...raw, 'trace-tc-rev.err': 'Error: Invalid rate.\n' }))).toEqual(['link.trace.reverse: tc refused a rate change: Error: Invalid rate.']);
  });
});

describe('per-flow RTTs next to reverse flows', () => {
  const withRev = (flows: string) => loadScenario(join(dir, 'c.yaml'), [`flows=${flows}`]).resolved;

  it('delay a forward flow\'s ACKs on the receiving host\'s egress and a reverse flow\'s on the sending host\'s', () => {
    const p = planOf(withRev('[{cc: cubic, rtt: 100ms}, {cc: cubic, direction: reverse, rtt: 60ms}, {cc: cubic, direction: reverse}]'));
    const cmds = tcOf(runLib(p, 'plan_delay_bands'));
    expect(cmds).toEqual([
      'tc -n rcv qdisc add dev veth0 root handle 1: prio bands 2 priomap 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0',
      'tc -n rcv qdisc add dev veth0 parent 1:2 handle 11: netem limit 1000 delay 60000us',
      'tc -n rcv filter add dev veth0 parent 1: protocol ip prio 1 u32 match ip protocol 6 0xff match ip dport 40000 0xffff flowid 1:2',
      'tc -n snd qdisc add dev veth0 root handle 1: prio bands 2 priomap 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0',
      'tc -n snd qdisc add dev veth0 parent 1:2 handle 11: netem limit 1000 delay 20000us',
      'tc -n snd filter add dev veth0 parent 1: protocol ip prio 1 u32 match ip protocol 6 0xff match ip dport 40001 0xffff flowid 1:2',
    ]);
    // the router's to-snd stays the reverse bottleneck
    expect(tcOf(runLib(p, 'setup_qdiscs')).filter((l) => l.includes('to-snd'))).toHaveLength(1);
  });

  it('refuses a reverse flow of its own RTT next to fq pacing (both on the sender\'s device), in one line', () => {
    const s = withRev('[{cc: bbr, pacing: fq}, {cc: cubic, direction: reverse, rtt: 60ms}]');
    expect(() => planOf(s)).toThrow(InputError);
    expect(() => planOf(s)).toThrow(/^flows\[1\]\.rtt: a reverse flow of its own RTT cannot be combined with pacing: fq on a forward flow on the kernel backend/);
    // a forward flow of its own RTT next to fq pacing runs (its band is on the receiver)
    expect(() => planOf(withRev('[{cc: bbr, pacing: fq, rtt: 100ms}, {cc: cubic, direction: reverse}]'))).not.toThrow();
  });
});

const LOT = {
  name: 'lot',
  duration: '6s',
  links: [
    { name: 'a', rate: '20mbit', rtt: '10ms', queue: 60 },
    { name: 'b', rate: '10mbit', rtt: '20ms', queue: 60 },
  ],
  flows: [
    { cc: 'cubic', path: ['a', 'b'], rtt: '100ms' },
    { cc: 'cubic', path: ['a'], rtt: '60ms' },
    { cc: 'cubic', path: ['b'] },
    { cc: 'cubic', path: ['b'], rtt: '40ms' },
  ],
};
const chainPlan = (doc: object) => planOf(validateScenario(doc, join(dir, 'lot.yaml')).resolved);

describe('per-flow RTTs on a chain', () => {
  it('delay each flow\'s ACKs by its extra on its first router\'s egress towards its sender (after the chain, as the simulator)', () => {
    const p = chainPlan(LOT);
    expect(p).toContain('DELAY_BANDS=1\n');
    const cmds = tcOf(runLib(p, 'setup_chain\nplan_delay_bands'));
    const bands = cmds.filter((l) => l.includes(' to-s '));
    expect(bands).toEqual([
      // r0: flow 0 (path 30 ms, rtt 100: +70 ms), flow 1 (path 10 ms, rtt 60: +50 ms)
      'tc -n cclab-x-r0 qdisc add dev to-s root handle 1: prio bands 3 priomap 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0',
      'tc -n cclab-x-r0 qdisc add dev to-s parent 1:2 handle 11: netem limit 1000 delay 50000us',
      'tc -n cclab-x-r0 filter add dev to-s parent 1: protocol ip prio 1 u32 match ip protocol 6 0xff match ip dport 40001 0xffff flowid 1:2',
      'tc -n cclab-x-r0 qdisc add dev to-s parent 1:3 handle 12: netem limit 1000 delay 70000us',
      'tc -n cclab-x-r0 filter add dev to-s parent 1: protocol ip prio 1 u32 match ip protocol 6 0xff match ip dport 40000 0xffff flowid 1:3',
      // r1: flow 3 (path 20 ms, rtt 40: +20 ms); flow 2 has its path's RTT
      'tc -n cclab-x-r1 qdisc add dev to-s root handle 1: prio bands 2 priomap 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0',
      'tc -n cclab-x-r1 qdisc add dev to-s parent 1:2 handle 11: netem limit 1000 delay 20000us',
      'tc -n cclab-x-r1 filter add dev to-s parent 1: protocol ip prio 1 u32 match ip protocol 6 0xff match ip dport 40003 0xffff flowid 1:2',
    ]);
    // the links' own qdiscs are those of a chain without flow RTTs
    const plain = tcOf(runLib(chainPlan({ ...LOT, flows: LOT.flows.map(({ rtt: _r, ...f }) => f) }), 'setup_chain'));
    expect(cmds.filter((l) => !l.includes(' to-s '))).toEqual(plain);
    expect(chainPlan({ ...LOT, flows: LOT.flows.map(({ rtt: _r, ...f }) => f) })).not.toContain('DELAY_BANDS');
  });

  it('refuses more distinct extra delays on one sender than prio has bands, in one line', () => {
    const flows = Array.from({ length: 16 }, (_, i) => ({ cc: 'cubic', path: ['a'], rtt: `${20 + i}ms` }));
    expect(() => chainPlan({ ...LOT, flows })).toThrow(/^flows\[\]\.rtt: 16 different flow RTTs on one host; .* at most 15 /);
  });
});

describe('trace links on a chain', () => {
  const doc = { ...LOT, links: [{ name: 'a', trace: join(dir, 'step.trace'), rtt: '10ms', queue: 60 }, { name: 'b', rate: '12mbit', rtt: '30ms', queue: 60 }], flows: [{ cc: 'cubic', path: ['a', 'b'] }, { cc: 'cubic', path: ['a'] }] };
  const p = chainPlan(doc);

  it('gives a trace link the shaper layout at its first rate, pfifo under it, and its own pacer on its router', () => {
    const cmds = tcOf(runLib(p, 'setup_chain'));
    expect(Number(/^ {2}hop 0 '[^']*' '[^']*' 'pfifo limit 60' (\d+)$/m.exec(p)![1]) / (20e6 * (1514 / 1500))).toBeCloseTo(1, 2);
    expect(cmds[0]).toMatch(/^tc -n cclab-x-r0 qdisc add dev to-rcv root handle 1: tbf rate \d+bit burst 1514 limit 1514$/);
    expect(cmds[1]).toMatch(/^tc -n cclab-x-r0 qdisc add dev to-rcv parent 1:1 handle 2: netem limit \d+ delay 5000us$/);
    expect(cmds[2]).toBe('tc -n cclab-x-r0 qdisc add dev to-rcv parent 2:1 handle 3: pfifo limit 60');
    // link b stays netem alone
    expect(cmds.some((l) => l.startsWith('tc -n cclab-x-r1 qdisc add dev to-rcv root netem '))).toBe(true);
    expect(p).toContain(`"$IP" netns exec "$NS_PRE-r0" "$PACER" -t "$T0" -k 10.203.0.1 -p 'qdisc change dev to-rcv handle 1: tbf rate ' -s 'bit burst 1514 limit 1514' - "$OUT/trace-pacer-0.txt" "$TC" -force -batch - 2>"$OUT/trace-tc-0.err" <<'EOF' &`);
    expect(p).toMatch(/plan_clients\(\) \{\n {2}start_trace\n {2}chain_flow 0\n/);
    // 20 -> 5 Mbit/s at 2 s, back at 4 s (the loop)
    const at = changesOf(p, '-0').map((l) => Number(l.split(' ')[0]));
    for (const ms of [2000, 4000]) expect(at.some((a) => Math.abs(a - ms) <= TRACE_WINDOW_MS)).toBe(true);
    execFileSync('sh', ['-n'], { input: executablePlan(p) });
  });

  it('reads each traced link\'s pacer log back, and verify names the link whose pacer did not run', () => {
    const s = validateScenario(doc, join(dir, 'lot.yaml')).resolved;
    const parsed = parseRun(s, { 'trace-pacer-0.txt': 't0 10.000000\nstart 10.020000\n2000 80\n' });
    expect(parsed.trace).toBeNull();
    expect(parsed.otherTraces.map((o) => o.field)).toEqual(['links[0].trace']);
    expect(verifyRun({ ...s, flows: [] }, parsed)).toEqual([]);
    expect(verifyRun({ ...s, flows: [] }, parseRun(s, {}))).toEqual(['links[0].trace: cclab_pacer did not run (no raw/trace-pacer-0.txt); the link kept its first rate']);
  });
});

describeWith('shellcheck', 'shellcheck', () => {
  it('the new plans pass shellcheck as the script a target runs', () => {
    for (const p of [planOf(revTrace('flows=[{cc: cubic}, {cc: cubic, rtt: 100ms}, {cc: cubic, direction: reverse, rtt: 80ms}]')), chainPlan(LOT)]) {
      execFileSync('shellcheck', ['-s', 'sh', '-'], { input: executablePlan(p), encoding: 'utf8' });
    }
  });
});

describe('reverse flows with ECN, fq pacing or a workload', () => {
  const withRev = (flows: string, ...sets: string[]) => loadScenario(join(dir, 'c.yaml'), [`flows=${flows}`, ...sets]).resolved;

  it('routes a reverse ECN flow\'s SYN through an ECN route in the receiving host, a forward one\'s in the sender', () => {
    const p = planOf(withRev('[{cc: cubic, ecn: true}, {cc: cubic, direction: reverse, ecn: true}, {cc: cubic, direction: reverse, ecn: true}]', 'link.qdisc=fq_codel'));
    const ecn = runLib(p, 'setup_network').filter((l) => / table 100 | lookup 100/.test(l));
    expect(ecn).toEqual([
      'ip -n snd route add default via 10.201.1.2 table 100 features ecn',
      'ip -n snd rule add ipproto 6 sport 40000 lookup 100',
      'ip -n rcv route add default via 10.201.2.2 table 100 features ecn',
      'ip -n rcv rule add ipproto 6 sport 40001 lookup 100',
      'ip -n rcv rule add ipproto 6 sport 40002 lookup 100',
    ]);
  });

  it('puts fq on the receiving host for a reverse flow with pacing: fq, and leaves the sender\'s as the forward flows ask', () => {
    const p = planOf(withRev('[{cc: cubic}, {cc: bbr, direction: reverse, pacing: fq}]'));
    expect(p).toContain('FQ=0\n');
    expect(p).toContain('FQ_REV=1\n');
    expect(tcOf(runLib(p, 'setup_qdiscs')).filter((l) => l.includes(' fq'))).toEqual(['tc -n rcv qdisc replace dev veth0 root fq']);
    // a forward flow's fq alone: the sender's, as before, and no FQ_REV
    const f = planOf(withRev('[{cc: bbr, pacing: fq}, {cc: cubic, direction: reverse}]'));
    expect(f).toContain('FQ=1\n');
    expect(f).not.toContain('FQ_REV');
  });

  it('runs a reverse workload from its own port range in the receiving host, whose ephemeral ports move below 40000', () => {
    const p = planOf(withRev('[{cc: cubic}, {cc: cubic, direction: reverse, arrivals: {rate: 5, size: 10kb}}]'));
    expect(p).toMatch(/^WORKLOAD_PORTS='1:45056-\d+'$/m);
    expect(p).toContain("REV_WORKLOADS='1'\n");
    expect(p).toContain('dst 10.201.1.1 5202\n');
    // setup_network sends sysctl's output to /dev/null: the stub logs to a file
    const log = join(mkdtempSync(join(tmpdir(), 'cclab-combos-ip-')), 'ip.log');
    runLib(p, `ipecho() { echo "ip $*" >>${log}; }\nsetup_network`);
    const sysctl = readFileSync(log, 'utf8').split('\n').filter((l) => l.includes('ip_local_port_range'));
    expect(sysctl).toEqual(['ip netns exec snd sysctl -qw net.ipv4.ip_local_port_range=32768 39999', 'ip netns exec rcv sysctl -qw net.ipv4.ip_local_port_range=32768 39999']);
    // a forward workload next to a reverse bulk flow: the sender's only, as before
    const f = planOf(withRev('[{cc: cubic, arrivals: {rate: 5, size: 10kb}}, {cc: cubic, direction: reverse}]'));
    expect(f).not.toContain('REV_WORKLOADS');
  });
});
