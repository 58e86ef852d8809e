/**
 * --module files are checked before a VM boots: a module built for another
 * kernel (its vermagic), or a file that is no module, is one line, exit 2.
 * (The VM suite checks the same with a real module, and that a module the
 * guest refuses stops the batch at once.)
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkModulesFor, moduleVermagic } from '../../src/kernel/modules.js';

/** An ELF-looking file with a .modinfo-like vermagic entry. */
function fakeModule(dir: string, name: string, vermagic: string | null): string {
  const parts = [Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(64), Buffer.from('\0license=GPL\0')];
  if (vermagic !== null) parts.push(Buffer.from(`vermagic=${vermagic}\0name=tcp_x\0`));
  const file = join(dir, name);
  writeFileSync(file, Buffer.concat(parts));
  return file;
}

describe('module checks before the batch', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cclab-ko-'));

  it('reads the vermagic as modinfo -F vermagic prints it', () => {
    expect(moduleVermagic(fakeModule(dir, 'a.ko', '6.1.0-57-amd64 SMP preempt mod_unload modversions '))).toBe('6.1.0-57-amd64 SMP preempt mod_unload modversions');
    expect(moduleVermagic(fakeModule(dir, 'b.ko', null))).toBeNull();
  });

  it('accepts a module of the VM kernel, refuses one of another kernel or a file that is no module', () => {
    expect(() => checkModulesFor([fakeModule(dir, 'ok.ko', '6.1.0-57-amd64 SMP')], '6.1.0-57-amd64')).not.toThrow();
    const old = fakeModule(dir, 'old.ko', '6.1.0-56-amd64 SMP');
    expect(() => checkModulesFor([old], '6.1.0-57-amd64')).toThrow(
      `--module ${old}: built for Linux 6.1.0-56-amd64, but the VM runs 6.1.0-57-amd64; rebuild it against linux-headers-6.1.0-57-amd64 (see docs/kernel.md)`,
    );
    const text = join(dir, 'text.ko');
    writeFileSync(text, 'not a module\n');
    expect(() => checkModulesFor([text], '6.1.0-57-amd64')).toThrow(`--module ${text}: not a kernel module (not an ELF file)`);
    const none = fakeModule(dir, 'none.ko', null);
    expect(() => checkModulesFor([none], '6.1.0-57-amd64')).toThrow(`--module ${none}: not a kernel module (no vermagic in its .modinfo)`);
  });
});
