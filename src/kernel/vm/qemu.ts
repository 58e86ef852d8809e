/**
 * Booting the test VM and collecting what it sends back.
 *
 * One boot runs a batch of points. The host side:
 *   1. concatenates the cached base initramfs and the run's own archive
 *      (plan scripts, extra modules) into one initrd file;
 *   2. starts qemu-system-x86_64 with Debian's kernel, 1 vCPU (with two,
 *      paced flows lose much of their rate under TCG), the kernel console on
 *      the first serial port (kept in a file) and the results channel on the
 *      second, written by QEMU to a file that the host reads as it grows (a
 *      pipe is no good: when the host is busy and the pipe fills, QEMU's
 *      UART gives up after a few retries and drops bytes);
 *   3. decodes each point's base64 tar as soon as its end marker arrives, so
 *      a batch that dies half-way still yields the points it finished;
 *   4. kills QEMU (by its pid) when the deadline passes and reports a clear
 *      timeout error with the last console lines;
 *   5. stops at once when the guest reports that a module failed to load
 *      (every point would fail otherwise).
 *
 * QEMU runs under cclab_vmguard (kernel/vmguard), which kills it when
 * cclab's process dies (even by kill -9) and at the deadline plus a grace
 * period, measured on the host: the guest's clock under icount is not the
 * host's, and a deadline kept only in this process dies with it. The run's
 * temporary folder is /tmp/cclab-vm-<pid>-<random>; SIGINT/SIGTERM remove
 * it (results/cleanup.ts), and folders of processes that are gone are
 * removed at the next start (removeStaleVmDirs).
 *
 * Acceleration: KVM when /dev/kvm works, else TCG. Nested KVM on some hosts
 * hangs early in boot, so KVM is probed once with a short boot and the
 * verdict is cached (.cache/vm/accel.json); CCLAB_VM_ACCEL=kvm|tcg forces it.
 */
import { accessSync, closeSync, constants, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { execa, type ResultPromise } from 'execa';
import type { VmImage } from './image.js';
import { buildCpio, withParentDirs, type CpioEntry } from './cpio.js';
import { readTar } from './tar.js';
import { CACHE_DIR } from '../paths.js';
import { buildHelper, VMGUARD } from '../helpers.js';
import { addCleanup } from '../../results/cleanup.js';
import { pidAlive } from '../../results/lock.js';

/** Temporary folders of VM runs: /tmp/cclab-vm-<owner pid>-<random>. */
const VM_DIR_PREFIX = 'cclab-vm-';
/** The guard kills QEMU this long after the deadline this process keeps (which normally fires first). */
const GUARD_GRACE_S = 15;

/**
 * Remove the temporary folders of VM runs whose process is gone (killed
 * before it could clean up); returns how many. Folders of live processes
 * and of other naming schemes are left alone.
 */
export function removeStaleVmDirs(dir = tmpdir()): number {
  let removed = 0;
  let entries: string[] = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const e of entries) {
    const m = /^cclab-vm-(\d+)-[A-Za-z0-9]{6}$/.exec(e);
    if (!m || Number(m[1]) === process.pid || pidAlive(Number(m[1]))) continue;
    rmSync(join(dir, e), { recursive: true, force: true });
    removed++;
  }
  return removed;
}

/** The guest could not load a module: the run stops at once. */
export class ModuleLoadError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
    readonly release: string,
  ) {
    super(`${file}: the VM's kernel ${release} refused it (${reason || 'insmod failed'})`);
    this.name = 'ModuleLoadError';
  }
}

export const QEMU_BINARY = 'qemu-system-x86_64';
/**
 * Guest memory: room for the TCP memory budget the guest sets (kernel/guest/init.sh:
 * tcp_mem pressure at 256 MB, hard limit 384 MB) besides the initramfs and the tools.
 */
