/**
 * Seeded pseudo-random numbers with independent named streams.
 *
 * Every random component (a link's loss process for one flow, a BBR
 * instance's start phase, jitter...) takes its own stream, named by what it
 * is: `new Rng(seed, "loss/data/flow3")`. Streams depend only on the seed and
 * the name, so adding a flow or a component never changes the numbers
 * another one draws. Generator: xoshiro128** (Blackman & Vigna), state
 * initialised by SplitMix32 from the seed and an FNV-1a hash of the name.
 */

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let t = state.s ^ (state.s >>> 16);
  t = Math.imul(t, 0x21f0aaad);
  t ^= t >>> 15;
  t = Math.imul(t, 0x735a2d97);
  t ^= t >>> 15;
  return t >>> 0;
}

const TWO_POW_32 = 4294967296;

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, stream: string) {
    const st = { s: (Math.floor(seed) ^ Math.imul(Math.floor(seed / TWO_POW_32), 0x9e3779b1) ^ fnv1a(stream)) | 0 };
    // mix the stream hash in twice so that nearby seeds and names decorrelate
    splitmix32(st);
    st.s ^= fnv1a(`${stream}#${seed}`);
    this.a = splitmix32(st);
    this.b = splitmix32(st);
    this.c = splitmix32(st);
    this.d = splitmix32(st);
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / TWO_POW_32;
  }

  /** Uniform integer in [0, n), n <= 2^32 (as the kernel's prandom_u32_max: (u32 * n) >> 32). */
  below(n: number): number {
    return Math.floor((this.nextU32() * n) / TWO_POW_32);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * A Bernoulli event of probability p, drawn as netem does: true when a
 * uniform 32-bit number is below p scaled to 2^32.
 */
export function bernoulliThreshold(p: number): number {
  return p >= 1 ? TWO_POW_32 : Math.floor(p * TWO_POW_32);
}
