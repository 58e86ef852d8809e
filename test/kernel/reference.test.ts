/**
 * The compact reference tree: archives of what each kernel run measured, and
 * derived files regenerated from them (src/kernel/reference.ts).
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { derivedFiles, findRunArchives, kernelNotice, loadArchive, loadRunTree, packRuns, readRunArchive, RUN_ARCHIVE_SUFFIX, unpackTree } from '../../src/kernel/reference.js';
import { findRuns } from '../../src/analysis/compare.js';
import { readTar, writeTar } from '../../src/kernel/vm/tar.js';
import { execFileSync } from 'node:child_process';

const REFERENCE = 'results/reference/linux-6.1.0-56-amd64';
const SUMS = join(import.meta.dirname, 'fixtures', 'reference-derived.sha256');
const SUMS_AQM = join(import.meta.dirname, 'fixtures', 'reference-derived-aqm.sha256');

const sha16 = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 16);

/** A CSV without some columns, which must be empty in every row (or, with `filled`, set on every flow row). */
function withoutColumns(csv: string, names: string[], filled = false): string {
  const lines = csv.split('\n');
  const head = lines[0]!.split(',');
  const drop = new Set(names.map((n) => head.indexOf(n)).filter((i) => i >= 0));
  expect(drop.size, `${names.join('/')} in the header`).toBe(names.length);
  const flow = head.indexOf('flow');
  return lines
    .map((l, li) => {
      if (l === '') return l;
      const cells = l.split(',');
      if (li > 0) {
        for (const i of drop) {
          if (!filled) expect(cells[i], `${names.join('/')} of row ${li}`).toBe('');
          else if (/^\d+$/.test(cells[flow]!)) expect(cells[i], `${names.join('/')} of flow row ${li}`).toMatch(/^\d+$/);
        }
      }
      return cells.filter((_, i) => !drop.has(i)).join(',');
    })
    .join('\n');
}

describe('the committed reference tree', () => {
  /** A fixture's lines: run directory (relative to the tree) -> its derived files' hashes. */
  const fixture = (file: string): Map<string, string> =>
    new Map(
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        .map((l) => [l.split(' ')[0]!, l.slice(l.indexOf(' ') + 1)]),
    );
  /** Every archived run's derived files as hashes, keyed like the fixtures. */
  function regenerated(strip: (run: string, d: Record<string, string>) => void): Map<string, string> {
    const got = new Map<string, string>();
    for (const file of findRunArchives(REFERENCE)) {
      for (const r of loadArchive(file)) {
        const d = derivedFiles(r.artifacts);
        const run = r.dir.slice(REFERENCE.length + 1);
        strip(run, d);
        got.set(
          run,
          Object.keys(d)
            .sort()
            .map((k) => `${k}:${sha16(d[k]!)}`)
            .join(' '),
        );
      }
    }
    return got;
  }

  it('regenerates every run\'s summary.json, timeseries.csv and notes byte for byte as they were before packing', () => {
    const packed = fixture(SUMS); // the groups run before the archives existed
    const aqm = fixture(SUMS_AQM); // the groups packed as they were run
    const got = regenerated((run, d) => {
      // every run: delivered_bytes, added since from what the sampler always printed (tcpi_delivered), so it is set
      // on every flow row; the fixtures hash the files as they were written before it
      d['timeseries.csv'] = withoutColumns(d['timeseries.csv']!, ['delivered_bytes'], true);
      if (!packed.has(run)) return;
      // what the converter has added since: the congestion state per sample (these runs' sampler
      // did not record it, so the columns are empty) and the transitions it gives; the rest is as it was
      d['timeseries.csv'] = withoutColumns(d['timeseries.csv']!, ['ca_state', 'cc_mode']);
      delete d['transitions.csv'];
    });
    expect(got.size).toBe(packed.size + aqm.size);
    const want = new Map([...packed, ...aqm]);
    const differ = [...want].filter(([k, v]) => got.get(k) !== v).map(([k]) => k);
    expect(differ).toEqual([]);
  });

  it('is small, holds no absolute path of a machine, and every group has its archive next to its scenario', () => {
    const files = readdirSync(REFERENCE);
    const archives = files.filter((f) => f.endsWith(RUN_ARCHIVE_SUFFIX));
    expect(archives.length).toBeGreaterThanOrEqual(5);
    for (const a of archives) expect(files).toContain(a.replace(RUN_ARCHIVE_SUFFIX, '.yaml'));
    // every tree, every archive
    for (const a of findRunArchives('results/reference')) {
      const text = brotliDecompressSync(readFileSync(a)).toString('latin1');
      for (const p of ['"/work', '"/tmp', '"/root', '"/home']) expect(text.includes(p), `${a} contains ${p}`).toBe(false);
    }
    // no loose run directories: every run is in an archive
    expect(findRuns(REFERENCE)).toEqual([]);
  });
});

