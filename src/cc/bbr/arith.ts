/**
 * Unsigned 64-bit products as tcp_bbr.c computes them. The kernel multiplies
 * u64 values and shifts or divides; JavaScript numbers are exact only below
 * 2^53. At the rates cclab simulates the products stay far below that (bw
 * in pkts/us << 24 is ~1e5 at 50 Mbit/s), so these helpers take the plain
 * number path and fall back to BigInt only when a product would lose bits.
 */

const SAFE = Number.MAX_SAFE_INTEGER;

/** 2^k for k = 0..63, so that hot paths divide by a constant instead of calling pow. */
export const POW2: readonly number[] = Array.from({ length: 64 }, (_, k) => 2 ** k);

/** floor(a * b / 2^shift) for non-negative integers a, b. */
export function mulShr(a: number, b: number, shift: number): number {
  const p = a * b;
  if (p <= SAFE) return Math.floor(p / POW2[shift]!);
  return Number((BigInt(a) * BigInt(b)) >> BigInt(shift));
}

/** Absolute difference of two u32 values as abs() of their s32 difference does it. */
export function absDiffU32(a: number, b: number): number {
  return Math.abs((a - b) | 0);
}
