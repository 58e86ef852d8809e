/**
 * Sharded sweeps on one machine: the split, the shards into one folder (two
 * "hosts" told apart by CCLAB_NODE_NAME), --collect, the pinned build, the
 * per-shard locks and the default --jobs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assignShards, parseShard, defaultShardCount, shardPoints, pointCosts } from '../../src/analysis/shard.js';
import { allocatedCpus, cgroupCpuLimit } from '../../src/analysis/cpus.js';
import { planSweep } from '../../src/analysis/plan.js';
import { removeStaleTemps } from '../../src/analysis/sweep.js';
import { acquireLock } from '../../src/results/lock.js';
import { parseTmpName, tmpName } from '../../src/results/io.js';
import { InputError } from '../../src/scenario/errors.js';
import YAML from 'yaml';
import { CLI, cclab, tempDir, writeScenario } from './cli.js';

/** 6 combinations × 3 seeds: 18 short points of different cost (the rate is swept). */
const GRID = `
name: grid
duration: 2s
seeds: 3
link: { rate: 10mbit, rtt: 20ms }
flows:
  - cc: reno
sweep:
  link.rate: [5mbit, 10mbit, 20mbit]
  link.loss: [0, 1%]
`;

function keysOf(dir: string): string[] {
  return (JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8')) as { points: { key: string }[] }).points.map((p) => p.key);
}

function donePoints(dir: string): string[] {
  return readdirSync(join(dir, 'points'))
    .filter((n) => existsSync(join(dir, 'points', n, 'summary.json')))
    .sort();
}

/** A pid that is not running here (a finished child's). */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

function run(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, CCLAB_DEBUG: '', ...env } });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    c.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('the split into shards', () => {
  it('puts every point in exactly one shard, the same way every time, balanced by estimated cost', () => {
    const plan = planSweep(YAML.parse(GRID) as Record<string, unknown>, 'grid');
    const costs = pointCosts(plan);
    expect(new Set(costs).size).toBeGreaterThan(1);
    for (const n of [1, 2, 3, 5, plan.points.length]) {
      const a = assignShards(costs, n);
      expect(assignShards(costs, n)).toEqual(a);
      const seen = Array.from({ length: n }, (_, s) => shardPoints(plan, { index: s, count: n }));
      expect(seen.flat().sort((x, y) => x - y)).toEqual(plan.points.map((_, i) => i));
      // longest-processing-time: no shard exceeds the average by more than the largest point
      const load = seen.map((idx) => idx.reduce((t, i) => t + costs[i]!, 0));
      const avg = costs.reduce((t, c) => t + c, 0) / n;
      expect(Math.max(...load)).toBeLessThanOrEqual(avg + Math.max(...costs) + 1e-9);
      if (n === plan.points.length) expect(seen.every((s) => s.length === 1)).toBe(true);
    }
  });

  it('spreads equal points evenly and picks a default count from the CPUs per task', () => {
    const a = assignShards(new Array(10).fill(1), 4);
    expect([0, 1, 2, 3].map((s) => a.filter((x) => x === s).length)).toEqual([3, 3, 2, 2]);
    expect(defaultShardCount(8, 1)).toBe(2);
    expect(defaultShardCount(100_000, 1)).toBe(1000);
    expect(defaultShardCount(3, 4)).toBe(1);
  });

  it('reads --shard i/N and names the field for anything else', () => {
    expect(parseShard('3/16')).toEqual({ index: 3, count: 16 });
    for (const bad of ['16/16', '-1/4', '1/0', 'a/b', '2']) expect(() => parseShard(bad)).toThrow(/^--shard: expected i\/N with 0 <= i < N/);
  });
});

