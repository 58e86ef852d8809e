/**
 * Re-running a sweep: a point counts as done only when its files parse,
 * match the schema and the plan; anything else is recomputed with one line
 * saying so. One sweep at a time per folder (a lock naming its holder).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, cclab, tempDir, writeScenario } from './cli.js';

const TINY = `
name: tiny
duration: 1s
seeds: 2
link: { rate: 10mbit, rtt: 20ms }
flows: [{ cc: reno }]
sweep:
  link.loss: [0, 1%]
`;

/** Long enough to still run while a second sweep tries the folder. */
const SLOW = `
name: slow
duration: 60s
link: { rate: 500mbit, rtt: 20ms }
flows: [{ cc: cubic }]
sweep:
  link.loss: [0, 0.01%, 0.1%]
`;

describe('resuming a sweep', () => {
  it('recomputes a point whose files are broken, with one line each, and the summary is whole again', () => {
    const tmp = tempDir('broken');
    const file = writeScenario(tmp, 'tiny', TINY);
    const out = join(tmp, 'sw');
    expect(cclab(['sweep', file, '--out', out]).status).toBe(0);
    const csv = readFileSync(join(out, 'summary.csv'), 'utf8');
    const [a, b, c, d] = readdirSync(join(out, 'points')).sort();
    truncateSync(join(out, 'points', a!, 'summary.json'), 100);
    const ts = join(out, 'points', b!, 'timeseries.csv');
    writeFileSync(ts, readFileSync(ts, 'utf8').slice(0, -10));
    const rec = JSON.parse(readFileSync(join(out, 'points', c!, 'point.json'), 'utf8'));
    writeFileSync(join(out, 'points', c!, 'point.json'), JSON.stringify({ ...rec, hash: 'feedfeedfeed' }));
    const res = JSON.parse(readFileSync(join(out, 'points', d!, 'resolved.json'), 'utf8'));
    writeFileSync(join(out, 'points', d!, 'resolved.json'), JSON.stringify({ ...res, durationNs: 2e9 }));
    const r = cclab(['sweep', file, '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const notes = r.stderr.split('\n').filter((l) => l.includes('recomputing'));
    expect(notes).toEqual([
      `points/${a}: summary.json is not valid JSON (100 bytes); recomputing it`,
      `points/${b}: timeseries.csv is cut short; recomputing it`,
      `points/${c}: point.json is of another point (${c}); recomputing it`,
      `points/${d}: resolved.json does not match the plan's scenario hash ${d!.split('-')[0]}; recomputing it`,
    ]);
    expect(r.stdout).toMatch(/ran 4, skipped 0 already done, 0 failed/);
    expect(readFileSync(join(out, 'summary.csv'), 'utf8')).toBe(csv);
    // and now they are done
    const again = cclab(['sweep', file, '--out', out]);
    expect(again.stdout).toMatch(/ran 0, skipped 4 already done/);
    expect(again.stderr).not.toMatch(/recomputing/);
  });

  it('a point written before timeseries.csv had delivered_bytes still counts as done', () => {
    const tmp = tempDir('before-delivered');
    const file = writeScenario(tmp, 'tiny', TINY);
    const out = join(tmp, 'sw');
    expect(cclab(['sweep', file, '--out', out]).status).toBe(0);
    const points = readdirSync(join(out, 'points'));
    for (const p of points) {
      const ts = join(out, 'points', p, 'timeseries.csv');
      const lines = readFileSync(ts, 'utf8').split('\n');
      const i = lines[0]!.split(',').indexOf('delivered_bytes');
      expect(i).toBe(14);
      writeFileSync(ts, lines.map((l) => (l === '' ? l : l.split(',').filter((_, k) => k !== i).join(','))).join('\n'));
      expect(readFileSync(ts, 'utf8')).toMatch(/^time_s,flow,cwnd_pkts,pacing_mbps,inflight_pkts,delivery_mbps,srtt_ms,goodput_mbps,retrans_segs,queue_pkts,queue_bytes,link_mbps,ca_state,cc_mode\n/);
    }
    const r = cclab(['sweep', file, '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ran 0, skipped 4 already done/);
    expect(r.stderr).not.toMatch(/recomputing/);
    // and its charts still draw
    expect(cclab(['chart', out, '--out', join(tmp, 'charts'), '--format', 'svg']).status).toBe(0);
  });

  it('a summary that parses but misses fields is not done either', () => {
    const tmp = tempDir('fields');
    const file = writeScenario(tmp, 'tiny', TINY);
    const out = join(tmp, 'sw');
    expect(cclab(['sweep', file, '--out', out]).status).toBe(0);
    const p = readdirSync(join(out, 'points')).sort()[0]!;
    const s = JSON.parse(readFileSync(join(out, 'points', p, 'summary.json'), 'utf8'));
    delete s.flows;
    writeFileSync(join(out, 'points', p, 'summary.json'), JSON.stringify(s));
    const r = cclab(['sweep', file, '--out', out]);
    expect(r.stderr).toMatch(new RegExp(`points/${p}: summary.json does not match the result schema \\(flows: .*\\); recomputing it`));
    expect(r.stdout).toMatch(/ran 1, skipped 3/);
  });
});

describe('the sweep folder lock', () => {
  it('refuses a second sweep into a folder in use, naming the holder; the first is unharmed', async () => {
    const tmp = tempDir('lock');
    const slow = writeScenario(tmp, 'slow', SLOW);
    const tiny = writeScenario(tmp, 'tiny', TINY);
    const out = join(tmp, 'shared');
    const child = spawn(process.execPath, [CLI, 'sweep', slow, '--out', out, '--jobs', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const lock = join(out, '.cclab.lock');
      for (let i = 0; i < 200 && !existsSync(lock); i++) await new Promise((r) => setTimeout(r, 50));
      const holder = JSON.parse(readFileSync(lock, 'utf8'));
      expect(holder).toMatchObject({ schema: 'cclab.lock/1', host: hostname(), pid: child.pid, shard: null });
      const r = cclab(['sweep', tiny, '--out', out]);
      expect(r.status).toBe(2);
      expect(r.stderr.trim()).toMatch(new RegExp(`^cclab: ${out}: in use by another cclab \\(pid ${child.pid} on ${hostname()} since \\S+: cclab sweep .*slow\\.yaml.*\\); wait for it to finish$`));
      // the second sweep wrote nothing
      expect(JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')).scenario).toBe('slow');
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
    expect(existsSync(join(out, '.cclab.lock'))).toBe(false);
  });

  it('takes over a stale lock of a dead process on this host; not one of another host', () => {
    const tmp = tempDir('stale');
    const tiny = writeScenario(tmp, 'tiny', TINY);
    const out = join(tmp, 'sw');
    expect(cclab(['sweep', tiny, '--out', out]).status).toBe(0);
    const dead = { schema: 'cclab.lock/1', host: hostname(), pid: 2 ** 22 + 17, startTicks: 1, startedAt: '2020-01-01T00:00:00.000Z', command: 'cclab sweep x', shard: null, token: 'x' };
    writeFileSync(join(out, '.cclab.lock'), JSON.stringify(dead));
    const r = cclab(['sweep', tiny, '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(out, '.cclab.lock'))).toBe(false);
    writeFileSync(join(out, '.cclab.lock'), JSON.stringify({ ...dead, host: 'elsewhere' }));
    const other = cclab(['sweep', tiny, '--out', out]);
    expect(other.status).toBe(2);
    expect(other.stderr.trim()).toBe(
      `cclab: ${out}: in use by another cclab (pid ${dead.pid} on elsewhere since 2020-01-01T00:00:00.000Z: cclab sweep x); wait for it to finish, or remove ${join(out, '.cclab.lock')} if that process is gone`,
    );
  });
});
