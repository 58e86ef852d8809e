/**
 * The plan's cleanup traps, exercised on this host (as root) with stub tc
 * and iperf3 binaries that hang: the real plan builds its namespaces and
 * veths, starts servers, samplers and clients, and is then interrupted, or
 * runs into its own deadline. Afterwards no namespace and no process it
 * started may be left. (This host's kernel has no netem, hence the stubs;
 * the VM tests run the real thing.)
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterEach, expect, it } from 'vitest';
import { describeWith } from '../../helpers/requires.js';
import { loadScenario } from '../../../src/scenario/load.js';
import { executablePlan, generatePlan } from '../../../src/kernel/plan.js';
import { buildHelpers } from '../../../src/kernel/helpers.js';

const STUBS = join(import.meta.dirname, '..', 'stubs');
const work: string[] = [];

afterEach(() => {
  for (const w of work.splice(0)) rmSync(w, { recursive: true, force: true });
});

function namespaces(runId: string): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(`cclab-${runId}-`));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Processes whose command line mentions the run id (the sampler names the namespaces). */
function processesMentioning(runId: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(runId)) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

async function startPlan(runId: string, timeoutS?: number) {
  const helpers = await buildHelpers();
  const dir = mkdtempSync(join(tmpdir(), 'cclab-cleanup-'));
  work.push(dir);
  const s = loadScenario(join(import.meta.dirname, '..', 'fixtures', 'golden', 'single-flow.yaml'), ['flows[0].cc=cubic', 'duration=5s']).resolved;
  writeFileSync(join(dir, 'plan.sh'), executablePlan(generatePlan(s, { runId, moduleHint: 'x', ...(timeoutS ? { timeoutS } : {}) })));
  const pids = join(dir, 'stub-pids');
  writeFileSync(pids, '');
  const child = spawn('sh', [join(dir, 'plan.sh'), join(dir, 'out')], {
    env: { ...process.env, PATH: `${STUBS}:${process.env.PATH}`, CCLAB_SHIM: helpers.shim, CCLAB_SAMPLER: helpers.sampler, CCLAB_TEST_STUB_PIDS: pids },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number>((res) => child.on('exit', (code, sig) => res(code ?? (sig ? 128 : -1))));
  const timeline = join(dir, 'out', 'timeline.txt');
  const clientsStarted = async (): Promise<void> => {
    for (let i = 0; i < 300; i++) {
      if (existsSync(timeline) && readFileSync(timeline, 'utf8').includes('start 0')) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`plan never started its client; stderr: ${stderr}`);
  };
  const stubPids = (): number[] => readFileSync(pids, 'utf8').split('\n').filter(Boolean).map(Number);
  return { child, exited, clientsStarted, stubPids, dir, stderr: () => stderr };
}

/** The cleanup-trap tests; run by host.test.ts. */
export function planCleanupTests(): void {
describeWith('kernel', 'plan cleanup on this host', () => {
  it('removes namespaces and ends every process when interrupted mid-run', async () => {
    const runId = `t${process.pid}a`;
    const p = await startPlan(runId);
    await p.clientsStarted();
    expect(namespaces(runId).length).toBe(3);
    expect(p.stubPids().length).toBe(2); // one server, one client
    p.child.kill('SIGINT');
    expect(await p.exited).toBe(130);
    expect(namespaces(runId)).toEqual([]);
    expect(p.stubPids().filter(alive)).toEqual([]);
    expect(processesMentioning(runId)).toEqual([]);
  });

  it('ends itself at its deadline, says so, and cleans up', async () => {
    const runId = `t${process.pid}b`;
    const p = await startPlan(runId, 4);
    await p.clientsStarted();
    expect(await p.exited).toBe(143);
    expect(readFileSync(join(p.dir, 'out', 'error'), 'utf8').trim()).toBe('plan timed out after 4 s');
    expect(namespaces(runId)).toEqual([]);
    expect(p.stubPids().filter(alive)).toEqual([]);
    expect(processesMentioning(runId)).toEqual([]);
  });
});
}
