/**
 * Where kernel plans run. Every target takes a batch of plan scripts and
 * returns each plan's output directory as files, with the plan's exit code:
 *
 *   vm               cclab's own QEMU test VM (vm/): one boot per batch
 *   local            this machine, as root (sh plan.sh in a temp directory)
 *   ssh://user@host  a machine of the user's own (a test VM): the C helpers
 *                    are compiled there with its cc, each plan is piped to
 *                    `sh -s`, its output comes back as a tar stream
 *
 * Only the VM is used by cclab's tests: this host's kernel has no netem.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { tmpdir } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { execa } from 'execa';
import { InputError } from '../scenario/errors.js';
import { buildHelpers, FLOW, helperBuildCommand, PACER, SAMPLER, SHIM } from './helpers.js';
import { ensureVmImage, findKernel, type VmImage } from './vm/image.js';
import { bootVm, ModuleLoadError, pointName, removeStaleVmDirs, TCG_WALL_FACTOR, type PointOutput } from './vm/qemu.js';
import { checkModulesFor } from './modules.js';
import { readTar } from './vm/tar.js';
import type { RawFiles } from './convert.js';

/** Time the VM gets to boot and load modules on top of its plans' own timeouts (TCG: 6-20 s). */
export const VM_BOOT_ALLOWANCE_S = 90;
/** After a plan's deadline, how long it gets to clean up after SIGTERM before SIGKILL. */
const PLAN_KILL_GRACE_S = 10;
const SSH_HELPER_DIR = '/tmp/cclab-helpers';

export interface PlanOutput {
  rc: number;
  files: RawFiles;
}

export interface BatchOptions {
  /** Per-plan deadlines (seconds), in order. */
  timeoutsS: number[];
  /** Whole-batch deadline override (seconds). */
  timeoutS?: number;
  log: (line: string) => void;
  /** Called as each plan finishes (index, output). */
  onOutput?: (i: number, out: PlanOutput) => void;
}

export interface Target {
  /** As the user wrote it: vm, local, ssh://user@host. */
  name: string;
  /** How to load a missing congestion-control module here (for the one-line error). */
  moduleHint: string;
  /** Helper paths on the target for the plan (undefined: the plan's defaults). */
  shimPath?: string;
  samplerPath?: string;
  flowPath?: string;
  pacerPath?: string;
  /** Build and check what the target needs; returns the kernel release when known. */
  prepare(log: (line: string) => void): Promise<void>;
  /** Run plans in order; outputs for the plans that finished (missing = did not run). */
  runBatch(plans: string[], opts: BatchOptions): Promise<(PlanOutput | undefined)[]>;
}

/** Check --target and --module and build the target. */
export function makeTarget(spec: string, modules: readonly string[] = []): Target {
  for (const m of modules) {
    if (!m.endsWith('.ko')) throw new InputError(`--module ${m}: expected a kernel module file ending in .ko`);
    if (!existsSync(m) || !statSync(m).isFile()) throw new InputError(`--module ${m}: no such file`);
  }
  if (spec === 'vm') return new VmTarget(modules);
  if (spec === 'local') return new LocalTarget(modules);
  const ssh = /^ssh:\/\/([A-Za-z0-9._-]+)@([A-Za-z0-9.:_-]+?)(?::(\d+))?$/.exec(spec);
  if (ssh) return new SshTarget(spec, ssh[1]!, ssh[2]!, ssh[3] ? Number(ssh[3]) : 22, modules);
  throw new InputError(`--target: unknown target "${spec}"; allowed: vm, local, ssh://user@host[:port]`);
}

/** Read every file under dir (relative paths). */
export function readDirFiles(dir: string): RawFiles {
  const out: RawFiles = {};
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out[relative(dir, p)] = readFileSync(p);
    }
  };
  walk(dir);
  return out;
}

class VmTarget implements Target {
  readonly name = 'vm';
  moduleHint = 'build its module against linux-headers-amd64 and pass it with --module tcp_<name>.ko (see docs/kernel.md)';
  private image: VmImage | null = null;
  constructor(private readonly modules: readonly string[]) {}

