/**
 * What the machine-dependent test suites need, and how to tell whether this
 * machine has it. Shared by the provisioning step of `npm test`
 * (provision.mjs, before vitest runs) and by the suites themselves
 * (test/helpers/requires.ts), so both decide the same way.
 *
 * A requirement lists the Debian packages that provide it and a probe that
 * names what is missing (files and commands, not package names: a tool built
 * by hand counts as present).
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Set by .ci/run: a suite whose requirement is missing fails instead of being skipped. */
export const STRICT_ENV = 'CCLAB_TEST_NO_SKIP';

/** Package names of a list file (one per line, `#` comments). */
export function packageList(file) {
  return readFileSync(join(ROOT, file), 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);
}

function onPath(cmd) {
  for (const d of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin']) {
    if (!d) continue;
    try {
      accessSync(join(d, cmd), constants.X_OK);
      return true;
    } catch {
      /* not here */
    }
  }
  return false;
}

/** Releases with /boot/vmlinuz-<rel>, netem and a kbuild tree (linux-image-amd64 + headers). */
function vmKernels() {
  try {
    return readdirSync('/boot')
      .filter((f) => f.startsWith('vmlinuz-'))
      .map((f) => f.slice('vmlinuz-'.length))
      .filter((rel) => existsSync(`/lib/modules/${rel}/kernel/net/sched/sch_netem.ko`) && existsSync(`/lib/modules/${rel}/build/Makefile`));
  } catch {
    return [];
  }
}

export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * @typedef {object} Requirement
 * @property {string} what      the suites that need it, for messages
 * @property {string[]} packages Debian packages that provide it
 * @property {boolean} needsRoot the suites also need root
 * @property {() => string[]} missing what this machine lacks (empty: all there)
 */

/** @type {Record<'kernel' | 'browser' | 'shellcheck' | 'slurm' | 'pdf', Requirement>} */
export const REQUIREMENTS = {
  kernel: {
    what: 'the kernel-harness tests (test VM, plan cleanup, initramfs)',
    packages: packageList('kernel/packages.txt'),
    needsRoot: true,
    missing() {
      const m = ['qemu-system-x86_64', 'iperf3', 'ip', 'tc', 'ss', 'ethtool', 'gcc', 'make'].filter((c) => !onPath(c));
      if (!existsSync('/bin/busybox')) m.push('/bin/busybox');
      if (vmKernels().length === 0) m.push('a VM kernel (/boot/vmlinuz-<release> with its modules and headers)');
      return m;
    },
  },
  browser: {
    what: 'the report test in headless Chromium',
    packages: ['chromium'],
    needsRoot: false,
    missing: () => (existsSync('/usr/bin/chromium') ? [] : ['/usr/bin/chromium']),
  },
  shellcheck: {
    what: "the plan library's shellcheck test",
    packages: ['shellcheck'],
    needsRoot: false,
    missing: () => (onPath('shellcheck') ? [] : ['shellcheck']),
  },
  pdf: {
    what: 'the PDF chart test (pdftoppm renders, pdftotext reads the axis titles)',
    packages: ['poppler-utils'],
    needsRoot: false,
    missing: () => ['pdftoppm', 'pdftotext'].filter((c) => !onPath(c)),
  },
  slurm: {
    what: 'the Slurm job-array test (a private single-node Slurm, test/env/slurm.sh)',
    packages: ['slurm-wlm', 'munge'],
    needsRoot: true,
    missing: () => ['munged', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'scancel', 'sinfo', 'setpriv'].filter((c) => !onPath(c)),
  },
};

/** Debian packages of the list that dpkg does not have installed. */
export function uninstalledPackages(packages) {
  let out = '';
  try {
    out = execFileSync('dpkg-query', ['-W', '-f=${Package} ${db:Status-Status}\n', ...packages], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch (e) {
    out = e.stdout ?? ''; // exit 1 when some are unknown; the known ones are still listed
  }
  const installed = new Set(
    out
      .split('\n')
      .filter((l) => l.endsWith(' installed'))
      .map((l) => l.split(' ')[0]),
  );
  return packages.filter((p) => !installed.has(p));
}

/** Why the suites of a requirement cannot run here, or null when they can. */
export function unmetReason(name) {
  const r = REQUIREMENTS[name];
  const parts = [];
  const m = r.missing();
  if (m.length > 0) parts.push(`missing ${m.join(', ')}`);
  if (r.needsRoot && !isRoot) parts.push('not root');
  if (parts.length === 0) return null;
  return `${r.what}: ${parts.join('; ')}`;
}