export const VM_MEMORY_MB = 1024;
/** Kernel command line: TSC clock (the default hpet costs paced flows ~30% of their rate under TCG). */
export const VM_CMDLINE = 'console=ttyS0,115200 clocksource=tsc tsc=reliable edd=off panic=-1 quiet loglevel=4 mitigations=off';
/** How long a KVM probe boot may take before KVM is judged broken here. */
const KVM_PROBE_TIMEOUT_S = 25;
const CONSOLE_TAIL_LINES = 8;
/** How often the host reads what the guest wrote to its results port. */
const RESULTS_POLL_MS = 250;
const RESULTS_READ_BYTES = 1 << 20;

export type Accel = 'kvm' | 'tcg';

export interface PointOutput {
  /** Name of the point's directory in the run archive (zero-padded index). */
  name: string;
  /** Exit code of its plan.sh. */
  rc: number;
  /** The files its plan wrote. */
  files: Record<string, Buffer>;
}

export interface ModuleLoad {
  file: string;
  ok: boolean;
  message: string;
}

export interface BootResult {
  accel: Accel;
  release: string;
  /** Seconds from QEMU's start to the guest's first message. */
  bootSeconds: number;
  wallSeconds: number;
  modules: ModuleLoad[];
  points: PointOutput[];
  console: string;
}

export interface BootOptions {
  image: VmImage;
  /** Plan script per point (run in order). */
  plans: string[];
  /** Extra module files (host paths), insmod'ed before the points run. */
  modules?: string[];
  timeoutS: number;
  accel?: Accel;
  /** Guest memory (default VM_MEMORY_MB). */
  memoryMB?: number;
  /**
   * A host directory the guest may mount read-only over 9p
   * (`mount -t 9p -o trans=virtio,version=9p2000.L,ro <tag> <dir>`); the
   * image needs the virtio_pci, 9pnet_virtio and 9p modules (ImageExtras).
   */
  share?: { hostPath: string; tag: string };
  log?: (line: string) => void;
  onPoint?: (p: PointOutput) => void;
}

export class VmTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VmTimeoutError';
  }
}

/** Zero-padded directory name of point i. */
export function pointName(i: number): string {
  return String(i).padStart(4, '0');
}

/** The run's own archive: /cclab/points/NNNN/plan.sh and /cclab/modules/*.ko. */
export function runArchive(plans: readonly string[], modules: readonly string[] = []): Buffer {
  const entries: CpioEntry[] = [{ kind: 'dir', path: '/cclab' }, { kind: 'dir', path: '/cclab/points' }, { kind: 'dir', path: '/cclab/modules' }];
  plans.forEach((p, i) => entries.push({ kind: 'file', path: `/cclab/points/${pointName(i)}/plan.sh`, data: p, mode: 0o755 }));
  for (const m of modules) {
    const base = m.split('/').at(-1)!;
    entries.push({ kind: 'file', path: `/cclab/modules/${base}`, data: readFileSync(m) });
  }
  return buildCpio(withParentDirs(entries));
}

/**
 * TCG's clock: with icount the guest's time advances with the instructions
 * it executes (shift 0: 1 ns each, a 1 GHz-like CPU) and jumps over idle
 * periods (sleep=off), instead of following the host's wall clock. A
 * measurement then does not depend on how busy the host is: on a shared
 * 2-core host, plain TCG lost a third of a flow's goodput whenever other
 * work took the VM's core. CCLAB_VM_ICOUNT=off turns it off; any other
 * value replaces the option.
 */
export const VM_ICOUNT = 'shift=0,sleep=off';
/** With icount, guest seconds may take several host seconds: deadlines are scaled by this. */
export const TCG_WALL_FACTOR = 3;

function icountOption(): string | null {
  const v = process.env.CCLAB_VM_ICOUNT;
  if (v === 'off') return null;
  return v && v.trim() ? v.trim() : VM_ICOUNT;
}

