/**
 * The kernel harness end to end in cclab's QEMU test VM (Debian's
 * linux-image-amd64 kernel, TCG when KVM does not work): real netem, real
 * iperf3, real congestion controls. One boot runs the three flows of the
 * first test. host.test.ts runs these and checks the host after each.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../../src/scenario/load.js';
import { InputError } from '../../../src/scenario/errors.js';
import { runKernelBatch, runKernelScenario } from '../../../src/kernel/index.js';
import { parseSs } from '../../../src/kernel/parse/ss.js';
import { parseTcQdiscs } from '../../../src/kernel/parse/tc.js';
import { bootVm, VmTimeoutError } from '../../../src/kernel/vm/qemu.js';
import { ensureVmImage, findKernel } from '../../../src/kernel/vm/image.js';
import type { RunArtifacts } from '../../../src/results/write.js';
import { cclab } from '../../helpers/cli.js';

const SCENARIO = join(import.meta.dirname, '..', 'fixtures', 'vm-20mbit-40ms-1pct.yaml');
const BRUTAL_REF_DIR = join(import.meta.dirname, '..', '..', '..', 'kernel', 'tcp_brutal_ref');
/** Brutal's set rate in the test, Mbit/s; it paces IP packets (1500 B for 1448 B of payload). */
const BRUTAL_RATE_MBPS = 10;
const LINK_MBPS = 20;
const VM_TEST_TIMEOUT_MS = 600_000;

