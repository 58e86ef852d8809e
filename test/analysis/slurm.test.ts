/**
 * A sharded sweep on a real (single-node, private) Slurm: test/env/slurm.sh
 * starts munged, slurmctld and slurmd in a temporary folder; the sweep is
 * submitted with `--emit slurm --submit` as a job array plus its collect
 * job. Then a second submission loses one task to scancel midway; the
 * index that collect names is resubmitted alone, and the result is complete
 * with no point computed twice. The daemons are stopped by pid at the end
 * and nothing of them is left.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWith } from '../helpers/requires.js';
import { ROOT, cclab, tempDir, writeScenario } from './cli.js';

const SCRIPT = join(ROOT, 'test/env/slurm.sh');

/** 2 × 2 combinations × 2 seeds of 2-second runs: 8 points. */
const SMALL = `
name: small
duration: 2s
seeds: 2
link: { rate: 10mbit, rtt: 20ms }
flows:
  - cc: reno
sweep:
  link.loss: [0, 1%]
  link.rtt: [20ms, 40ms]
`;

/** 12 points of 5-second runs at 1 Gbit/s: a task of 4 of them lasts long enough to be cancelled midway. */
const SLOWER = `
name: slower
duration: 5s
seeds: 6
link: { rate: 1gbit, rtt: 20ms }
flows:
  - cc: cubic
sweep:
  link.rtt: [20ms, 40ms]
`;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

