/**
 * cclab writes only into an empty folder or one it wrote (its .cclab
 * marker), never deletes what it did not write, and never replaces the
 * points of one backend by another's.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cclab, tempDir, writeScenario } from '../analysis/cli.js';

const RUN = ['run', 'scenarios/single-flow.yaml', '--set', 'duration=1s'];
const KERNEL_RUN = 'test/kernel/fixtures/compare/kernel/35dea6154cf0-seed1';

const TINY = `
name: tiny
duration: 1s
link: { rate: 10mbit, rtt: 20ms }
flows: [{ cc: reno }]
sweep:
  link.loss: [0, 1%]
`;

function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

/** Every file under dir, relative. */
function tree(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

describe('cclab run --out', () => {
  it('refuses a folder it did not write (the whole results/ tree stays), and a file', () => {
    const tmp = tempDir('out');
    const results = join(tmp, 'results');
    mkdirSync(join(results, 'reference'), { recursive: true });
    writeFileSync(join(results, 'reference', 'months-of-data.txt'), 'precious\n');
    const r = cclab([...RUN, '--out', results]);
    expect(r.status).toBe(2);
    expect(oneLine(r.stderr)).toBe(
      `cclab: --out ${results}: not empty and not written by cclab (no .cclab marker); cclab writes only into an empty folder or one it wrote: give another --out`,
    );
    expect(tree(results)).toEqual(['reference/months-of-data.txt']);
    // --force does not change that: it only ever replaces cclab's own files
    expect(cclab([...RUN, '--out', results, '--force']).status).toBe(2);
    expect(tree(results)).toEqual(['reference/months-of-data.txt']);

    const file = join(tmp, 'notes.txt');
    writeFileSync(file, 'mine\n');
    const f = cclab([...RUN, '--out', file]);
    expect(f.status).toBe(2);
    expect(oneLine(f.stderr)).toMatch(/--out .*notes\.txt: is a file, not a folder/);
    expect(readFileSync(file, 'utf8')).toBe('mine\n');
  });

  it('writes into an empty folder, also the current one (--out .)', () => {
    const tmp = tempDir('dot');
    const r = cclab([...RUN.slice(0, 1), join(process.cwd(), RUN[1]!), ...RUN.slice(2), '--out', '.'], tmp);
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(tmp).sort()).toEqual(['.cclab', 'meta.json', 'resolved.json', 'scenario.yaml', 'summary.json', 'timeseries.csv', 'transitions.csv']);
  });

  it('replaces a simulator run of its own, keeping the files a user added there', () => {
    const out = join(tempDir('again'), 'run');
    expect(cclab([...RUN, '--out', out]).status).toBe(0);
    writeFileSync(join(out, 'my-notes.md'), 'looked fine\n');
    const r = cclab(['run', 'scenarios/single-flow.yaml', '--set', 'duration=2s', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).durationS).toBe(2);
    expect(readFileSync(join(out, 'my-notes.md'), 'utf8')).toBe('looked fine\n');
  });

  it('a kernel run is replaced only with --force, which removes only the files cclab listed', () => {
    const tmp = tempDir('kern');
    const out = join(tmp, 'k');
    cpSync(KERNEL_RUN, out, { recursive: true });
    // an unmarked kernel run of an older cclab: recognised by its files
    writeFileSync(join(out, 'my-notes.md'), 'do not lose\n');
    const before = tree(out);
    const r = cclab([...RUN, '--out', out]);
    expect(r.status).toBe(2);
    expect(oneLine(r.stderr)).toBe(`cclab: --out ${out}: holds a kernel run; this run is on the simulator: give another --out, or --force to replace cclab's files there`);
    expect(tree(out)).toEqual(before);
    const f = cclab([...RUN, '--out', out, '--force']);
    expect(f.status, f.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).source).toBe('sim');
    // adopted: nothing of the older run deleted (its file list is unknown), the notes kept
    expect(readFileSync(join(out, 'my-notes.md'), 'utf8')).toBe('do not lose\n');
    for (const f of before) expect(existsSync(join(out, f)), f).toBe(true);
    expect(JSON.parse(readFileSync(join(out, '.cclab'), 'utf8'))).toMatchObject({ kind: 'run', backend: 'sim' });
    // a marked folder: a replacement removes the files the marker listed and the new run does not have
    const marker = JSON.parse(readFileSync(join(out, '.cclab'), 'utf8'));
    mkdirSync(join(out, 'raw'), { recursive: true });
    writeFileSync(join(out, 'raw', 'old.txt'), 'x');
    writeFileSync(join(out, '.cclab'), JSON.stringify({ ...marker, files: [...marker.files, 'raw/old.txt'] }));
    expect(cclab([...RUN, '--out', out]).status).toBe(0);
    expect(existsSync(join(out, 'raw'))).toBe(false);
    expect(readFileSync(join(out, 'my-notes.md'), 'utf8')).toBe('do not lose\n');
  });

  it('older run folders without the marker stay readable by chart and report', () => {
    const tmp = tempDir('legacy');
    const out = join(tmp, 'old');
    expect(cclab([...RUN, '--out', out]).status).toBe(0);
    rmSync(join(out, '.cclab'));
    const c = cclab(['chart', out]);
    expect(c.status, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/\d+ charts \(PNG, SVG, JSON data\) in /);
    expect(cclab(['report', out]).status).toBe(0);
  });
});

