import { tensor, type Tensor } from '@peftjs/core';
import { TorchGenerator } from '../tuners/torch-generator.js';

/**
 * VeRA's shared frozen projections as PEFT makes them: one PyTorch CPU generator seeded with
 * `projection_prng_key` fills vera_A [r, in] and then vera_B [out, r] with kaiming-uniform values
 * (bound √6/√fan_in, fan_in being the second dimension), in float32. Replaying the generator gives
 * PEFT's exact matrices, in `dtype` (float64 holds the same float32 values, like PEFT's model.double()).
 */
export function veraProjections(
  seed: number,
  r: number,
  inFeatures: number,
  outFeatures: number,
  dtype: 'float32' | 'float64',
): { a: Tensor; b: Tensor } {
  const generator = new TorchGenerator(seed);
  const bound = (fanIn: number) => Math.sqrt(3) * (Math.sqrt(2) / Math.sqrt(fanIn));
  const a = generator.uniformFloat32(r * inFeatures, -bound(inFeatures), bound(inFeatures));
  const b = generator.uniformFloat32(outFeatures * r, -bound(r), bound(r));
  return { a: tensor(a, { shape: [r, inFeatures], dtype }), b: tensor(b, { shape: [outFeatures, r], dtype }) };
}
