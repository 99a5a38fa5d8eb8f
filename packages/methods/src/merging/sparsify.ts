import { bernoulli, tensor, type Generator, type Tensor } from '@peftjs/core';
import { magnitudeRankMask } from './rank-mask.js';

/**
 * Keep-mask of the round-down(density · size) largest-magnitude entries of `t` (PEFT's
 * magnitude_based_pruning, a top-k over the flattened tensor), in t's dtype and shape.
 */
export async function magnitudeMask(t: Tensor, density: number): Promise<Tensor> {
  const k = Math.floor(density * t.size);
  return maskTensor(magnitudeRankMask(await t.data(), 0, k), t);
}

/**
 * Model Breadcrumbs' mask: drop the round-down(gamma · size) largest-magnitude entries (outliers),
 * keep the next round-down(density · size), drop the rest (the smallest).
 */
export async function breadcrumbsMask(t: Tensor, density: number, gamma: number): Promise<Tensor> {
  const top = Math.floor(gamma * t.size);
  const keep = Math.floor(density * t.size);
  return maskTensor(magnitudeRankMask(await t.data(), top, keep), t);
}

/** DARE's random keep-mask: each entry kept with probability `density` (Philox Bernoulli draws). */
export function randomMask(t: Tensor, density: number, generator?: Generator): Tensor {
  return bernoulli(t.shape, density, { dtype: t.dtype, generator });
}

function maskTensor(mask: Uint8Array, like: Tensor): Tensor {
  return tensor(Float64Array.from(mask), { shape: like.shape, dtype: like.dtype });
}
