/**
 * Crash test: a sweep killed with SIGKILL at 10 seeded moments, resumed
 * after each, ends with a summary byte-identical to an uninterrupted run, and
 * leaves no temporary file and no lock behind.
 *
 * Half the kills come at a seeded random time within an uninterrupted run's
 * wall time (start-up, planning, points, the summary writes). The other half
 * come when the sweep has finished a seeded number of new points, so they
 * land while other points are in flight however fast or slow the machine is:
 * timed kills alone can all land after the last point on a machine that runs
 * the resumed sweeps faster than the measured one (seen in CI).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, cclab, tempDir, writeScenario } from './cli.js';

const KILLS = 10;
const SEED = 1414;

const SCENARIO = `
name: crash
duration: 10s
seeds: 2
link: { rate: 50mbit, rtt: 20ms }
flows:
  - cc: reno
  - cc: cubic
sweep:
  link.loss: [0, 0.5%, 2%]
  link.rtt: [10ms, 40ms]
`;

/** mulberry32: a small seeded PRNG, so the kill moments are the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function leftovers(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[]).filter((p) => /\.tmp-(?:[A-Za-z0-9.-]+-)?\d+-[0-9a-f]+$/.test(p) || p.endsWith('.cclab.lock'));
}

type Ending = 'killed' | 'finished';

/** Start the sweep and SIGKILL it after `ms` (unless it ends first); resolves with how it ended. */
function runAndKill(args: string[], ms: number): Promise<Ending> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve(signal === 'SIGKILL' ? 'killed' : 'finished');
    });
  });
}

/** Start the sweep and SIGKILL it as soon as `done()` reaches `target` (unless it ends first). */
function runAndKillAt(args: string[], done: () => number, target: number): Promise<Ending> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: 'ignore' });
    const poll = setInterval(() => {
      if (done() >= target) child.kill('SIGKILL');
    }, 2);
    child.on('exit', (_code, signal) => {
      clearInterval(poll);
      resolve(signal === 'SIGKILL' ? 'killed' : 'finished');
    });
  });
}

describe('crash test', () => {
  it(`${KILLS} SIGKILLs at seeded moments (timed, and with points in flight), each resumed: the summary is byte-identical to an uninterrupted run, nothing temporary left`, async () => {
    const tmp = tempDir('crash');
    const file = writeScenario(tmp, 'crash', SCENARIO);
    const ref = join(tmp, 'ref');
    const t0 = Date.now();
    const r = cclab(['sweep', file, '--out', ref, '--jobs', '2']);
    const wallMs = Date.now() - t0;
    expect(r.status, r.stderr).toBe(0);

    const out = join(tmp, 'killed');
    const args = ['sweep', file, '--out', out, '--jobs', '2'];
    const random = prng(SEED);
    const total = readdirSync(join(ref, 'points')).length;
    const done = () => (existsSync(join(out, 'points')) ? readdirSync(join(out, 'points')).filter((d) => !d.startsWith('.')).length : 0);
    const endings: string[] = [];
    let midway = 0;
    for (let k = 0; k < KILLS; k++) {
      const before = done();
      const r = random();
      let how: Ending;
      let when: string;
      if (k % 2 === 0 && before < total - 1) {
        // when 1 or 2 more points are done: the other job's point is in flight
        const target = Math.min(total - 1, before + 1 + Math.floor(r * 2));
        how = await runAndKillAt(args, done, target);
        when = `at point ${target}`;
      } else {
        // anywhere in a whole run's time (each resumed run has less left to do): start-up, planning, points, the summary
        const at = Math.floor(r * wallMs);
        how = await runAndKill(args, at);
        when = `${at} ms`;
      }
      const after = done();
      if (how === 'killed' && after > before && after < total) midway++;
      endings.push(`${when}: ${how}, ${before} -> ${after} of ${total} points`);
    }
    // the kills did interrupt points being computed, not only start-ups
    expect(midway, endings.join('\n')).toBeGreaterThanOrEqual(1);
    const last = cclab(args);
    expect(last.status, last.stderr).toBe(0);
    for (const f of ['summary.csv', 'summary.json']) {
      expect(readFileSync(join(out, f), 'utf8'), f).toBe(readFileSync(join(ref, f), 'utf8'));
    }
    expect(readdirSync(join(out, 'points')).sort()).toEqual(readdirSync(join(ref, 'points')).sort());
    expect(leftovers(out)).toEqual([]);
  });
});
