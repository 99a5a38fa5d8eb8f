import { tensor, type DType, type Shape, type Tensor } from '@peftjs/core';

/** A tensor of `values` on the active backend. */
export function fromValues(values: ArrayLike<number>, shape: Shape, dtype: DType, requiresGrad = false): Tensor {
  const t = tensor(Float64Array.from(values), { dtype, shape });
  if (requiresGrad) t.requiresGrad = true;
  return t;
}

/** The values of `t` as float64 numbers (bools as 0/1). */
export async function read(t: Tensor): Promise<Float64Array> {
  const data = await t.data();
  return Float64Array.from(data as ArrayLike<number>);
}

/** Reads then disposes. */
export async function readAndDispose(t: Tensor): Promise<Float64Array> {
  try {
    return await read(t);
  } finally {
    t.dispose();
  }
}

export function disposeAll(...groups: (Tensor | null | undefined | readonly (Tensor | null | undefined)[])[]): void {
  for (const g of groups) {
    if (!g) continue;
    if (Array.isArray(g)) for (const t of g) t?.dispose();
    else (g as Tensor).dispose();
  }
}