describeWith('slurm', 'cclab sweep on a Slurm job array', () => {
  let dir = '';
  let env: NodeJS.ProcessEnv = {};
  let pids: number[] = [];

  const slurm = (cmd: string, args: string[]) => execFileSync(cmd, args, { env, encoding: 'utf8' });
  const sweep = (args: string[]) => {
    const r = spawnSync(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'sweep', ...args], { env, encoding: 'utf8' });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  /** Wait until none of the jobs is queued or running any more. */
  const waitGone = async (ids: string[], limitMs = 90_000) => {
    const t0 = Date.now();
    while (Date.now() - t0 < limitMs) {
      if (slurm('squeue', ['-h', '-j', ids.join(','), '-o', '%i']).trim() === '') return;
      await sleep(200);
    }
    throw new Error(`jobs ${ids.join(',')} still queued after ${limitMs / 1000} s:\n${slurm('squeue', [])}`);
  };
  const submitted = (out: string) => {
    const m = /submitted: array job (\d+) \((\d+) tasks\), collect job (\d+) \(afterany:\1\)/.exec(out);
    expect(m, out).not.toBeNull();
    return { array: m![1]!, tasks: Number(m![2]), collect: m![3]! };
  };
  const log = (out: string, name: string) => readFileSync(join(out, 'slurm', 'logs', name), 'utf8');

  beforeAll(() => {
    // the folder itself from mkdtemp: munge must reach its socket through it (slurm.sh makes it 711)
    dir = mkdtempSync(join(tmpdir(), 'cclab-slurm-'));
    const up = spawnSync('bash', [SCRIPT, 'up', dir], { encoding: 'utf8' });
    if (up.status !== 0) throw new Error(`test/env/slurm.sh up failed: ${up.stderr}`);
    pids = readFileSync(join(dir, 'pids'), 'utf8').trim().split(/\s+/).map(Number);
    env = { ...process.env, SLURM_CONF: join(dir, 'slurm.conf'), PATH: `${process.env.PATH}:/usr/sbin`, CCLAB_DEBUG: '' };
  }, 60_000);

  afterAll(() => {
    if (dir === '') return;
    spawnSync('bash', [SCRIPT, 'down', dir], { encoding: 'utf8' });
    const alive = pids.filter((p) => {
      try {
        process.kill(p, 0);
        return true;
      } catch {
        return false;
      }
    });
    // no daemon nor job step of this cluster is left
    const left = spawnSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter((l) => l.includes(dir) && !l.includes(' ps '));
    rmSync(dir, { recursive: true, force: true });
    expect(alive).toEqual([]);
    expect(left).toEqual([]);
  }, 30_000);

  it('runs a sweep as an array of 4 tasks plus the collect job, and collects the summary.csv of a local run, byte for byte', async () => {
    const tmp = tempDir('slurm-a');
    const file = writeScenario(tmp, 'small', SMALL);
    const local = cclab(['sweep', file, '--out', join(tmp, 'local'), '--jobs', '2']);
    expect(local.status).toBe(0);

    const out = join(tmp, 'sharded');
    const e = sweep([file, '--out', out, '--emit', 'slurm', '--shards', '4', '--submit']);
    expect(e.stderr).toBe('');
    expect(e.status).toBe(0);
    const ids = submitted(e.stdout);
    expect(ids.tasks).toBe(4);
    await waitGone([ids.array, ids.collect]);

    // every task ran its shard on one CPU (SLURM_CPUS_PER_TASK), the collect job found everything
    for (let i = 0; i < 4; i++) expect(log(out, `shard-${i}.out`)).toMatch(new RegExp(`shard ${i}/4 of small: 2 of 8 points; ran 2, skipped 0 already done, 0 failed \\(\\d+\\.\\d s, 1 job\\)`));
    const collected = readdirSync(join(out, 'slurm', 'logs')).filter((n) => n.startsWith('collect-'));
    expect(collected).toEqual([`collect-${ids.collect}.out`]);
    expect(log(out, collected[0]!)).toContain('collect small: 8 of 8 points done (4 shards)');
    expect(readFileSync(join(out, 'summary.csv'), 'utf8')).toBe(readFileSync(join(tmp, 'local', 'summary.csv'), 'utf8'));
    expect(readFileSync(join(dir, 'log', 'jobcomp.txt'), 'utf8').match(/JobState=COMPLETED/g)).toHaveLength(5);
  }, 120_000);

  it('after a task is cancelled midway, collect names its index; resubmitting that index alone completes the sweep without running a point twice', async () => {
    const tmp = tempDir('slurm-b');
    const file = writeScenario(tmp, 'slower', SLOWER);
    const out = join(tmp, 'sharded');
    // one task at a time, so that task 1 can be watched and cancelled while it works
    const e = sweep([file, '--out', out, '--emit', 'slurm', '--shards', '3', '--parallel', '1', '--submit']);
    expect(e.status).toBe(0);
    const ids = submitted(e.stdout);
    const keys = (JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')) as { points: { key: string }[] }).points.map((p) => p.key);
    const done = () => keys.filter((k) => existsSync(join(out, 'points', k, 'summary.json')));

    // task 1 starts once task 0's 4 points are in; cancel it after its first point, before its last
    const t0 = Date.now();
    let cancelledAt = -1;
    while (Date.now() - t0 < 60_000) {
      const n = done().length;
      if (n > 4 && n < 8) {
        slurm('scancel', [`${ids.array}_1`]);
        cancelledAt = n;
        break;
      }
      if (n >= 8) break;
      await sleep(50);
    }
    expect(cancelledAt, 'task 1 was not caught midway').toBeGreaterThan(4);
    await waitGone([ids.array, ids.collect]);

    const before = new Map(done().map((k) => [k, statSync(join(out, 'points', k, 'point.json')).mtimeMs]));
    expect(before.size).toBeLessThan(12);
    expect(existsSync(join(out, 'shards', '1-of-3.json'))).toBe(false);
    // the collect job ran (afterany) and listed exactly what is missing, all of shard 1, and how to resubmit it
    const firstCollect = log(out, `collect-${ids.collect}.out`);
    const missing = firstCollect.split('\n').filter((l) => l.startsWith('missing: '));
    expect(missing.map((l) => /points\/(\S+)/.exec(l)![1]).sort()).toEqual(keys.filter((k) => !before.has(k)).sort());
    expect(missing.every((l) => l.includes('(shard 1): not run'))).toBe(true);
    const resubmit = /^resubmit shard 1: (.*)$/m.exec(firstCollect);
    expect(resubmit, firstCollect).not.toBeNull();
    expect(resubmit![1]).toContain('--array=1 ');
    // the cancelled task's temporary folders went with it (SIGTERM cleans up)
    expect(readdirSync(join(out, 'points')).filter((n) => n.includes('.tmp-'))).toEqual([]);

    // resubmit the index alone, with a collect job after it, as collect printed
    execFileSync('bash', ['-c', resubmit![1]!], { env });
    await sleep(300);
    const queued = slurm('squeue', ['-h', '-o', '%i']).trim().split('\n').filter(Boolean);
    await waitGone(queued.length ? queued.map((q) => q.replace(/_.*/, '')) : ['0']);

    const rec = JSON.parse(readFileSync(join(out, 'shards', '1-of-3.json'), 'utf8')) as { points: string[]; skipped: number; ran: number };
    expect(rec.points).toHaveLength(4);
    // shards 0 and 2 finished (4 points each); what shard 1 had written before it was cancelled is skipped
    expect(rec.skipped).toBe(before.size - 8);
    expect(rec.skipped).toBeGreaterThan(0);
    expect(rec.ran).toBe(4 - rec.skipped);
    // the points done before were not computed again
    for (const [k, t] of before) expect(statSync(join(out, 'points', k, 'point.json')).mtimeMs).toBe(t);
    const logs = readdirSync(join(out, 'slurm', 'logs')).filter((n) => n.startsWith('collect-')).sort();
    expect(logs).toHaveLength(2);
    const last = logs.map((n) => log(out, n)).find((t) => t !== firstCollect)!;
    expect(last).toContain('collect slower: 12 of 12 points done (3 shards)');
    const local = cclab(['sweep', file, '--out', join(tmp, 'local'), '--jobs', '2']);
    expect(local.status).toBe(0);
    expect(readFileSync(join(out, 'summary.csv'), 'utf8')).toBe(readFileSync(join(tmp, 'local', 'summary.csv'), 'utf8'));
  }, 180_000);
});
