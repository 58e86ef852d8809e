/**
 * The VM's archive formats: the initramfs writer (newc cpio) read back by
 * busybox cpio, and the tar reader on archives made by GNU tar — as the guest's
 * busybox tar makes them.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { describeWith } from '../helpers/requires.js';
import { buildCpio, withParentDirs } from '../../src/kernel/vm/cpio.js';
import { readTar } from '../../src/kernel/vm/tar.js';
import { runArchive } from '../../src/kernel/vm/qemu.js';

describeWith('kernel', 'initramfs (newc cpio)', () => {
  const archive = buildCpio(
    withParentDirs([
      { kind: 'file', path: '/usr/bin/tool', data: '#!/bin/sh\necho hi\n', mode: 0o755 },
      { kind: 'symlink', path: '/bin/sh', target: 'busybox' },
      { kind: 'chardev', path: '/dev/console', major: 5, minor: 1 },
    ]),
  );
  it('lists parents before children, with modes, links and device numbers', () => {
    const names = execFileSync('busybox', ['cpio', '-it'], { input: archive, encoding: 'utf8' }).trim().split('\n');
    expect(names).toEqual(['usr', 'usr/bin', 'usr/bin/tool', 'bin', 'bin/sh', 'dev', 'dev/console']);
    const listing = execFileSync('busybox', ['cpio', '-itv'], { input: archive, encoding: 'utf8' });
    expect(listing).toMatch(/^lrwxrwxrwx .* bin\/sh -> busybox$/m);
    expect(listing).toMatch(/^-rwxr-xr-x .* usr\/bin\/tool$/m);
    expect(listing).toMatch(/^crw------- .* dev\/console$/m);
    // newc header fields 10 and 11 (rdevmajor, rdevminor) of /dev/console: 5, 1
    const at = archive.indexOf('dev/console\0') - 110;
    expect(archive.subarray(at + 78, at + 94).toString()).toBe('0000000500000001');
  });
  it('round-trips file contents', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cclab-cpio-'));
    try {
      execFileSync('busybox', ['cpio', '-id'], { input: archive, cwd: dir });
      expect(execFileSync('cat', [join(dir, 'usr/bin/tool')], { encoding: 'utf8' })).toBe('#!/bin/sh\necho hi\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it("puts a run's plans under /cclab/points in order", () => {
    const listing = execFileSync('busybox', ['cpio', '-it'], { input: runArchive(['a', 'b']), encoding: 'utf8' });
    expect(listing.trim().split('\n')).toEqual(['cclab', 'cclab/points', 'cclab/modules', 'cclab/points/0000', 'cclab/points/0000/plan.sh', 'cclab/points/0001', 'cclab/points/0001/plan.sh']);
  });
  it('is reproducible: same entries, same bytes', () => {
    const again = buildCpio(withParentDirs([{ kind: 'file', path: '/usr/bin/tool', data: '#!/bin/sh\necho hi\n', mode: 0o755 }, { kind: 'symlink', path: '/bin/sh', target: 'busybox' }, { kind: 'chardev', path: '/dev/console', major: 5, minor: 1 }]));
    expect(again.equals(archive)).toBe(true);
  });
});

describe('tar reader', () => {
  it('reads regular files, nested and with long names, as the guest sends them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cclab-tar-'));
    try {
      const long = `${'x'.repeat(120)}.txt`;
      mkdirSync(join(dir, 'raw'));
      writeFileSync(join(dir, 'summary.txt'), 'a\n');
      writeFileSync(join(dir, 'raw', 'samples.txt'), 'tcp t=1\n'.repeat(200));
      writeFileSync(join(dir, long), '');
      const tar = execFileSync('tar', ['-C', dir, '-cf', '-', '.']);
      const files = readTar(tar);
      expect(Object.keys(files).sort()).toEqual(['raw/samples.txt', 'summary.txt', long].sort());
      expect(files['raw/samples.txt']!.toString()).toBe('tcp t=1\n'.repeat(200));
      expect(files[long]!.length).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