function qemuArgs(opts: BootOptions, initrd: string, consoleFile: string, resultsFile: string, accel: Accel): string[] {
  const image = opts.image;
  return [
    // CCLAB_VM_NAME tells VMs apart, e.g. a long reference run from the tests' VMs beside it
    '-name', process.env.CCLAB_VM_NAME || 'cclab-vm',
    '-nodefaults', '-no-user-config', '-no-reboot',
    '-display', 'none', '-monitor', 'none',
    '-machine', accel === 'kvm' ? 'pc,accel=kvm' : 'pc,accel=tcg',
    '-cpu', accel === 'kvm' ? 'host' : 'max',
    ...(accel === 'tcg' && icountOption() ? ['-icount', icountOption()!] : []),
    '-smp', '1',
    '-m', String(opts.memoryMB ?? VM_MEMORY_MB),
    '-kernel', image.kernel.vmlinuz,
    '-initrd', initrd,
    '-append', VM_CMDLINE,
    '-serial', `file:${consoleFile}`,
    '-serial', `file:${resultsFile}`,
    ...(opts.share ? ['-virtfs', `local,path=${opts.share.hostPath},mount_tag=${opts.share.tag},security_model=none,readonly=on`] : []),
  ];
}

function tailLines(text: string, n: number): string {
  return text
    .split('\n')
    .map((l) => l.replace(/\r$/, '').trim())
    .filter(Boolean)
    .slice(-n)
    .join(' | ');
}

function readIfExists(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Decide KVM or TCG (cached verdict of a probe boot). */
export async function chooseAccel(image: VmImage, log: (line: string) => void): Promise<Accel> {
  const forced = process.env.CCLAB_VM_ACCEL;
  if (forced === 'kvm' || forced === 'tcg') return forced;
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
    const fd = openSync('/dev/kvm', 'r+');
    closeSync(fd);
  } catch {
    return 'tcg';
  }
  const cacheFile = join(CACHE_DIR, 'vm', 'accel.json');
  const hostKey = `${readIfExists('/proc/sys/kernel/osrelease').trim()} ${image.kernel.release}`;
  try {
    const c = JSON.parse(readFileSync(cacheFile, 'utf8')) as { hostKey: string; accel: Accel };
    if (c.hostKey === hostKey) return c.accel;
  } catch {
    /* no verdict yet */
  }
  log('probing KVM with a short boot');
  let accel: Accel = 'tcg';
  try {
    await bootVm({ image, plans: [], timeoutS: KVM_PROBE_TIMEOUT_S, accel: 'kvm', log: () => {} });
    accel = 'kvm';
  } catch {
    accel = 'tcg';
  }
  log(`KVM ${accel === 'kvm' ? 'works' : 'does not boot here; using TCG'}`);
  writeFileSync(cacheFile, `${JSON.stringify({ hostKey, accel })}\n`);
  return accel;
}