  async prepare(log: (line: string) => void): Promise<void> {
    // the temporary folders of VM runs whose process was killed
    removeStaleVmDirs();
    // a module for another kernel is refused before anything is built or booted
    checkModulesFor(this.modules, findKernel().release);
    this.image = await ensureVmImage(log);
    this.moduleHint = `build its module against linux-headers-${this.image.kernel.release} and pass it with --module <module>.ko (see docs/kernel.md)`;
  }

  async runBatch(plans: string[], opts: BatchOptions): Promise<(PlanOutput | undefined)[]> {
    if (!this.image) await this.prepare(opts.log);
    const outputs: (PlanOutput | undefined)[] = plans.map(() => undefined);
    const index = new Map(plans.map((_, i) => [pointName(i), i]));
    const timeoutS = opts.timeoutS ?? VM_BOOT_ALLOWANCE_S + TCG_WALL_FACTOR * opts.timeoutsS.reduce((a, b) => a + b, 0);
    const boot = bootVm({
      image: this.image!,
      plans,
      modules: [...this.modules],
      timeoutS,
      log: opts.log,
      onPoint: (p: PointOutput) => {
        const i = index.get(p.name);
        if (i === undefined) return;
        outputs[i] = { rc: p.rc, files: p.files };
        opts.onOutput?.(i, outputs[i]!);
      },
    });
    const result = await boot.catch((e: unknown) => {
      // a module the guest could not load stops the batch at once
      if (!(e instanceof ModuleLoadError)) throw e;
      const given = this.modules.find((m) => m.split('/').at(-1) === e.file);
      if (given === undefined) throw new Error(`the test VM image's module ${e.file} does not load (${e.reason}); rebuild the image (rm -r .cache/vm)`);
      throw new InputError(`--module ${given}: the VM's kernel ${e.release} refused it (${e.reason || 'insmod failed'}); build it against linux-headers-${e.release} (see docs/kernel.md)`);
    });
    const failed = result.modules.filter((m) => !m.ok);
    if (failed.length > 0) {
      const m = failed[0]!;
      throw new InputError(`--module ${m.file}: the VM's kernel ${result.release} refused it (${m.message || 'insmod failed'}); build it against linux-headers-${result.release} (see docs/kernel.md)`);
    }
    return outputs;
  }
}

/** Run `sh plan.sh OUT` with a deadline; SIGTERM lets the plan clean up, SIGKILL follows. */
async function runPlanProcess(cmd: string, args: string[], input: string | undefined, timeoutS: number, env: Record<string, string>): Promise<{ rc: number; timedOut: boolean; stderr: string }> {
  const child = execa(cmd, args, {
    input,
    reject: false,
    env,
    timeout: timeoutS * 1000,
    killSignal: 'SIGTERM',
    forceKillAfterDelay: PLAN_KILL_GRACE_S * 1000,
    cleanup: true,
  });
  const r = await child;
  return { rc: r.exitCode ?? 143, timedOut: Boolean(r.timedOut), stderr: String(r.stderr ?? '') };
}

class LocalTarget implements Target {
  readonly name = 'local';
  readonly moduleHint = 'load its module first, e.g. sudo insmod tcp_<name>.ko or sudo modprobe tcp_<name> (see docs/kernel.md)';
  shimPath?: string;
  samplerPath?: string;
  flowPath?: string;
  pacerPath?: string;
  constructor(private readonly modules: readonly string[]) {}

  async prepare(): Promise<void> {
    if (typeof process.getuid === 'function' && process.getuid() !== 0) {
      throw new Error('target local needs root (network namespaces, qdiscs); run as root or use --target vm');
    }
    const h = await buildHelpers();
    this.shimPath = h.shim;
    this.samplerPath = h.sampler;
    this.flowPath = h.flow;
    this.pacerPath = h.pacer;
    for (const m of this.modules) {
      const r = await execa('insmod', [m], { reject: false });
      if (r.exitCode !== 0 && !/File exists/.test(String(r.stderr))) {
        throw new InputError(`--module ${m}: insmod failed: ${String(r.stderr).split('\n')[0]}`);
      }
    }
  }

