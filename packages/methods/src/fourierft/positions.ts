import { TorchGenerator } from '../tuners/torch-generator.js';

/** Entries of a spectrum [out, in] by row and column. */
export interface SpectrumPositions {
  rows: Int32Array;
  cols: Int32Array;
}

/**
 * The entries of an [out, in] spectrum an adapter trains, as PEFT picks them (FourierFT, WaveFT):
 * the first `count` of torch.randperm(out·in) under a generator seeded with `seed`, as (row, col).
 * The generator is PyTorch's, replayed, so the positions are PEFT's own.
 */
export function spectrumPositions(outFeatures: number, inFeatures: number, count: number, seed: number): SpectrumPositions {
  const flat = new TorchGenerator(seed).randperm(outFeatures * inFeatures).subarray(0, count);
  const rows = new Int32Array(count);
  const cols = new Int32Array(count);
  flat.forEach((p, i) => {
    rows[i] = Math.floor(p / inFeatures);
    cols[i] = p % inFeatures;
  });
  return { rows, cols };
}
