/**
 * Kernel plans of a chain of links (scenario links:, a parking lot): the
 * namespaces, routes and per-link qdiscs kernel/plan-lib.sh's setup_chain
 * builds (with ip and tc replaced by echo), and what the plan refuses.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario, validateScenario } from '../../src/scenario/load.js';
import { executablePlan, generatePlan } from '../../src/kernel/plan.js';

const GOLDEN = join(import.meta.dirname, 'fixtures', 'golden');
const LOT = {
  name: 'lot',
  duration: '10s',
  links: [
    { name: 'a', rate: '20mbit', rtt: '10ms' },
    { name: 'b', rate: '10mbit', rtt: '20ms', qdisc: 'fq_codel', loss: '1%', ackLoss: '0.5%' },
  ],
  flows: [
    { cc: 'cubic', path: ['a', 'b'] },
    { cc: 'cubic', path: ['a'] },
    { cc: 'bbr', path: ['b'] },
  ],
};
const plan = (doc: object) => generatePlan(validateScenario(doc, 't').resolved, { runId: 'x', moduleHint: 'h' });

/** What setup_chain runs, ip and tc echoed, then each flow's hosts as chain_flow sets them. */
function chainCommands(p: string): string[] {
  const script = executablePlan(p).replace(
    /^plan_main "\$@"$/m,
    () => 'ipecho() { echo "ip $*"; }\ntcecho() { echo "tc $*"; }\nIP=ipecho TC=tcecho ETHTOOL=true NS_PRE=cclab-x NS_ALL="" OUT=/tmp\nsetup_chain\nfor i in 0 1 2; do chain_flow $i; echo "flow $i $NS_SND $NS_RCV $RECEIVER_ADDR"; done',
  );
  return execFileSync('sh', ['-c', script], { encoding: 'utf8' }).trim().split('\n');
}

describe('kernel plans of a chain', () => {
  const p = plan(LOT);
  const cmds = chainCommands(p);

  it('names each flow\'s first and last link and each link\'s qdiscs, as the single link\'s', () => {
    expect(p).toContain("HOPS=2\nFLOW_HOPS='0:0:1 1:0:0 2:1:1'\n");
    // a: 20 Mbit/s x 30 ms (the long flow's RTT) = 50 packets + its 5 ms delay line (9)
    expect(p).toContain("  hop 0 'netem limit 59 delay 5000us rate 20000000bit' 'netem limit 1000 delay 5000us' '' 20000000\n");
    expect(p).toMatch(/  hop 1 'netem limit 1000 delay 10000us loss random 1%' 'netem limit 1000 delay 10000us loss random 0.5%' 'fq_codel limit 10240 [^']*' 10000000\n/);
    expect(p).toContain('  chain_flow 2\n  start_client 2 0 \'\' -C bbr -t 10\n');
  });

  it('builds routers r0..r2 with a sender and a receiver per link, and routes each host subnet along the chain', () => {
    expect(cmds.filter((c) => c.startsWith('ip link add'))).toEqual([
      'ip link add veth0 netns cclab-x-s0 type veth peer name to-s netns cclab-x-r0',
      'ip link add veth0 netns cclab-x-d0 type veth peer name to-d netns cclab-x-r1',
      'ip link add to-rcv netns cclab-x-r0 type veth peer name to-snd netns cclab-x-r1',
      'ip link add veth0 netns cclab-x-s1 type veth peer name to-s netns cclab-x-r1',
      'ip link add veth0 netns cclab-x-d1 type veth peer name to-d netns cclab-x-r2',
      'ip link add to-rcv netns cclab-x-r1 type veth peer name to-snd netns cclab-x-r2',
    ]);
    expect(cmds.filter((c) => / route add 10\./.test(c))).toEqual([
      'ip -n cclab-x-r0 route add 10.203.0.0/24 via 10.204.0.2',
      'ip -n cclab-x-r0 route add 10.202.1.0/24 via 10.204.0.2',
      'ip -n cclab-x-r0 route add 10.203.1.0/24 via 10.204.0.2',
      'ip -n cclab-x-r1 route add 10.202.0.0/24 via 10.204.0.1',
      'ip -n cclab-x-r1 route add 10.203.1.0/24 via 10.204.1.2',
      'ip -n cclab-x-r2 route add 10.202.0.0/24 via 10.204.1.1',
      'ip -n cclab-x-r2 route add 10.203.0.0/24 via 10.204.1.1',
      'ip -n cclab-x-r2 route add 10.202.1.0/24 via 10.204.1.1',
    ]);
    // the long flow from s0 to d1 (across a and b), the cross flows on their own link
    expect(cmds.filter((c) => c.startsWith('flow '))).toEqual(['flow 0 cclab-x-s0 cclab-x-d1 10.203.1.1', 'flow 1 cclab-x-s0 cclab-x-d0 10.203.0.1', 'flow 2 cclab-x-s1 cclab-x-d1 10.203.1.1']);
  });

  it('puts each link\'s bottleneck on the router before it and its ACK direction on the router after it', () => {
    const tc = cmds.filter((c) => c.startsWith('tc '));
    expect(tc[0]).toBe('tc -n cclab-x-r0 qdisc add dev to-rcv root netem limit 59 delay 5000us rate 20000000bit');
    expect(tc[1]).toBe('tc -n cclab-x-r1 qdisc add dev to-snd root netem limit 1000 delay 5000us');
    expect(tc[2]).toBe('tc -n cclab-x-r1 qdisc add dev to-rcv root handle 1: tbf rate 10000000bit burst 1514 limit 1514');
    expect(tc[3]).toBe('tc -n cclab-x-r1 qdisc add dev to-rcv parent 1:1 handle 2: netem limit 1000 delay 10000us loss random 1%');
    expect(tc[4]).toMatch(/^tc -n cclab-x-r1 qdisc add dev to-rcv parent 2:1 handle 3: fq_codel limit 10240 /);
    expect(tc[5]).toBe('tc -n cclab-x-r2 qdisc add dev to-snd root netem limit 1000 delay 10000us loss random 0.5%');
    expect(tc.length).toBe(6);
  });

  it('leaves single-link plans without chain variables', () => {
    const single = generatePlan(loadScenario(join(GOLDEN, 'single-flow.yaml')).resolved, { runId: 'x', moduleHint: 'h' });
    expect(single).not.toMatch(/HOPS|chain_flow|plan_hops/);
  });
});
