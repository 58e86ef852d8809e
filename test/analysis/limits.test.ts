/**
 * Work a sweep can be asked for is bounded and interruptible: the number of
 * points is checked before planning allocates, --jobs above the cores warns,
 * and SIGINT/SIGTERM end planning and running alike with one line, no
 * temporary files, and a folder that resumes.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, cclab, tempDir, writeScenario } from './cli.js';

function grid(name: string, a: number, b: number): string {
  const rates = Array.from({ length: a }, (_, i) => `${i + 1}mbit`).join(', ');
  const rtts = Array.from({ length: b }, (_, i) => `${i + 1}ms`).join(', ');
  return `name: ${name}\nduration: 1s\nlink: {rate: 10mbit, rtt: 20ms}\nflows: [{cc: reno}]\nsweep:\n  link.rate: [${rates}]\n  link.rtt: [${rtts}]\n`;
}

/** Every temporary file or folder (.<name>.tmp-<node>-<pid>-<hex>) under dir. */
function temps(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[]).filter((p) => /\.tmp-(?:[A-Za-z0-9.-]+-)?\d+-[0-9a-f]+$/.test(p));
}

/** Run the CLI, send `signal` once `ready(stderr)` holds (or after `afterMs`), and collect what it printed. */
async function interrupt(args: string[], signal: NodeJS.Signals, when: { afterMs?: number; ready?: (stderr: string) => boolean }) {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, sig) => resolve({ code, signal: sig })));
  let sentAt = 0;
  const send = () => {
    if (sentAt) return;
    sentAt = Date.now();
    child.kill(signal);
  };
  child.stderr.on('data', (d) => {
    stderr += d;
    if (when.ready?.(stderr)) send();
  });
  if (when.afterMs !== undefined) setTimeout(send, when.afterMs);
  const r = await exited;
  return { ...r, stderr, stdout, secondsAfterSignal: (Date.now() - sentAt) / 1000, sent: sentAt > 0 };
}

describe('bounded sweeps', () => {
  it('refuses more than 100000 points at once, before planning anything; --max-points allows more', () => {
    const tmp = tempDir('points');
    const file = writeScenario(tmp, 'huge', grid('huge', 1000, 1000));
    const t0 = Date.now();
    const r = cclab(['sweep', file, '--out', join(tmp, 'out')]);
    expect(Date.now() - t0).toBeLessThan(20_000); // was 88 s and 3.8 GB of planning
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe('cclab: sweep: up to 1000000 points (1000 x 1000 combinations x 1 seed); at most 100000 unless --max-points says more');
    expect(existsSync(join(tmp, 'out'))).toBe(false);
    const small = writeScenario(tmp, 'small', grid('small', 3, 2));
    const capped = cclab(['sweep', small, '--out', join(tmp, 'capped'), '--max-points', '5']);
    expect(capped.status).toBe(2);
    expect(capped.stderr.trim()).toBe('cclab: sweep: up to 6 points (3 x 2 combinations x 1 seed); at most 5 unless --max-points says more');
    expect(cclab(['sweep', small, '--out', join(tmp, 'ok'), '--max-points', '6']).status).toBe(0);
    const bad = cclab(['sweep', small, '--max-points', 'lots']);
    expect(bad.stderr.trim()).toBe('cclab: --max-points: expected a whole number of at least 1, got "lots"');
  });

  it('--jobs above the core count warns in one line', () => {
    const tmp = tempDir('jobs');
    const file = writeScenario(tmp, 'small', grid('small', 2, 1));
    const jobs = availableParallelism() * 32;
    const r = cclab(['sweep', file, '--out', join(tmp, 'out'), '--jobs', String(jobs)]);
    expect(r.status).toBe(0);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('warning:'))).toEqual([
      `warning: --jobs ${jobs} is more than the ${availableParallelism()} cores here: the sweep gets no faster and takes more memory`,
    ]);
    expect(cclab(['sweep', file, '--jobs', '100000']).status).toBe(2);
  });
});

describe('signals', () => {
  it('SIGINT ends planning too: one line, nothing written', async () => {
    const tmp = tempDir('plan-int');
    // 90,000 points: several seconds of planning
    const file = writeScenario(tmp, 'plan', grid('plan', 300, 300));
    const out = join(tmp, 'out');
    const r = await interrupt(['sweep', file, '--out', out], 'SIGINT', { afterMs: 1500 });
    expect(r.code).toBe(130);
    expect(r.secondsAfterSignal).toBeLessThan(3);
    expect(r.stderr.trim()).toBe('cclab: interrupted: 0 points kept, resume with the same command');
    expect(existsSync(out)).toBe(false);
  });

  it('SIGTERM while points run: one line with the points kept, no temporary files, and the same command resumes', async () => {
    const tmp = tempDir('run-term');
    const file = writeScenario(
      tmp,
      'mid',
      'name: mid\nduration: 20s\nlink: {rate: 200mbit, rtt: 20ms}\nflows: [{cc: cubic}]\nsweep:\n  link.loss: [0, 0.001%, 0.01%, 0.02%, 0.05%, 0.1%]\n',
    );
    const out = join(tmp, 'out');
    const args = ['sweep', file, '--out', out, '--jobs', '1'];
    const r = await interrupt(args, 'SIGTERM', { ready: (s) => /sweep: \d\/6 points/.test(s) || /6 to run/.test(s) });
    expect(r.sent).toBe(true);
    expect(r.code).toBe(143);
    const line = r.stderr.trim().split('\n').at(-1)!;
    const m = /^cclab: interrupted: (\d+) points? kept, resume with the same command$/.exec(line);
    expect(m, r.stderr).not.toBeNull();
    const kept = Number(m![1]);
    expect(kept).toBeLessThan(6);
    expect(temps(out)).toEqual([]);
    expect(existsSync(join(out, '.cclab.lock'))).toBe(false);
    const again = cclab(args);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`ran ${6 - kept}, skipped ${kept} already done, 0 failed`));
  });

  it('cclab demo ends on SIGINT the same way', async () => {
    const out = join(tempDir('demo-int'), 'headline');
    const r = await interrupt(['demo', '--out', out, '--jobs', '1'], 'SIGINT', { ready: (s) => /to run/.test(s) });
    expect(r.sent).toBe(true);
    expect(r.code).toBe(130);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^cclab: interrupted: \d+ points? kept, resume with the same command$/);
    expect(temps(out)).toEqual([]);
    expect(existsSync(join(out, '.cclab.lock'))).toBe(false);
  });
});
