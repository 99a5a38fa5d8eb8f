import { add, concat, expand, fill, matmul, noGrad, permute, reshape, sub, sum, tidy, transpose, type Tensor } from '@peftjs/core';
import { identityLike, inverse } from '../linalg/solve.js';
import type { BaseState } from '../tuners/tuner-layer.js';

/**
 * MiSS/Bone's shared input: x [..., in] zero-padded to a multiple of r and cut into r-wide chunks,
 * summed chunk by chunk → [..., r] (the sum over chunks of x_pad.reshape(..., in/r, r)).
 */
export function chunkSum(x: Tensor, r: number): Tensor {
  return tidy(() => {
    const inFeatures = x.shape[x.rank - 1]!;
    const pad = (r - (inFeatures % r)) % r;
    const padded = pad === 0 ? x : concat([x, fill([...x.shape.slice(0, -1), pad], 0, x.dtype)], x.rank - 1);
    return sum(reshape(padded, [...x.shape.slice(0, -1), (inFeatures + pad) / r, r]), -2);
  });
}

/**
 * The weight change of the default (and mini) mode for a block [r, out]: x ↦ chunkSum(x)·block is
 * x·ΔWᵀ with ΔW[o, k] = block[k mod r, o], blockᵀ repeated across the input columns.
 */
export function tiledDelta(block: Tensor, inFeatures: number): Tensor {
  return tidy(() => {
    const [r, out] = block.shape as [number, number];
    const copies = Math.ceil(inFeatures / r);
    const tiled = reshape(expand(reshape(transpose(block), [out, 1, r]), [out, copies, r]).contiguous(), [out, copies * r]);
    return copies * r === inFeatures ? tiled : tiled.slice(1, 0, inFeatures).contiguous();
  });
}

/** W [out, in] as its r × r blocks [in/r, out/r, r, r] (block (j, i) = W[i·r:(i+1)·r, j·r:(j+1)·r]). */
function toBlocks(weight: Tensor, r: number): Tensor {
  const [out, inFeatures] = weight.shape as [number, number];
  return permute(reshape(weight, [out / r, r, inFeatures / r, r]), [2, 0, 1, 3]);
}

/** The inverse of toBlocks. */
function fromBlocks(blocks: Tensor, out: number, inFeatures: number): Tensor {
  return reshape(permute(blocks, [1, 2, 0, 3]).contiguous(), [out, inFeatures]);
}

/**
 * The 'bat' mode's weight change for blocks B [out/r, r, r]: each r × r block W_ij of W becomes
 * W_ij·B_i + B_i, so ΔW_ij = W_ij·B_i + B_i (PEFT's get_delta_weight).
 */
export function batDelta(weight: Tensor, block: Tensor): Tensor {
  return tidy(() => {
    const r = block.shape[2]!;
    const [out, inFeatures] = weight.shape as [number, number];
    return fromBlocks(add(matmul(toBlocks(weight, r), block), block), out, inFeatures);
  });
}

/** The inverse of merging 'bat': W_ij = (W'_ij − B_i)(I + B_i)⁻¹. */
export function batRestore(merged: Tensor, block: Tensor): Tensor {
  return tidy(() => {
    const r = block.shape[2]!;
    const [out, inFeatures] = merged.shape as [number, number];
    const inv = inverse(add(identityLike(block, r), block));
    return fromBlocks(matmul(sub(toBlocks(merged, r), block), inv), out, inFeatures);
  });
}

/**
 * The forward of 'bat' adapters (Bone, MiSS): F.linear with W + ΔW, each adapter's ΔW taken on
 * the weight the previous ones made, computed in the weight's dtype and returned in x's.
 */
export function batLinear(x: Tensor, weight: Tensor, bias: Tensor | null, blocks: readonly Tensor[]): Tensor {
  return tidy(() => {
    let w = weight;
    for (const block of blocks) w = add(w, batDelta(w, block));
    const y = matmul(x.cast(w.dtype), w, { transposeB: true });
    const out = bias ? add(y, bias) : y;
    return out.cast(x.dtype);
  });
}

/** The base tensors with a 'bat' block merged into the weight (new weight, the inputs untouched). */
export function batMergedState(state: BaseState, block: Tensor): BaseState {
  const w = state.get('weight')!;
  const out = new Map(state);
  out.set(
    'weight',
    noGrad(() => tidy(() => add(w, batDelta(w, block)))),
  );
  return out;
}

/** The inverse of batMergedState. */
export function batUnmergedState(state: BaseState, block: Tensor): BaseState {
  const out = new Map(state);
  out.set(
    'weight',
    noGrad(() => batRestore(state.get('weight')!, block)),
  );
  return out;
}