describe('packing and unpacking', () => {
  /** A small tree: the runs of one reference point unpacked as plain run directories. */
  function looseTree(): string {
    const tree = join(mkdtempSync(join(tmpdir(), 'cclab-ref-')), 'tree');
    expect(unpackTree(join(REFERENCE, `kernel-brutal${RUN_ARCHIVE_SUFFIX}`), tree)).toBe(30);
    const dirs = readdirSync(join(tree, 'kernel-brutal')).sort();
    for (const d of dirs.slice(4)) rmSync(join(tree, 'kernel-brutal', d), { recursive: true });
    return tree;
  }

  it('moves run directories into the archive, and reading the tree gives the same runs', () => {
    const tree = looseTree();
    const before = findRuns(tree).map((r) => [r.dir, JSON.stringify(r.summary)]).sort();
    expect(before).toHaveLength(4);
    expect(packRuns(tree, 'kernel-brutal')).toBe(4);
    expect(existsSync(join(tree, 'kernel-brutal'))).toBe(false);
    expect(existsSync(join(tree, `kernel-brutal${RUN_ARCHIVE_SUFFIX}`))).toBe(true);
    const after = loadRunTree(tree).map((r) => [r.dir, JSON.stringify(r.summary)]).sort();
    expect(after).toEqual(before);
    // only what was measured or given is stored
    for (const r of readRunArchive(join(tree, `kernel-brutal${RUN_ARCHIVE_SUFFIX}`))) {
      expect(Object.keys(r.files).filter((f) => !f.startsWith('raw/')).sort()).toEqual(['meta.json', 'resolved.json', 'scenario.yaml']);
      expect(Object.keys(r.files)).toContain('raw/samples.txt');
    }
  });

  it('extends an archive, and refuses a run whose summary its raw files no longer give, keeping its directory', () => {
    const tree = looseTree();
    const dirs = readdirSync(join(tree, 'kernel-brutal')).sort();
    // pack two, then the other two into the same archive
    const aside = join(tree, '..', 'aside');
    for (const d of dirs.slice(2)) cpSync(join(tree, 'kernel-brutal', d), join(aside, d), { recursive: true });
    for (const d of dirs.slice(2)) rmSync(join(tree, 'kernel-brutal', d), { recursive: true });
    expect(packRuns(tree, 'kernel-brutal')).toBe(2);
    for (const d of dirs.slice(2)) cpSync(join(aside, d), join(tree, 'kernel-brutal', d), { recursive: true });
    // a summary edited by hand: not what its raw files give
    const edited = join(tree, 'kernel-brutal', dirs[3]!, 'summary.json');
    writeFileSync(edited, readFileSync(edited, 'utf8').replace(/"goodputMbps": [\d.]+/, '"goodputMbps": 1'));
    expect(() => packRuns(tree, 'kernel-brutal')).toThrow(/summary\.json differs from the one its raw files give today/);
    expect(readdirSync(join(tree, 'kernel-brutal')).sort()).toEqual(dirs.slice(2)); // nothing removed
    expect(readRunArchive(join(tree, `kernel-brutal${RUN_ARCHIVE_SUFFIX}`))).toHaveLength(2); // archive unchanged
    rmSync(join(tree, 'kernel-brutal', dirs[3]!), { recursive: true });
    expect(packRuns(tree, 'kernel-brutal')).toBe(1);
    expect(readRunArchive(join(tree, `kernel-brutal${RUN_ARCHIVE_SUFFIX}`)).map((r) => r.name)).toEqual(dirs.slice(0, 3));
  });

  it('makes the same bytes from the same runs', () => {
    const a = looseTree();
    const b = looseTree();
    packRuns(a, 'kernel-brutal');
    packRuns(b, 'kernel-brutal');
    expect(readFileSync(join(a, `kernel-brutal${RUN_ARCHIVE_SUFFIX}`)).equals(readFileSync(join(b, `kernel-brutal${RUN_ARCHIVE_SUFFIX}`)))).toBe(true);
  });

  it('says which file is not an archive', () => {
    const root = mkdtempSync(join(tmpdir(), 'cclab-ref-bad-'));
    writeFileSync(join(root, `x${RUN_ARCHIVE_SUFFIX}`), 'not brotli');
    expect(() => loadRunTree(root)).toThrow(`${join(root, `x${RUN_ARCHIVE_SUFFIX}`)}: not a cclab run archive`);
  });
});