/** The VM tests; run by host.test.ts, which checks the host after each. */
export function vmTests(): void {
describe('kernel harness in the test VM', () => {
  it(
    'runs cubic and bbr (and brutal from --module) over 20 Mbit/s, 40 ms, 1% loss for 10 s',
    async () => {
      // cclab's own test build of brutal (kernel/tcp_brutal_ref), compiled for the VM's kernel with kbuild
      execFileSync('make', ['-s', '-C', BRUTAL_REF_DIR, `KRELEASE=${findKernel().release}`], { stdio: 'pipe' });
      const points = [
        ...['cubic', 'bbr'].map((cc) => loadScenario(SCENARIO, [`flows[0].cc=${cc}`])),
        loadScenario(SCENARIO, ['flows[0].cc=brutal', `flows[0].brutal={rate: ${BRUTAL_RATE_MBPS}mbit}`]),
      ];
      const results = await runKernelBatch(points, { target: 'vm', modules: [join(BRUTAL_REF_DIR, 'tcp_brutal_ref.ko')] });
      for (const [i, r] of results.entries()) {
        if (r instanceof Error) throw r;
        const a = r as RunArtifacts;
        const cc = points[i]!.resolved.flows[0]!.cc;
        const f = a.summary.flows[0]!;
        expect(a.summary.source).toBe('kernel');
        expect(f.cc).toBe(cc);
        // goodput parsed and plausible: between 5% and 100% of the link
        expect(f.goodputMbps).toBeGreaterThan(0.05 * LINK_MBPS);
        expect(f.goodputMbps).toBeLessThan(LINK_MBPS);
        // ss confirms the congestion control of the flow's established socket (iperf3 sets
        // TCP_CONGESTION after connect() has sent the SYN, so a SYN-SENT sample shows the
        // default, cubic; at 1% loss a lost SYN keeps the socket there for a second)
        const ss = parseSs(String(a.extra!['raw/ss.txt'])).filter((x) => x.localPort === 40000 && x.state === 'ESTAB');
        expect(ss.length).toBeGreaterThan(3);
        expect(new Set(ss.map((x) => x.cc))).toEqual(new Set([cc]));
        // netem's drops are counted: 1% random loss on ~17000 packets
        const bn = parseTcQdiscs(String(a.extra!['raw/tc-after.txt'])).find((q) => q.dev === 'to-rcv')!;
        expect(bn.options).toContain('loss 1%');
        expect(bn.dropped).toBeGreaterThan(0);
        expect(a.summary.link.drops.random + a.summary.link.drops.queue).toBe(bn.dropped);
        expect(f.segsRetrans).toBeGreaterThan(0);
        expect(a.meta.kernel!.release).toMatch(/^\d+\.\d+/);
        expect(a.timeseries.filter((row) => row.flow === 0).length).toBeGreaterThan(50);
        // the sampler's tcpi_ca_state names the congestion state of every sample; Linux has no BBR mode to show
        expect(a.timeseries.filter((row) => row.flow === 0).every((row) => ['Open', 'Disorder', 'CWR', 'Recovery', 'Loss'].includes(String(row.ca_state)))).toBe(true);
        expect(a.timeseries.every((row) => row.cc_mode === undefined)).toBe(true);
        expect(a.transitions).toBeDefined();
        if (cc === 'brutal') {
          // the shim set the rate once the connection was established, and Brutal held it
          expect(String(a.extra!['raw/shim-0.log'])).toMatch(/^brutal fd=\d+ lport=40000 rate=1250000 cwnd_gain=20 rc=0/m);
          expect(f.goodputMbps).toBeGreaterThan(0.85 * BRUTAL_RATE_MBPS);
          expect(f.goodputMbps).toBeLessThan(1.1 * BRUTAL_RATE_MBPS);
        }
      }
    },
    VM_TEST_TIMEOUT_MS,
  );

  it(
    'fails in one line, listing the available congestion controls, when brutal has no module',
    async () => {
      const loaded = loadScenario(SCENARIO, ['flows[0].cc=brutal', 'flows[0].brutal={rate: 10mbit}']);
      const err = await runKernelScenario(loaded, { target: 'vm' }).then(
        () => null,
        (e: Error) => e,
      );
      expect(err).toBeInstanceOf(InputError);
      expect(err!.message).not.toContain('\n');
      expect(err!.message).toMatch(/congestion control "brutal" is not available \(tcp_available_congestion_control: [a-z ]*cubic[a-z ]*\); build its module against linux-headers-\S+ and pass it with --module/);
    },
    VM_TEST_TIMEOUT_MS,
  );

  it(
    'cclab sweep --backend kernel: runs the points in the VM into the sweep layout, and a re-run skips them',
    () => {
      const root = mkdtempSync(join(tmpdir(), 'cclab-ksweep-'));
      try {
        const file = join(root, 'ksweep.yaml');
        writeFileSync(file, `${readFileSync(SCENARIO, 'utf8')}sweep:\n  flows[0].cc: [cubic, reno]\n`);
        const out = join(root, 'sweep');
        const args = ['sweep', file, '--backend', 'kernel', '--target', 'vm', '--set', 'duration=4s', '--out', out];
        const first = cclab(args, { timeoutMs: VM_TEST_TIMEOUT_MS });
        expect(first.code, first.stderr).toBe(0);
        expect(first.stdout).toMatch(/ran 2, skipped 0 already done, 0 failed/);
        const csv = readFileSync(join(out, 'summary.csv'), 'utf8').trim().split('\n');
        const head = csv[0]!.split(',');
        const rows = csv.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [head[i], v])));
        expect(rows.map((r) => r.cc).sort()).toEqual(['cubic', 'reno']);
        for (const r of rows) {
          expect(Number(r.goodput_mbps_mean)).toBeGreaterThan(0.05 * LINK_MBPS);
          expect(Number(r.goodput_mbps_mean)).toBeLessThan(LINK_MBPS);
        }
        const runs = readdirSync(join(out, 'points'), { recursive: true }).filter((f) => String(f).endsWith('summary.json'));
        expect(runs).toHaveLength(2);
        for (const f of runs) expect(JSON.parse(readFileSync(join(out, 'points', String(f)), 'utf8')).source).toBe('kernel');
        // the same charts and report as a simulated sweep
        const rep = cclab(['report', out]);
        expect(rep.code, rep.stderr).toBe(0);
        expect(readFileSync(join(out, 'report.html'), 'utf8')).toMatch(/Sweep table/);
        const again = cclab(args, { timeoutMs: VM_TEST_TIMEOUT_MS });
        expect(again.code, again.stderr).toBe(0);
        expect(again.stdout).toMatch(/ran 0, skipped 2 already done, 0 failed/);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
    VM_TEST_TIMEOUT_MS,
  );

  it(
    'kills a hung guest at the timeout with a clear error',
    async () => {
      const image = await ensureVmImage();
      const err = await bootVm({ image, plans: ['#!/bin/sh\n# a plan that never ends\nsleep 100000\n'], timeoutS: 30 }).then(
        () => null,
        (e: Error) => e,
      );
      expect(err).toBeInstanceOf(VmTimeoutError);
      // a busy host may still be booting the guest at the deadline: either way the message says where it was
      expect(err!.message).toMatch(/^test VM killed at its 30 s timeout (after 0 of 1 point\(s\)|before the guest finished booting) \(guest hung or too slow; raise --timeout\); console: /);
    },
    VM_TEST_TIMEOUT_MS,
  );
});
}
