/**
 * The harness's two small C helpers, compiled with the host's C compiler:
 *   cclab_shim.so   LD_PRELOAD shim (Brutal's parameters, final TCP_INFO log)
 *   cclab_sampler   the time-series sampler (sock_diag + rtnetlink)
 *   cclab_flow      the traffic generator of byte-limited, paced, on/off and
 *                   workload flows (bulk flows stay iperf3)
 *   cclab_pacer     writes a trace link's rate changes to `tc -batch` on time
 *   cclab_vmguard   the host-side guard of the test VM's qemu (vm/qemu.ts)
 * Each is cached under .cache/helpers/<hash of its source>/, so it is built
 * once per change. The VM runs this host's own Debian binaries and libc, so
 * what is built here runs there too; an ssh target compiles the same sources
 * itself (see targets/ssh.ts).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { CACHE_DIR, KERNEL_ASSETS_DIR } from './paths.js';

export interface HelperSpec {
  /** Output file name. */
  name: string;
  source: string;
  /** Compiler arguments before `-o <out> <source>`. */
  cflags: string[];
  /** Arguments after the source. */
  libs: string[];
  /** Where plan scripts find it by default (VM image layout). */
  guestPath: string;
}

export const SHIM: HelperSpec = {
  name: 'cclab_shim.so',
  source: join(KERNEL_ASSETS_DIR, 'shim', 'cclab_shim.c'),
  cflags: ['-shared', '-fPIC', '-O2', '-Wall'],
  libs: ['-ldl'],
  guestPath: '/usr/lib/cclab/cclab_shim.so',
};

export const SAMPLER: HelperSpec = {
  name: 'cclab_sampler',
  source: join(KERNEL_ASSETS_DIR, 'sampler', 'cclab_sampler.c'),
  cflags: ['-O2', '-Wall'],
  libs: [],
  guestPath: '/usr/lib/cclab/cclab_sampler',
};

export const FLOW: HelperSpec = {
  name: 'cclab_flow',
  source: join(KERNEL_ASSETS_DIR, 'flow', 'cclab_flow.c'),
  cflags: ['-O2', '-Wall'],
  libs: [],
  guestPath: '/usr/lib/cclab/cclab_flow',
};

export const PACER: HelperSpec = {
  name: 'cclab_pacer',
  source: join(KERNEL_ASSETS_DIR, 'pacer', 'cclab_pacer.c'),
  cflags: ['-O2', '-Wall'],
  libs: [],
  guestPath: '/usr/lib/cclab/cclab_pacer',
};

/** Runs qemu so that it dies with cclab and at its deadline (PR_SET_PDEATHSIG, host-side timer): vm/qemu.ts. */
export const VMGUARD: HelperSpec = {
  name: 'cclab_vmguard',
  source: join(KERNEL_ASSETS_DIR, 'vmguard', 'cclab_vmguard.c'),
  cflags: ['-O2', '-Wall'],
  libs: [],
  guestPath: '',
};

/** The shell command that builds a helper from `src` into `out` (for ssh targets). */
export function helperBuildCommand(h: HelperSpec, src: string, out: string): string {
  return ['cc', ...h.cflags, '-o', out, src, ...h.libs].join(' ');
}

/** Compile one helper (cached); returns the path of the built file. */
export async function buildHelper(h: HelperSpec): Promise<string> {
  const src = readFileSync(h.source);
  const hash = createHash('sha256').update(src).update(h.cflags.join(' ')).digest('hex').slice(0, 16);
  const dir = join(CACHE_DIR, 'helpers', hash);
  const out = join(dir, h.name);
  if (existsSync(out)) return out;
  mkdirSync(dir, { recursive: true });
  const tmp = `${out}.tmp-${process.pid}`;
  const cc = process.env.CC ?? 'cc';
  try {
    await execa(cc, [...h.cflags, '-o', tmp, h.source, ...h.libs]);
  } catch (e) {
    const err = e as { stderr?: string; shortMessage?: string };
    throw new Error(`cannot compile ${h.source} with ${cc}: ${(err.stderr || err.shortMessage || String(e)).split('\n')[0]} (install gcc: npm run setup:kernel)`);
  }
  renameSync(tmp, out);
  return out;
}

/** The helpers a plan runs, built. */
export async function buildHelpers(): Promise<{ shim: string; sampler: string; flow: string; pacer: string }> {
  return { shim: await buildHelper(SHIM), sampler: await buildHelper(SAMPLER), flow: await buildHelper(FLOW), pacer: await buildHelper(PACER) };
}
