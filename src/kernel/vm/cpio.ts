/**
 * A writer for the Linux initramfs format: a "newc" cpio archive (see the
 * kernel's Documentation/driver-api/early-userspace/buffer-format.rst).
 *
 * Each entry is a 110-byte ASCII header of hex fields, the NUL-terminated
 * name padded to 4 bytes, then the data padded to 4 bytes; a "TRAILER!!!"
 * entry ends the archive. The kernel unpacks concatenated archives one after
 * the other, which is how a per-run archive (plan scripts, extra modules) is
 * laid over the cached base image without rebuilding it.
 *
 * Written here rather than by cpio(1) so that the image is byte-for-byte
 * reproducible (fixed inode numbers, mtime 0, uid/gid 0) and needs no root.
 */

export type CpioEntry =
  | { kind: 'dir'; path: string; mode?: number }
  | { kind: 'file'; path: string; data: Uint8Array | string; mode?: number }
  | { kind: 'symlink'; path: string; target: string }
  | { kind: 'chardev'; path: string; major: number; minor: number; mode?: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;
const NEWC_MAGIC = '070701';
const HEADER_BYTES = 110;

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

/** Build one archive from entries, in order (parents before children). */
export function buildCpio(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  const push = (name: string, mode: number, data: Buffer, rdevMajor = 0, rdevMinor = 0, nlink = 1): void => {
    const nameBuf = Buffer.from(`${name}\0`, 'utf8');
    const fields = [ino++, mode, 0, 0, nlink, 0, data.length, 0, 0, rdevMajor, rdevMinor, nameBuf.length, 0];
    const header = Buffer.from(NEWC_MAGIC + fields.map(hex8).join(''), 'ascii');
    parts.push(header, nameBuf, Buffer.alloc(pad4(HEADER_BYTES + nameBuf.length)), data, Buffer.alloc(pad4(data.length)));
  };
  for (const e of entries) {
    const name = e.path.replace(/^\/+/, '');
    if (name === '') continue;
    switch (e.kind) {
      case 'dir':
        push(name, S_IFDIR | (e.mode ?? 0o755), Buffer.alloc(0), 0, 0, 2);
        break;
      case 'file':
        push(name, S_IFREG | (e.mode ?? 0o644), typeof e.data === 'string' ? Buffer.from(e.data, 'utf8') : Buffer.from(e.data));
        break;
      case 'symlink':
        push(name, S_IFLNK | 0o777, Buffer.from(e.target, 'utf8'));
        break;
      case 'chardev':
        push(name, S_IFCHR | (e.mode ?? 0o600), Buffer.alloc(0), e.major, e.minor);
        break;
    }
  }
  push('TRAILER!!!', 0, Buffer.alloc(0));
  return Buffer.concat(parts);
}

/** Add the parent directories of every path, once, before their children. */
export function withParentDirs(entries: readonly CpioEntry[]): CpioEntry[] {
  const seen = new Set<string>();
  const out: CpioEntry[] = [];
  for (const e of entries) {
    const parts = e.path.replace(/^\/+|\/+$/g, '').split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (!seen.has(dir)) {
        seen.add(dir);
        out.push({ kind: 'dir', path: dir });
      }
    }
    if (e.kind === 'dir') {
      const self = parts.join('/');
      if (seen.has(self)) continue;
      seen.add(self);
    }
    out.push(e);
  }
  return out;
}
