/**
 * The kernel harness end to end in cclab's QEMU test VM (Debian's
 * linux-image-amd64 kernel, TCG when KVM does not work): real netem, real
 * iperf3, real congestion controls. One boot runs the three flows of the
 * first test. host.test.ts runs these and checks the host after each.
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeWith } from '../../helpers/requires.js';
import { loadScenario, validateScenario, type LoadedScenario } from '../../../src/scenario/load.js';
import type { ResolvedScenario } from '../../../src/scenario/resolve.js';
import type { RunRecord } from '../../../src/analysis/compare.js';
import { loadArchive, readRunArchive, writeRunArchive } from '../../../src/kernel/reference.js';
import { InputError } from '../../../src/scenario/errors.js';
import { runKernelBatch, runKernelScenario } from '../../../src/kernel/index.js';
import { parseSs } from '../../../src/kernel/parse/ss.js';
import { parseTcQdiscs } from '../../../src/kernel/parse/tc.js';
import { bootVm, ModuleLoadError, VmTimeoutError } from '../../../src/kernel/vm/qemu.js';
import { ensureVmImage, findKernel } from '../../../src/kernel/vm/image.js';
import type { RunArtifacts } from '../../../src/results/write.js';
import { cclab } from '../../helpers/cli.js';
import { simulateLoaded } from '../../../src/sim/index.js';
import { generateTrace, traceText } from '../../../src/traffic/tracegen.js';

const SCENARIO = join(import.meta.dirname, '..', 'fixtures', 'vm-20mbit-40ms-1pct.yaml');
const BRUTAL_REF_DIR = join(import.meta.dirname, '..', '..', '..', 'kernel', 'tcp_brutal_ref');
/** Brutal's set rate in the reference point the test runs, Mbit/s. */
const BRUTAL_RATE_MBPS = 30;
/** The committed reference grid the test's points come from. */
const REFERENCE = join(import.meta.dirname, '..', '..', '..', 'results', 'reference', 'linux-6.1.0-56-amd64');

const lossOf = (r: ResolvedScenario): number => (r.link.loss.kind === 'bernoulli' ? r.link.loss.p : NaN);

/** A point of the reference grid: its kernel runs, and its scenario to run again. */
function referencePoint(group: string, pred: (r: ResolvedScenario) => boolean): { runs: RunRecord[]; loaded: LoadedScenario } {
  const runs = loadArchive(join(REFERENCE, `${group}.runs.tar.br`)).filter((r) => pred(r.resolved));
  expect(runs.length).toBeGreaterThanOrEqual(3);
  const doc = { ...runs[0]!.scenarioDoc!, seed: 1 };
  return { runs, loaded: { doc, file: join(REFERENCE, `${group}.yaml`), ...validateScenario(doc, group) } };
}

/**
 * Where a new run of a reference point must fall: the reference runs' mean
 * +- 4 sample standard deviations, and never tighter than the fidelity
 * targets (cclab validate: goodput 10%, retransmission ratio 25% or 0.002)
 * plus 5 points: wide enough for the kernel's own spread (a
 * few runs underestimate it) and for Debian's newer builds of the same 6.1
 * kernel, narrow enough that a broken harness (wrong loss, wrong queue, a
 * flow that stalls, another congestion control) is caught.
 */
function bounds(values: number[], rel: number): { lo: number; hi: number; text: string } {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  const half = Math.max(4 * sd, rel * Math.abs(mean), 0.002);
  return { lo: mean - half, hi: mean + half, text: `${mean.toFixed(4)} +- ${sd.toFixed(4)} (n=${n}), allowed ${(mean - half).toFixed(4)}..${(mean + half).toFixed(4)}` };
}
const VM_TEST_TIMEOUT_MS = 600_000;

/** Command lines of the processes whose command line contains `needle`. */
function processesWith(needle: string): string[] {
  const out: string[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmd.includes(needle)) out.push(`${d}: ${cmd.slice(0, 120)}`);
    } catch {
      /* gone */
    }
  }
  return out;
}

