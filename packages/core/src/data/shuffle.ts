import { philoxWords } from '../random/philox.js';

/**
 * A permutation of 0..n−1 from `seed` and `epoch`: Fisher–Yates driven by the Philox stream with key
 * = seed and counter = (0, epoch), so every machine and every backend gets the same order.
 */
export function seededPermutation(n: number, seed: number, epoch: number): Uint32Array {
  const s = BigInt.asUintN(64, BigInt(seed));
  const key: [number, number] = [Number(s & 0xffffffffn), Number(s >> 32n)];
  const words = philoxWords(key, [0, epoch >>> 0], new Uint32Array(2 * n));
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    // 53 random bits as a uniform in [0, 1)
    const u = ((words[2 * i] >>> 5) * 67108864 + (words[2 * i + 1] >>> 6)) / 9007199254740992;
    const j = Math.floor(u * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}
