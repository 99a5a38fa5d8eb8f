import { add, concat, cos, div, expand, mul, neg, reshape, sin, tidy, transpose, type Tensor } from '@peftjs/core';
import type { RoadVariant } from './config.js';

/** How many angles (and scales) a layer of `outFeatures` outputs has. */
export function roadSize(variant: RoadVariant, outFeatures: number): number {
  return variant === 'road_1' ? outFeatures / 2 : variant === 'road_2' ? outFeatures : outFeatures * 2;
}

/**
 * The two coefficient vectors [out] of RoAd's rotation (PEFT's _prepare_cols): y ↦ y⊙c₁ + rot(y)⊙c₂,
 * with c₁ = α cos θ and c₂ = α sin θ.
 */
export function roadColumns(variant: RoadVariant, groupSize: number, theta: Tensor, alpha: Tensor): [Tensor, Tensor] {
  return tidy(() => {
    const half = groupSize / 2;
    if (variant === 'road_1') {
      // each group's g/2 parameters serve both halves of the group
      const both = (t: Tensor) => reshape(expand(reshape(t, [-1, 1, half]), [t.size / half, 2, half]).contiguous(), [t.size * 2]);
      const [th, al] = [both(theta), both(alpha)];
      return [mul(al, cos(th)), mul(al, sin(th))];
    }
    if (variant === 'road_2') return [mul(alpha, cos(theta)), mul(alpha, sin(theta))];
    const part = (t: Tensor, k: number) =>
      reshape(
        reshape(t, [-1, 2, groupSize])
          .slice(1, k, k + 1)
          .contiguous(),
        [t.size / 2],
      );
    return [mul(part(alpha, 0), cos(part(theta, 0))), mul(part(alpha, 1), sin(part(theta, 1)))];
  });
}

/** rot(y): within each group of the last dimension, [y₁ | y₂] ↦ [−y₂ | y₁] (halves of groupSize/2). */
function rotateHalf(y: Tensor, groupSize: number): Tensor {
  return tidy(() => {
    const grouped = reshape(y, [...y.shape.slice(0, -1), y.shape[y.rank - 1]! / groupSize, 2, groupSize / 2]);
    const axis = grouped.rank - 2;
    return reshape(concat([neg(grouped.slice(axis, 1, 2)), grouped.slice(axis, 0, 1)], axis), y.shape);
  });
}

/** RoAd's 2-D rotations of output pairs (i, i + g/2) in each group: y⊙c₁ + rot(y)⊙c₂ along the last dimension. */
export function applyRoad(first: Tensor, second: Tensor, groupSize: number, y: Tensor): Tensor {
  return tidy(() => add(mul(y, first), mul(rotateHalf(y, groupSize), second)));
}

/** The rotation applied to the first dimension (the rows of a weight [out, in] or a bias [out]): R·W. */
export function applyRoadToRows(first: Tensor, second: Tensor, groupSize: number, w: Tensor): Tensor {
  if (w.rank === 1) return applyRoad(first, second, groupSize, w);
  return tidy(() => transpose(applyRoad(first, second, groupSize, transpose(w)), 0, 1).contiguous());
}

/**
 * The coefficients of R⁻¹: each pair (i, j = i + g/2) is the 2 × 2 matrix [[c₁ᵢ, −c₂ᵢ], [c₂ⱼ, c₁ⱼ]],
 * whose inverse is again of RoAd's form: c₁' = swap(c₁)/det, c₂' = −c₂/det with
 * det = c₁·swap(c₁) + c₂·swap(c₂) (swap exchanges the halves of each group).
 */
export function invertRoadColumns(first: Tensor, second: Tensor, groupSize: number): [Tensor, Tensor] {
  return tidy(() => {
    const swap = (t: Tensor) => {
      const grouped = reshape(t, [t.size / groupSize, 2, groupSize / 2]);
      return reshape(concat([grouped.slice(1, 1, 2), grouped.slice(1, 0, 1)], 1), [t.size]);
    };
    const det = add(mul(first, swap(first)), mul(second, swap(second)));
    return [div(swap(first), det), div(neg(second), det)];
  });
}