/** tcp_brutal_ref built for the VM's kernel, copied to `dir` as `name`, changed by `edit`. */
function brutalModule(dir: string, name: string, edit: (b: Buffer) => void = () => {}): string {
  execFileSync('make', ['-s', '-C', BRUTAL_REF_DIR, `KRELEASE=${findKernel().release}`], { stdio: 'pipe' });
  const b = readFileSync(join(BRUTAL_REF_DIR, 'tcp_brutal_ref.ko'));
  edit(b);
  const file = join(dir, name);
  writeFileSync(file, b);
  return file;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The VM tests; run by host.test.ts, which checks the host after each. */
export function vmTests(): void {
describeWith('kernel', 'kernel harness in the test VM', () => {
  it(
    'runs cubic and bbr (and brutal from --module) on reference-grid points, within the reference runs\' spread',
    async () => {
      // cclab's own test build of brutal (kernel/tcp_brutal_ref), compiled for the VM's kernel with kbuild
      execFileSync('make', ['-s', '-C', BRUTAL_REF_DIR, `KRELEASE=${findKernel().release}`], { stdio: 'pipe' });
      // three points of the committed reference grid (50 Mbit/s, 1 BDP, 5% loss, 20 s), run as they were:
      // Cubic and BBR at 10 ms (where 5% loss gives Cubic many loss events: its goodput varies
      // little from run to run), Brutal at 30 Mbit/s and 50 ms
      const points = [
        referencePoint('kernel-validation', (r) => r.link.rttNs === 10e6 && lossOf(r) === 0.05 && r.flows[0]!.cc === 'cubic'),
        referencePoint('kernel-validation', (r) => r.link.rttNs === 10e6 && lossOf(r) === 0.05 && r.flows[0]!.cc === 'bbr'),
        referencePoint('kernel-brutal', (r) => lossOf(r) === 0.05 && r.flows[0]!.brutal!.rateBytesPerSec === BRUTAL_RATE_MBPS * 125_000),
      ];
      const results = await runKernelBatch(
        points.map((p) => p.loaded),
        { target: 'vm', modules: [join(BRUTAL_REF_DIR, 'tcp_brutal_ref.ko')] },
      );
      for (const [i, r] of results.entries()) {
        if (r instanceof Error) throw r;
        const a = r as RunArtifacts;
        const { loaded, runs } = points[i]!;
        const cc = loaded.resolved.flows[0]!.cc;
        const f = a.summary.flows[0]!;
        expect(a.summary.source).toBe('kernel');
        expect(f.cc).toBe(cc);
        // goodput and retransmissions as the reference runs of this point had them
        // (the VM runs under icount: a point's runs agree to a few percent)
        for (const m of ['goodputMbps', 'retransRatio'] as const) {
          const b = bounds(runs.map((x) => x.summary.flows[0]![m] as number), m === 'goodputMbps' ? 0.15 : 0.3);
          expect(f[m], `${cc} ${m}: reference ${b.text}`).toBeGreaterThanOrEqual(b.lo);
          expect(f[m], `${cc} ${m}: reference ${b.text}`).toBeLessThanOrEqual(b.hi);
        }
        // ss confirms the congestion control of the flow's established socket (iperf3 sets
        // TCP_CONGESTION after connect() has sent the SYN, so a SYN-SENT sample shows the
        // default, cubic; at 1% loss a lost SYN keeps the socket there for a second)
        const ss = parseSs(String(a.extra!['raw/ss.txt'])).filter((x) => x.localPort === 40000 && x.state === 'ESTAB');
        expect(ss.length).toBeGreaterThan(10);
        expect(new Set(ss.map((x) => x.cc))).toEqual(new Set([cc]));
        // netem's drops are counted: 5% random loss on thousands of packets
        const bn = parseTcQdiscs(String(a.extra!['raw/tc-after.txt'])).find((q) => q.dev === 'to-rcv')!;
        expect(bn.options).toMatch(/ loss (random )?5%/); // tc prints "loss 5%"
        expect(bn.dropped).toBeGreaterThan(0);
        expect(a.summary.link.drops.random + a.summary.link.drops.queue).toBe(bn.dropped);
        expect(f.segsRetrans).toBeGreaterThan(0);
        expect(a.meta.kernel!.release).toBe(findKernel().release);
        // the guest's TCP memory budget (kernel/guest/init.sh) is in force, and the run met no pressure
        expect(String(a.extra!['raw/env.txt'])).toContain('tcp_mem=49152 65536 98304\n');
        expect(a.meta.kernel!.tcpMemoryPressureMs).toBeUndefined();
        // ARP never crosses the lossy link: the router's entry for the receiver is pinned (pin_neighbours)
        expect(String(a.extra!['raw/neigh.txt'])).toMatch(/### cclab-\w+-rtr\n(?:.*\n)*?10\.201\.2\.1 dev to-rcv lladdr [0-9a-f:]+ PERMANENT/);
        expect(a.timeseries.filter((row) => row.flow === 0).length).toBeGreaterThan(150);
        // the sampler's tcpi_ca_state names the congestion state of every sample; Linux has no BBR mode to show
        expect(a.timeseries.filter((row) => row.flow === 0).every((row) => ['Open', 'Disorder', 'CWR', 'Recovery', 'Loss'].includes(String(row.ca_state)))).toBe(true);
        expect(a.timeseries.every((row) => row.cc_mode === undefined)).toBe(true);
        expect(a.transitions).toBeDefined();
        if (cc === 'brutal') {
          // the shim set the rate once the connection was established, and Brutal held it
          expect(String(a.extra!['raw/shim-0.log'])).toMatch(new RegExp(`^brutal fd=\\d+ lport=40000 rate=${BRUTAL_RATE_MBPS * 125_000} cwnd_gain=20 rc=0`, 'm'));
        }
      }
    },
    VM_TEST_TIMEOUT_MS,
  );

  it(
    'runs an AQM bottleneck: fq_codel under a tbf shaper keeps the standing queue near its target, as the simulator does',
    async () => {
      const loaded = loadScenario(join(REFERENCE, 'kernel-validation.yaml'), ['link.rtt=50ms', 'link.loss=0%', 'flows[0].cc=cubic', 'link.qdisc=fq_codel', 'duration=10s']);
      const a = await runKernelScenario(loaded, { target: 'vm' });
      const tc = parseTcQdiscs(String(a.extra!['raw/tc-after.txt'])).filter((q) => q.dev === 'to-rcv');
      expect(tc.map((q) => `${q.kind} ${q.handle} ${q.parent}`)).toEqual(['tbf 1: root', 'netem 2: 1:1', 'fq_codel 3: 2:1']);
      expect(a.summary.link.qdisc).toBe('fq_codel');
      expect(a.summary.link.marks).toBe(0); // no ECN-capable flow
      expect(a.summary.link.drops.random).toBe(0);
      expect(a.summary.link.drops.queue).toBe(tc[2]!.dropped);
      expect(a.summary.link.drops.queue).toBeGreaterThan(0); // CoDel drops Cubic's standing queue
      // 5 ms of target at 50 Mbit/s is ~21 packets; a 1-BDP drop-tail queue would hold up to 206
      expect(a.summary.link.queuePkts.mean).toBeLessThan(15);
      const sim = simulateLoaded(loaded);
      expect(Math.abs(a.summary.flows[0]!.goodputMbps - sim.summary.flows[0]!.goodputMbps) / sim.summary.flows[0]!.goodputMbps).toBeLessThan(0.1);
      expect(Math.abs(a.summary.flows[0]!.srttMs!.mean - sim.summary.flows[0]!.srttMs!.mean) / sim.summary.flows[0]!.srttMs!.mean).toBeLessThan(0.1);
    },
    VM_TEST_TIMEOUT_MS,
  );

  it(
    "samples DCTCP's alpha (INET_DIAG_DCTCPINFO) over CoDel with ECN: a 0..1 column on its rows, its mean within 0.05 of the simulator's",
    async () => {
      const loaded = loadScenario(join(REFERENCE, 'kernel-dctcp-alpha.yaml'), ['link.rtt=50ms', 'link.qdisc={codel: {ecn: true}}', 'duration=10s']);
      const a = await runKernelScenario(loaded, { target: 'vm' });
      expect(String(a.extra!['raw/samples.txt'])).toMatch(/ cc=dctcp .* dctcp_alpha=\d+\n/);
      const alphas = a.timeseries.flatMap((x) => (x.flow === 0 && x.dctcp_alpha !== undefined ? [x.dctcp_alpha as number] : []));
      expect(alphas.length).toBeGreaterThan(80);
      expect(alphas.every((x) => x >= 0 && x <= 1)).toBe(true);
      expect(a.summary.link.marks).toBeGreaterThan(0);
      const sim = simulateLoaded(loaded);
      expect(Math.abs(a.summary.flows[0]!.dctcpAlphaMean! - sim.summary.flows[0]!.dctcpAlphaMean!)).toBeLessThan(0.05);
    },
    VM_TEST_TIMEOUT_MS,
  );

  it(
    "gives a flow its own RTT on its ACK path (prio band + u32), and both backends measure it as the flow's minimum RTT",
    async () => {
      // two Cubic flows at 20 and 100 ms sharing 50 Mbit/s (the reference grid's RTT-unfairness point, shortened)
      const loaded = loadScenario(join(REFERENCE, 'kernel-validation.yaml'), ['link.rtt=20ms', 'link.loss=0%', 'flows=[{cc: cubic}, {cc: cubic, rtt: 100ms}]', 'duration=10s']);
      const a = await runKernelScenario(loaded, { target: 'vm' });
      const tc = parseTcQdiscs(String(a.extra!['raw/tc-after.txt'])).filter((q) => q.dev === 'to-snd');
      expect(tc.map((q) => `${q.kind} ${q.parent}`).sort()).toEqual(['netem 1:1', 'netem 1:2', 'prio root']);
      const band = (parent: string) => tc.find((q) => q.parent === parent)!;
      expect(band('1:2').options).toContain('delay 90ms');
      // each flow's ACKs went through its own netem (thousands each)
      expect(band('1:1').sentPackets).toBeGreaterThan(1000);
      expect(band('1:2').sentPackets).toBeGreaterThan(1000);
      const [short, long] = a.summary.flows;
      expect(short!.rttMs.min).toBeGreaterThanOrEqual(20);
      expect(short!.rttMs.min).toBeLessThan(23);
      expect(long!.rttMs.min).toBeGreaterThanOrEqual(100);
      expect(long!.rttMs.min).toBeLessThan(103);
      expect(long!.baseRttMs).toBe(100);
      expect(short).not.toHaveProperty('baseRttMs');
      // RTT unfairness: the 20 ms flow takes the larger share, as in the simulator
      expect(short!.goodputMbps).toBeGreaterThan(1.5 * long!.goodputMbps);
      const sim = simulateLoaded(loaded);
      expect(sim.summary.flows[0]!.goodputMbps).toBeGreaterThan(1.5 * sim.summary.flows[1]!.goodputMbps);
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
        // two points of the reference grid's kernel-validation group: Cubic and Reno at 10 ms without loss
        const file = join(root, 'ksweep.yaml');
        const grid = readFileSync(join(REFERENCE, 'kernel-validation.yaml'), 'utf8').replace(/^sweep:[^]*$/m, '');
        writeFileSync(file, `${grid}sweep:\n  link.rtt: [10ms]\n  flows[0].cc: [cubic, reno]\n`);
        const out = join(root, 'sweep');
        const args = ['sweep', file, '--backend', 'kernel', '--target', 'vm', '--out', out];
        const first = cclab(args, { timeoutMs: VM_TEST_TIMEOUT_MS });
        expect(first.code, first.stderr).toBe(0);
        expect(first.stdout).toMatch(/ran 2, skipped 0 already done, 0 failed/);
        const csv = readFileSync(join(out, 'summary.csv'), 'utf8').trim().split('\n');
        const head = csv[0]!.split(',');
        const rows = csv.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [head[i], v])));
        expect(rows.map((r) => r.cc).sort()).toEqual(['cubic', 'reno']);
        for (const r of rows) {
          const ref = referencePoint('kernel-validation', (x) => x.link.rttNs === 10e6 && lossOf(x) === 0 && x.flows[0]!.cc === r.cc).runs;
          const b = bounds(ref.map((x) => x.summary.flows[0]!.goodputMbps), 0.15);
          expect(Number(r.goodput_mbps_mean), `${r.cc}: reference ${b.text}`).toBeGreaterThanOrEqual(b.lo);
          expect(Number(r.goodput_mbps_mean), `${r.cc}: reference ${b.text}`).toBeLessThanOrEqual(b.hi);
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
    'cclab validate --kernel-target vm: runs a reference point again in the VM, then validates the simulator against the new run',
    () => {
      // a reference tree of one point (Cubic, 10 ms, no loss) made from the committed one
      const root = mkdtempSync(join(tmpdir(), 'cclab-rerun-'));
      try {
        const ref = join(root, 'linux-test');
        const point = referencePoint('kernel-validation', (x) => x.link.rttNs === 10e6 && lossOf(x) === 0 && x.flows[0]!.cc === 'cubic');
        writeRunArchive(
          join(ref, 'kernel-validation.runs.tar.br'),
          readRunArchive(join(REFERENCE, 'kernel-validation.runs.tar.br')).filter((r) => point.runs.some((p) => p.dir.endsWith(`/${r.name}`))),
        );
        const grid = readFileSync(join(REFERENCE, 'kernel-validation.yaml'), 'utf8').replace(/^sweep:[^]*$/m, '');
        writeFileSync(join(ref, 'kernel-validation.yaml'), `${grid}sweep:\n  link.rtt: [10ms]\n  link.loss: [0%]\n`);
        copyFileSync(join(REFERENCE, 'testbed.yaml'), join(ref, 'testbed.yaml'));
        const args = ['validate', '--reference', ref, '--kernel-target', 'vm', '--out', join(root, 'val'), '--sim-seeds', '3', '--sim-seeds-per-run', '1'];
        const r = cclab(args, { timeoutMs: VM_TEST_TIMEOUT_MS });
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toMatch(/^1\/1 points within every target/);
        const runs = join(root, 'val', 'linux-test-on-vm');
        expect(r.stderr).toContain(`validate: kernel runs ${runs}: kernel runs of Linux ${findKernel().release} (1 run)\n`);
        const doc = readFileSync(join(runs, 'fidelity.md'), 'utf8');
        expect(doc).toContain(`cclab validate --reference ${ref} --kernel-target vm`);
        expect(doc).toContain(`Linux ${findKernel().release}`);
        // the new kernel run is kept; the same command again does not run it again
        const again = cclab(args, { timeoutMs: VM_TEST_TIMEOUT_MS });
        expect(again.code, again.stderr).toBe(0);
        expect(again.stderr).toMatch(/validate: kernel-validation: 1 points, 1 already done, 0 to run/);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
    VM_TEST_TIMEOUT_MS,
  );

  it(
    'kill -9 of a VM run leaves no qemu process after 10 s, and no temp folder after the next start',
    async () => {
      const root = mkdtempSync(join(tmpdir(), 'cclab-kill9-'));
      try {
        await ensureVmImage();
        const child = spawn(process.execPath, ['dist/cli/main.js', 'run', SCENARIO, '--backend', 'kernel', '--target', 'vm', '--out', join(root, 'run')], { stdio: 'ignore' });
        const exited = new Promise((resolve) => child.on('exit', resolve));
        // wait for the VM: its temp folder names the process that owns it, QEMU's command line the folder
        const prefix = `cclab-vm-${child.pid}-`;
        let work = '';
        for (let i = 0; i < 1200 && !work; i++) {
          await sleep(100);
          const dir = readdirSync(tmpdir()).find((e) => e.startsWith(prefix));
          if (dir && processesWith(join(tmpdir(), dir)).some((p) => p.includes('qemu-system'))) work = join(tmpdir(), dir);
        }
        expect(work, 'the VM did not start').not.toBe('');
        child.kill('SIGKILL');
        await exited;
        const t0 = Date.now();
        while (processesWith(work).length > 0 && Date.now() - t0 < 10_000) await sleep(200);
        expect(processesWith(work)).toEqual([]);
        // nothing removed it: the process that owned it is dead
        expect(existsSync(work)).toBe(true);
        // the next start removes it, even one that stops at once (a module built for another kernel, refused before booting)
        const release = findKernel().release;
        const digit = /-0+-/.test(release) ? '9' : '0';
        const other = release.replace(/-(\d+)-/, (_m, d: string) => `-${digit.repeat(d.length)}-`);
        expect(other.length).toBe(release.length);
        const wrong = brutalModule(root, 'tcp_brutal_other.ko', (b) => {
          const at = b.indexOf(Buffer.from(`vermagic=${release}`));
          b.write(`vermagic=${other}`, at, 'latin1');
        });
        const r = cclab(['run', SCENARIO, '--backend', 'kernel', '--target', 'vm', '--module', wrong, '--out', join(root, 'run2')]);
        expect(r.code).toBe(2);
        expect(r.stderr.trim()).toBe(`cclab: --module ${wrong}: built for Linux ${other}, but the VM runs ${release}; rebuild it against linux-headers-${release} (see docs/kernel.md)`);
        expect(existsSync(work)).toBe(false);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
    VM_TEST_TIMEOUT_MS,
  );

  it(
    'SIGINT of a VM run: one line, the VM stops and its temp folder is removed',
    async () => {
      const root = mkdtempSync(join(tmpdir(), 'cclab-sigint-'));
      try {
        await ensureVmImage();
        const out = join(root, 'run');
        const child = spawn(process.execPath, ['dist/cli/main.js', 'run', SCENARIO, '--backend', 'kernel', '--target', 'vm', '--out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr!.on('data', (d) => (stderr += d));
        const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
        const prefix = `cclab-vm-${child.pid}-`;
        let work = '';
        for (let i = 0; i < 1200 && !work; i++) {
          await sleep(100);
          const dir = readdirSync(tmpdir()).find((e) => e.startsWith(prefix));
          if (dir && processesWith(join(tmpdir(), dir)).some((p) => p.includes('qemu-system'))) work = join(tmpdir(), dir);
        }
        expect(work, 'the VM did not start').not.toBe('');
        child.kill('SIGINT');
        expect(await exited).toBe(130);
        expect(stderr.trim().split('\n').at(-1)).toBe(`cclab: interrupted: nothing written to ${out}`);
        expect(existsSync(work)).toBe(false);
        expect(existsSync(out)).toBe(false);
        const t0 = Date.now();
        while (processesWith(work).length > 0 && Date.now() - t0 < 10_000) await sleep(200);
        expect(processesWith(work)).toEqual([]);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
    VM_TEST_TIMEOUT_MS,
  );

  it(
    'a module the guest refuses stops the batch at once, before any point runs',
    async () => {
      const root = mkdtempSync(join(tmpdir(), 'cclab-badko-'));
      try {
        // right vermagic (the host's check passes), but not an x86-64 ELF file: insmod in the guest fails
        const bad = brutalModule(root, 'tcp_brutal_arm.ko', (b) => b.writeUInt16LE(0x28, 18));
        const image = await ensureVmImage();
        // a plan that never ends: without the stop, the boot would run until its 600 s timeout
        const err = await bootVm({ image, plans: ['#!/bin/sh\nwhile :; do :; done\n'], modules: [bad], timeoutS: 600 }).then(
          () => null,
          (e: Error) => e,
        );
        expect(err).toBeInstanceOf(ModuleLoadError);
        expect(err!.message).toMatch(/^tcp_brutal_arm\.ko: the VM's kernel \S+ refused it \(.*(format|ELF|exec).*\)$/i);
        // through the harness: one line naming the --module file, and no point ran
        const results: number[] = [];
        const loaded = loadScenario(SCENARIO, ['duration=30s']);
        const e2 = await runKernelBatch([loaded, loaded], { target: 'vm', modules: [bad], onResult: (i) => results.push(i) }).then(
          () => null,
          (e: Error) => e,
        );
        expect(e2).toBeInstanceOf(InputError);
        expect(e2!.message.startsWith(`--module ${bad}: the VM's kernel `), e2!.message).toBe(true);
        expect(e2!.message).toMatch(/ refused it \(.+\); build it against linux-headers-\S+ \(see docs\/kernel\.md\)$/);
        expect(results).toEqual([]);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
    VM_TEST_TIMEOUT_MS,
  );

  it(
    'runs byte-limited, paced and workload flows with cclab_flow: exact bytes, a completion time from the SYN to the last ACK, the paced rate',
    async () => {
      // 20 Mbit/s, 40 ms: a 200kb flow at 1 s, a 5 Mbit/s application, a workload of 50 KB connections
      const doc = {
        name: 'vm-generator',
        duration: '5s',
        sampleInterval: '200ms',
        link: { rate: '20mbit', rtt: '40ms', queue: '1bdp' },
        flows: [
          { cc: 'cubic', bytes: '200kb', start: '1s' },
          { cc: 'bbr', app: { rate: '5mbit' } },
          { cc: 'cubic', start: '0.5s', arrivals: { rate: 4, size: '50kb' } },
        ],
      };
      const loaded = { doc, file: null, ...validateScenario(doc, 'vm-generator') } as LoadedScenario;
      const a = await runKernelScenario(loaded, { target: 'vm' });
      const [short, paced, wl] = a.summary.flows;
      // exactly 204800 bytes delivered; at least two RTTs and the bytes at 20 Mbit/s, and far less than a second
      expect(short!.bytesDelivered).toBe(204800);
      expect(short!.completionS!).toBeGreaterThan(0.08 + (204800 * 8) / 20e6);
      expect(short!.completionS!).toBeLessThan(1);
      const log = String(a.extra!['raw/flow-0.log']);
      expect(log).toMatch(/^conn lport=40000 .* bytes=204800 written=204800 done=[\d.]+ ack_src=(tstamp|poll) .* acked=204801 /m);
      expect(String(a.extra!['raw/flow-server-0.log'])).toMatch(/^conn lport=5201 peer=40000 .* bytes=204800$/m);
      // the application's 5 Mbit/s, not more
      expect(paced!.goodputMbps).toBeGreaterThan(4.7);
      expect(paced!.goodputMbps).toBeLessThan(5.1);
      // every arrival a connection of its own, each finished with its 51200 bytes
      const conns = String(a.extra!['connections.csv']).trim().split('\n').slice(1);
      expect(conns.length).toBe(wl!.connections!.started);
      expect(wl!.connections!.finished).toBeGreaterThanOrEqual(wl!.connections!.started - 1);
      expect(a.summary.fct!.flows).toBe(1 + conns.length);
    },
    VM_TEST_TIMEOUT_MS,
  );
  it(
    'runs a reverse flow (its server in snd, its client in rcv) next to a forward one: each gets its own direction of the symmetric link',
    async () => {
      // 20 Mbit/s, 40 ms, drop-tail 1 BDP each way: one Cubic flow each way and the probe
      const doc = {
        name: 'vm-reverse',
        duration: '6s',
        link: { rate: '20mbit', rtt: '40ms', queue: '1bdp' },
        probe: { interval: '100ms' },
        flows: [{ cc: 'cubic' }, { cc: 'cubic', direction: 'reverse' }],
      };
      const loaded = { doc, file: null, ...validateScenario(doc, 'vm-reverse') } as LoadedScenario;
      const a = await runKernelScenario(loaded, { target: 'vm' });
      const [fwd, rev] = a.summary.flows;
      expect(fwd!.direction).toBeUndefined();
      expect(rev!.direction).toBe('reverse');
      // different directions: each far more than half the link
      for (const f of [fwd!, rev!]) {
        expect(f.goodputMbps).toBeGreaterThan(12);
        expect(f.goodputMbps).toBeLessThan(20);
        expect(f.rttMs.min).toBeGreaterThanOrEqual(40);
      }
      // both routers' egresses were bottlenecks with the link's rate, and the reverse one was sampled
      const tc = parseTcQdiscs(String(a.extra!['raw/tc-after.txt']));
      expect(tc.filter((q) => q.kind === 'netem' && (q.dev === 'to-rcv' || q.dev === 'to-snd')).map((q) => q.dev).sort()).toEqual(['to-rcv', 'to-snd']);
      expect(String(a.extra!['raw/tc-after.txt'])).toMatch(/dev to-snd root .* rate 20Mbit/);
      expect(a.summary.link.reverse!.utilization).toBeGreaterThan(0.6);
      expect(a.timeseries.some((r) => r.flow === 'link-reverse')).toBe(true);
      expect(a.timeseries.filter((r) => r.flow === 1).length).toBeGreaterThan(20);
      // the probe's replies cross the reverse queue: its RTT rises above the base RTT with both directions loaded
      expect(a.summary.probe!.rttMs.mean).toBeGreaterThan(45);
    },
    VM_TEST_TIMEOUT_MS,
  );
  it(
    'follows a trace link: the rate of each window, nothing in off windows, and the full rate right after one (the pacer kicks tbf)',
    async () => {
      // 20 Mbit/s for 1 s, nothing for 150 ms, repeated: shorter than an RTO, so the sender keeps its window
      // and only tbf, asleep at the off windows' floor rate, could hold the link after an off window
      const dir = mkdtempSync(join(tmpdir(), 'cclab-vm-trace-'));
      try {
        writeFileSync(join(dir, 'onoff.trace'), traceText(generateTrace({ kind: 'onoff', rateBps: 20e6, onMs: 1000, offMs: 150, durationMs: 1150 })));
        const doc = { name: 'vm-trace', duration: '5s', sampleInterval: '50ms', link: { trace: 'onoff.trace', rtt: '40ms', queue: 100 }, flows: [{ cc: 'cubic' }] };
        const loaded = { doc, file: join(dir, 's.yaml'), ...validateScenario(doc, 'vm-trace', dir) } as LoadedScenario;
        const a = await runKernelScenario(loaded, { target: 'vm' });
        const timing = JSON.parse(String(a.extra!['trace-timing.json'])) as { changes: number; lateMs: { p50: number } };
        expect(timing.changes).toBeGreaterThanOrEqual(6);
        expect(timing.lateMs.p50).toBeLessThan(2);
        const link = a.timeseries.filter((r) => r.flow === 'link').map((r) => ({ t: Number(r.time_s), mbps: Number(r.link_mbps) }));
        const at = (from: number, to: number) => link.filter((r) => r.t > from && r.t <= to).map((r) => r.mbps);
        // the off windows carry (almost) nothing; the 100 ms after each off window the full rate (wire bytes)
        for (const k of [1, 2, 3]) {
          const off = k * 1150 - 150;
          expect(Math.max(...at((off + 60) / 1000, (off + 140) / 1000)), `off window at ${off} ms`).toBeLessThan(2);
          const on = (k * 1150 + 50) / 1000;
          const after = at(on, on + 0.1);
          expect(after.reduce((x, y) => x + y, 0) / after.length, `after the off window ending at ${k * 1150} ms`).toBeGreaterThan(15);
        }
        expect(a.summary.flows[0]!.rtoCount).toBe(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    VM_TEST_TIMEOUT_MS,
  );
  it(
    'kills a hung guest at the timeout with a clear error',
    async () => {
      const image = await ensureVmImage();
      const err = await bootVm({ image, plans: ['#!/bin/sh\n# a plan that never ends: a busy loop (with icount, the guest\'s idle time warps, so a sleep would end early)\nwhile :; do :; done\n'], timeoutS: 30 }).then(
        () => null,
        (e: Error) => e,
      );
      expect(err).toBeInstanceOf(VmTimeoutError);
      // a busy host may still be booting the guest at the deadline: either way the message says where it was
      expect(err!.message).toMatch(/^test VM killed at its 30 s timeout (after 0 of 1 point\(s\)|before the guest finished booting) \(guest hung or too slow; raise --timeout\); console: /);
    },
    VM_TEST_TIMEOUT_MS,
  );

  it(
    'runs a two-link parking lot: a router per hop, each link its own bottleneck, the long flow below each cross flow as in the simulator',
    async () => {
      // two equal 20 Mbit/s hops; a Cubic flow across both and a one-hop Cubic flow on each
      const loaded = validateScenario(
        {
          name: 'vm-parking-lot',
          duration: '10s',
          links: [
            { name: 'a', rate: '20mbit', rtt: '10ms' },
            { name: 'b', rate: '20mbit', rtt: '10ms' },
          ],
          flows: [
            { cc: 'cubic', path: ['a', 'b'] },
            { cc: 'cubic', path: ['a'] },
            { cc: 'cubic', path: ['b'] },
          ],
        },
        'vm-parking-lot',
      );
      const a = await runKernelScenario({ ...loaded, doc: {}, file: '' } as LoadedScenario, { target: 'vm' });
      const tc = parseTcQdiscs(String(a.extra!['raw/tc-after.txt']));
      const at = (ns: string, dev: string) => tc.filter((q) => q.ns !== null && q.ns.endsWith(ns) && q.dev === dev && q.kind === 'netem');
      // each link's bottleneck on the router before it carried data; its ACK netem on the router after it, ACKs
      for (const [fwd, rev] of [['-r0', '-r1'], ['-r1', '-r2']] as const) {
        expect(at(fwd, 'to-rcv')[0]!.sentPackets).toBeGreaterThan(5000);
        expect(at(rev, 'to-snd')[0]!.sentPackets).toBeGreaterThan(2000);
      }
      const links = a.summary.links!;
      expect(links.map((l) => l.name)).toEqual(['a', 'b']);
      for (const l of links) expect(l.utilization).toBeGreaterThan(0.9);
      const [long, crossA, crossB] = a.summary.flows;
      expect(long!.baseRttMs).toBe(20);
      expect(long!.rttMs.min).toBeGreaterThanOrEqual(20);
      expect(crossA!.rttMs.min).toBeLessThan(20);
      expect(long!.goodputMbps).toBeLessThan(crossA!.goodputMbps);
      expect(long!.goodputMbps).toBeLessThan(crossB!.goodputMbps);
      expect(a.timeseries.some((r) => r.flow === 'link:b')).toBe(true);
      // the simulator: the same per-link load and the same order
      const sim = simulateLoaded({ ...loaded, doc: {}, file: '' } as LoadedScenario);
      const [sl, sa, sb] = sim.summary.flows;
      expect(sl!.goodputMbps).toBeLessThan(Math.min(sa!.goodputMbps, sb!.goodputMbps));
      for (const [k, c] of [[crossA!, sa!], [crossB!, sb!]] as const) {
        const load = long!.goodputMbps + k.goodputMbps;
        const simLoad = sl!.goodputMbps + c.goodputMbps;
        expect(Math.abs(load - simLoad) / simLoad).toBeLessThan(0.1);
      }
    },
    VM_TEST_TIMEOUT_MS,
  );
});
}
