/**
 * The generated kernel plan: golden files (the whole script is reviewed
 * once, then any change shows up as a diff), the netem/limit arithmetic,
 * and that every generated script is valid POSIX sh.
 * Regenerate the golden files with UPDATE_GOLDEN=1 after a deliberate change.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/load.js';
import { CLIENT_PORT_BASE, executablePlan, generatePlan, PLAN_LIB_FILE, planTimeoutS, RECEIVER_ADDR, SERVER_PORT_BASE, WORKLOAD_PORT_BASE } from '../../src/kernel/plan.js';
import { arrivalSchedule, onPeriods } from '../../src/traffic/schedule.js';
import { describeWith } from '../helpers/requires.js';
import { createHash } from 'node:crypto';
import { ackNetemLimit, dataNetemArgs, dataNetemLimit, delayLinePackets, tcPercent } from '../../src/kernel/netem.js';
import { meanLossRate } from '../../src/scenario/schema.js';

const GOLDEN = join(import.meta.dirname, 'fixtures', 'golden');
const ROOT = join(import.meta.dirname, '..', '..');
const HINT = 'pass the module with --module <module>.ko';

function golden(name: string, actual: string): void {
  const file = join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, actual);
  expect(existsSync(file), `${file} is missing; write it with UPDATE_GOLDEN=1 and review it`).toBe(true);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

describe('plan golden files', () => {
  it('single-flow.yaml', () => {
    const s = loadScenario(join(GOLDEN, 'single-flow.yaml')).resolved;
    golden('single-flow.plan.sh', generatePlan(s, { runId: 'golden1', moduleHint: HINT }));
  });
  it('feature-mix.yaml (gemodel, ACK loss, jitter, fq, brutal, MSS, bytes)', () => {
    const s = loadScenario(join(GOLDEN, 'feature-mix.yaml')).resolved;
    golden('feature-mix.plan.sh', generatePlan(s, { runId: 'golden2', moduleHint: HINT }));
  });
});

describe('netem mapping', () => {
  it('sizes the limit as the queue plus the packets in the delay line', () => {
    // 50 Mbit/s, 200 ms RTT: 1 BDP = 1.25 MB = 825.6 packets of 1514 wire bytes -> 826;
    // the 100 ms forward delay line holds 625000 / 1514 = 412.8 -> 413 packets.
    const s = loadScenario(join(GOLDEN, 'single-flow.yaml'), ['link.rtt=200ms']).resolved;
    expect(s.link.queuePackets).toBe(826);
    expect(delayLinePackets(s.link.rateBps, s.link.fwdDelayNs, 1448)).toBe(413);
    expect(dataNetemLimit(s.link, 1448)).toBe(1239);
    expect(dataNetemArgs(s.link, 1448).join(' ')).toBe('netem limit 1239 delay 100000us rate 50000000bit');
  });
  it('never leaves netem at its default 1000-packet limit on a long fat path', () => {
    const s = loadScenario(join(GOLDEN, 'single-flow.yaml'), ['link.rate=1gbit', 'link.rtt=100ms', 'link.queue=100']).resolved;
    // 1 Gbit/s x 50 ms / 1514 B = 4128.1 -> 4129 packets in the delay line
    expect(dataNetemLimit(s.link, 1448)).toBe(100 + 4129);
    expect(ackNetemLimit(s.link, 1448)).toBeGreaterThanOrEqual(2 * 4129);
  });
  it('writes random and Gilbert-Elliott loss as tc reads them', () => {
    const s = loadScenario(join(GOLDEN, 'single-flow.yaml'), ['link.loss=0.1%']).resolved;
    expect(dataNetemArgs(s.link, 1448)).toContain('random');
    expect(dataNetemArgs(s.link, 1448).slice(-5).join(' ')).toBe('loss random 0.1% rate 50000000bit');
    expect(tcPercent(0.001)).toBe('0.1%');
    const g = loadScenario(join(GOLDEN, 'feature-mix.yaml')).resolved.link;
    expect(dataNetemArgs(g, 1448).join(' ')).toMatch(/delay 100000us 1000us loss gemodel 1% 20% 100% 0% rate 50000000bit$/);
    expect(meanLossRate(g.loss)).toBeCloseTo(0.01 / 0.21, 9);
  });
});

describe('plan script', () => {
  const s = loadScenario(join(GOLDEN, 'feature-mix.yaml')).resolved;
  const plan = generatePlan(s, { runId: 'golden2', moduleHint: HINT });
  const script = executablePlan(plan);
  it('is valid POSIX sh, alone and with its library', () => {
    execFileSync('sh', ['-n'], { input: plan });
    execFileSync('sh', ['-n'], { input: script });
  });
  it('keeps only what varies: the fixed part is the library, named by its hash', () => {
    const lib = readFileSync(PLAN_LIB_FILE, 'utf8');
    const hash = createHash('sha256').update(lib).digest('hex').slice(0, 12);
    expect(plan).toContain(`kernel/plan-lib.sh (sha256 ${hash})`);
    expect(script.startsWith(lib)).toBe(true);
    expect(plan.split('\n').length).toBeLessThan(40);
    for (const fn of ['cleanup()', 'setup_network()', 'start_servers()', 'findtool()']) expect(plan).not.toContain(fn);
    // the library's constants are the converter's
    expect(lib).toContain(`RECEIVER_ADDR=${RECEIVER_ADDR}\n`);
    expect(lib).toContain(`SERVER_PORT_BASE=${SERVER_PORT_BASE}\n`);
    expect(lib).toContain(`CLIENT_PORT_BASE=${CLIENT_PORT_BASE}\n`);
  });
  it("waits longer on a heavily lossy link, where iperf3's connections and results cross the loss with doubling timeouts", () => {
    const at = (loss: string) => planTimeoutS(loadScenario(join(GOLDEN, 'single-flow.yaml'), [`link.loss=${loss}`]).resolved);
    expect(at('50%') - at('10%')).toBe(120);
    expect(at('20%') - at('0%')).toBe(120);
    expect(at('19%')).toBe(at('0%'));
  });
  it('cleans up on exit, interrupt, termination and hangup, and has its own deadline', () => {
    expect(script).toContain('trap cleanup EXIT');
    expect(script).toMatch(/trap 'exit 130' INT/);
    expect(script).toMatch(/trap 'exit 143' TERM/);
    expect(plan).toContain(`TIMEOUT_S=${planTimeoutS(s)}\n`);
    expect(script).toMatch(/sleep "\$TIMEOUT_S" &/);
    expect(script).toMatch(/netns del/);
  });
  it('turns offloads off on every veth and puts fq on the sender for fq pacing', () => {
    expect(script).toContain('tso off gso off gro off');
    expect(plan).toContain('FQ=1\n');
  });
  it("passes Brutal's parameters to the shim and sets MSS and MTU", () => {
    expect(plan).toMatch(/start_client 0 0 'CCLAB_BRUTAL_RATE=5000000 CCLAB_BRUTAL_CWND_GAIN=15' -C brutal -t \d+\n/);
    expect(plan).toContain('MTU=\n'); // largest MSS is 1448: the default 1500-byte MTU fits
    expect(plan).toContain("start_client 1 2.5 '' -C cubic -t 10 -M 1412\n"); // starts at 2.5 s, runs 9.5 -> 10 s; MSS 1400 + 12 of timestamps
    // the byte-limited flow runs cclab_flow: exactly 10 MB on one connection from port 40002
    expect(plan).toContain("  start_flow 2 0 ''\n");
    expect(plan).toContain("schedule 2 <<'EOF'\ndst 10.201.2.1 5203\ncc reno\nchunk 1448\nconn 40002 0 12 10485760 0\nEOF\n");
  });
  it("caps the advertised window at the scenario's rwnd (receive buffer = 2 x rwnd)", () => {
    const w = loadScenario(join(GOLDEN, 'single-flow.yaml'), ['flows[0].rwnd=8mb']).resolved;
    expect(generatePlan(w, { runId: 'x', moduleHint: HINT })).toContain('RMEM_MAX=16777216\n');
  });
  it('raises the MTU for an MSS above 1448', () => {
    const j = loadScenario(join(GOLDEN, 'single-flow.yaml'), ['flows[0].mss=8948']).resolved;
    expect(generatePlan(j, { runId: 'x', moduleHint: HINT })).toContain('MTU=9000\n');
  });
  it('rejects a run id that could break the script', () => {
    expect(() => generatePlan(s, { runId: 'a b;rm', moduleHint: HINT })).toThrow(/runId/);
  });
  it("quotes a module hint with quotes and dollars so the shell keeps it as written", () => {
    const p = generatePlan(s, { runId: 'x', moduleHint: `pass "it" with $HOME's --module` });
    const out = execFileSync('sh', ['-c', `${p.replace('plan_main "$@"', 'printf %s "$MODULE_HINT"')}`], { encoding: 'utf8' });
    expect(out).toBe(`pass "it" with $HOME's --module`);
  });
});

describe('an AQM bottleneck', () => {
  it('is tbf at the link rate, then netem with only delay and loss, then the qdisc with tc\'s arguments', () => {
    const s = loadScenario(join(GOLDEN, 'single-flow.yaml'), ['link.qdisc={fq_codel: {target: 2ms, ecn: false}}', 'link.loss=1%']).resolved;
    const plan = generatePlan(s, { runId: 'x', moduleHint: HINT });
    expect(plan).toMatch(/^AQM='fq_codel limit \d+ flows 1024 target 2000us interval 100000us quantum 1514 memory_limit 33554432 drop_batch 64 noecn'$/m);
    expect(plan).toContain(`SHAPER_RATE=${s.link.rateBps}\n`);
    expect(plan).toContain('SHAPER_BURST=1514\n');
    // netem keeps the delay and the loss, not the rate: the shaper is the bottleneck
    const netem = /^NETEM_DATA='(.*)'$/m.exec(plan)![1]!;
    expect(netem).toMatch(/^netem limit \d+ delay \d+us loss random 1%$/);
    expect(netem).not.toContain('rate');
    // the library builds the tree tbf 1: -> netem 2: -> AQM 3: on the bottleneck
    const lib = executablePlan(plan);
    expect(lib).toContain('qdisc add dev to-rcv root handle 1: tbf rate "${SHAPER_RATE}bit" burst "$SHAPER_BURST"');
    expect(lib).toContain('qdisc add dev to-rcv parent 1:1 handle 2: $NETEM_DATA');
    expect(lib).toContain('qdisc add dev to-rcv parent 2:1 handle 3: $AQM');
  });
  it('is netem alone for drop-tail, as the reference grid ran', () => {
    const plan = generatePlan(loadScenario(join(GOLDEN, 'single-flow.yaml')).resolved, { runId: 'x', moduleHint: HINT });
    expect(plan).toContain("AQM=''\n");
    expect(/^NETEM_DATA='(.*)'$/m.exec(plan)![1]).toMatch(/ rate \d+bit$/);
  });
  for (const q of ['codel', 'red', 'pie']) {
    it(`passes ${q}'s resolved parameters to tc`, () => {
      const s = loadScenario(join(GOLDEN, 'single-flow.yaml'), [`link.qdisc=${q}`]).resolved;
      expect(/^AQM='(\S+) /m.exec(generatePlan(s, { runId: 'x', moduleHint: HINT }))![1]).toBe(q);
    });
  }
});

describe('ECN per flow', () => {
  it('lists the ECN flows; the library routes their SYNs by source port through a route with features ecn', () => {
    const file = join(GOLDEN, 'feature-mix.yaml');
    const s = loadScenario(file, ['flows[0].ecn=true', 'flows[2].ecn=true']).resolved;
    const plan = generatePlan(s, { runId: 'x', moduleHint: HINT });
    expect(plan).toContain("ECN_FLOWS='0 2'\n");
    expect(generatePlan(loadScenario(file).resolved, { runId: 'x', moduleHint: HINT })).toContain("ECN_FLOWS=''\n");
    const lib = executablePlan(plan);
    expect(lib).toContain('route add default via 10.201.1.2 table 100 features ecn');
    expect(lib).toContain('rule add ipproto 6 sport "$sport" lookup 100');
    // an ECN flow resolves with ecn: true; others carry no field, so their scenario hashes stay
    expect(s.flows.map((f) => f.ecn)).toEqual([true, undefined, true]);
  });
});

describeWith('shellcheck', 'plan library', () => {
  it('passes shellcheck, alone and as the script a target runs', () => {
    execFileSync('shellcheck', ['-s', 'sh', PLAN_LIB_FILE], { encoding: 'utf8' });
    for (const f of ['single-flow.yaml', 'feature-mix.yaml']) {
      const sc = executablePlan(generatePlan(loadScenario(join(GOLDEN, f)).resolved, { runId: 'sc', moduleHint: HINT }));
      execFileSync('shellcheck', ['-s', 'sh', '-'], { input: sc, encoding: 'utf8' });
    }
  });
});

describe("a CC's module parameters (DCTCP)", () => {
  const file = join(GOLDEN, 'single-flow.yaml');
  it('selects dctcp with -C, asks for ECN, and writes its module parameters before any flow starts', () => {
    const s = loadScenario(file, ['flows[0].cc=dctcp', 'flows[0].dctcp.shift_g=5']).resolved;
    const plan = generatePlan(s, { runId: 'x', moduleHint: HINT });
    expect(plan).toContain("CCS='dctcp'\n");
    expect(plan).toMatch(/start_client 0 0 '' -C dctcp -t \d+\n/);
    // DCTCP needs ECN: its flow is an ECN flow without saying so
    expect(plan).toContain("ECN_FLOWS='0'\n");
    expect(plan).toContain("MODULE_PARAMS='tcp_dctcp dctcp_shift_g 5 tcp_dctcp dctcp_alpha_on_init 1024'\n");
    const lib = executablePlan(plan);
    expect(lib).toContain('echo "$3" >"/sys/module/$1/parameters/$2"');
    execFileSync('sh', ['-n'], { input: lib });
    // other CCs' plans have no such line
    expect(generatePlan(loadScenario(file).resolved, { runId: 'x', moduleHint: HINT })).not.toContain('MODULE_PARAMS');
  });
  it('refuses DCTCP flows that disagree on machine-wide parameters, in one line', () => {
    const s = loadScenario(file, ['flows[0].cc=dctcp', 'flows[0].count=2']).resolved;
    expect(() => generatePlan(s, { runId: 'x', moduleHint: HINT })).not.toThrow();
    const doc = loadScenario(file, ['flows=[{cc: dctcp}, {cc: dctcp, dctcp: {shift_g: 2}}]']).resolved;
    expect(() => generatePlan(doc, { runId: 'x', moduleHint: HINT })).toThrow(/^flows\[1\]\.dctcp: differs from flow 0's, but tcp_dctcp's parameters apply to every connection of a Linux machine/);
  });
});

describe('warm-up and latency probe', () => {
  const file = join(GOLDEN, 'feature-mix.yaml');
  it('snapshots the counters at the warm-up only when the scenario has one', () => {
    const plan = generatePlan(loadScenario(file, ['warmup=2.5s']).resolved, { runId: 'x', moduleHint: HINT });
    expect(plan).toContain('WARMUP_S=2.5\n');
    expect(generatePlan(loadScenario(file).resolved, { runId: 'x', moduleHint: HINT })).not.toContain('WARMUP_S');
    const lib = executablePlan(plan);
    expect(lib).toContain('"$TC" -n "$NS_RTR" -s qdisc show >"$OUT/tc-warmup.txt"');
    expect(lib).toContain('echo "warmup $(uptime_s)" >>"$OUT/timeline.txt"');
  });
  it('runs ping from the sender towards the receiver: start, interval, size and count', () => {
    const plan = generatePlan(loadScenario(file, ['probe.interval=100ms', 'probe.start=1s']).resolved, { runId: 'x', moduleHint: HINT });
    // the feature-mix scenario runs 12 s: 110 requests from 1 s
    expect(plan).toContain("PROBE='1 0.1 56 110'\n");
    expect(generatePlan(loadScenario(file).resolved, { runId: 'x', moduleHint: HINT })).not.toContain('PROBE');
    expect(executablePlan(plan)).toContain('exec ping -n -i "$2" -s "$3" -c "$4" -W 1 "$5" >"$OUT/ping.txt"');
  });
});

describe('flows with an RTT of their own', () => {
  const file = join(GOLDEN, 'feature-mix.yaml');
  it('give the ACK path a prio band per extra delay, with its netem and a filter on each flow port', () => {
    const s = loadScenario(file, ['flows[1].rtt=300ms', 'flows[2].rtt=300ms']).resolved;
    const plan = generatePlan(s, { runId: 'x', moduleHint: HINT });
    expect(plan).toContain('ACK_BANDS=1\n');
    const extra = 300e6 - s.link.rttNs;
    expect(plan).toContain(`  ack_band 1 'netem limit ${ackNetemLimit({ ...s.link, revDelayNs: s.link.revDelayNs + extra }, 1448)} delay ${Math.round((s.link.revDelayNs + extra) / 1000)}us`);
    expect(plan).toMatch(/ack_band 1 '[^']*' '1 2'\n/);
    const lib = executablePlan(plan);
    expect(lib).toContain('prio bands $((ACK_BANDS + 1)) priomap 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0');
    expect(lib).toContain(`mask=$(printf '0x%04x' $((0xffff ^ ($2 - $1))))`);
    expect(lib).toContain('match ip dport "$1" "$mask" flowid "$class"');
    expect(generatePlan(loadScenario(file).resolved, { runId: 'x', moduleHint: HINT })).not.toContain('ACK_BANDS');
  });
  /** The tc commands on the ACK path that setup_qdiscs runs for a plan, with tc replaced by echo. */
  function ackPathCommands(plan: string): string[] {
    const script = executablePlan(plan).replace(/^plan_main "\$@"$/m, () => 'tcecho() { echo "tc $*"; }\nTC=tcecho NS_RTR=rtr\nsetup_qdiscs');
    return execFileSync('sh', ['-c', script], { encoding: 'utf8' }).trim().split('\n').filter((l) => l.includes('to-snd'));
  }
  it('runs these tc commands: prio, the link\'s netem in band 0, each band\'s netem and its flows\' filters', () => {
    // link 50 ms (reverse 25 ms); flows at 50, 150 (x2) and 250 ms
    const s = loadScenario(join(GOLDEN, 'single-flow.yaml'), ['flows=[{cc: reno}, {cc: cubic, rtt: 150ms, count: 2}, {cc: cubic, rtt: 250ms}]']).resolved;
    const plan = generatePlan(s, { runId: 'x', moduleHint: HINT });
    // netem limit: twice the ACK delay line at full rate + 100 (50 Mbit/s x 125 ms / 1514 B = 516.0 -> 517,
    // x 225 ms: 928.8 -> 929), or netem's default 1000 if more
    expect(ackPathCommands(plan)).toEqual([
      'tc -n rtr qdisc add dev to-snd root handle 1: prio bands 3 priomap 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0',
      'tc -n rtr qdisc add dev to-snd parent 1:1 handle 10: netem limit 1000 delay 25000us',
      'tc -n rtr qdisc add dev to-snd parent 1:2 handle 11: netem limit 1134 delay 125000us',
      `tc -n rtr filter add dev to-snd parent 1: protocol ip prio 1 u32 match ip protocol 6 0xff match ip dport ${CLIENT_PORT_BASE + 1} 0xffff flowid 1:2`,
      `tc -n rtr filter add dev to-snd parent 1: protocol ip prio 1 u32 match ip protocol 6 0xff match ip dport ${CLIENT_PORT_BASE + 2} 0xffff flowid 1:2`,
      'tc -n rtr qdisc add dev to-snd parent 1:3 handle 12: netem limit 1958 delay 225000us',
      `tc -n rtr filter add dev to-snd parent 1: protocol ip prio 1 u32 match ip protocol 6 0xff match ip dport ${CLIENT_PORT_BASE + 3} 0xffff flowid 1:3`,
    ]);
    expect(ackPathCommands(generatePlan(loadScenario(join(GOLDEN, 'single-flow.yaml')).resolved, { runId: 'x', moduleHint: HINT }))).toEqual([
      'tc -n rtr qdisc add dev to-snd root netem limit 1000 delay 25000us',
    ]);
  });
  it('names prio classes and netem handles in hex, as tc reads them (band 9 is 1:a, band 15 1:10), every band with the ACK loss', () => {
    const flows = Array.from({ length: 15 }, (_, i) => `{cc: cubic, rtt: ${60 + i}ms}`).join(', ');
    const s = loadScenario(join(GOLDEN, 'single-flow.yaml'), [`flows=[${flows}]`, 'link.ackLoss=1%']).resolved;
    const cmds = ackPathCommands(generatePlan(s, { runId: 'x', moduleHint: HINT }));
    expect(cmds[0]).toContain('prio bands 16 ');
    const netems = cmds.filter((c) => c.includes(' netem '));
    expect(netems.map((c) => /parent (\S+) handle (\S+)/.exec(c)!.slice(1).join(' '))).toEqual(
      Array.from({ length: 16 }, (_, b) => `1:${(b + 1).toString(16)} ${(b + 16).toString(16)}:`),
    );
    expect(netems.every((c) => c.endsWith(' loss random 1%'))).toBe(true);
    // band 15: flow 14 at 74 ms, 24 ms over the link's 50: ACK delay 25 + 24 ms
    expect(netems.at(-1)).toBe('tc -n rtr qdisc add dev to-snd parent 1:10 handle 1f: netem limit 1000 delay 49000us loss random 1%');
    expect(cmds.at(-1)).toMatch(/dport 40014 0xffff flowid 1:10$/);
    expect(cmds.filter((c) => c.includes('flowid 1:a')).length).toBe(1); // band 9: flow 8
  });
  describeWith('shellcheck', 'with ACK bands', () => {
    it('passes shellcheck as the script a target runs', () => {
      const s = loadScenario(join(GOLDEN, 'single-flow.yaml'), ['flows=[{cc: reno}, {cc: cubic, rtt: 150ms}]']).resolved;
      execFileSync('shellcheck', ['-s', 'sh', '-'], { input: executablePlan(generatePlan(s, { runId: 'sc', moduleHint: HINT })), encoding: 'utf8' });
    });
  });
  it('refuses more distinct flow RTTs than prio has bands, in one line', () => {
    const flows = Array.from({ length: 16 }, (_, i) => ({ cc: 'cubic', rtt: `${100 + i}ms` }));
    const s = loadScenario(file).resolved;
    const many = { ...s, flows: flows.map((f, i) => ({ ...s.flows[0]!, id: i, group: i, extraDelayNs: (100 + i) * 1e6 - s.link.rttNs })) };
    expect(() => generatePlan(many, { runId: 'x', moduleHint: HINT })).toThrow(/^flows\[\]\.rtt: 16 different flow RTTs; the kernel backend gives each its own band of a prio qdisc, which has at most 15/);
  });
});

