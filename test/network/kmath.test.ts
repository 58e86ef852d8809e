/**
 * The kernel helpers the qdiscs use, against values printed by the same
 * formulas compiled as C (u32/u64 arithmetic): jhash_3words, reciprocal_scale.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/engine/rng.js';
import { jhash3words, mulhi32, reciprocalScale, skbTruesize, usecsToJiffies } from '../../src/network/qdisc/kmath.js';

describe('kernel integer helpers', () => {
  it('jhash_3words as include/linux/jhash.h computes it', () => {
    expect([jhash3words(0, 0, 0, 0), jhash3words(1, 0, 0, 0), jhash3words(7, 0, 0, 0x12345678), jhash3words(0xffffffff, 1, 2, 3)]).toEqual([
      459859287, 841261419, 3946145185, 974025658,
    ]);
  });

  it('reciprocal_scale and the 32x32 -> high 32 product are exact', () => {
    expect(reciprocalScale(0xdeadbeef, 1024)).toBe(890);
    expect(reciprocalScale(123456789, 65536)).toBe(1883);
    const r = new Rng(3, 'kmath');
    for (let i = 0; i < 2000; i++) {
      const a = r.nextU32();
      const b = r.nextU32();
      expect(mulhi32(a, b)).toBe(Number((BigInt(a) * BigInt(b)) >> 32n));
    }
  });

  it('usecs_to_jiffies rounds up at HZ 250; a full-size frame is 2176 bytes of truesize', () => {
    expect([usecsToJiffies(1), usecsToJiffies(4000), usecsToJiffies(4001), usecsToJiffies(15000)]).toEqual([1, 1, 2, 4]);
    expect(skbTruesize(1514)).toBe(2176);
  });
});