describe('temporary names on a shared file system', () => {
  it('carry the node and pid, and a node removes only its own stale ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cclab-temps-'));
    const saved = process.env.CCLAB_NODE_NAME;
    try {
      process.env.CCLAB_NODE_NAME = 'node-a';
      const mine = tmpName(join(dir, 'x'));
      expect(parseTmpName(mine.slice(dir.length + 1))).toEqual({ node: 'node-a', pid: process.pid });
      const dead = deadPid();
      const names = [`.p1.tmp-node-a-${dead}-0badc0de`, `.p2.tmp-node-b-${dead}-0badc0de`, `.p3.tmp-node-b.example.org-${process.pid}-00000001`, `.p4.tmp-${dead}-0badc0de`];
      for (const n of names) mkdirSync(join(dir, n));
      // node-a: its own dead writer's folder and the old form (no node) go; node-b's stay, alive or not
      expect(removeStaleTemps(dir)).toBe(2);
      expect(readdirSync(dir).sort()).toEqual([names[1], names[2]].sort());
      process.env.CCLAB_NODE_NAME = 'node-b';
      expect(removeStaleTemps(dir)).toBe(1);
      expect(readdirSync(dir)).toEqual([names[2]]);
    } finally {
      if (saved === undefined) delete process.env.CCLAB_NODE_NAME;
      else process.env.CCLAB_NODE_NAME = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('two shards on two "hosts" run into one folder at once and never remove each other\'s temporary folders', async () => {
    const tmp = tempDir('hosts');
    const file = writeScenario(tmp, 'grid', GRID);
    const out = join(tmp, 'shared');
    expect(cclab(['sweep', file, '--out', out, '--emit', 'slurm', '--shards', '2']).status).toBe(0);
    // work in progress of a third host (its pid means nothing here) and a stale one of node-a
    const dead = deadPid();
    const other = join(out, 'points', `.0123456789ab-seed1.tmp-node-c-${dead}-12345678`);
    const staleA = join(out, 'points', `.0123456789ab-seed2.tmp-node-a-${dead}-12345678`);
    mkdirSync(other, { recursive: true });
    mkdirSync(staleA, { recursive: true });
    writeFileSync(join(other, 'timeseries.csv'), 'half written\n');
    const [a, b] = await Promise.all([
      run(['sweep', file, '--out', out, '--shard', '0/2', '--jobs', '1'], { CCLAB_NODE_NAME: 'node-a' }),
      run(['sweep', file, '--out', out, '--shard', '1/2', '--jobs', '1'], { CCLAB_NODE_NAME: 'node-b' }),
    ]);
    expect(a.stderr + b.stderr).not.toMatch(/cclab:/);
    expect([a.status, b.status]).toEqual([0, 0]);
    expect(existsSync(other)).toBe(true);
    expect(readFileSync(join(other, 'timeseries.csv'), 'utf8')).toBe('half written\n');
    expect(existsSync(staleA)).toBe(false);
    // each shard wrote its own points and its record, none wrote the summary
    expect(existsSync(join(out, 'summary.csv'))).toBe(false);
    const ra = JSON.parse(readFileSync(join(out, 'shards', '0-of-2.json'), 'utf8'));
    const rb = JSON.parse(readFileSync(join(out, 'shards', '1-of-2.json'), 'utf8'));
    expect([ra.host, rb.host]).toEqual(['node-a', 'node-b']);
    expect([...ra.points, ...rb.points].sort()).toEqual([...keysOf(out)].sort());
    expect(ra.ran + rb.ran).toBe(18);
    expect(donePoints(out)).toEqual([...keysOf(out)].sort());

    // collected, the summary is byte-identical to a local run of the same sweep
    const c = cclab(['sweep', file, '--out', out, '--collect']);
    expect(c.stdout).toContain('collect grid: 18 of 18 points done (2 shards)');
    expect(c.status).toBe(0);
    const local = cclab(['sweep', file, '--out', join(tmp, 'local'), '--jobs', '2']);
    expect(local.status).toBe(0);
    expect(readFileSync(join(out, 'summary.csv'), 'utf8')).toBe(readFileSync(join(tmp, 'local', 'summary.csv'), 'utf8'));
    expect(readFileSync(join(out, 'summary.json'), 'utf8')).toBe(readFileSync(join(tmp, 'local', 'summary.json'), 'utf8'));
  });
});

