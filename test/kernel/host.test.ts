/**
 * Tests that touch this host's network namespaces or boot the test VM, in
 * one file so that they run one after the other (vitest runs files in
 * parallel): the plan's cleanup traps on this host, the `local` target, and
 * the kernel harness end to end in the VM. After every test no QEMU, cclab
 * namespace, netem qdisc or iperf3 process may be left on this host.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { afterEach, expect } from 'vitest';
import { planCleanupTests } from './suites/plan-cleanup.js';
import { localTargetTests } from './suites/local.js';
import { vmTests } from './suites/vm.js';

/** Processes (pid: command line) for which pred(cmdline, executable) holds. */
function processesMatching(pred: (cmdline: string, exe: string) => boolean): string[] {
  const out: string[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').join(' ');
      let exe = '';
      try {
        exe = readlinkSync(`/proc/${d}/exe`);
      } catch {
        /* kernel thread or gone */
      }
      if (pred(cmd, exe)) out.push(`${d}: ${cmd.slice(0, 80)}`);
    } catch {
      /* gone */
    }
  }
  return out;
}

afterEach(() => {
  // the tests' VMs (named cclab-vm; another run's VM beside them may be named otherwise, CCLAB_VM_NAME)
  expect(processesMatching((c) => c.includes('qemu-system') && c.includes(' -name cclab-vm '))).toEqual([]);
  expect(processesMatching((_c, exe) => exe.endsWith('/iperf3'))).toEqual([]);
  expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith('cclab-'))).toEqual([]);
  expect(execFileSync('tc', ['qdisc', 'show'], { encoding: 'utf8' })).not.toMatch(/netem|to-rcv|to-snd/);
});

planCleanupTests();
localTargetTests();
vmTests();
