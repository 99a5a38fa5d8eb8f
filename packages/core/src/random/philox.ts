/**
 * Philox 4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3"): a counter-based
 * generator, so every backend produces the same stream for the same key and counter.
 *
 * The stream of a call: word j is `philox(key, counter + floor(j / 4))[j mod 4]`, with the 64-bit
 * counter in the first two of the four counter words (the last two are 0).
 * - uniform:   u(w) = (w >>> 8) · 2^-24 in [0, 1), mapped to low + (high − low) · u
 * - normal:    elements 2p and 2p+1 use words 2p, 2p+1 (Box–Muller): r = sqrt(−2 ln u1'),
 *              u1' = ((w1 >>> 8) + 1) · 2^-24 in (0, 1]; z0 = r cos(2π u2), z1 = r sin(2π u2)
 * - bernoulli: u(w) < p
 */
const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** High 32 bits of the 64-bit product of two uint32 (exact, with 16-bit halves). */
export function mulhi32(a: number, b: number): number {
  const aLo = a & 0xffff;
  const aHi = a >>> 16;
  const bLo = b & 0xffff;
  const bHi = b >>> 16;
  const lolo = aLo * bLo;
  const mid1 = aHi * bLo;
  const mid2 = aLo * bHi;
  const carry = ((lolo >>> 16) + (mid1 & 0xffff) + (mid2 & 0xffff)) >>> 16;
  return (aHi * bHi + (mid1 >>> 16) + (mid2 >>> 16) + carry) >>> 0;
}

/** One Philox 4x32-10 block: four uint32 outputs for counter (c0..c3) and key (k0, k1). */
export function philox4x32(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number, out: Uint32Array): Uint32Array {
  for (let round = 0; round < 10; round++) {
    const hi0 = mulhi32(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi32(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
  return out;
}

/** Fills `out` with words 0..out.length-1 of the stream for (key, counter). */
export function philoxWords(key: readonly [number, number], counter: readonly [number, number], out: Uint32Array): Uint32Array {
  const block = new Uint32Array(4);
  for (let j = 0; j < out.length; j += 4) {
    const b = j / 4;
    const lo = counter[0] + b;
    const c0 = lo >>> 0;
    const c1 = (counter[1] + Math.floor(lo / 0x100000000)) >>> 0;
    philox4x32(c0, c1, 0, 0, key[0], key[1], block);
    for (let w = 0; w < 4 && j + w < out.length; w++) out[j + w] = block[w];
  }
  return out;
}

const TWO_POW_M24 = 2 ** -24;

export function uniformFromWord(w: number): number {
  return (w >>> 8) * TWO_POW_M24;
}

/** Standard normal of element i given the words of its pair (w1 = word 2p, w2 = word 2p+1). */
export function normalFromWords(w1: number, w2: number, second: boolean): number {
  const u1 = ((w1 >>> 8) + 1) * TWO_POW_M24;
  const u2 = (w2 >>> 8) * TWO_POW_M24;
  const r = Math.sqrt(-2 * Math.log(u1));
  const theta = 2 * Math.PI * u2;
  return second ? r * Math.sin(theta) : r * Math.cos(theta);
}

/** How many 4-word blocks a call of `size` elements consumes (normal rounds up to pairs). */
export function philoxBlocks(size: number, kind: 'uniform' | 'normal' | 'bernoulli'): number {
  const words = kind === 'normal' ? size + (size % 2) : size;
  return Math.ceil(words / 4);
}
