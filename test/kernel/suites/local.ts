/**
 * The `local` target, and the `ssh://` target through a stand-in `ssh` that
 * runs the remote commands on this host, through the CLI on a host without
 * netem (this machine's kernel has none): one line, nothing left behind.
 * Run by host.test.ts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { describeWith } from '../../helpers/requires.js';
import { cclab } from '../../helpers/cli.js';

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
      expect(calls[2]).toMatch(/^-o BatchMode=yes -p 2222 root@testvm rm -rf (\/tmp\/cclab-out-\S+); sh -s \1$/);
      expect(calls[3]).toMatch(/tar -C \/tmp\/cclab-out-\S+ -cf - \. \| gzip -c; rm -rf /);
      expect(() => readdirSync(out)).toThrow(); // no run directory, not even an empty one
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
});
}
