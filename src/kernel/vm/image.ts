/**
 * The test VM's image, built from this host's Debian packages.
 *
 * The VM boots the installed linux-image-amd64 kernel (/boot/vmlinuz-<rel>)
 * with an initramfs that cclab assembles itself:
 *   - busybox-static for the shell and small tools (its `ip`/`tc` applets
 *     are left out on purpose: they would shadow iproute2);
 *   - iperf3, iproute2's ip/tc/ss, ethtool, and every shared library they
 *     load (found with ldd), plus tc's netem distribution tables;
 *   - the kernel modules the harness needs (IMAGE_MODULES) with their
 *     dependencies, loaded by init in dependency order;
 *   - the C helpers (LD_PRELOAD shim, sampler) and the init script
 *     (kernel/guest/init.sh).
 *
 * The archive is cached under .cache/vm/<key>/ where the key hashes every
 * input file's content; it is rebuilt only when one of them changes. A run
 * adds its own small archive (plan scripts, --module files) which the kernel
 * unpacks on top of this one.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import { buildCpio, withParentDirs, type CpioEntry } from './cpio.js';
import { CACHE_DIR, KERNEL_ASSETS_DIR } from '../paths.js';
import { buildHelpers, FLOW, PACER, SAMPLER, SHIM } from '../helpers.js';

/** Kernel modules every image carries (file names without .ko). */
export const IMAGE_MODULES = ['veth', 'sch_netem', 'sch_fq', 'sch_tbf', 'sch_htb', 'sch_codel', 'sch_fq_codel', 'sch_red', 'sch_pie', 'sch_prio', 'cls_u32', 'tcp_bbr', 'tcp_dctcp', 'inet_diag', 'tcp_diag'] as const;

/**
 * More host binaries for the image, for measurements beyond cclab's own (e.g.
 * CCLAB_VM_EXTRA_BINARIES=/usr/bin/tcpdump): a colon-separated list of paths.
 * They are part of the image's inputs, so such an image is cached apart.
 */
export function extraBinaries(): string[] {
  return (process.env.CCLAB_VM_EXTRA_BINARIES ?? '').split(':').map((x) => x.trim()).filter(Boolean);
}

/** Host binaries copied into the image, at the same paths. */
export const IMAGE_BINARIES = ['/usr/bin/iperf3', '/usr/sbin/ip', '/usr/sbin/tc', '/usr/bin/ss', '/usr/sbin/ethtool'] as const;

const BUSYBOX = '/bin/busybox';
/** busybox applets that must not exist in the image because they shadow iproute2. */
const SHADOWING_APPLETS = new Set(['ip', 'tc', 'ipneigh', 'ipaddr', 'iplink', 'iproute', 'iprule', 'iptunnel', 'init', 'linuxrc']);
const TC_LIB_DIR = '/usr/lib/x86_64-linux-gnu/tc';
/** Bump when the layout of the image changes in a way the inputs do not show. */
const IMAGE_FORMAT = 'cclab-vm-image/1';

export interface KernelInfo {
  /** Path of the kernel image to boot. */
  vmlinuz: string;
  /** Its release string (uname -r), e.g. 6.1.0-56-amd64. */
  release: string;
  /** /lib/modules/<release>. */
  modulesDir: string;
}

export interface VmImage {
  kernel: KernelInfo;
  /** The cached base initramfs. */
  initramfs: string;
  /** Hash of the inputs (names the cache directory). */
  key: string;
  /** Modules loaded at boot, in order. */
  modules: string[];
}

/** Compare release strings such as 6.1.0-56-amd64 numerically, part by part. */
export function compareRelease(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((x) => (/^\d+$/.test(x) ? Number(x) : x));
  const pb = b.split(/[.-]/).map((x) => (/^\d+$/.test(x) ? Number(x) : x));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === y) continue;
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}

/**
 * The newest /boot/vmlinuz-<rel> that has a matching /lib/modules/<rel> with
 * sch_netem (that is, linux-image-amd64's kernel, not the host's own).
 * CCLAB_VM_KERNEL=<release> picks another one.
 */
export function findKernel(bootDir = '/boot', modulesRoot = '/lib/modules'): KernelInfo {
  const wanted = process.env.CCLAB_VM_KERNEL;
  let releases: string[] = [];
  try {
    releases = readdirSync(bootDir)
      .filter((f) => f.startsWith('vmlinuz-'))
      .map((f) => f.slice('vmlinuz-'.length))
      .filter((rel) => existsSync(join(modulesRoot, rel, 'kernel', 'net', 'sched', 'sch_netem.ko')));
  } catch {
    releases = [];
  }
  if (wanted) releases = releases.filter((r) => r === wanted);
  releases.sort(compareRelease);
  const release = releases.at(-1);
  if (!release) {
    throw new Error(
      wanted
        ? `CCLAB_VM_KERNEL=${wanted}: no ${bootDir}/vmlinuz-${wanted} with modules in ${modulesRoot}/${wanted}`
        : `no kernel for the test VM: need ${bootDir}/vmlinuz-<release> and ${modulesRoot}/<release>/kernel/net/sched/sch_netem.ko (run: npm run setup:kernel)`,
    );
  }
  return { vmlinuz: join(bootDir, `vmlinuz-${release}`), release, modulesDir: join(modulesRoot, release) };
}