describe('cclab sweep --collect', () => {
  it('lists exactly the missing, broken and failed points with the shards to resubmit, and exits 1', () => {
    const tmp = tempDir('collect');
    const file = writeScenario(tmp, 'grid', GRID);
    const out = join(tmp, 'out');
    expect(cclab(['sweep', file, '--out', out, '--emit', 'slurm', '--shards', '3']).status).toBe(0);
    for (const s of ['0/3', '2/3']) expect(cclab(['sweep', file, '--out', out, '--shard', s, '--jobs', '2']).status).toBe(0);
    const rec0 = JSON.parse(readFileSync(join(out, 'shards', '0-of-3.json'), 'utf8')) as { points: string[] };
    const rec2 = JSON.parse(readFileSync(join(out, 'shards', '2-of-3.json'), 'utf8')) as { points: string[] };
    const shard1 = keysOf(out).filter((k) => !rec0.points.includes(k) && !rec2.points.includes(k));
    expect(shard1.length).toBeGreaterThan(0);
    // one point of shard 0 cut short (its summary.json gone), one of shard 2 removed
    rmSync(join(out, 'points', rec0.points[0]!, 'summary.json'));
    rmSync(join(out, 'points', rec2.points[0]!), { recursive: true });
    const before = readdirSync(join(out, 'points')).length;

    const r = cclab(['sweep', file, '--out', out, '--collect']);
    expect(r.status).toBe(1);
    const missing = r.stdout.split('\n').filter((l) => l.startsWith('missing: '));
    const expected = [rec0.points[0]!, rec2.points[0]!, ...shard1];
    expect(missing.map((l) => /points\/(\S+)/.exec(l)![1]).sort()).toEqual(expected.sort());
    expect(missing.find((l) => l.includes(rec0.points[0]!))).toMatch(/\(shard 0\): summary\.json is missing$/);
    expect(missing.find((l) => l.includes(rec2.points[0]!))).toMatch(/\(shard 2\): not run$/);
    expect(r.stdout).toContain(`collect grid: ${18 - expected.length} of 18 points done, ${expected.length} missing or failed (3 shards)`);
    expect(r.stdout).toMatch(/resubmit shards 0,1,2: jid=\$\(sbatch --parsable --array=0,1,2 \S+shards\.sbatch\) && sbatch --dependency=afterany:\$jid \S+collect\.sbatch/);
    // collect runs nothing
    expect(readdirSync(join(out, 'points')).length).toBe(before);
    expect(JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8')).points).toMatchObject({ total: 18, ran: 0, failed: expected.length });

    // rerunning the listed shards completes it; points already done are not run again
    const mtime = statSync(join(out, 'points', rec2.points[1]!, 'summary.json')).mtimeMs;
    for (const s of ['0/3', '1/3', '2/3']) expect(cclab(['sweep', file, '--out', out, '--shard', s, '--jobs', '2']).status).toBe(0);
    expect(statSync(join(out, 'points', rec2.points[1]!, 'summary.json')).mtimeMs).toBe(mtime);
    const again = cclab(['sweep', file, '--out', out, '--collect']);
    expect(again.stdout).toContain('collect grid: 18 of 18 points done (3 shards)');
    expect(again.status).toBe(0);
  });

  it('refuses a folder without a sweep, and a plan that is not the one sweep.json holds', () => {
    const tmp = tempDir('collect-bad');
    const file = writeScenario(tmp, 'grid', GRID);
    const none = cclab(['sweep', file, '--out', join(tmp, 'none'), '--collect']);
    expect(none.status).toBe(2);
    expect(none.stderr.trim().split('\n')).toHaveLength(1);
    expect(none.stderr).toMatch(/--collect: .* holds no sweep/);
    expect(cclab(['sweep', file, '--out', join(tmp, 'o'), '--emit', 'slurm', '--shards', '2']).status).toBe(0);
    const other = cclab(['sweep', file, '--out', join(tmp, 'o'), '--collect', '--set', 'seeds=2']);
    expect(other.status).toBe(2);
    expect(other.stderr).toMatch(/--collect: the plan \(12 points\) differs from .*sweep\.json \(18 points\)/);
  });
});

describe('the pinned build and the shard locks', () => {
  it('a shard made by another build refuses with one line, before running anything', () => {
    const tmp = tempDir('pin');
    const file = writeScenario(tmp, 'grid', GRID);
    const out = join(tmp, 'out');
    expect(cclab(['sweep', file, '--out', out, '--emit', 'k8s', '--shards', '4']).status).toBe(0);
    const plan = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')) as { simulator: string; shards: number };
    expect(plan.simulator).toMatch(/^[0-9a-f]{12}$/);
    expect(plan.shards).toBe(4);
    writeFileSync(join(out, 'sweep.json'), readFileSync(join(out, 'sweep.json'), 'utf8').replace(plan.simulator, 'feedfacecafe'));
    const r = cclab(['sweep', file, '--out', out, '--shard', '1/4']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(`cclab: --shard 1/4: this cclab's build is ${plan.simulator} but ${join(out, 'sweep.json')} pins feedfacecafe; run every shard with the build that emitted the sweep (results never mix builds)`);
    expect(existsSync(join(out, 'points')) ? readdirSync(join(out, 'points')) : []).toEqual([]);
    // the split count is pinned too
    writeFileSync(join(out, 'sweep.json'), readFileSync(join(out, 'sweep.json'), 'utf8').replace('feedfacecafe', plan.simulator));
    const n = cclab(['sweep', file, '--out', out, '--shard', '1/3']);
    expect(n.status).toBe(2);
    expect(n.stderr).toContain('was emitted for 4 shards; use --shard i/4');
  });

  it('one lock per shard: the same shard twice is refused, other shards are not, a whole-folder sweep waits for them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cclab-locks-'));
    try {
      const s1 = acquireLock(dir, 'cclab sweep --shard 1/4', { shard: '1-of-4' });
      expect(() => acquireLock(dir, 'again', { shard: '1-of-4' })).toThrow(InputError);
      const s2 = acquireLock(dir, 'cclab sweep --shard 2/4', { shard: '2-of-4' });
      expect(() => acquireLock(dir, 'cclab sweep')).toThrow(/in use by another cclab .*cclab sweep --shard 1\/4/);
      const c = acquireLock(dir, 'cclab sweep --collect', { allowShards: true });
      expect(() => acquireLock(dir, 'shard 3', { shard: '3-of-4' })).toThrow(/cclab sweep --collect/);
      c();
      s1();
      s2();
      const whole = acquireLock(dir, 'cclab sweep');
      whole();
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the default --jobs', () => {
  it('follows SLURM_CPUS_PER_TASK, then the cgroup v2 CPU limit, then the cores', () => {
    const root = mkdtempSync(join(tmpdir(), 'cclab-cgroup-'));
    try {
      mkdirSync(join(root, 'kubepods', 'pod1', 'ctr'), { recursive: true });
      writeFileSync(join(root, 'cpu.max'), 'max 100000\n');
      writeFileSync(join(root, 'kubepods', 'cpu.max'), '800000 100000\n');
      writeFileSync(join(root, 'kubepods', 'pod1', 'cpu.max'), '150000 100000\n');
      writeFileSync(join(root, 'kubepods', 'pod1', 'ctr', 'cpu.max'), 'max 100000\n');
      const probe = { cgroupRoot: root, procCgroup: '0::/kubepods/pod1/ctr\n', cores: 16 };
      expect(cgroupCpuLimit(probe)).toBe(2);
      expect(allocatedCpus({ ...probe, env: {} })).toEqual({ jobs: 2, from: 'cgroup cpu.max' });
      expect(allocatedCpus({ ...probe, env: { SLURM_CPUS_PER_TASK: '4' } })).toEqual({ jobs: 4, from: 'SLURM_CPUS_PER_TASK' });
      expect(allocatedCpus({ ...probe, procCgroup: '0::/\n', env: {} })).toEqual({ jobs: 16, from: 'cores' });
      expect(allocatedCpus({ cgroupRoot: root, procCgroup: '1:cpu:/x\n', cores: 3, env: { SLURM_CPUS_PER_TASK: 'lots' } })).toEqual({ jobs: 3, from: 'cores' });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('a shard run by Slurm uses the CPUs of its task', () => {
    const tmp = tempDir('slurm-cpus');
    const file = writeScenario(tmp, 'grid', GRID.replace('seeds: 3', 'seeds: 1'));
    const r = spawnCli(['sweep', file, '--out', join(tmp, 'o'), '--shard', '0/1'], { SLURM_CPUS_PER_TASK: '1' });
    expect(r).toMatch(/\(\d+\.\d s, 1 job\)/);
  });
});

function spawnCli(args: string[], env: Record<string, string>): string {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env } }).stdout;
}
