/**
 * The kernel's integer helpers the queue disciplines use, exact in
 * JavaScript numbers (u32 results; 64-bit intermediates kept exact).
 */

const TWO_POW_16 = 65536;
const TWO_POW_32 = 4294967296;

/** Debian's 6.1 kernels are built with CONFIG_HZ_250: one jiffy is 4 ms. */
export const HZ = 250;
export const NS_PER_JIFFY = 1e9 / HZ;

/** usecs_to_jiffies: microseconds to jiffies, rounded up. */
export function usecsToJiffies(us: number): number {
  return Math.ceil(us / (1e6 / HZ));
}

/** High 32 bits of the 64-bit product of two u32: ((u64)a * b) >> 32, exact. */
export function mulhi32(a: number, b: number): number {
  const ah = Math.floor(a / TWO_POW_16);
  const al = a % TWO_POW_16;
  const hi = ah * b; // < 2^48, exact
  const lo = al * b; // < 2^48, exact
  const q = Math.floor(hi / TWO_POW_16);
  const r = hi % TWO_POW_16;
  return q + Math.floor((r * TWO_POW_16 + lo) / TWO_POW_32);
}

/** reciprocal_scale(val, ep_ro): scale a u32 into [0, ep_ro) as (u64)val * ep_ro >> 32. */
export function reciprocalScale(val: number, epRo: number): number {
  return mulhi32(val >>> 0, epRo >>> 0);
}

function rol32(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** include/linux/jhash.h: jhash_3words(a, b, c, initval) (Bob Jenkins' lookup3 final mix). */
export function jhash3words(a: number, b: number, c: number, initval: number): number {
  const JHASH_INITVAL = 0xdeadbeef;
  const iv = (initval + JHASH_INITVAL + (3 << 2)) >>> 0;
  a = (a + iv) >>> 0;
  b = (b + iv) >>> 0;
  c = (c + iv) >>> 0;
  // __jhash_final(a, b, c)
  c = (c ^ b) >>> 0; c = (c - rol32(b, 14)) >>> 0;
  a = (a ^ c) >>> 0; a = (a - rol32(c, 11)) >>> 0;
  b = (b ^ a) >>> 0; b = (b - rol32(a, 25)) >>> 0;
  c = (c ^ b) >>> 0; c = (c - rol32(b, 16)) >>> 0;
  a = (a ^ c) >>> 0; a = (a - rol32(c, 4)) >>> 0;
  b = (b ^ a) >>> 0; b = (b - rol32(a, 14)) >>> 0;
  c = (c ^ b) >>> 0; c = (c - rol32(b, 24)) >>> 0;
  return c;
}

/** fls(x): position of the most significant set bit, 1-based; 0 for 0. */
export function fls(x: number): number {
  return x === 0 ? 0 : 32 - Math.clz32(x >>> 0);
}

/**
 * skb->truesize of a received packet of `bytes`, as __netdev_alloc_skb
 * builds it from a page fragment: SKB_TRUESIZE(SKB_DATA_ALIGN(bytes +
 * NET_SKB_PAD)), with x86_64 6.1's sizes (NET_SKB_PAD 64, sk_buff 256 and
 * skb_shared_info 320 bytes once cache-aligned). A 1514-byte frame: 2176.
 */
export function skbTruesize(bytes: number): number {
  const align64 = (x: number) => Math.ceil(x / 64) * 64;
  return align64(bytes + 64) + 256 + 320;
}
