import { expandLayout } from '../layout.js';
import type { TensorInfo } from '../kernels.js';
import type { Shape } from '../shape.js';

/** The same tensor seen through a broadcast layout of `shape` (stride 0 on broadcast axes). */
export function broadcastInfo<S>(x: TensorInfo<S>, shape: Shape, op: string): TensorInfo<S> {
  return { ...x, layout: expandLayout(x.layout, shape, op) };
}
