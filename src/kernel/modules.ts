/**
 * Checking `--module` files before a batch: a module built for another
 * kernel is refused at once (one line), instead of every point failing with
 * "congestion control not available" after the whole batch ran.
 *
 * The kernel accepts a module only when the vermagic string in its .modinfo
 * section (what `modinfo -F vermagic` prints, e.g. "6.1.0-57-amd64 SMP
 * preempt mod_unload modversions") starts with its own release.
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../scenario/errors.js';

const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

/** The vermagic string of a module file, or null when it has none. */
export function moduleVermagic(file: string): string | null {
  const buf = readFileSync(file);
  const key = Buffer.from('vermagic=');
  let i = buf.indexOf(key);
  // the key also appears in the string table of some builds: take the one that is a .modinfo entry (preceded by NUL)
  while (i > 0 && buf[i - 1] !== 0) i = buf.indexOf(key, i + 1);
  if (i < 0) return null;
  const end = buf.indexOf(0, i);
  return buf.subarray(i + key.length, end < 0 ? buf.length : end).toString('latin1').trim();
}

/** Refuse (InputError) any module that is not an ELF kernel module built for `release`. */
export function checkModulesFor(modules: readonly string[], release: string): void {
  for (const m of modules) {
    const head = readFileSync(m).subarray(0, 4);
    if (!head.equals(ELF_MAGIC)) throw new InputError(`--module ${m}: not a kernel module (not an ELF file)`);
    const magic = moduleVermagic(m);
    if (magic === null) throw new InputError(`--module ${m}: not a kernel module (no vermagic in its .modinfo)`);
    const built = magic.split(/\s+/)[0]!;
    if (built !== release) {
      throw new InputError(`--module ${m}: built for Linux ${built}, but the VM runs ${release}; rebuild it against linux-headers-${release} (see docs/kernel.md)`);
    }
  }
}
