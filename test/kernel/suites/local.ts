/**
 * The `local` target, and the `ssh://` target through a stand-in `ssh` that
 * runs the remote commands on this host, through the CLI on a host without
 * netem (this machine's kernel has none): one line, nothing left behind.
 * And the local target's success path where netem exists: cclab itself
 * (this Node.js, this checkout shared read-only over 9p) runs
 * `cclab run --target local` inside the test VM.
 * Run by host.test.ts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { describeWith } from '../../helpers/requires.js';
import { cclab } from '../../helpers/cli.js';
import { buildHelpers } from '../../../src/kernel/helpers.js';
import { REPO_ROOT } from '../../../src/kernel/paths.js';
import { bootVm } from '../../../src/kernel/vm/qemu.js';
import { ensureVmImage, findKernel } from '../../../src/kernel/vm/image.js';
import { runSummarySchema } from '../../../src/results/schema.js';

const SCENARIO = 'test/kernel/fixtures/vm-20mbit-40ms-1pct.yaml';

function hostHasNetem(): boolean {
  const ns = `cclabprobe${process.pid}`;
  try {
    execFileSync('ip', ['netns', 'add', ns], { stdio: 'ignore' });
    execFileSync('ip', ['-n', ns, 'link', 'add', 'd0', 'type', 'dummy'], { stdio: 'ignore' });
    execFileSync('tc', ['-n', ns, 'qdisc', 'add', 'dev', 'd0', 'root', 'netem', 'delay', '1ms'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    } catch {
      /* never created */
    }
  }
}

/** A stand-in for ssh: records its arguments, then runs the remote command here. */
const FAKE_SSH = `#!/bin/sh
printf '%s\\n' "$*" >> "$FAKE_SSH_LOG"
for last; do :; done
exec sh -c "$last"
`;