/** Boot the VM once, run the plans, and return every point it finished. */
export async function bootVm(opts: BootOptions): Promise<BootResult> {
  const log = opts.log ?? (() => {});
  const accel = opts.accel ?? (await chooseAccel(opts.image, log));
  removeStaleVmDirs();
  const guard = await buildHelper(VMGUARD);
  const work = mkdtempSync(join(tmpdir(), `${VM_DIR_PREFIX}${process.pid}-`));
  // a signal ends this process without running the finally below: remove the folder then (the guard takes QEMU down)
  const forgetWork = addCleanup(() => rmSync(work, { recursive: true, force: true }));
  const initrd = join(work, 'initrd.cpio');
  const consoleFile = join(work, 'console.log');
  const resultsFile = join(work, 'results.txt');
  writeFileSync(initrd, Buffer.concat([readFileSync(opts.image.initramfs), runArchive(opts.plans, opts.modules ?? [])]));
  const started = Date.now();
  let child: ResultPromise | undefined;
  const result: BootResult = { accel, release: opts.image.kernel.release, bootSeconds: NaN, wallSeconds: 0, modules: [], points: [], console: '' };
  let done = false;
  let timedOut = false;
  let moduleFailure: ModuleLoad | null = null;
  let pending = '';
  let current: { name: string; rc: number; b64: string[] } | null = null;

  const onLine = (line: string): void => {
    line = line.replace(/\r$/, '');
    if (current) {
      if (line.startsWith('CCLAB-END ')) {
        const b64 = current.b64.join('');
        let files: Record<string, Buffer> = {};
        try {
          files = readTar(gunzipSync(Buffer.from(b64, 'base64')));
        } catch (e) {
          log(`point ${current.name}: cannot decode its output (${(e as Error).message})`);
        }
        const p: PointOutput = { name: current.name, rc: current.rc, files };
        result.points.push(p);
        opts.onPoint?.(p);
        current = null;
      } else {
        current.b64.push(line.trim());
      }
      return;
    }
    const w = line.trim().split(' ');
    switch (w[0]) {
      case 'CCLAB-BOOTED':
        result.bootSeconds = (Date.now() - started) / 1000;
        log(`VM booted (${accel}, kernel ${w[2] ?? '?'}) in ${result.bootSeconds.toFixed(1)} s`);
        break;
      case 'CCLAB-MODULE': {
        const m = { ok: w[1] === 'ok', file: w[2] ?? '', message: w.slice(3).join(' ') };
        result.modules.push(m);
        if (!m.ok && moduleFailure === null) {
          // every point would fail without it: stop now, not after the batch
          moduleFailure = m;
          child?.kill('SIGKILL');
        }
        break;
      }
      case 'CCLAB-BEGIN':
        current = { name: w[1] ?? '', rc: Number(w[2] ?? 1), b64: [] };
        break;
      case 'CCLAB-DONE':
        done = true;
        break;
      default:
        break;
    }
  };

  try {
    writeFileSync(resultsFile, '');
    const guardDeadlineS = Math.ceil(opts.timeoutS + GUARD_GRACE_S);
    child = execa(guard, [String(guardDeadlineS), String(process.pid), QEMU_BINARY, ...qemuArgs(opts, initrd, consoleFile, resultsFile, accel)], {
      stdin: 'ignore',
      stdout: 'ignore',
      stderr: 'pipe',
      reject: false,
      buffer: { stderr: true },
      encoding: 'utf8',
      cleanup: true,
    });
    const fd = openSync(resultsFile, 'r');
    let offset = 0;
    const buf = Buffer.alloc(RESULTS_READ_BYTES);
    const drain = (): void => {
      let n: number;
      while ((n = readSync(fd, buf, 0, buf.length, offset)) > 0) {
        offset += n;
        pending += buf.subarray(0, n).toString('latin1');
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          onLine(pending.slice(0, nl));
          pending = pending.slice(nl + 1);
        }
      }
    };
    const poller = setInterval(drain, RESULTS_POLL_MS);
    child.finally(() => {
      clearInterval(poller);
      drain();
      closeSync(fd);
    }).catch(() => {});
    const timer = setTimeout(() => {
      timedOut = true;
      child?.kill('SIGKILL');
    }, opts.timeoutS * 1000);
    const r = await child;
    clearTimeout(timer);
    if (pending) onLine(pending);
    result.wallSeconds = (Date.now() - started) / 1000;
    result.console = readIfExists(consoleFile);
    if (moduleFailure !== null) {
      const m = moduleFailure as ModuleLoad;
      throw new ModuleLoadError(m.file, m.message, result.release);
    }
    if (timedOut) {
      const stage = Number.isNaN(result.bootSeconds) ? 'before the guest finished booting' : `after ${result.points.length} of ${opts.plans.length} point(s)`;
      throw new VmTimeoutError(
        `test VM killed at its ${opts.timeoutS} s timeout ${stage} (guest hung or too slow; raise --timeout); console: ${tailLines(result.console, CONSOLE_TAIL_LINES) || '(empty)'}`,
      );
    }
    if (!done) {
      const why = typeof r.stderr === 'string' && r.stderr.trim() ? r.stderr.trim().split('\n')[0] : `exit code ${r.exitCode ?? r.signal}`;
      throw new Error(`test VM stopped before finishing (${why}); console: ${tailLines(result.console, CONSOLE_TAIL_LINES) || '(empty)'}`);
    }
    return result;
  } finally {
    if (child && child.exitCode === null && !child.killed) child.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
    forgetWork();
  }
}