describe('flows the traffic generator (cclab_flow) runs', () => {
  const file = join(GOLDEN, 'single-flow.yaml');
  const plan = (sets: string[]): { s: ReturnType<typeof loadScenario>['resolved']; plan: string } => {
    const s = loadScenario(file, sets).resolved;
    return { s, plan: generatePlan(s, { runId: 'x', moduleHint: HINT }) };
  };
  it('leaves a bulk flow to iperf3 and adds nothing of the generator to its plan', () => {
    const { plan: p } = plan([]);
    expect(p).toContain("start_client 0 0 '' -C reno -t 30\n");
    expect(p).not.toMatch(/FLOW_PATH|GEN_FLOWS|WORKLOAD_PORTS|plan_schedules|start_flow/);
  });
  it('runs a byte-limited flow as one connection of exactly its bytes from port 40000+id, launched 1 s before its start', () => {
    const { plan: p } = plan(['flows[0].bytes=200kb', 'flows[0].start=3s']);
    expect(p).toContain("FLOW_PATH='/usr/lib/cclab/cclab_flow'\n");
    expect(p).toContain("GEN_FLOWS='0'\n");
    expect(p).toContain(`schedule 0 <<'EOF'\ndst ${RECEIVER_ADDR} ${SERVER_PORT_BASE}\ncc reno\nchunk 1448\nconn ${CLIENT_PORT_BASE} 3 30 204800 0\nEOF\n`);
    expect(p).toContain("  start_flow 0 2 ''\n");
    expect(p).not.toContain('-n 204800');
  });
  it('paces an application-limited flow at its rate in MSS chunks', () => {
    const { plan: p } = plan(['flows[0].app={rate: 10mbit}', 'flows[0].mss=1400']);
    expect(p).toContain(`conn ${CLIENT_PORT_BASE} 0 30 0 10000000\n`);
    expect(p).toContain('chunk 1400\n');
  });
  it("writes an on/off flow's on periods from the shared schedule (src/traffic/schedule.ts)", () => {
    const { s, plan: p } = plan(['flows[0].app={on: 1s, off: {exp: 2s}}']);
    const periods = onPeriods(s.flows[0]!.app, s.seed, 0, s.flows[0]!.startNs, s.flows[0]!.stopNs);
    expect(periods.length).toBeGreaterThan(3);
    const lines = p.split('\n').filter((l) => l.startsWith('on '));
    expect(lines).toEqual(periods.map(([a, b]) => `on ${+(a / 1e9).toFixed(6)} ${+(b / 1e9).toFixed(6)}`));
    expect(p).toContain(`conn ${CLIENT_PORT_BASE} 0 30 0 0\n`); // bulk while on
  });
  it("gives a workload's connections their own ports from an aligned power-of-two range, in arrival order", () => {
    const { s, plan: p } = plan(['flows[0].arrivals={rate: 20, size: 50kb}', 'flows[0].ecn=true']);
    const arrivals = arrivalSchedule(s.flows[0]!.arrivals!, s.seed, 0, s.flows[0]!.startNs, s.flows[0]!.stopNs);
    expect(arrivals.length).toBeGreaterThan(400);
    const size = 2 ** Math.ceil(Math.log2(arrivals.length));
    const lo = Math.ceil(WORKLOAD_PORT_BASE / size) * size;
    expect(p).toContain(`WORKLOAD_PORTS='0:${lo}-${lo + size - 1}'\n`);
    const conns = p.split('\n').filter((l) => l.startsWith('conn '));
    expect(conns).toHaveLength(arrivals.length);
    expect(conns[0]).toBe(`conn ${lo} ${+(arrivals[0]!.startNs / 1e9).toFixed(6)} 30 51200 0`);
    expect(conns.at(-1)).toBe(`conn ${lo + arrivals.length - 1} ${+(arrivals.at(-1)!.startNs / 1e9).toFixed(6)} 30 51200 0`);
    // ECN by a routing rule over the range, and the sender's own ephemeral ports kept below 40000
    const lib = executablePlan(p);
    expect(lib).toContain('[ "$2" = "$1" ] || sport="$1-$2"');
    expect(lib).toContain('net.ipv4.ip_local_port_range=32768 $((CLIENT_PORT_BASE - 1))');
  });
  it('refuses a workload whose connections do not fit the client ports, in one line', () => {
    const s = loadScenario(file, ['flows[0].arrivals={rate: 600, size: 10kb}']).resolved; // ~18000 connections: 32768 ports
    expect(() => generatePlan(s, { runId: 'x', moduleHint: HINT })).toThrow(/^flows\[0\]\.arrivals: its \d+ connections do not fit the kernel harness's client ports \(45056-65535/);
  });
});

describeWith('shellcheck', 'plans with generator flows', () => {
  it('pass shellcheck as the script a target runs', () => {
    const s = loadScenario(join(GOLDEN, 'feature-mix.yaml'), ['flows[0].app={rate: 10mbit, on: 1s, off: 1s}', 'flows[1].arrivals={rate: 5, size: {exp: 20kb}}', 'flows[1].rtt=300ms', 'flows[1].ecn=true']).resolved;
    execFileSync('shellcheck', ['-s', 'sh', '-'], { input: executablePlan(generatePlan(s, { runId: 'sc', moduleHint: HINT })), encoding: 'utf8' });
  });
});