describe('cclab sweep --out', () => {
  it('refuses a folder it did not write, and a run folder', () => {
    const tmp = tempDir('swout');
    const file = writeScenario(tmp, 'tiny', TINY);
    mkdirSync(join(tmp, 'data'));
    writeFileSync(join(tmp, 'data', 'x.csv'), '1\n');
    const r = cclab(['sweep', file, '--out', join(tmp, 'data')]);
    expect(r.status).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/--out .*data: not empty and not written by cclab/);
    expect(tree(join(tmp, 'data'))).toEqual(['x.csv']);
    expect(cclab([...RUN, '--out', join(tmp, 'run')]).status).toBe(0);
    const s = cclab(['sweep', file, '--out', join(tmp, 'run')]);
    expect(s.status).toBe(2);
    expect(oneLine(s.stderr)).toMatch(/holds a run written by cclab, not a sweep; give another --out/);
  });

  it('never replaces the points of another backend: a kernel sweep folder is refused to the simulator', () => {
    const tmp = tempDir('backend');
    const file = writeScenario(tmp, 'tiny', TINY);
    const out = join(tmp, 'sw');
    expect(cclab(['sweep', file, '--out', out]).status).toBe(0);
    // make it what a kernel sweep leaves: marker, point records and summaries say kernel
    const marker = JSON.parse(readFileSync(join(out, '.cclab'), 'utf8'));
    writeFileSync(join(out, '.cclab'), JSON.stringify({ ...marker, backend: 'kernel' }));
    const points = readdirSync(join(out, 'points'));
    for (const p of points) {
      const rec = JSON.parse(readFileSync(join(out, 'points', p, 'point.json'), 'utf8'));
      writeFileSync(join(out, 'points', p, 'point.json'), JSON.stringify({ ...rec, simulator: 'kernel:vm' }));
    }
    const before = Object.fromEntries(points.map((p) => [p, readFileSync(join(out, 'points', p, 'point.json'), 'utf8')]));
    const r = cclab(['sweep', file, '--out', out]);
    expect(r.status).toBe(2);
    expect(oneLine(r.stderr)).toBe(
      `cclab: --out ${out}: holds a kernel sweep; this sweep runs on the simulator, and cclab never replaces points of another backend: give another --out`,
    );
    expect(cclab(['sweep', file, '--out', out, '--force']).status).toBe(2);
    // an older folder without the marker: the point records tell
    rmSync(join(out, '.cclab'));
    writeFileSync(join(out, 'meta.json'), JSON.stringify({ simulator: 'abc' }));
    const legacy = cclab(['sweep', file, '--out', out]);
    expect(legacy.status).toBe(2);
    expect(legacy.stderr).toMatch(/points\/\S+ and 1 more points were measured by the other backend; cclab never replaces them: give another --out/);
    for (const p of points) expect(readFileSync(join(out, 'points', p, 'point.json'), 'utf8')).toBe(before[p]);
  });

  it('a sweep named ".." cannot write outside its results folder', () => {
    const tmp = tempDir('dotdot');
    const file = writeScenario(tmp, 'dots', TINY.replace('name: tiny', 'name: ".."'));
    const r = cclab(['sweep', file, '--results', join(tmp, 'results')], tmp);
    expect(r.status).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/^cclab: sweep: .*name: "\.\." is not a plain file name$/);
    expect(readdirSync(tmp)).toEqual(['dots.yaml']);
  });
});
