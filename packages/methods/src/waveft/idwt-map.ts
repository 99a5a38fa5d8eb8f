import type { SpectrumPositions } from '../fourierft/positions.js';
import { reconstructionFilters, waveletReduction } from './wavelets.js';

/**
 * Where one spectrum entry lands in ΔW: ΔW is linear in the spectrum, and entry j adds
 * s_j · coefficient at each (row, col) listed for it. `flat` holds row·cols + col.
 */
export interface SpectrumMap {
  /** The spectrum entry each contribution comes from. */
  entry: Int32Array;
  flat: Int32Array;
  coefficient: Float64Array;
}

/**
 * The 1-D synthesis PEFT's waverec2d applies along one axis of a padded length `padded` (two
 * bands of half that length), cropped as PEFT crops it to `size`: band position i spreads over
 * the outputs 2i + k − p (k < L, p = ⌊(2L − 3)/2⌋) with filter tap k.
 */
function synthesis(index: number, padded: number, size: number, filter: readonly number[]): [number, number][] {
  const half = padded / 2;
  const i = index < half ? index : index - half;
  const length = filter.length;
  const front = Math.floor((2 * length - 3) / 2);
  const produced = 2 * half + length - 2 - 2 * front;
  const start = Math.floor((produced - size) / 2);
  const out: [number, number][] = [];
  for (let k = 0; k < length; k++) {
    const u = 2 * i + k - front - start;
    if (u >= 0 && u < size) out.push([u, filter[k]!]);
  }
  return out;
}

/**
 * PEFT's WaveFT ΔW as a sparse linear map of the spectrum. The [out, in] positions are shifted
 * into a spectrum padded by the family's reduction (and to even sizes), whose quadrants are the
 * approximation and detail bands (cA | cH over cV | cD) of a one-level 2-D inverse DWT, each
 * band separable with its own pair of filters; the result is centre-cropped to [out, in]. Without `useIdwt` each entry lands on its own position.
 */
export function spectrumMap(
  family: string,
  useIdwt: boolean,
  outFeatures: number,
  inFeatures: number,
  positions: SpectrumPositions,
): SpectrumMap {
  const entry: number[] = [];
  const flat: number[] = [];
  const coefficient: number[] = [];
  const { rows, cols } = positions;
  if (!useIdwt) {
    rows.forEach((r, j) => {
      entry.push(j);
      flat.push(r * inFeatures + cols[j]!);
      coefficient.push(1);
    });
  } else {
    const reduction = waveletReduction(family);
    if (reduction === null) throw new RangeError(`WaveFT: unknown wavelet family '${family}'`);
    const { lo, hi } = reconstructionFilters(family);
    const even = (n: number) => (n % 2 === 0 ? n : n + 1);
    const paddedOut = even(outFeatures + reduction);
    const paddedIn = even(inFeatures + reduction);
    const rowOffset = Math.floor((paddedOut - outFeatures) / 2);
    const colOffset = Math.floor((paddedIn - inFeatures) / 2);
    rows.forEach((r, j) => {
      const row = r + rowOffset;
      const col = cols[j]! + colOffset;
      // PEFT's bands: cA (top left) lo⊗lo, cH (top right) hi⊗lo, cV (bottom left) lo⊗hi, cD hi⊗hi,
      // with the first filter along rows: the column's half picks the row filter and vice versa
      const down = synthesis(row, paddedOut, outFeatures, col < paddedIn / 2 ? lo : hi);
      const across = synthesis(col, paddedIn, inFeatures, row < paddedOut / 2 ? lo : hi);
      for (const [u, a] of down) {
        for (const [v, b] of across) {
          entry.push(j);
          flat.push(u * inFeatures + v);
          coefficient.push(a * b);
        }
      }
    });
  }
  return { entry: Int32Array.from(entry), flat: Int32Array.from(flat), coefficient: Float64Array.from(coefficient) };
}
