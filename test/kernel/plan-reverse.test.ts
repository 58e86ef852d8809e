/**
 * Reverse flows (flows[].direction: reverse) on the kernel harness: the
 * router's to-snd becomes a bottleneck laid out as to-rcv, a reverse flow's
 * server runs in snd and its client in rcv, a second sampler watches rcv's
 * sockets and to-snd; what the harness cannot run yet is refused in one line.
 * The library's functions run here with ip, tc and ss replaced by echoes.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/load.js';
import { CLIENT_PORT_BASE, executablePlan, generatePlan, RECEIVER_ADDR, SENDER_ADDR, SERVER_PORT_BASE } from '../../src/kernel/plan.js';
import { delayLinePackets, reverseNetemArgs } from '../../src/kernel/netem.js';
import { InputError } from '../../src/scenario/errors.js';
import { describeWith } from '../helpers/requires.js';

const GOLDEN = join(import.meta.dirname, 'fixtures', 'golden');
const HINT = 'pass the module with --module <module>.ko';
// single-flow.yaml: 50 Mbit/s, 50 ms; one flow forward, one reverse
const scenario = (...sets: string[]) => loadScenario(join(GOLDEN, 'single-flow.yaml'), ['flows=[{cc: cubic}, {cc: cubic, direction: reverse}]', ...sets]).resolved;
const plan = (...sets: string[]) => generatePlan(scenario(...sets), { runId: 'x', moduleHint: HINT });

/**
 * Run the library's `body` after the plan's variables, with ip/tc/ss
 * echoing their arguments: the lines echoed, with what went to OUT's files
 * (a server's output goes to its file) after "file NAME:".
 */
