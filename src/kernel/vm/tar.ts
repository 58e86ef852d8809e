/**
 * Reading the tar archives the guest sends back (busybox tar: ustar, with
 * GNU long names when a name passes 100 bytes). Only regular files matter;
 * directories and other entries are skipped. Writing plain ustar archives
 * (the compact kernel reference trees, kernel/reference.ts).
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

function header(name: string, size: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  let prefix = '';
  let base = name;
  if (Buffer.byteLength(name) > 100) {
    // ustar splits a long path at a slash: prefix (<= 155 bytes) / name (<= 100 bytes)
    const cut = name.lastIndexOf('/', 155);
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100) throw new Error(`tar: path too long: ${name}`);
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  const put = (off: number, len: number, s: string): void => void h.write(s, off, len, 'utf8');
  const num = (off: number, len: number, v: number): void => put(off, len, `${v.toString(8).padStart(len - 1, '0')}\0`);
  put(0, 100, base);
  num(100, 8, 0o644);
  num(108, 8, 0);
  num(116, 8, 0);
  num(124, 12, size);
  num(136, 12, 0); // mtime 0: the same files give the same archive
  h.fill(0x20, 148, 156); // checksum field counts as spaces
  put(156, 1, '0');
  put(257, 6, 'ustar\0');
  put(263, 2, '00');
  put(345, 155, prefix);
  let sum = 0;
  for (const b of h) sum += b;
  put(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return h;
}

/**
 * A ustar archive of regular files, in the order given, with fixed modes,
 * owners and times, so that the same files always make the same bytes.
 */
export function writeTar(files: readonly (readonly [string, Buffer])[]): Buffer {
  const parts: Buffer[] = [];
  for (const [name, data] of files) {
    parts.push(header(name, data.length), data);
    const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}