describe('tar writer', () => {
  it('writes archives that GNU tar and our reader read back', () => {
    const long = `${'d'.repeat(60)}/${'x'.repeat(90)}.json`;
    const files: [string, Buffer][] = [
      ['a/raw/samples.txt', Buffer.from('tcp t=1\n'.repeat(300))],
      ['a/empty', Buffer.alloc(0)],
      [long, Buffer.from('{}')],
    ];
    const tar = writeTar(files);
    expect(readTar(tar)).toEqual(Object.fromEntries(files));
    const listing = execFileSync('tar', ['-tvf', '-'], { input: tar, encoding: 'utf8' });
    expect(listing.trim().split('\n').map((l) => l.split(/\s+/).at(-1))).toEqual(files.map((f) => f[0]));
    const dir = mkdtempSync(join(tmpdir(), 'cclab-tarw-'));
    execFileSync('tar', ['-xf', '-', '-C', dir], { input: tar });
    expect(readFileSync(join(dir, 'a/raw/samples.txt'), 'utf8')).toBe('tcp t=1\n'.repeat(300));
    expect(readFileSync(join(dir, long), 'utf8')).toBe('{}');
  });
});

describe('which kernel a comparison is against', () => {
  const runs = () => loadRunTree(REFERENCE);
  it('names the reference kernel, and warns in one line when the test VM here runs another', () => {
    const same = kernelNotice('reference x', runs(), '6.1.0-56-amd64');
    expect(same.info).toBe('reference x: kernel runs of Linux 6.1.0-56-amd64 (1253 runs)');
    expect(same.warning).toBeNull();
    const other = kernelNotice('reference x', runs(), '6.1.0-57-amd64');
    expect(other.warning).toBe('warning: reference x holds runs of 6.1.0-56-amd64, but the test VM here runs 6.1.0-57-amd64; see results/reference/README.md on how the two compare');
    expect(kernelNotice('reference x', runs(), null).warning).toBeNull(); // no VM kernel installed: nothing to compare with
  });
  it('warns when a tree mixes kernels', () => {
    const mixed = runs().slice(0, 3).map((r, i) => ({ ...r, kernelRelease: i === 0 ? '6.1.0-57-amd64' : r.kernelRelease }));
    expect(kernelNotice('kernelDir y', mixed, '6.1.0-57-amd64').warning).toBe('warning: kernelDir y mixes runs of 2 kernels; compare runs of one kernel, or check that they agree');
  });
});