function runLib(p: string, body: string): string[] {
  const out = mkdtempSync(join(tmpdir(), 'cclab-plan-test-'));
  try {
    const lines = runLibIn(p, body, out);
    for (const f of ['server-0.json', 'server-1.json', 'flow-server-1.log']) {
      try {
        lines.push(`file ${f}: ${readFileSync(join(out, f), 'utf8').trim()}`);
      } catch {
        // not written by this plan
      }
    }
    return lines;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

function runLibIn(p: string, body: string, out: string): string[] {
  const stubs = [
    'ipecho() { echo "ip $*"; }',
    'tcecho() { echo "tc $*"; }',
    // every server listens at once: enough lines for start_servers' count
    'ssecho() { case "$*" in *-Hltn*) echo "LISTEN 0 5 *:5201 *:*"; echo "LISTEN 0 5 *:5202 *:*";; esac; }',
    `IP=ipecho TC=tcecho SS=ssecho NS_SND=snd NS_RTR=rtr NS_RCV=rcv OUT=${out} SHIM=shim.so FLOW_BIN=cclab_flow PIDS= CLIENTS= FLOW_SERVERS= T0=0`,
    body,
    'wait',
  ].join('\n');
  const script = executablePlan(p).replace(/^plan_main "\$@"$/m, () => stubs);
  return execFileSync('sh', ['-c', script], { encoding: 'utf8' }).trim().split('\n');
}

describe('reverse flows: the plan', () => {
  it('names the reverse flows and the reverse netem only when there are some (forward plans keep their bytes)', () => {
    const p = plan();
    expect(p).toContain("REV_FLOWS='1'\n");
    const fwd = generatePlan(loadScenario(join(GOLDEN, 'single-flow.yaml')).resolved, { runId: 'x', moduleHint: HINT });
    expect(fwd).not.toContain('REV_FLOWS');
    expect(fwd).not.toContain('NETEM_REV');
  });

  it("makes to-snd a drop-tail bottleneck as to-rcv: netem with the link's rate, the reverse delay, ackLoss and the queue plus the delay line", () => {
    const s = scenario('link.ackLoss=1%');
    const cmds = runLib(generatePlan(s, { runId: 'x', moduleHint: HINT }), 'setup_qdiscs').filter((l) => l.startsWith('tc '));
    const limit = s.link.queuePackets + delayLinePackets(50e6, 25e6, 1448);
    expect(cmds).toEqual([
      expect.stringMatching(/^tc -n rtr qdisc add dev to-rcv root netem limit \d+ delay 25000us rate 50000000bit$/),
      `tc -n rtr qdisc add dev to-snd root netem limit ${limit} delay 25000us loss random 1% rate 50000000bit`,
    ]);
    expect(reverseNetemArgs(s.link, 1448, false).join(' ')).toBe(cmds[1]!.replace('tc -n rtr qdisc add dev to-snd root ', ''));
  });

  it('gives to-snd the AQM layout too: tbf at the link rate, netem with delay and loss only, its own instance of the qdisc', () => {
    const cmds = runLib(plan('link.qdisc=fq_codel'), 'setup_qdiscs').filter((l) => l.includes('to-snd'));
    expect(cmds).toHaveLength(3);
    expect(cmds[0]).toBe('tc -n rtr qdisc add dev to-snd root handle 1: tbf rate 50000000bit burst 1514 limit 1514');
    expect(cmds[1]).toMatch(/^tc -n rtr qdisc add dev to-snd parent 1:1 handle 2: netem limit \d+ delay 25000us$/);
    expect(cmds[2]).toMatch(/^tc -n rtr qdisc add dev to-snd parent 2:1 handle 3: fq_codel /);
    const fwd = runLib(plan('link.qdisc=fq_codel'), 'setup_qdiscs').filter((l) => l.includes('to-rcv'));
    expect(fwd[2]!.replace('to-rcv', 'to-snd')).toBe(cmds[2]);
  });

  it("runs a reverse flow's server in snd and its client in rcv towards the sender, from port 40000+i, under the shim", () => {
    const out = runLib(plan(), 'start_servers\nplan_clients').join('\n');
    expect(out).toContain(`file server-0.json: ip netns exec rcv iperf3 -s -1 -p ${SERVER_PORT_BASE} -J`);
    expect(out).toContain(`file server-1.json: ip netns exec snd iperf3 -s -1 -p ${SERVER_PORT_BASE + 1} -J`);
    const clients = out.split('ip netns exec ').slice(1).filter((c) => c.includes('iperf3 -c'));
    expect(clients).toHaveLength(2);
    expect(clients[0]).toMatch(new RegExp(`^snd sh -c [\\s\\S]*LD_PRELOAD[\\s\\S]* iperf3 -c ${RECEIVER_ADDR} -p ${SERVER_PORT_BASE} --cport ${CLIENT_PORT_BASE} -J -C cubic`));
    expect(clients[1]).toMatch(new RegExp(`^rcv sh -c [\\s\\S]*LD_PRELOAD[\\s\\S]* iperf3 -c ${SENDER_ADDR} -p ${SERVER_PORT_BASE + 1} --cport ${CLIENT_PORT_BASE + 1} -J -C cubic`));
  });

  it('samples the reverse flows in rcv and the reverse bottleneck (to-snd) with a second sampler', () => {
    const lib = executablePlan(plan());
    expect(lib).toContain('"$SAMPLER" "$SAMPLE_MS" "$NS_RCV" "$ports" "$NS_RTR" to-snd >"$OUT/samples-rev.txt"');
    expect(lib).toContain('"$IP" netns exec "$NS_RCV" cat /proc/net/netstat >"$OUT/netstat-rcv.txt"');
  });

  it("points a reverse generator flow's schedule at the sender, its client in rcv", () => {
    const s = loadScenario(join(GOLDEN, 'single-flow.yaml'), ['flows=[{cc: cubic}, {cc: cubic, direction: reverse, bytes: 1mb}]']).resolved;
    const p = generatePlan(s, { runId: 'x', moduleHint: HINT });
    expect(p).toContain(`dst ${SENDER_ADDR} ${SERVER_PORT_BASE + 1}\n`);
    const out = runLib(p, 'start_servers\nplan_clients').join('\n');
    expect(out).toContain(`ip netns exec snd cclab_flow server ${SERVER_PORT_BASE + 1}`);
    expect(out).toMatch(/ip netns exec rcv sh -c [\s\S]* cclab_flow client \S+\/schedule-1.txt/);
  });

  it('refuses, in one line naming the field, what the kernel harness cannot run with reverse flows yet', () => {
    const refused = (flows: string, field: RegExp) => {
      try {
        generatePlan(loadScenario(join(GOLDEN, 'single-flow.yaml'), [`flows=${flows}`]).resolved, { runId: 'x', moduleHint: HINT });
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        expect((e as Error).message).toMatch(field);
        expect((e as Error).message).toContain('--backend sim');
        expect((e as Error).message.split('\n')).toHaveLength(1);
      }
    };
    refused('[{cc: bbr, pacing: fq}, {cc: cubic, direction: reverse, rtt: 100ms}]', /^flows\[1\]\.rtt: a reverse flow of its own RTT cannot be combined with pacing: fq on a forward flow/);
    refused('[{cc: cubic, rtt: 100ms}, {cc: bbr, direction: reverse, pacing: fq}]', /^flows\[0\]\.rtt: a forward flow of its own RTT cannot be combined with pacing: fq on a reverse flow/);
  });

  describeWith('shellcheck', 'with reverse flows', () => {
    it('passes shellcheck as the script a target runs', () => {
      execFileSync('shellcheck', ['-s', 'sh', '-'], { input: executablePlan(plan('link.qdisc=fq_codel')), encoding: 'utf8' });
    });
  });
});
