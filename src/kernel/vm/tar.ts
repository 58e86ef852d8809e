/**
 * Reading the tar archives the guest sends back (busybox tar: ustar, with
 * GNU long names when a name passes 100 bytes). Only regular files matter;
 * directories and other entries are skipped.
 */

const BLOCK = 512;

function str(buf: Buffer, off: number, len: number): string {
  const s = buf.subarray(off, off + len);
  const nul = s.indexOf(0);
  return s.subarray(0, nul < 0 ? s.length : nul).toString('utf8');
}

function octal(buf: Buffer, off: number, len: number): number {
  const s = str(buf, off, len).trim();
  return s === '' ? 0 : parseInt(s, 8);
}

/** Regular files of a tar archive: path (without a leading "./") -> content. */
export function readTar(buf: Buffer): Record<string, Buffer> {
  const files: Record<string, Buffer> = {};
  let off = 0;
  let longName: string | null = null;
  while (off + BLOCK <= buf.length) {
    const h = buf.subarray(off, off + BLOCK);
    if (h.every((b) => b === 0)) break;
    const size = octal(h, 124, 12);
    const type = String.fromCharCode(h[156]!);
    const magic = str(h, 257, 6);
    let name = str(h, 0, 100);
    if (magic.startsWith('ustar')) {
      const prefix = str(h, 345, 155);
      if (prefix) name = `${prefix}/${name}`;
    }
    const data = buf.subarray(off + BLOCK, off + BLOCK + size);
    off += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'L') {
      longName = str(data, 0, data.length);
      continue;
    }
    if (longName !== null) {
      name = longName;
      longName = null;
    }
    if (type === '0' || type === '\0') {
      files[name.replace(/^(\.\/)+/, '')] = Buffer.from(data);
    }
  }
  return files;
}