/** The local-target tests; run by host.test.ts. */
export function localTargetTests(): void {
describeWith('kernel', 'cclab run --target local', () => {
describe.skipIf(hostHasNetem())('on a host without netem', () => {
  it('says so in one line and leaves no namespace behind', () => {
    const out = mkdtempSync(join(tmpdir(), 'cclab-local-'));
    try {
      const r = cclab(['run', SCENARIO, '--backend', 'kernel', '--target', 'local', '--out', join(out, 'run')]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe('cclab: error: target local cannot run kernel scenarios: cannot add netem on the bottleneck (kernel module sch_netem missing? modprobe sch_netem)');
      expect(readdirSync(out)).toEqual([]); // no half-written run directory
      expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toMatch(/cclab-/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('ssh://: builds the helpers over ssh, pipes the plan, fetches its files, and reports the missing netem in one line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cclab-ssh-'));
    try {
      const bin = join(dir, 'bin');
      execFileSync('mkdir', ['-p', bin]);
      writeFileSync(join(bin, 'ssh'), FAKE_SSH);
      chmodSync(join(bin, 'ssh'), 0o755);
      const log = join(dir, 'ssh.log');
      const out = join(dir, 'out');
      const r = spawnSync(process.execPath, ['dist/cli/main.js', 'run', SCENARIO, '--backend', 'kernel', '--target', 'ssh://root@testvm:2222', '--out', join(out, 'run')], {
        encoding: 'utf8',
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, FAKE_SSH_LOG: log, CCLAB_DEBUG: '' },
        timeout: 300_000,
      });
      expect(r.status).toBe(1);
      expect(r.stderr.trim().split('\n').at(-1)).toBe(
        'cclab: error: target ssh://root@testvm:2222 cannot run kernel scenarios: cannot add netem on the bottleneck (kernel module sch_netem missing? modprobe sch_netem)',
      );
      const calls = readFileSync(log, 'utf8').trim().split('\n');
      for (const c of calls) expect(c.startsWith('-o BatchMode=yes -p 2222 root@testvm ')).toBe(true);
      expect(calls[0]).toMatch(/cat > \/tmp\/cclab-helpers\/cclab_shim\.c && cc -shared -fPIC/);
      expect(calls[1]).toMatch(/cat > \/tmp\/cclab-helpers\/cclab_sampler\.c && cc /);
      expect(calls[2]).toMatch(/cat > \/tmp\/cclab-helpers\/cclab_flow\.c && cc /);
      expect(calls[3]).toMatch(/cat > \/tmp\/cclab-helpers\/cclab_pacer\.c && cc /);
      expect(calls[4]).toMatch(/^-o BatchMode=yes -p 2222 root@testvm rm -rf (\/tmp\/cclab-out-\S+); sh -s \1$/);
      expect(calls[5]).toMatch(/tar -C \/tmp\/cclab-out-\S+ -cf - \. \| gzip -c; rm -rf /);
      expect(() => readdirSync(out)).toThrow(); // no run directory, not even an empty one
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('cclab run --target local where the kernel has netem: inside the test VM', () => {
  it(
    'runs the scenario end to end as root on the machine itself, and leaves no namespace, qdisc or process behind',
    async () => {
      await buildHelpers(); // the guest's cclab finds them, read-only, in this checkout's .cache
      const image = await ensureVmImage(() => {}, { binaries: [process.execPath], modules: ['virtio_pci', '9pnet_virtio', '9p'] });
      const repo = REPO_ROOT.replace(/\/$/, '');
      const plan = [
        '#!/bin/sh',
        'OUT=$1',
        `mkdir -p '${repo}' && mount -t 9p -o trans=virtio,version=9p2000.L,ro cclabrepo '${repo}' || { echo "cannot mount the checkout" >"$OUT/error"; exit 3; }`,
        `cd '${repo}'`,
        `'${process.execPath}' dist/cli/main.js run ${SCENARIO} --backend kernel --target local --out /tmp/run >"$OUT/cclab.out" 2>"$OUT/cclab.err"`,
        'echo $? >"$OUT/rc"',
        // iproute2 by absolute path: busybox's shell would run its own ip and tc applets
        '/usr/sbin/ip netns list >"$OUT/netns-after.txt" 2>&1',
        '/usr/sbin/tc qdisc show >"$OUT/qdisc-after.txt" 2>&1',
        'for p in /proc/[0-9]*; do tr "\\0" " " <"$p/cmdline" 2>/dev/null; echo; done | grep -E "iperf3|cclab_sampler" | grep -v grep >"$OUT/procs-after.txt"',
        'cp -r /tmp/run "$OUT/run" 2>/dev/null',
        '',
      ].join('\n');
      const r = await bootVm({ image, plans: [plan], timeoutS: 600, memoryMB: 1024, share: { hostPath: repo, tag: 'cclabrepo' } });
      const files = r.points[0]!.files;
      const text = (f: string): string => files[f]?.toString() ?? '';
      expect(text('error') + text('cclab.err') + text('plan.log')).toBe('');
      expect(text('rc')).toBe('0\n');
      expect(text('cclab.out')).toMatch(/goodput/i);
      const summary = runSummarySchema.parse(JSON.parse(text('run/summary.json')));
      expect(summary.source).toBe('kernel');
      expect(summary.flows[0]!.cc).toBe('cubic');
      // 20 Mbit/s, 40 ms, 1% loss for 10 s: Cubic gets a few Mbit/s (about 1.2 MSS/(RTT sqrt(p)) = 3.5)
      expect(summary.flows[0]!.goodputMbps).toBeGreaterThan(1);
      expect(summary.flows[0]!.goodputMbps).toBeLessThan(20);
      expect(summary.link.drops.random).toBeGreaterThan(0);
      expect(JSON.parse(text('run/meta.json')).kernel).toMatchObject({ target: 'local', release: findKernel().release });
      expect(text('run/raw/plan.sh')).toMatch(/^plan_main "\$@"$/m);
      expect(text('run/raw/samples.txt').length).toBeGreaterThan(1000);
      // the plan cleaned up after itself inside the VM
      expect(text('netns-after.txt')).toBe('');
      expect(text('qdisc-after.txt')).toMatch(/dev lo/); // tc ran
      expect(text('qdisc-after.txt')).not.toMatch(/netem/);
      expect(text('procs-after.txt')).toBe('');
    },
    600_000,
  );
});
});
}