/** Find a module file under /lib/modules/<rel>/kernel by name. */
function findModule(modulesDir: string, name: string): string {
  const dep = readFileSync(join(modulesDir, 'modules.dep'), 'utf8');
  for (const line of dep.split('\n')) {
    const file = line.split(':')[0]!;
    if (basename(file).replace(/\.ko(\.(xz|gz|zst))?$/, '') === name) return join(modulesDir, file);
  }
  throw new Error(`kernel module ${name} not found in ${modulesDir}/modules.dep`);
}

/** Dependencies of a module as modules.dep lists them (module names). */
function moduleDeps(modulesDir: string, name: string): string[] {
  const dep = readFileSync(join(modulesDir, 'modules.dep'), 'utf8');
  for (const line of dep.split('\n')) {
    const [file, rest] = line.split(':');
    if (file && basename(file).replace(/\.ko(\.(xz|gz|zst))?$/, '') === name) {
      return (rest ?? '')
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map((f) => basename(f).replace(/\.ko(\.(xz|gz|zst))?$/, ''));
    }
  }
  return [];
}

/** Modules built into the kernel (modules.builtin): nothing to load. */
function builtinModules(modulesDir: string): Set<string> {
  try {
    return new Set(
      readFileSync(join(modulesDir, 'modules.builtin'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((f) => basename(f).replace(/\.ko$/, '')),
    );
  } catch {
    return new Set();
  }
}

/** Modules in load order: dependencies first, each once; those built into the kernel are left out. */
export function moduleLoadOrder(modulesDir: string, names: readonly string[]): string[] {
  const builtin = builtinModules(modulesDir);
  names = names.filter((n) => !builtin.has(n));
  const order: string[] = [];
  const visit = (n: string, stack: Set<string>): void => {
    if (order.includes(n) || stack.has(n)) return;
    stack.add(n);
    for (const d of moduleDeps(modulesDir, n)) visit(d, stack);
    order.push(n);
  };
  for (const n of names) visit(n, new Set());
  return order;
}

/** Shared libraries a binary loads (absolute paths), via ldd. */
async function sharedLibs(binary: string): Promise<string[]> {
  const { stdout } = await execa('ldd', [binary]);
  const libs: string[] = [];
  for (const line of stdout.split('\n')) {
    const m = /=>\s+(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) libs.push(m[1]!);
  }
  return libs;
}

async function busyboxApplets(): Promise<string[]> {
  const { stdout } = await execa(BUSYBOX, ['--list']);
  return stdout
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => s && !SHADOWING_APPLETS.has(s));
}

interface ImageFile {
  path: string;
  source: string;
  mode: number;
}

/**
 * What an image carries beyond the harness's own tools and modules: more
 * host binaries (with their libraries) and kernel modules (with their
 * dependencies). Such an image is cached apart (its inputs differ).
 */
export interface ImageExtras {
  binaries?: readonly string[];
  modules?: readonly string[];
}

/** Gather the image's entries and a manifest of its inputs. */
async function collect(kernel: KernelInfo, extras: ImageExtras): Promise<{ files: ImageFile[]; links: CpioEntry[]; generated: Record<string, string>; modules: string[] }> {
  if (!existsSync(BUSYBOX)) throw new Error(`${BUSYBOX} not found (install busybox-static: npm run setup:kernel)`);
  const files: ImageFile[] = [{ path: BUSYBOX, source: BUSYBOX, mode: 0o755 }];
  const libs = new Set<string>();
  for (const b of [...new Set([...IMAGE_BINARIES, ...extraBinaries(), ...(extras.binaries ?? [])])]) {
    if (!existsSync(b)) throw new Error(`${b} not found (install iperf3, iproute2, ethtool: npm run setup:kernel)`);
    files.push({ path: b, source: b, mode: 0o755 });
    for (const l of await sharedLibs(b)) libs.add(l);
  }
  for (const l of [...libs].sort()) files.push({ path: l, source: l, mode: 0o755 });
  if (existsSync(TC_LIB_DIR)) {
    for (const f of readdirSync(TC_LIB_DIR).sort()) {
      if (f.endsWith('.dist')) files.push({ path: join(TC_LIB_DIR, f), source: join(TC_LIB_DIR, f), mode: 0o644 });
    }
  }
  const modules = moduleLoadOrder(kernel.modulesDir, [...IMAGE_MODULES, ...(extras.modules ?? [])]);
  for (const m of modules) files.push({ path: `/lib/modules/cclab/${m}.ko`, source: findModule(kernel.modulesDir, m), mode: 0o644 });
  const helpers = await buildHelpers();
  files.push({ path: SHIM.guestPath, source: helpers.shim, mode: 0o755 });
  files.push({ path: SAMPLER.guestPath, source: helpers.sampler, mode: 0o755 });
  files.push({ path: FLOW.guestPath, source: helpers.flow, mode: 0o755 });
  files.push({ path: PACER.guestPath, source: helpers.pacer, mode: 0o755 });
  files.push({ path: '/init', source: join(KERNEL_ASSETS_DIR, 'guest', 'init.sh'), mode: 0o755 });

  const links: CpioEntry[] = [];
  for (const a of await busyboxApplets()) {
    if (a === 'busybox') continue;
    links.push({ kind: 'symlink', path: `/bin/${a}`, target: 'busybox' });
  }
  links.push({ kind: 'symlink', path: '/var/run', target: '/run' });
  links.push({ kind: 'symlink', path: '/sbin', target: 'bin' });
  const generated: Record<string, string> = {
    '/etc/cclab/modules.order': `${modules.join('\n')}\n`,
    '/etc/passwd': 'root:x:0:0:root:/root:/bin/sh\n',
    '/etc/group': 'root:x:0:\n',
    '/etc/cclab/release': `${kernel.release}\n`,
  };
  return { files, links, generated, modules };
}

/** Build (or reuse) the base initramfs for the newest VM kernel. */
export async function ensureVmImage(log: (line: string) => void = () => {}, extras: ImageExtras = {}): Promise<VmImage> {
  const kernel = findKernel();
  const { files, links, generated, modules } = await collect(kernel, extras);
  const h = createHash('sha256').update(IMAGE_FORMAT).update(kernel.vmlinuz).update(String(statSync(kernel.vmlinuz).size));
  const contents = new Map<string, Buffer>();
  for (const f of files) {
    const data = readFileSync(f.source);
    contents.set(f.path, data);
    h.update(f.path).update(createHash('sha256').update(data).digest());
  }
  for (const l of links) h.update(l.path).update(l.kind === 'symlink' ? l.target : '');
  for (const [p, c] of Object.entries(generated)) h.update(p).update(c);
  const key = h.digest('hex').slice(0, 16);
  const dir = join(CACHE_DIR, 'vm', key);
  const initramfs = join(dir, 'initramfs.cpio');
  if (!existsSync(initramfs)) {
    log(`building VM image ${key} (kernel ${kernel.release})`);
    const entries: CpioEntry[] = [
      { kind: 'dir', path: '/dev' },
      { kind: 'chardev', path: '/dev/console', major: 5, minor: 1 },
      { kind: 'chardev', path: '/dev/null', major: 1, minor: 3, mode: 0o666 },
      ...['/proc', '/sys', '/run', '/tmp', '/root', '/out', '/cclab', '/lib', '/usr/lib', '/var'].map((p): CpioEntry => ({ kind: 'dir', path: p })),
      ...files.map((f): CpioEntry => ({ kind: 'file', path: f.path, data: contents.get(f.path)!, mode: f.mode })),
      ...Object.entries(generated).map(([p, c]): CpioEntry => ({ kind: 'file', path: p, data: c })),
      ...links,
    ];
    mkdirSync(dir, { recursive: true });
    const tmp = `${initramfs}.tmp-${process.pid}`;
    writeFileSync(tmp, buildCpio(withParentDirs(entries)));
    writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify({ key, kernel, modules, files: files.map((f) => f.path) }, null, 2)}\n`);
    renameSync(tmp, initramfs);
    pruneOldImages(key);
  } else {
    const now = new Date();
    utimesSync(dir, now, now); // most recently used
  }
  return { kernel, initramfs, key, modules };
}

/** Images kept in the cache: the current one and the most recently used others (an image with extras, say). */
const IMAGES_KEPT = 3;

/** Keep the cache small: remove all but the IMAGES_KEPT most recently used images. */
function pruneOldImages(keep: string): void {
  const root = join(CACHE_DIR, 'vm');
  const images = readdirSync(root)
    .filter((d) => d !== keep && /^[0-9a-f]{16}$/.test(d))
    .map((d) => ({ d, used: statSync(join(root, d)).mtimeMs }))
    .sort((a, b) => b.used - a.used);
  for (const { d } of images.slice(IMAGES_KEPT - 1)) rmSync(join(root, d), { recursive: true, force: true });
}