  async runBatch(plans: string[], opts: BatchOptions): Promise<(PlanOutput | undefined)[]> {
    const outputs: (PlanOutput | undefined)[] = [];
    for (let i = 0; i < plans.length; i++) {
      const work = mkdtempSync(join(tmpdir(), 'cclab-plan-'));
      try {
        const planFile = join(work, 'plan.sh');
        writeFileSync(planFile, plans[i]!);
        const out = join(work, 'out');
        const r = await runPlanProcess('sh', [planFile, out], undefined, opts.timeoutsS[i]! + PLAN_KILL_GRACE_S, { ...process.env, CCLAB_SHIM: this.shimPath!, CCLAB_SAMPLER: this.samplerPath!, CCLAB_FLOW: this.flowPath!, CCLAB_PACER: this.pacerPath! } as Record<string, string>);
        const files = existsSync(out) ? readDirFiles(out) : {};
        if (r.stderr.trim()) files['plan.log'] = r.stderr;
        outputs.push({ rc: r.rc, files });
        opts.onOutput?.(i, outputs[i]!);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    }
    return outputs;
  }
}

class SshTarget implements Target {
  readonly moduleHint = 'load its module on that machine first, e.g. sudo insmod tcp_<name>.ko (see docs/kernel.md)';
  readonly shimPath = `${SSH_HELPER_DIR}/${SHIM.name}`;
  readonly samplerPath = `${SSH_HELPER_DIR}/${SAMPLER.name}`;
  readonly flowPath = `${SSH_HELPER_DIR}/${FLOW.name}`;
  readonly pacerPath = `${SSH_HELPER_DIR}/${PACER.name}`;
  constructor(
    readonly name: string,
    private readonly user: string,
    private readonly host: string,
    private readonly port: number,
    private readonly modules: readonly string[],
  ) {}

  private ssh(command: string, input?: string | Buffer, timeoutS = 120) {
    return execa('ssh', ['-o', 'BatchMode=yes', '-p', String(this.port), `${this.user}@${this.host}`, command], {
      input,
      reject: false,
      timeout: timeoutS * 1000,
      encoding: 'buffer',
    });
  }

  async prepare(log: (line: string) => void): Promise<void> {
    log(`compiling the C helpers on ${this.host}`);
    for (const h of [SHIM, SAMPLER, FLOW, PACER]) {
      const src = `${SSH_HELPER_DIR}/${basename(h.source)}`;
      const cmd = `mkdir -p ${SSH_HELPER_DIR} && cat > ${src} && ${helperBuildCommand(h, src, `${SSH_HELPER_DIR}/${h.name}`)}`;
      const r = await this.ssh(cmd, readFileSync(h.source));
      if (r.exitCode !== 0) {
        throw new Error(`${this.name}: cannot build ${h.name} there: ${Buffer.from(r.stderr as Uint8Array).toString().split('\n')[0] || `ssh exit ${r.exitCode}`}`);
      }
    }
    for (const m of this.modules) {
      const remote = `${SSH_HELPER_DIR}/${basename(m)}`;
      const r = await this.ssh(`cat > ${remote} && (insmod ${remote} 2>&1 | grep -v "File exists" >&2; true)`, readFileSync(m));
      const err = Buffer.from(r.stderr as Uint8Array).toString().trim();
      if (err) throw new InputError(`--module ${m}: insmod on ${this.host} failed: ${err.split('\n')[0]}`);
    }
  }

  async runBatch(plans: string[], opts: BatchOptions): Promise<(PlanOutput | undefined)[]> {
    const outputs: (PlanOutput | undefined)[] = [];
    for (let i = 0; i < plans.length; i++) {
      const out = `/tmp/cclab-out-${process.pid}-${i}`;
      const run = await this.ssh(`rm -rf ${out}; sh -s ${out}`, plans[i], opts.timeoutsS[i]! + PLAN_KILL_GRACE_S);
      const tar = await this.ssh(`tar -C ${out} -cf - . | gzip -c; rm -rf ${out}`);
      let files: RawFiles = {};
      try {
        files = readTar(gunzipSync(Buffer.from(tar.stdout as Uint8Array)));
      } catch {
        files = {};
      }
      const stderr = Buffer.from(run.stderr as Uint8Array).toString();
      if (stderr.trim()) files['plan.log'] = stderr;
      outputs.push({ rc: run.exitCode ?? 143, files });
      opts.onOutput?.(i, outputs[i]!);
    }
    return outputs;
  }
}
