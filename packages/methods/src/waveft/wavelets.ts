import { daubechiesFilter } from './daubechies.js';

/**
 * PEFT's WAVELET_REDUCTIONS: the families its WaveFTConfig accepts, each with the rows and
 * columns its reconstruction loses (2N − 2 for dbN and symN, 6N − 2 for coifN).
 */
export function waveletReduction(family: string): number | null {
  const m = /^(db|sym|coif)(\d+)$/.exec(family);
  if (!m) return null;
  const n = Number(m[2]);
  const [lo, hi] = { db: [1, 38], sym: [2, 20], coif: [1, 17] }[m[1] as 'db' | 'sym' | 'coif'];
  if (n < lo! || n > hi!) return null;
  return m[1] === 'coif' ? 6 * n - 2 : 2 * n - 2;
}

/**
 * Families whose filters peft.js computes: dbN for N ≤ 10 (the Daubechies filters PEFT's own
 * table holds) and sym2, sym3 (the same filters as db2, db3).
 */
export function isSupportedWavelet(family: string): boolean {
  const m = /^(db|sym)(\d+)$/.exec(family);
  if (!m) return false;
  const n = Number(m[2]);
  return m[1] === 'db' ? n >= 1 && n <= 10 : n === 2 || n === 3;
}

export const SUPPORTED_WAVELETS = 'db1–db10, sym2, sym3';

/**
 * The reconstruction filters of a family, in PyWavelets' convention: rec_lo is the scaling
 * filter, rec_hi[i] = (−1)ⁱ rec_lo[L−1−i].
 */
export function reconstructionFilters(family: string): { lo: number[]; hi: number[] } {
  if (!isSupportedWavelet(family))
    throw new RangeError(`WaveFT: wavelet family '${family}' is not supported by peft.js (supported: ${SUPPORTED_WAVELETS})`);
  const lo = daubechiesFilter(Number(/\d+$/.exec(family)![0]));
  const hi = lo.map((_, i) => (i % 2 === 0 ? 1 : -1) * lo[lo.length - 1 - i]!);
  return { lo, hi };
}
