import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, cclab, tempDir, writeScenario } from './cli.js';

/** A 2 × 2 sweep with 2 seeds: 8 short runs. */
const TINY = `
name: tiny
duration: 2s
seeds: 2
link: { rate: 10mbit, rtt: 20ms }
flows:
  - cc: reno
sweep:
  link.loss: [0, 1%]
  link.rtt: [20ms, 40ms]
`;

function pointDirs(dir: string): string[] {
  return readdirSync(join(dir, 'points')).sort();
}

function plannedKeys(dir: string): string[] {
  const plan = JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8')) as { points: { key: string }[] };
  return plan.points.map((p) => p.key).sort();
}

describe('cclab sweep', () => {
  it('gives the same summary.csv with --jobs 1 and --jobs 2', () => {
    const tmp = tempDir('jobs');
    const file = writeScenario(tmp, 'tiny', TINY);
    const a = cclab(['sweep', file, '--jobs', '1', '--out', join(tmp, 'j1')]);
    const b = cclab(['sweep', file, '--jobs', '2', '--out', join(tmp, 'j2')]);
    expect(a.stderr).not.toMatch(/failed: /);
    expect(a.status).toBe(0);
    expect(b.status).toBe(0);
    const csv1 = readFileSync(join(tmp, 'j1', 'summary.csv'), 'utf8');
    const csv2 = readFileSync(join(tmp, 'j2', 'summary.csv'), 'utf8');
    expect(csv2).toBe(csv1);
    expect(readFileSync(join(tmp, 'j2', 'summary.json'), 'utf8')).toBe(readFileSync(join(tmp, 'j1', 'summary.json'), 'utf8'));
    // tidy: a header and one row per combination × flow, every swept path a column
    const lines = csv1.trim().split('\n');
    expect(lines).toHaveLength(1 + 4);
    const header = lines[0]!.split(',');
    expect(header).toEqual(expect.arrayContaining(['link.loss', 'link.rtt', 'flow', 'cc', 'n', 'goodput_mbps_mean', 'goodput_mbps_ci95_lo', 'goodput_mbps_ci95_hi', 'jain_mean']));
    expect(pointDirs(join(tmp, 'j1'))).toHaveLength(8);
    // not a terminal: plain progress lines instead of a bar
    expect(b.stderr).toContain('sweep: 8 points, 0 already done, 8 to run');
    expect(b.stderr).toMatch(/sweep: 8\/8 points \(100%\), 0 failed/);
    expect(b.stderr).not.toContain('\u001b[');
  });

  it("gives each flow's own base RTT in summary.csv's rtt_ms when flows have their own rtt", () => {
    const tmp = tempDir('flowrtt');
    const file = writeScenario(tmp, 'rtts', `
name: rtts
duration: 2s
seeds: 1
link: { rate: 10mbit, rtt: 20ms }
flows:
  - cc: cubic
  - cc: cubic
    rtt: 60ms
sweep:
  flows[1].rtt: [60ms, 100ms]
`);
    const r = cclab(['sweep', file, '--jobs', '1', '--out', join(tmp, 'out')]);
    expect(r.status).toBe(0);
    const [head, ...rows] = readFileSync(join(tmp, 'out', 'summary.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
    const col = (n: string) => head!.indexOf(n);
    expect(rows.map((x) => [x[col('flows[1].rtt')], x[col('flow')], x[col('rtt_ms')]])).toEqual([
      ['60ms', '0', '20'],
      ['60ms', '1', '60'],
      ['100ms', '0', '20'],
      ['100ms', '1', '100'],
    ]);
  });

  it.runIf(existsSync('/usr/bin/script'))('shows a progress bar with points, ETA and failures on a terminal', () => {
    const tmp = tempDir('tty');
    const file = writeScenario(tmp, 'tiny', TINY);
    // script(1) gives the sweep a pseudo-terminal
    const cmd = [process.execPath, CLI, 'sweep', file, '--out', join(tmp, 'out'), '--jobs', '2'].map((a) => `'${a}'`).join(' ');
    const r = spawnSync('/usr/bin/script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/sweep \|[\u2588\u2591]+\| 8\/8 points \| 100% \| ETA \S+ \| failures 0/);
  });

  it('skips finished points on a re-run and recomputes them with --force', () => {
    const tmp = tempDir('resume');
    const file = writeScenario(tmp, 'tiny', TINY);
    const out = join(tmp, 'out');
    expect(cclab(['sweep', file, '--out', out, '--jobs', '2']).status).toBe(0);
    const first = readFileSync(join(out, 'summary.csv'), 'utf8');
    const again = cclab(['sweep', file, '--out', out, '--jobs', '2']);
    expect(again.stdout).toMatch(/ran 0, skipped 8 already done/);
    const forced = cclab(['sweep', file, '--out', out, '--jobs', '2', '--force']);
    expect(forced.stdout).toMatch(/ran 8, skipped 0/);
    expect(readFileSync(join(out, 'summary.csv'), 'utf8')).toBe(first);
  });

  it('loses at most the points in flight when killed with SIGKILL, and a re-run completes it exactly', async () => {
    const tmp = tempDir('kill');
    const file = writeScenario(
      tmp,
      'killme',
      `
name: killme
duration: 4s
seeds: 2
link: { rate: 20mbit, rtt: 20ms }
flows:
  - cc: reno
sweep:
  link.loss: [0, 0.5%, 1%, 2%]
  link.rtt: [10ms, 20ms, 40ms]
`,
    );
    const total = 4 * 3 * 2;
    const ref = join(tmp, 'ref');
    expect(cclab(['sweep', file, '--out', ref, '--jobs', '2']).status).toBe(0);

    const out = join(tmp, 'killed');
    const child = spawn(process.execPath, [CLI, 'sweep', file, '--out', out, '--jobs', '2'], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((res) => child.on('exit', (_c, sig) => res(sig)));
    const done = () => (existsSync(join(out, 'points')) ? pointDirs(out).filter((d) => !d.startsWith('.')).length : 0);
    while (done() < 1) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const survivors = pointDirs(out).filter((d) => !d.startsWith('.'));
    expect(survivors.length).toBeLessThan(total); // killed mid-way
    for (const d of survivors) {
      // every point on disk is complete and parseable
      expect(() => JSON.parse(readFileSync(join(out, 'points', d, 'summary.json'), 'utf8'))).not.toThrow();
      expect(readFileSync(join(out, 'points', d, 'summary.json'), 'utf8')).toBe(readFileSync(join(ref, 'points', d, 'summary.json'), 'utf8'));
    }

    const resumed = cclab(['sweep', file, '--out', out, '--jobs', '2']);
    expect(resumed.status).toBe(0);
    expect(resumed.stdout).toContain(`skipped ${survivors.length} already done`);
    // every point exactly once, nothing half-written left behind
    expect(pointDirs(out)).toEqual(plannedKeys(out));
    expect(pointDirs(out)).toHaveLength(total);
    expect(readFileSync(join(out, 'summary.csv'), 'utf8')).toBe(readFileSync(join(ref, 'summary.csv'), 'utf8'));
    expect(readFileSync(join(out, 'summary.json'), 'utf8')).toBe(readFileSync(join(ref, 'summary.json'), 'utf8'));
  });
});
